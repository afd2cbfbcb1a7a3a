"""Purchase planning: which resources an organization must order now, how many, and at what
maximum price (the market-price method), saved as purchase requests (needs it publishes) that
become on-chain tenders.

    plans = plan_purchases(engine, hospital_address, at=now)       # saves the requests
    tender_id = publish_tender(engine, TenderClient.connected(), hospital_account, plans[0].request_id)

When to order. For each resource the organization has a norm for, the usable stock S now
(dapp.reports.inventory: active, unexpired batches) is projected forward with the average daily use u
(consumption over the last `history_days`, 90 by default). A delivery ordered today arrives
after the norm's lead time L days; if the projected stock then, P = S - u*L, is below 97 % of
the minimum balance N (the 97 % rule) or below the emergency reserve R, a request is made.
A resource with a request still published or tendered is left alone.

How many. Q = ceil(max(N, R) - max(P, 0) + u*H): back to the norm (or the reserve, if an
organization keeps it higher) on arrival, plus the use over the planning horizon H
(`horizon_days`, one quarter by default). Units that could not be dispensed while out of stock
are not made up, hence max(P, 0). `needed_by` is the day the stock is
projected to cross max(97 % of N, R) (today when it already has).

At what price (the market-price method, as for an НМЦК): the sources are the price quotes for
the GTIN from the last year, and the unit prices (price / quantity) of the tenders for it
awarded in the last year (awarded, contracted or completed). At least 3 sources are needed and
their coefficient of variation (sample standard deviation / mean) must be at most 33 %; the
maximum unit price is then their mean, rounded to the kopeck (the token's unit). Otherwise the
request carries no price and its note says why.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, insert, select, update

from dapp.records.models import (
    Movement,
    PriceQuote,
    Product,
    PurchaseRequest,
    ReserveNorm,
    Tender,
)
from dapp.errors import PlatformError
from dapp.reports.inventory import usable_stock
from dapp.i18n import _, ngettext

DAY = 24 * 60 * 60
HOUR = 60 * 60
MOSCOW = "Europe/Moscow"
RULE = Fraction(97, 100)
MIN_SOURCES = 3
MAX_VARIATION = Fraction(33, 100)
SOURCE_AGE_DAYS = 365
AWARDED_STATUSES = ("awarded", "contracted", "completed")
OPEN_REQUEST_STATUSES = ("published", "tendered")
CONSUMPTION_KINDS = ("dispensed", "dispense_undone")


class PlanningError(PlatformError):
    """A planning step that cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class PriceSource:
    kind: str  # "quote" or "tender"
    reference: str  # the supplier, or "tender 12"
    unit_price: Fraction  # kopecks


@dataclass(frozen=True)
class MarketPrice:
    unit_price: int | None  # kopecks; None when the method cannot set one
    note: str  # how it was set, or why not
    sources: tuple[PriceSource, ...]


@dataclass(frozen=True)
class PlannedPurchase:
    gtin: str
    name: str
    usable: int
    average_daily_use: Fraction
    lead_time_days: int
    projected_at_delivery: Fraction
    quantity: int
    needed_by: date
    price: MarketPrice
    request_id: int | None  # None when not saved


# --- the market-price method --------------------------------------------------------------------


def market_price(sources: list[PriceSource] | tuple[PriceSource, ...]) -> MarketPrice:
    """The maximum unit price from `sources`: their mean when there are at least 3 and their
    coefficient of variation is at most 33 %."""
    sources = tuple(sources)
    prices = [source.unit_price for source in sources]
    count = len(prices)
    if count < MIN_SOURCES:
        return MarketPrice(None, ngettext("only {count} price source (need at least {minimum})",
                                          "only {count} price sources (need at least {minimum})", count)
                           .format(count=count, minimum=MIN_SOURCES), sources)
    mean = sum(prices, Fraction(0)) / count
    if mean <= 0:
        return MarketPrice(None, _("the price sources average zero: no price can be set"), sources)
    variance = sum(((price - mean) ** 2 for price in prices), Fraction(0)) / (count - 1)
    variation = math.sqrt(variance) / mean  # for the text only: the test below is exact
    if variance > (MAX_VARIATION * mean) ** 2:
        return MarketPrice(None, _("prices vary too much: CV {variation} % > {limit} %").format(
            variation=_percent(variation, above=True), limit=_percent(MAX_VARIATION)), sources)
    quotes = sum(1 for source in sources if source.kind == "quote")
    unit_price = math.floor(mean + Fraction(1, 2))  # half a kopeck up
    return MarketPrice(unit_price, _("market-price method: mean of {count} sources ({quotes} quotes, {tenders} awarded "
                                     "tenders), CV {variation} %").format(
        count=count, quotes=quotes, tenders=count - quotes, variation=_percent(variation)), sources)


