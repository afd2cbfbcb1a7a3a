"""Inventory: what an organization holds at a moment, from the stock movements the indexer
folds out of custody events plus the consumption a hospital records (dispenses, write-offs).

    holdings(engine, org, at)        every batch held, first-expired-first-out, with its alert
    product_stock(engine, org, at)   per product: usable, expired, and recalled/withdrawn apart
    reserve_levels(engine, org, at)  per resource with a norm: below the emergency reserve / the norm
    fefo_picks(engine, org, gtin, quantity, at)   which batches to take units from first

The stock of (organization, batch) at the moment `at` (unix seconds) is the sum of its
movements with `timestamp <= at`. A batch's `expires` is the last second of its last valid
day: at `expires` it is still valid, one second later it has expired. Alerts compare the time
left, `expires - at`: negative is `expired`, under 30 days `under_30_days`, under 90 days
`under_90_days`. Usable stock is stock of active batches that have not expired; recalled and
withdrawn batches are counted apart, never as usable.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from sqlalchemy import Engine, func, select

from dapp.records.models import Batch, Movement, Product, ReserveNorm
from dapp.errors import PlatformError
from dapp.i18n import _

DAY = 24 * 60 * 60
ACTIVE = "active"
UNKNOWN = "unknown"  # a batch the indexer has not stored: counted as active


class InventoryError(PlatformError):
    """An inventory request that cannot be met; the message says why."""


class ExpiryAlert(str, Enum):
    EXPIRED = "expired"
    UNDER_30_DAYS = "under_30_days"
    UNDER_90_DAYS = "under_90_days"


class ReserveLevel(str, Enum):
    BELOW_RESERVE = "below_reserve"  # usable stock under the emergency reserve
    BELOW_NORM = "below_norm"  # under the minimum balance, at or above the reserve
    OK = "ok"


def expiry_alert(expires: int, at: int) -> ExpiryAlert | None:
    """The alert for a batch expiring at `expires` (last valid second), seen at `at`."""
    left = expires - at
    if left < 0:
        return ExpiryAlert.EXPIRED
    if left < 30 * DAY:
        return ExpiryAlert.UNDER_30_DAYS
    if left < 90 * DAY:
        return ExpiryAlert.UNDER_90_DAYS
    return None


@dataclass(frozen=True)
class Holding:
    """Units of one batch an organization holds."""

    gtin: str
    name: str
    batch_id: str
    lot: str
    expires: int | None  # None: the batch is not indexed (yet)
    status: str  # active, recalled, withdrawn (unknown when not indexed)
    quantity: int
    alert: ExpiryAlert | None
    days_left: int | None  # whole days until expiry; negative once expired

    @property
    def blocked(self) -> bool:
        """Recalled or withdrawn: never usable."""
        return self.status not in (ACTIVE, UNKNOWN)

    @property
    def usable(self) -> bool:
        return not self.blocked and self.alert != ExpiryAlert.EXPIRED


@dataclass(frozen=True)
class ProductStock:
    gtin: str
    name: str
    usable: int  # active, not expired
    expired: int  # active but past its expiry
    blocked: int  # recalled or withdrawn: kept apart, never usable

    @property
    def total(self) -> int:
        return self.usable + self.expired + self.blocked


@dataclass(frozen=True)
class ReserveStatus:
    gtin: str
    name: str
    usable: int
    emergency_reserve: int
    minimum_balance: int
    level: ReserveLevel


def holdings(engine: Engine, organization: str, at: int) -> list[Holding]:
    """Every batch `organization` holds at `at` (non-zero stock), first-expired-first-out:
    by expiry, then GTIN and lot; batches not indexed yet come last."""
    held = func.sum(Movement.quantity).label("quantity")
    query = (
        select(Movement.gtin, Movement.batch_id, held, Batch.lot, Batch.expires, Batch.status, Product.name)
        .outerjoin(Batch, Batch.batch_id == Movement.batch_id)
        .outerjoin(Product, Product.gtin == Movement.gtin)
        .where(Movement.organization == organization, Movement.timestamp <= at)
        .group_by(Movement.gtin, Movement.batch_id, Batch.lot, Batch.expires, Batch.status, Product.name)
        .having(func.sum(Movement.quantity) != 0)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    result = []
    for row in rows:
        alert = expiry_alert(row.expires, at) if row.expires is not None else None
        days_left = (row.expires - at) // DAY if row.expires is not None else None
        result.append(Holding(row.gtin, row.name or "", row.batch_id, row.lot or "", row.expires,
                              row.status or UNKNOWN, int(row.quantity), alert, days_left))
    return sorted(result, key=lambda h: (h.expires is None, h.expires or 0, h.gtin, h.lot, h.batch_id))


def expiry_alerts(engine: Engine, organization: str, at: int) -> list[Holding]:
    """The batches held at `at` that have expired or expire within 90 days, soonest first
    (recalled and withdrawn ones too: they still have to be dealt with)."""
    return [holding for holding in holdings(engine, organization, at) if holding.alert is not None]


def product_stock(engine: Engine, organization: str, at: int) -> list[ProductStock]:
    """Stock per product at `at`, by GTIN: usable, expired and recalled/withdrawn apart."""
    totals: dict[str, dict] = {}
    for holding in holdings(engine, organization, at):
        entry = totals.setdefault(holding.gtin, {"name": holding.name, "usable": 0, "expired": 0, "blocked": 0})
        if holding.blocked:
            entry["blocked"] += holding.quantity
        elif holding.alert == ExpiryAlert.EXPIRED:
            entry["expired"] += holding.quantity
        else:
            entry["usable"] += holding.quantity
    return [ProductStock(gtin, **entry) for gtin, entry in sorted(totals.items())]


def usable_stock(engine: Engine, organization: str, at: int) -> dict[str, int]:
    """Usable units per GTIN at `at`."""
    return {stock.gtin: stock.usable for stock in product_stock(engine, organization, at)}


def reserve_levels(engine: Engine, organization: str, at: int) -> list[ReserveStatus]:
    """For every resource the organization has a norm for: its usable stock at `at` against the
    emergency reserve and the minimum balance (the norm)."""
    usable = usable_stock(engine, organization, at)
    query = (
        select(ReserveNorm.gtin, ReserveNorm.minimum_balance, ReserveNorm.emergency_reserve, Product.name)
        .outerjoin(Product, Product.gtin == ReserveNorm.gtin)
        .where(ReserveNorm.organization == organization)
        .order_by(ReserveNorm.gtin)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    result = []
    for gtin, minimum_balance, emergency_reserve, name in rows:
        units = usable.get(gtin, 0)
        if units < emergency_reserve:
            level = ReserveLevel.BELOW_RESERVE
        elif units < minimum_balance:
            level = ReserveLevel.BELOW_NORM
        else:
            level = ReserveLevel.OK
        result.append(ReserveStatus(gtin, name or "", units, emergency_reserve, minimum_balance, level))
    return result


def fefo_picks(engine: Engine, organization: str, gtin: str, quantity: int, at: int) -> list[tuple[Holding, int]]:
    """Which usable batches `quantity` units of `gtin` should come from, first-expired-first-out:
    (batch, units) pairs. Raises `InventoryError` when the usable stock is short."""
    if quantity <= 0:
        raise InventoryError(_("pick a positive number of units, not {quantity}").format(quantity=quantity))
    usable = [h for h in holdings(engine, organization, at) if h.gtin == gtin and h.usable and h.quantity > 0]
    available = sum(h.quantity for h in usable)
    if available < quantity:
        raise InventoryError(_("{organization} holds {available} usable units of {gtin}, fewer than the {quantity} "
                               "asked for (expired, recalled and withdrawn batches do not count)").format(organization=organization, available=available, gtin=gtin, quantity=quantity))
    picks, remaining = [], quantity
    for holding in usable:
        take = min(holding.quantity, remaining)
        picks.append((holding, take))
        remaining -= take
        if not remaining:
            break
    return picks
