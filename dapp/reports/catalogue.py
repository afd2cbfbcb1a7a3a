"""The manufacturer catalogue: who makes what, from the indexed chain plus the documents behind it.

On-chain rows (organization, product, batch) are the truth; names, countries, ownership and
characteristics come from the metadata documents whose CIDs are on chain. Every document is
checked against its CID: one that is missing or altered is reported as such (its fields stay
empty) and never shown as valid, while the on-chain data is kept.

Filters on document fields (origin, ownership, text) run in Python after the SQL query: those
fields are not in the database, and Python's case folding handles Cyrillic (SQLite's LOWER
does not).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from eth_utils import is_address, to_checksum_address
from sqlalchemy import Engine, case, func, select

from dapp.records.models import Batch, Organization, Product
from dapp.documents.store import document_status
from dapp.documents.default_store import load_document
from dapp.errors import PlatformError
from dapp.roles import Category, Role
from dapp.i18n import _

RUSSIA = "RU"
ORIGINS = ("russian", "foreign")
OWNERSHIPS = ("state", "private")
STATUSES = ("pending", "active", "suspended", "revoked")

DocumentLoader = Callable[[str], bytes]


class CatalogueError(PlatformError, ValueError):
    """A catalogue query was asked something it cannot answer (a bad filter, an unknown manufacturer)."""


# --- documents ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentCheck:
    """A document read back and checked against its CID.

    `status`: "verified" (bytes match the CID and hold a JSON object), "none" (no CID on chain),
    "missing" (not in the store), "altered" (bytes do not match the CID), "unreachable" (the IPFS
    node does not answer), "unreadable" (the
    bytes match but are not a JSON object). `content` is empty unless verified.
    """

    cid: str
    status: str
    content: dict = field(default_factory=dict)
    problem: str = ""

    @property
    def verified(self) -> bool:
        return self.status == "verified"


def check_document(cid: str, load: DocumentLoader = load_document) -> DocumentCheck:
    if not cid:
        return DocumentCheck(cid, "none", problem="no document CID recorded on chain")
    try:
        data = load(cid)
    except PlatformError as error:
        return DocumentCheck(cid, document_status(error), problem=str(error))
    try:
        content = json.loads(data)
    except ValueError as error:
        return DocumentCheck(cid, "unreadable", problem=f"document {cid} is not JSON ({error})")
    if not isinstance(content, dict):
        return DocumentCheck(cid, "unreadable", problem=f"document {cid} is not a JSON object")
    return DocumentCheck(cid, "verified", content)


# --- manufacturers --------------------------------------------------------------------------


@dataclass(frozen=True)
class Manufacturer:
    address: str
    status: str  # on chain: pending, active, suspended, revoked
    roles: tuple[str, ...]  # on chain, lower-case role names
    product_count: int
    metadata_cid: str
    metadata_status: str  # see DocumentCheck.status
    metadata_problem: str  # why the metadata is not shown, when it is not
    # From the metadata document; None when it is not verified.
    name: str | None
    country: str | None  # ISO 3166-1 alpha-2
    ownership: str | None  # "state" or "private"
    city: str | None
    inn: str | None
    ogrn: str | None
    licence: str | None

    @property
    def russian(self) -> bool | None:
        """True for a Russian manufacturer, False for a foreign one, None when unknown."""
        return None if self.country is None else self.country.upper() == RUSSIA

    @property
    def origin(self) -> str | None:
        return None if self.russian is None else ORIGINS[0] if self.russian else ORIGINS[1]


@dataclass(frozen=True)
class BatchSummary:
    batches: int
    active: int
    recalled: int
    withdrawn: int
    units: int  # commissioned over all batches
    active_units: int  # commissioned in batches still active
    earliest_active_expiry: int | None  # unix seconds, among active batches


@dataclass(frozen=True)
class CatalogueProduct:
    gtin: str
    name: str
    category: str  # drug, device, consumable
    dosage_form: str
    registered_at: int
    characteristics: DocumentCheck
    certificate: DocumentCheck
    batches: BatchSummary


@dataclass(frozen=True)
class ManufacturerCard:
    manufacturer: Manufacturer
    products: list[CatalogueProduct]


def manufacturers(
    engine: Engine,
    *,
    origin: str | None = None,
    ownership: str | None = None,
    status: str | None = None,
    search: str | None = None,
    load: DocumentLoader = load_document,
) -> list[Manufacturer]:
    """Organizations holding the manufacturer role, sorted by name (unknown names last, by address).

    `origin` "russian" or "foreign" and `ownership` "state" or "private" need the verified
    metadata document: a manufacturer whose document is missing or altered matches neither.
    `search` matches, case-insensitively, name, city, country, INN, OGRN or address.
    """
    _check_choice("origin", origin, ORIGINS)
    _check_choice("ownership", ownership, OWNERSHIPS)
    _check_choice("status", status, STATUSES)
    products_per_manufacturer = (
        select(Product.manufacturer, func.count().label("products")).group_by(Product.manufacturer).subquery()
    )
    query = (
        select(Organization, func.coalesce(products_per_manufacturer.c.products, 0).label("product_count"))
        .outerjoin(products_per_manufacturer, products_per_manufacturer.c.manufacturer == Organization.address)
        .where(Organization.roles.op("&")(int(Role.MANUFACTURER)) != 0)
    )
    if status is not None:
        query = query.where(Organization.status == status)
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    found = [_manufacturer(row, row.product_count, load) for row in rows]
    if origin is not None:
        found = [m for m in found if m.origin == origin]
    if ownership is not None:
        found = [m for m in found if m.ownership == ownership]
    if search:
        needle = search.strip().casefold()
        found = [m for m in found if needle in _haystack(m)]
    return sorted(found, key=lambda m: (m.name is None, (m.name or "").casefold(), m.address))


def manufacturer_card(engine: Engine, address: str, *, load: DocumentLoader = load_document) -> ManufacturerCard:
    """One manufacturer with its products, their checked characteristics and a summary of their batches."""
    if not is_address(address):
        raise CatalogueError(_("{address!r} is not an Ethereum address (expected 0x followed by 40 hex digits)").format(address=address))
    address = to_checksum_address(address)
    batch_counts = (
        select(
            Batch.gtin,
            func.count().label("batches"),
            func.sum(case((Batch.status == "active", 1), else_=0)).label("active"),
            func.sum(case((Batch.status == "recalled", 1), else_=0)).label("recalled"),
            func.sum(case((Batch.status == "withdrawn", 1), else_=0)).label("withdrawn"),
            func.sum(Batch.quantity).label("units"),
            func.sum(case((Batch.status == "active", Batch.quantity), else_=0)).label("active_units"),
            func.min(case((Batch.status == "active", Batch.expires), else_=None)).label("earliest_active_expiry"),
        )
        .where(Batch.manufacturer == address)
        .group_by(Batch.gtin)
        .subquery()
    )
    with engine.connect() as connection:
        organization = connection.execute(select(Organization).where(Organization.address == address)).first()
        if organization is None or not Role(organization.roles) & Role.MANUFACTURER:
            raise CatalogueError(
                _("{address} is not a registered manufacturer; list them with the catalogue's "
                  "manufacturers()").format(address=address)
            )
        products = connection.execute(
            select(Product, *(column for column in batch_counts.c if column.name != "gtin"))
            .outerjoin(batch_counts, batch_counts.c.gtin == Product.gtin)
            .where(Product.manufacturer == address)
            .order_by(Product.gtin)
        ).all()
    entries = [
        CatalogueProduct(
            gtin=row.gtin,
            name=row.name,
            category=Category(row.category).name.lower(),
            dosage_form=row.dosage_form,
            registered_at=row.registered_at,
            characteristics=check_document(row.characteristics_cid, load),
            certificate=check_document(row.certificate_cid, load),
            batches=BatchSummary(
                batches=row.batches or 0,
                active=int(row.active or 0),
                recalled=int(row.recalled or 0),
                withdrawn=int(row.withdrawn or 0),
                units=int(row.units or 0),
                active_units=int(row.active_units or 0),
                earliest_active_expiry=row.earliest_active_expiry,
            ),
        )
        for row in products
    ]
    return ManufacturerCard(_manufacturer(organization, len(entries), load), entries)


def _manufacturer(organization, product_count: int, load: DocumentLoader) -> Manufacturer:
    metadata = check_document(organization.metadata_cid, load)
    text = {
        key: (str(metadata.content[key]) if metadata.content.get(key) not in (None, "") else None)
        for key in ("name", "country", "ownership", "city", "inn", "ogrn", "licence")
    }
    return Manufacturer(
        address=organization.address,
        status=organization.status,
        roles=tuple(role.name.lower() for role in Role if role & organization.roles),
        product_count=int(product_count),
        metadata_cid=organization.metadata_cid,
        metadata_status=metadata.status,
        metadata_problem=metadata.problem,
        **text,
    )


def _haystack(m: Manufacturer) -> str:
    return " ".join(v for v in (m.name, m.city, m.country, m.inn, m.ogrn, m.address) if v).casefold()


def _check_choice(name: str, value: str | None, choices: tuple[str, ...]) -> None:
    if value is not None and value not in choices:
        raise CatalogueError(_("{name} {value!r} is not one of {choices} (or None for all)").format(name=name, value=value, choices=', '.join(choices)))
