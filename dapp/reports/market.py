"""The market: needs hospitals publish, and supply against demand per resource and over time.

Everything is returned as plain rows (lists of dicts with scalar values, or dataclasses) that
a Streamlit chart or table takes as they are, e.g.
`st.bar_chart(supply_demand(engine), x="period", y=["demand", "delivered"], color="gtin")`.

Periods are calendar months or ISO weeks (Monday first) in a time zone, Moscow by default.
The bucket edges are computed here (zoneinfo) and handed to the database as a CASE over
timestamp ranges, so one query runs on SQLite (which knows no time zones) and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Engine, and_, case, func, select, true

from dapp.records.models import Movement, Organization, PriceQuote, Product, PurchaseRequest, Tender
from dapp.errors import PlatformError
from dapp.reports.planning import AWARDED_STATUSES
from dapp.roles import Role
from dapp.i18n import _

DEFAULT_TIME_ZONE = "Europe/Moscow"
PERIODS = ("month", "week")
MAX_PERIODS = 1000  # one CASE branch each: beyond this, ask for a narrower range
SPECIFICATION_GTIN = "0" * 14  # the GTIN of a tender by specification (see Tender.accepted_gtins)
# A cancelled tender withdrew its need; every other status was a need published.
WITHDRAWN_TENDER_STATUSES = ("cancelled",)


class MarketError(PlatformError, ValueError):
    """A market query was given a bad period, time zone or range."""


# --- needs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Need:
    """A need an organization has published: a purchase request, or an open tender."""

    source: str  # "request" (off chain, not yet a tender) or "tender" (open, on chain)
    reference: int  # purchase_request.id or tender_id
    organization: str
    gtin: str  # SPECIFICATION_GTIN for a tender by specification
    accepted_gtins: tuple[str, ...]  # a tender by specification's acceptable products
    quantity: int
    max_unit_price: Decimal | None  # token units; a tender's is its whole НМЦК / quantity
    max_price: Decimal | None  # for the whole quantity
    published_on: date  # in the time zone asked for
    needed_by: date | None  # the request's date, or the tender's delivery deadline


def needs(engine: Engine, *, gtin: str | None = None, time_zone: str = DEFAULT_TIME_ZONE) -> list[Need]:
    """Published purchase requests and open tenders, oldest first."""
    zone = _zone(time_zone)
    requests = select(PurchaseRequest).where(_published_request())
    tenders = select(Tender).where(Tender.status == "open")
    if gtin is not None:
        requests = requests.where(PurchaseRequest.gtin == gtin)
        tenders = tenders.where(Tender.gtin == gtin)
    with engine.connect() as connection:
        request_rows = connection.execute(requests).all()
        tender_rows = connection.execute(tenders).all()
    found = [
        Need(
            source="request",
            reference=row.id,
            organization=row.organization,
            gtin=row.gtin,
            accepted_gtins=(),
            quantity=row.quantity,
            max_unit_price=row.max_unit_price,
            max_price=None if row.max_unit_price is None else row.max_unit_price * row.quantity,
            published_on=row.created_on,
            needed_by=row.needed_by,
        )
        for row in request_rows
    ] + [
        Need(
            source="tender",
            reference=row.tender_id,
            organization=row.hospital,
            gtin=row.gtin,
            accepted_gtins=tuple(g for g in row.accepted_gtins.split(",") if g),
            quantity=row.quantity,
            max_unit_price=Decimal(row.max_price) / row.quantity if row.quantity else None,
            max_price=Decimal(row.max_price),
            published_on=_local_date(row.created_at, zone),
            needed_by=_local_date(row.delivery_deadline, zone),
        )
        for row in tender_rows
    ]
    return sorted(found, key=lambda n: (n.published_on, n.source, n.reference))


def needs_by_resource(engine: Engine) -> list[dict]:
    """Per GTIN: how many needs are published and for how many units (requests and open tenders)."""
    totals: dict[str, dict] = {}
    for need in needs(engine):
        row = totals.setdefault(
            need.gtin, {"gtin": need.gtin, "requests": 0, "tenders": 0, "requested": 0, "tendered": 0, "quantity": 0}
        )
        row["requests" if need.source == "request" else "tenders"] += 1
        row["requested" if need.source == "request" else "tendered"] += need.quantity
        row["quantity"] += need.quantity
    names = _product_names(engine)
    return [{**row, "product": names.get(gtin, "")} for gtin, row in sorted(totals.items())]


# --- stock in the market --------------------------------------------------------------------


STOCK_COLUMNS = ("at_manufacturers", "at_distributors", "in_transit", "at_hospitals", "at_pharmacies")


def market_stock(engine: Engine, *, at: int | None = None) -> list[dict]:
    """Per GTIN, the units in existence at unix time `at` (default: now), by who holds them.

    A holder with several roles counts once, as hospital, else pharmacy, else manufacturer,
    else distributor (distributors, suppliers and anyone else). `available` is what can still
    be sold: the units at manufacturers and distributors. Units consumed or written off are
    gone; units shipped and not yet received or returned are `in_transit`.
    """
    roles = Organization.roles
    holder = case(
        (roles.op("&")(int(Role.MEDICAL_ORGANIZATION)) != 0, "at_hospitals"),
        (roles.op("&")(int(Role.PHARMACY)) != 0, "at_pharmacies"),
        (roles.op("&")(int(Role.MANUFACTURER)) != 0, "at_manufacturers"),
        else_="at_distributors",
    ).label("holder")
    movements = select(Movement.gtin, holder, Movement.quantity).outerjoin(
        Organization, Organization.address == Movement.organization
    )
    # A shipment takes units off the shipper and its receipt or return puts them back on
    # someone: what these movements sum to, negated, is still on its way.
    travelling = select(Movement.gtin, -func.sum(Movement.quantity)).where(
        Movement.kind.in_(("shipped", "received", "returned"))
    ).group_by(Movement.gtin)
    if at is not None:
        movements = movements.where(Movement.timestamp <= at)
        travelling = travelling.where(Movement.timestamp <= at)
    inner = movements.subquery()  # grouped outside: see supply_demand
    held = select(inner.c.gtin, inner.c.holder, func.sum(inner.c.quantity)).group_by(inner.c.gtin, inner.c.holder)
    with engine.connect() as connection:
        held_rows = connection.execute(held).all()
        travelling_rows = connection.execute(travelling).all()
    stock: dict[str, dict] = {}
    for gtin, column, units in held_rows:
        _stock_row(stock, gtin)[column] += int(units)
    for gtin, units in travelling_rows:
        if units:
            _stock_row(stock, gtin)["in_transit"] += int(units)
    names = _product_names(engine)
    rows = []
    for gtin, row in sorted(stock.items()):
        row["available"] = row["at_manufacturers"] + row["at_distributors"]
        row["total"] = sum(row[column] for column in STOCK_COLUMNS)
        rows.append({"gtin": gtin, "product": names.get(gtin, ""), **row})
    return rows


def supply_demand_by_resource(engine: Engine) -> list[dict]:
    """Per GTIN, now: open demand (published needs) against the stock that could meet it.

    `shortfall` is the open demand the available stock (at manufacturers and distributors)
    cannot cover (units in transit are already sold to their consignee). Tenders by
    specification stay under SPECIFICATION_GTIN.
    """
    demand = {row["gtin"]: row for row in needs_by_resource(engine)}
    stock = {row["gtin"]: row for row in market_stock(engine)}
    empty_stock = {"available": 0, "in_transit": 0, "at_hospitals": 0, "at_pharmacies": 0}
    names = _product_names(engine)
    rows = []
    for gtin in sorted(demand.keys() | stock.keys()):
        open_demand = demand.get(gtin, {}).get("quantity", 0)
        held = stock.get(gtin, empty_stock)
        rows.append(
            {
                "gtin": gtin,
                "product": names.get(gtin, ""),
                "open_demand": open_demand,
                "available": held["available"],
                "in_transit": held["in_transit"],
                "at_hospitals": held["at_hospitals"],
                "at_pharmacies": held["at_pharmacies"],
                "shortfall": max(0, open_demand - held["available"]),
            }
        )
    return rows


# --- supply against demand over time --------------------------------------------------------


def supply_demand(
    engine: Engine,
    *,
    period: str = "month",
    time_zone: str = DEFAULT_TIME_ZONE,
    start: date | None = None,
    end: date | None = None,
    gtins: list[str] | None = None,
) -> list[dict]:
    """Per period and GTIN: demand published and supply, with zeros where nothing happened.

    Columns: period (the first local day of the month or ISO week), gtin, product,
    demand (= requested + tendered: units of published purchase requests by their creation day,
    and of tenders by their creation, cancelled ones excepted), commissioned (units made),
    delivered (units received by organizations with the hospital role).
    `start` and `end` are local days; the periods holding them bound the result (default:
    the first and last periods with any activity). Sorted by period, then GTIN.
    """
    if period not in PERIODS:
        raise MarketError(_("period {period!r} is not one of {periods}").format(period=period, periods=', '.join(PERIODS)))
    zone = _zone(time_zone)
    if start is not None and end is not None and end < start:
        raise MarketError(_("the range ends ({end}) before it starts ({start}); swap them").format(end=end, start=start))
    if start is None or end is None:
        first, last = _activity_span(engine, zone)
        if first is None:
            return []
        start = start or min(first, end or first)
        end = end or max(last, start)
    starts = _period_starts(start, end, period)
    if len(starts) > MAX_PERIODS:
        raise MarketError(
            _("{count} periods ({period}) from {start} to {end} are over the {max_periods} a chart can take; "
              "narrow the range or use months").format(count=len(starts), period=period, start=start, end=end,
                                                        max_periods=MAX_PERIODS)
        )
    day_edges = starts + [_next_period(starts[-1], period)]
    edges = [int(datetime(d.year, d.month, d.day, tzinfo=zone).timestamp()) for d in day_edges]

    hospital = Organization.roles.op("&")(int(Role.MEDICAL_ORGANIZATION)) != 0
    only = (lambda column: column.in_(gtins)) if gtins is not None else (lambda column: true())
    sources = {
        "requested": select(PurchaseRequest.gtin, _bucket(PurchaseRequest.created_on, day_edges), PurchaseRequest.quantity)
        .where(_published_request(), only(PurchaseRequest.gtin), _within(PurchaseRequest.created_on, day_edges)),
        "tendered": select(Tender.gtin, _bucket(Tender.created_at, edges), Tender.quantity)
        .where(Tender.status.not_in(WITHDRAWN_TENDER_STATUSES), only(Tender.gtin), _within(Tender.created_at, edges)),
        "commissioned": select(Movement.gtin, _bucket(Movement.timestamp, edges), Movement.quantity)
        .where(Movement.kind == "commissioned", only(Movement.gtin), _within(Movement.timestamp, edges)),
        "delivered": select(Movement.gtin, _bucket(Movement.timestamp, edges), Movement.quantity)
        .join(Organization, Organization.address == Movement.organization)
        .where(Movement.kind == "received", hospital, only(Movement.gtin), _within(Movement.timestamp, edges)),
    }
    figures: dict[tuple[int, str], dict] = {}
    with engine.connect() as connection:
        for column, source in sources.items():
            # Grouped outside the subquery: PostgreSQL would not match a CASE repeated in GROUP BY.
            inner = source.subquery()
            totals = select(inner.c[0], inner.c.bucket, func.sum(inner.c[2])).group_by(inner.c[0], inner.c.bucket)
            for gtin, index, units in connection.execute(totals):
                figures.setdefault((index, gtin), {})[column] = int(units)
    names = _product_names(engine)
    active = sorted(set(gtins) if gtins is not None else {gtin for _, gtin in figures})
    rows = []
    for index, first_day in enumerate(starts):
        for gtin in active:
            found = figures.get((index, gtin), {})
            requested, tendered = found.get("requested", 0), found.get("tendered", 0)
            rows.append(
                {
                    "period": first_day,
                    "gtin": gtin,
                    "product": names.get(gtin, ""),
                    "demand": requested + tendered,
                    "requested": requested,
                    "tendered": tendered,
                    "commissioned": found.get("commissioned", 0),
                    "delivered": found.get("delivered", 0),
                }
            )
    return rows


def _bucket(column, edges):
    """The index of the period [edges[i], edges[i + 1]) holding `column`."""
    return case(*[(column < edges[i + 1], i) for i in range(len(edges) - 1)]).label("bucket")


def _within(column, edges):
    return and_(column >= edges[0], column < edges[-1])


def period_start(day: date, period: str) -> date:
    """The first day of the month or ISO week holding `day`."""
    return day.replace(day=1) if period == "month" else day - timedelta(days=day.weekday())


def _period_starts(start: date, end: date, period: str) -> list[date]:
    starts = [period_start(start, period)]
    while (following := _next_period(starts[-1], period)) <= end:
        starts.append(following)
    return starts


def _next_period(first_day: date, period: str) -> date:
    if period == "week":
        return first_day + timedelta(days=7)
    return date(first_day.year + first_day.month // 12, first_day.month % 12 + 1, 1)


def _activity_span(engine: Engine, zone: ZoneInfo) -> tuple[date | None, date | None]:
    """The first and last local days with a request, tender, commissioning or receipt."""
    with engine.connect() as connection:
        requests = connection.execute(
            select(func.min(PurchaseRequest.created_on), func.max(PurchaseRequest.created_on)).where(
                _published_request()
            )
        ).one()
        tenders = connection.execute(
            select(func.min(Tender.created_at), func.max(Tender.created_at)).where(
                Tender.status.not_in(WITHDRAWN_TENDER_STATUSES)
            )
        ).one()
        movements = connection.execute(
            select(func.min(Movement.timestamp), func.max(Movement.timestamp)).where(
                Movement.kind.in_(("commissioned", "received"))
            )
        ).one()
    days = [d for d in requests if d is not None]
    days += [_local_date(t, zone) for t in (*tenders, *movements) if t is not None]
    return (min(days), max(days)) if days else (None, None)


# --- prices over time ----------------------------------------------------------------------


def price_history(engine: Engine, gtin: str, *, time_zone: str = DEFAULT_TIME_ZONE) -> list[dict]:
    """The unit prices of `gtin` over time, oldest first: each supplier's quote on the day it is
    dated, and each awarded tender's winning price per unit (its whole price over its quantity,
    in kopecks, rounded half up) on the day it was awarded. The market-price method
    (dapp.reports.planning) averages the same two kinds of sources.

    Rows: day (a date), kind ("quote" or "tender"), source (the supplier, or the tender's
    number), unit_price (kopecks)."""
    zone = _zone(time_zone)
    quotes = (select(PriceQuote.quoted_on, PriceQuote.supplier, PriceQuote.unit_price)
              .where(PriceQuote.gtin == gtin).order_by(PriceQuote.quoted_on, PriceQuote.id))
    tenders = (select(Tender.awarded_at, Tender.tender_id, Tender.price, Tender.quantity)
               .where(Tender.gtin == gtin, Tender.status.in_(AWARDED_STATUSES), Tender.price.is_not(None),
                      Tender.awarded_at.is_not(None), Tender.quantity > 0)
               .order_by(Tender.awarded_at, Tender.tender_id))
    with engine.connect() as connection:
        rows = [{"day": day, "kind": "quote", "source": supplier, "unit_price": int(price)}
                for day, supplier, price in connection.execute(quotes)]
        rows += [{"day": _local_date(int(awarded_at), zone), "kind": "tender", "source": str(tender_id),
                  "unit_price": (2 * int(price) + int(quantity)) // (2 * int(quantity))}
                 for awarded_at, tender_id, price, quantity in connection.execute(tenders)]
    return sorted(rows, key=lambda row: (row["day"], row["kind"], row["source"]))


def priced_resources(engine: Engine) -> dict[str, str]:
    """The GTINs that have at least one quote or awarded tender price, in GTIN order, each with its
    product's name ("" when no product of that GTIN is registered)."""
    with engine.connect() as connection:
        quoted = set(connection.execute(select(PriceQuote.gtin).distinct()).scalars())
        awarded = set(connection.execute(select(Tender.gtin).where(
            Tender.status.in_(AWARDED_STATUSES), Tender.price.is_not(None), Tender.quantity > 0)
            .distinct()).scalars())
    names = _product_names(engine)
    return {gtin: names.get(gtin, "") for gtin in sorted((quoted | awarded) - {SPECIFICATION_GTIN})}


# --- helpers --------------------------------------------------------------------------------


def _published_request():
    return and_(PurchaseRequest.status == "published", PurchaseRequest.published.is_(True))


def _stock_row(stock: dict[str, dict], gtin: str) -> dict:
    return stock.setdefault(gtin, dict.fromkeys(STOCK_COLUMNS, 0))


def _product_names(engine: Engine) -> dict[str, str]:
    with engine.connect() as connection:
        return dict(connection.execute(select(Product.gtin, Product.name)).all())


def _local_date(timestamp: int, zone: ZoneInfo) -> date:
    return datetime.fromtimestamp(timestamp, zone).date()


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise MarketError(_("{name!r} is not a known time zone (an IANA name such as {default_time_zone})").format(name=name, default_time_zone=DEFAULT_TIME_ZONE)) from None
