"""What the database's command-line tools share (`ape run stock`, `ape run market`): the
`--database` option, organizations and GTINs read as people type them and checked against the
index, the index's idea of "now", organization names, and plain-text tables."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import click
from eth_utils import is_address, to_checksum_address
from sqlalchemy import Engine, func, select

from dapp.records.models import Block, Organization, Product
from dapp.errors import InvalidCodeError, PlatformError
from dapp.codes.gs1 import parse_gtin
from dapp.formats import rubles
from dapp.i18n import _

MOSCOW = "Europe/Moscow"

database_option = click.option(
    "--database", "database_url", default=None, metavar="URL",
    help="SQLAlchemy URL of the indexed database (default: MEDCHAIN_DATABASE_URL, else data/platform.db).")


def open_indexed(url: str | None) -> Engine:
    """The database at `url` (default: dapp.records.engine.database_url()), migrated."""
    from dapp.records.engine import open_database

    return open_database(url)


def organization_address(engine: Engine, text: str) -> str:
    """`text` as the checksummed address of an organization the index knows."""
    text = text.strip()
    if not is_address(text):
        raise PlatformError(_("--org {text!r} is not an Ethereum address (0x followed by 40 hex digits)").format(text=text))
    address = to_checksum_address(text)
    with engine.connect() as connection:
        known = connection.execute(select(Organization.address).where(Organization.address == address)).first()
    if known is None:
        raise PlatformError(_("{address} is not a registered organization in {engine}; check the address, or run `ape "
                              "run index` if it registered recently").format(address=address, engine=_where(engine)))
    return address


def product_gtin(engine: Engine, text: str) -> str:
    """`text` as the GTIN-14 of a product the index knows."""
    try:
        gtin = parse_gtin(text)
    except InvalidCodeError as error:
        raise PlatformError(_("--gtin {text!r}: {error}").format(text=text, error=error)) from None
    with engine.connect() as connection:
        known = connection.execute(select(Product.gtin).where(Product.gtin == gtin)).first()
    if known is None:
        raise PlatformError(_("no product with GTIN {gtin} is registered in {engine}; check the GTIN, or run `ape run "
                              "index` if it was registered recently").format(gtin=gtin, engine=_where(engine)))
    return gtin


def index_now(engine: Engine) -> int:
    """Now, for the index: the wall clock, or the last indexed block's time when that is later
    (a development chain whose clock was moved forward)."""
    with engine.connect() as connection:
        last_block = connection.execute(select(func.max(Block.timestamp))).scalar()
    return max(int(time.time()), int(last_block or 0))


def local_day(timestamp: int, time_zone: str = MOSCOW) -> date:
    return datetime.fromtimestamp(timestamp, ZoneInfo(time_zone)).date()


def local_moment(timestamp: int, time_zone: str = MOSCOW) -> str:
    return datetime.fromtimestamp(timestamp, ZoneInfo(time_zone)).strftime(f"%Y-%m-%d %H:%M ({time_zone})")


def organization_names(engine: Engine) -> dict[str, str]:
    """Address -> name, from the metadata documents that are in the store and match their CID."""
    from dapp.reports.catalogue import check_document

    with engine.connect() as connection:
        rows = connection.execute(select(Organization.address, Organization.metadata_cid)).all()
    names = {}
    for address, cid in rows:
        name = check_document(cid).content.get("name")
        if name:
            names[address] = str(name)
    return names


def described(address: str, names: dict[str, str]) -> str:
    name = names.get(address)
    return f"{name} ({address})" if name else address


def token_amount(value: int | Decimal | None) -> str:
    """Token units (kopecks) as rubles, a fraction of a kopeck rounded half up; "-" for None."""
    if value is None:
        return "-"
    return rubles(int(Decimal(value).quantize(Decimal(1), ROUND_HALF_UP)))


def table(headings: Sequence[str], rows: Sequence[Sequence], right: Sequence[int] = ()) -> str:
    """A plain-text table: columns as wide as their widest cell; columns in `right` right-aligned."""
    cells = [[str(heading) for heading in headings]] + [["-" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headings))]

    def line(row):
        return "  ".join(cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
                         for i, cell in enumerate(row)).rstrip()

    return "\n".join([line(cells[0]), "  ".join("-" * width for width in widths)] + [line(row) for row in cells[1:]])


def shorten(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _where(engine: Engine) -> str:
    return f"the database {engine.url.render_as_string(hide_password=True)}"