def _percent(value, above: bool = False) -> str:
    """`value` as a percentage with one decimal at most; more when it is over the limit but
    would print as the limit."""
    text = f"{float(value) * 100:.1f}".removesuffix(".0")
    if above and Fraction(text) <= MAX_VARIATION * 100:
        text = f"{float(value) * 100:.3f}"
    return text


def price_sources(engine: Engine, gtin: str, today: date, at: int) -> list[PriceSource]:
    """The quotes for `gtin` dated within a year before `today`, and the tenders for it awarded
    within a year before `at` (unix seconds)."""
    quotes = (select(PriceQuote.supplier, PriceQuote.unit_price)
              .where(PriceQuote.gtin == gtin, PriceQuote.quoted_on <= today,
                     PriceQuote.quoted_on >= today - timedelta(days=SOURCE_AGE_DAYS))
              .order_by(PriceQuote.quoted_on, PriceQuote.id))
    tenders = (select(Tender.tender_id, Tender.price, Tender.quantity)
               .where(Tender.gtin == gtin, Tender.status.in_(AWARDED_STATUSES), Tender.price.is_not(None),
                      Tender.quantity > 0, Tender.awarded_at <= at, Tender.awarded_at >= at - SOURCE_AGE_DAYS * DAY)
               .order_by(Tender.tender_id))
    with engine.connect() as connection:
        sources = [PriceSource("quote", supplier, Fraction(int(price)))
                   for supplier, price in connection.execute(quotes)]
        sources += [PriceSource("tender", _("tender {number}").format(number=tender_id),
                                Fraction(int(price), int(quantity)))
                    for tender_id, price, quantity in connection.execute(tenders)]
    return sources


# --- planning -----------------------------------------------------------------------------------


def plan_purchases(engine: Engine, organization: str, at: int, *, time_zone: str = MOSCOW, history_days: int = 90,
                   horizon_days: int = 91, save: bool = True) -> list[PlannedPurchase]:
    """The purchases `organization` must start now (see the module's text), saved as published
    purchase requests unless `save` is False."""
    if history_days <= 0 or horizon_days < 0:
        raise PlanningError(_("the history must be at least one day and the horizon not negative"))
    today = datetime.fromtimestamp(at, ZoneInfo(time_zone)).date()
    usable = usable_stock(engine, organization, at)
    used = (select(Movement.gtin, -func.sum(Movement.quantity))
            .where(Movement.organization == organization, Movement.kind.in_(CONSUMPTION_KINDS),
                   Movement.timestamp > at - history_days * DAY, Movement.timestamp <= at)
            .group_by(Movement.gtin))
    norms = (select(ReserveNorm.gtin, ReserveNorm.minimum_balance, ReserveNorm.emergency_reserve,
                    ReserveNorm.lead_time_days, Product.name)
             .outerjoin(Product, Product.gtin == ReserveNorm.gtin)
             .where(ReserveNorm.organization == organization).order_by(ReserveNorm.gtin))
    open_requests = select(PurchaseRequest.gtin).where(PurchaseRequest.organization == organization,
                                                       PurchaseRequest.status.in_(OPEN_REQUEST_STATUSES))
    with engine.connect() as connection:
        consumption = {gtin: int(units) for gtin, units in connection.execute(used)}
        pending = set(connection.execute(open_requests).scalars())
        norm_rows = connection.execute(norms).all()
    plans = []
    for gtin, norm, reserve, lead_time, name in norm_rows:
        if gtin in pending:
            continue
        stock = usable.get(gtin, 0)
        daily = Fraction(max(consumption.get(gtin, 0), 0), history_days)
        projected = stock - daily * lead_time
        if not (projected < RULE * norm or projected < reserve):
            continue
        quantity = max(1, math.ceil(max(norm, reserve) - max(projected, 0) + daily * horizon_days))
        floor_level = max(RULE * norm, Fraction(reserve))
        days_left = 0 if daily == 0 or stock < floor_level else math.floor((stock - floor_level) / daily)
        plans.append(PlannedPurchase(gtin, name or "", stock, daily, lead_time, projected, quantity,
                                     today + timedelta(days=days_left), market_price(price_sources(engine, gtin, today, at)),
                                     None))
    if save and plans:
        plans = [_save(engine, organization, plan, today) for plan in plans]
    return plans


def _save(engine: Engine, organization: str, plan: PlannedPurchase, today: date) -> PlannedPurchase:
    with engine.begin() as connection:
        request_id = connection.execute(insert(PurchaseRequest).values(
            organization=organization, gtin=plan.gtin, quantity=plan.quantity, max_unit_price=plan.price.unit_price,
            price_note=plan.price.note, needed_by=plan.needed_by, created_on=today, status="published",
            published=True).returning(PurchaseRequest.id)).scalar_one()
    return replace(plan, request_id=int(request_id))


# --- from a request to a tender -----------------------------------------------------------------


def publish_tender(engine: Engine, client, hospital, request_id: int, *, bid_days: int = 7, reveal_days: int = 3,
                   delivery_days: int | None = None, **terms) -> int:
    """Publish purchase request `request_id` as an on-chain tender through `client` (a
    `dapp.tenders.client.TenderClient`), sent by `hospital` (the requesting organization's account):
    its GTIN and quantity, the maximum price (НМЦК) = maximum unit price x quantity; bids for
    `bid_days`, reveals for `reveal_days` more, delivery within `delivery_days` after the award
    and security windows (default: the norm's lead time, else 30). `terms`: other `TenderNeed`
    fields (securities, shelf life). Marks the request tendered; returns the tender id."""
    from dapp.tenders.client import TenderNeed

    with engine.connect() as connection:
        request = connection.execute(select(PurchaseRequest).where(PurchaseRequest.id == request_id)).first()
        if request is None:
            raise PlanningError(_("there is no purchase request {request_id}").format(request_id=request_id))
        lead_time = connection.execute(select(ReserveNorm.lead_time_days).where(
            ReserveNorm.organization == request.organization, ReserveNorm.gtin == request.gtin)).scalar()
    if request.status != "published":
        if request.tender_id:
            raise PlanningError(_("purchase request {request_id} is {status} (tender {tender_id}); only a published "
                                  "request becomes a tender").format(
                request_id=request_id, status=request.status, tender_id=request.tender_id))
        raise PlanningError(_("purchase request {request_id} is {status}; only a published request becomes a "
                              "tender").format(request_id=request_id, status=request.status))
    if request.max_unit_price is None:
        raise PlanningError(_("purchase request {request_id} has no maximum price ({price_note}); add price quotes "
                              "until the market-price method can set one, then plan again").format(request_id=request_id, price_note=request.price_note))
    sender = getattr(hospital, "address", hospital)
    if sender.lower() != request.organization.lower():
        raise PlanningError(_("purchase request {request_id} is {organization}'s; {sender} cannot tender it").format(request_id=request_id, organization=request.organization, sender=sender))
    delivery_days = delivery_days if delivery_days is not None else (lead_time or 30)
    security_window = terms.get("security_window", TenderNeed.__dataclass_fields__["security_window"].default)
    # An hour more than asked: the creation is mined some blocks after `now`, and the contract
    # counts the minimum bidding period from its own block.
    now = client.now() + HOUR
    bid_deadline = now + bid_days * DAY
    reveal_deadline = bid_deadline + reveal_days * DAY
    delivery_deadline = reveal_deadline + client.award_window() + security_window + delivery_days * DAY
    need = TenderNeed(gtin=int(request.gtin), quantity=int(request.quantity),
                      max_price=int(request.max_unit_price) * int(request.quantity), bid_deadline=bid_deadline,
                      reveal_deadline=reveal_deadline, delivery_deadline=delivery_deadline, **terms)
    tender_id = client.create(hospital, need)
    # The tender exists on chain from here; record it at once.
    with engine.begin() as connection:
        connection.execute(update(PurchaseRequest).where(PurchaseRequest.id == request_id)
                           .values(status="tendered", tender_id=tender_id))
    return tender_id
