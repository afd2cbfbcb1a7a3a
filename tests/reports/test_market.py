"""The market (needs, stock, supply against demand) on hand-built rows, on SQLite and on PostgreSQL.

Moscow is UTC+3: a month or week starts there at 21:00 UTC the day before.
"""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from eth_utils import to_checksum_address
from sqlalchemy.orm import Session

from dapp.records.models import (
    Movement,
    Organization,
    PriceQuote,
    Product,
    PurchaseRequest,
    Shipment,
    Tender,
)
from dapp.reports.market import (
    SPECIFICATION_GTIN,
    MarketError,
    Need,
    market_stock,
    needs,
    needs_by_resource,
    price_history,
    priced_resources,
    supply_demand,
    supply_demand_by_resource,
)
from dapp.roles import Role


def address(byte: int) -> str:
    return to_checksum_address("0x" + f"{byte:02x}" * 20)


def utc(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


MAKER, DISTRIBUTOR, HOSPITAL, PHARMACY = address(0x11), address(0x21), address(0x31), address(0x41)
METFORMIN, INSULIN = "04607001120012", "05702123450012"


@pytest.fixture
def add(engine):
    def add(*rows):
        with Session(engine) as session, session.begin():
            session.add_all(rows)
    return add


@pytest.fixture
def create_movement(add):
    counter = iter(range(1, 10_000))

    def create(organization, gtin, kind, quantity, at, shipment_id=None):
        add(Movement(block_number=next(counter), log_index=0, timestamp=at, organization=organization, gtin=gtin,
                     batch_id=_batch(gtin), kind=kind, quantity=quantity, shipment_id=shipment_id))
    return create


@pytest.fixture
def create_shipment(add, create_movement):
    counter = iter(range(1, 10_000))

    def create(shipper, consignee, gtin, quantity, shipped, received=None):
        shipment_id = next(counter)
        add(Shipment(shipment_id=shipment_id, batch_id=_batch(gtin), shipper=shipper, consignee=consignee,
                     quantity=quantity, status="in_transit" if received is None else "received", shipped_at=shipped,
                     settled_at=received))
        create_movement(shipper, gtin, "shipped", -quantity, shipped, shipment_id)
        if received is not None:
            create_movement(consignee, gtin, "received", quantity, received, shipment_id)
    return create


@pytest.fixture
def create_request(add):
    def create(gtin, quantity, created_on, *, status="published", published=True, unit_price="1250"):
        add(PurchaseRequest(organization=HOSPITAL, gtin=gtin, quantity=quantity, max_unit_price=Decimal(unit_price),
                            needed_by=date(2024, 6, 30), created_on=created_on, status=status, published=published))
    return create


@pytest.fixture
def create_tender(add):
    def create(tender_id, gtin, quantity, created_at, status, max_price, accepted=""):
        add(Tender(tender_id=tender_id, hospital=HOSPITAL, gtin=gtin, accepted_gtins=accepted, quantity=quantity,
                   max_price=Decimal(max_price), bid_deadline=created_at + 86400, reveal_deadline=created_at + 172800,
                   delivery_deadline=utc("2024-05-31 21:00:00"), status=status, created_at=created_at))
    return create


def _batch(gtin: str) -> str:
    return "0x" + gtin.rjust(64, "0")


@pytest.fixture
def market(add, create_movement, create_shipment, create_request, create_tender):
    """Metformin made, shipped and used from January to April 2024; insulin made in April; needs for both."""
    add(Organization(address=MAKER, roles=int(Role.MANUFACTURER), status="active"),
        Organization(address=DISTRIBUTOR, roles=int(Role.DISTRIBUTOR | Role.SUPPLIER), status="active"),
        Organization(address=HOSPITAL, roles=int(Role.MEDICAL_ORGANIZATION), status="active"),
        Organization(address=PHARMACY, roles=int(Role.PHARMACY), status="active"),
        Product(gtin=METFORMIN, manufacturer=MAKER, category=1, name="Метформин", dosage_form="таблетки",
                registered_at=0),
        Product(gtin=INSULIN, manufacturer=MAKER, category=1, name="Инсулин аспарт", dosage_form="раствор",
                registered_at=0))
    create_movement(MAKER, METFORMIN, "commissioned", 300, utc("2024-01-31 20:59:59"))  # 31 January 23:59:59 MSK
    create_movement(MAKER, METFORMIN, "commissioned", 200, utc("2024-01-31 21:00:00"))  # 1 February 00:00 MSK
    create_shipment(MAKER, DISTRIBUTOR, METFORMIN, 100, utc("2024-02-05 09:00:00"), utc("2024-02-06 09:00:00"))
    create_shipment(DISTRIBUTOR, HOSPITAL, METFORMIN, 60, utc("2024-02-10 09:00:00"),
                    utc("2024-02-29 21:00:00"))  # received 1 March 00:00 MSK
    create_movement(HOSPITAL, METFORMIN, "dispensed", -10, utc("2024-03-05 09:00:00"))
    create_shipment(DISTRIBUTOR, PHARMACY, METFORMIN, 30, utc("2024-04-02 09:00:00"), utc("2024-04-03 09:00:00"))
    create_shipment(MAKER, HOSPITAL, METFORMIN, 20, utc("2024-04-20 09:00:00"))  # still on its way
    create_movement(MAKER, INSULIN, "commissioned", 50, utc("2024-04-10 09:00:00"))

    create_request(METFORMIN, 40, date(2024, 1, 31))
    create_request(METFORMIN, 25, date(2024, 2, 1))
    create_request(METFORMIN, 99, date(2024, 2, 1), status="withdrawn")
    create_request(METFORMIN, 98, date(2024, 2, 1), status="tendered")  # counted as its tender
    create_request(METFORMIN, 97, date(2024, 2, 1), published=False)  # a draft
    create_tender(3, METFORMIN, 120, utc("2024-02-29 20:59:59"), "awarded", 150_000)  # 29 February 23:59:59 MSK
    create_tender(4, METFORMIN, 70, utc("2024-04-15 09:00:00"), "open", 87_500)
    create_tender(5, SPECIFICATION_GTIN, 5, utc("2024-04-16 09:00:00"), "open", 6_000, f"{METFORMIN},{INSULIN}")
    create_tender(6, INSULIN, 80, utc("2024-04-20 09:00:00"), "open", 400_000)
    create_tender(7, INSULIN, 15, utc("2024-03-10 09:00:00"), "cancelled", 75_000)


def figures(rows, *columns):
    return [(row["period"], row["gtin"], *(row[c] for c in columns)) for row in rows]


COLUMNS = ("demand", "requested", "tendered", "commissioned", "delivered")
SPEC, MET, INS = SPECIFICATION_GTIN, METFORMIN, INSULIN


def test_supply_demand__monthly_in_moscow__exact_figures_with_empty_months_as_zeros(engine, market):
    assert figures(supply_demand(engine), *COLUMNS) == [
        (date(2024, 1, 1), SPEC, 0, 0, 0, 0, 0),
        (date(2024, 1, 1), MET, 40, 40, 0, 300, 0),
        (date(2024, 1, 1), INS, 0, 0, 0, 0, 0),
        (date(2024, 2, 1), SPEC, 0, 0, 0, 0, 0),
        (date(2024, 2, 1), MET, 145, 25, 120, 200, 0),
        (date(2024, 2, 1), INS, 0, 0, 0, 0, 0),
        (date(2024, 3, 1), SPEC, 0, 0, 0, 0, 0),
        (date(2024, 3, 1), MET, 0, 0, 0, 0, 60),
        (date(2024, 3, 1), INS, 0, 0, 0, 0, 0),  # the cancelled tender is no demand
        (date(2024, 4, 1), SPEC, 5, 0, 5, 0, 0),
        (date(2024, 4, 1), MET, 70, 0, 70, 0, 0),  # the pharmacy's receipt and the one in transit are no delivery
        (date(2024, 4, 1), INS, 80, 0, 80, 50, 0),
    ]


def test_supply_demand__in_utc__boundary_events_move_a_month_back(engine, market):
    rows = supply_demand(engine, time_zone="UTC", gtins=[METFORMIN])
    assert figures(rows, "demand", "commissioned", "delivered") == [
        (date(2024, 1, 1), MET, 40, 500, 0),
        (date(2024, 2, 1), MET, 145, 0, 60),
        (date(2024, 3, 1), MET, 0, 0, 0),
        (date(2024, 4, 1), MET, 70, 0, 0),
    ]


def test_supply_demand__rows__carry_the_product_name_for_chart_labels(engine, market):
    rows = supply_demand(engine, gtins=[METFORMIN, SPECIFICATION_GTIN], start=date(2024, 4, 30))
    assert rows == [
        {"period": date(2024, 4, 1), "gtin": SPEC, "product": "", "demand": 5, "requested": 0, "tendered": 5,
         "commissioned": 0, "delivered": 0},
        {"period": date(2024, 4, 1), "gtin": MET, "product": "Метформин", "demand": 70, "requested": 0,
         "tendered": 70, "commissioned": 0, "delivered": 0},
    ]


def test_supply_demand__range__only_the_periods_holding_start_and_end(engine, market):
    rows = supply_demand(engine, start=date(2024, 2, 15), end=date(2024, 3, 1), gtins=[METFORMIN])
    assert figures(rows, "demand", "commissioned", "delivered") == [
        (date(2024, 2, 1), MET, 145, 200, 0),
        (date(2024, 3, 1), MET, 0, 0, 60),
    ]


def test_supply_demand__weekly__iso_weeks_start_monday_midnight_moscow(engine, add, create_movement, create_request):
    create_movement(MAKER, METFORMIN, "commissioned", 7, utc("2024-02-04 20:59:59"))  # Sunday 23:59:59 MSK
    create_movement(MAKER, METFORMIN, "commissioned", 11, utc("2024-02-04 21:00:00"))  # Monday 00:00 MSK
    create_request(METFORMIN, 3, date(2024, 2, 4))
    create_request(METFORMIN, 5, date(2024, 2, 5))
    create_request(METFORMIN, 2, date(2024, 2, 19))

    assert figures(supply_demand(engine, period="week"), "demand", "commissioned") == [
        (date(2024, 1, 29), MET, 3, 7),
        (date(2024, 2, 5), MET, 5, 11),
        (date(2024, 2, 12), MET, 0, 0),
        (date(2024, 2, 19), MET, 2, 0),
    ]


def test_supply_demand__nothing_recorded__empty(engine):
    assert supply_demand(engine) == []


@pytest.mark.parametrize(("arguments", "message"), [
    ({"period": "day"}, "period 'day' is not one of month, week"),
    ({"time_zone": "Europe/Atlantis"}, "'Europe/Atlantis' is not a known time zone"),
    ({"start": date(2024, 3, 1), "end": date(2024, 2, 1)}, r"the range ends \(2024-02-01\) before it starts"),
    ({"period": "week", "start": date(2000, 1, 1), "end": date(2024, 1, 1)}, r"1254 periods \(week\) from 2000-01-01"),
])
def test_supply_demand__bad_arguments__raise(engine, arguments, message):
    with pytest.raises(MarketError, match=message):
        supply_demand(engine, **arguments)


def test_needs__published_requests_and_open_tenders_oldest_first(engine, market):
    assert needs(engine) == [
        Need("request", 1, HOSPITAL, METFORMIN, (), 40, Decimal(1250), Decimal(50_000), date(2024, 1, 31),
             date(2024, 6, 30)),
        Need("request", 2, HOSPITAL, METFORMIN, (), 25, Decimal(1250), Decimal(31_250), date(2024, 2, 1),
             date(2024, 6, 30)),
        Need("tender", 4, HOSPITAL, METFORMIN, (), 70, Decimal(1250), Decimal(87_500), date(2024, 4, 15),
             date(2024, 6, 1)),  # the deadline 31 May 21:00 UTC is 1 June in Moscow
        Need("tender", 5, HOSPITAL, SPECIFICATION_GTIN, (METFORMIN, INSULIN), 5, Decimal(1200), Decimal(6_000),
             date(2024, 4, 16), date(2024, 6, 1)),
        Need("tender", 6, HOSPITAL, INSULIN, (), 80, Decimal(5000), Decimal(400_000), date(2024, 4, 20),
             date(2024, 6, 1)),
    ]


def test_needs__one_resource(engine, market):
    assert [(n.source, n.reference) for n in needs(engine, gtin=INSULIN)] == [("tender", 6)]


def test_needs_by_resource__counts_and_units(engine, market):
    assert needs_by_resource(engine) == [
        {"gtin": SPEC, "requests": 0, "tenders": 1, "requested": 0, "tendered": 5, "quantity": 5, "product": ""},
        {"gtin": MET, "requests": 2, "tenders": 1, "requested": 65, "tendered": 70, "quantity": 135,
         "product": "Метформин"},
        {"gtin": INS, "requests": 0, "tenders": 1, "requested": 0, "tendered": 80, "quantity": 80,
         "product": "Инсулин аспарт"},
    ]


def test_market_stock__now__by_holder_with_units_in_transit(engine, market):
    assert market_stock(engine) == [
        {"gtin": MET, "product": "Метформин", "at_manufacturers": 380, "at_distributors": 10, "in_transit": 20,
         "at_hospitals": 50, "at_pharmacies": 30, "available": 390, "total": 490},
        {"gtin": INS, "product": "Инсулин аспарт", "at_manufacturers": 50, "at_distributors": 0, "in_transit": 0,
         "at_hospitals": 0, "at_pharmacies": 0, "available": 50, "total": 50},
    ]


def test_market_stock__at_a_past_moment__shipments_then_in_transit_count(engine, market):
    assert market_stock(engine, at=utc("2024-02-20 00:00:00")) == [
        {"gtin": MET, "product": "Метформин", "at_manufacturers": 400, "at_distributors": 40, "in_transit": 60,
         "at_hospitals": 0, "at_pharmacies": 0, "available": 440, "total": 500},
    ]


def test_supply_demand_by_resource__open_demand_against_available_stock(engine, market):
    assert supply_demand_by_resource(engine) == [
        {"gtin": SPEC, "product": "", "open_demand": 5, "available": 0, "in_transit": 0, "at_hospitals": 0,
         "at_pharmacies": 0, "shortfall": 5},
        {"gtin": MET, "product": "Метформин", "open_demand": 135, "available": 390, "in_transit": 20,
         "at_hospitals": 50, "at_pharmacies": 30, "shortfall": 0},
        {"gtin": INS, "product": "Инсулин аспарт", "open_demand": 80, "available": 50, "in_transit": 0,
         "at_hospitals": 0, "at_pharmacies": 0, "shortfall": 30},
    ]


# --- prices over time ---------------------------------------------------------------------------

PRICED = "04601234567893"
OTHER_PRICED = "04607000000008"


@pytest.fixture
def priced(engine, add, create_tender):
    """Two quotes, a tender awarded at 3,000.03 ₽ for 3 units, one awarded on a Moscow day that is
    still the day before in UTC, and tenders whose price is no market price (open, cancelled,
    terminated, by specification); a quote for another product."""
    add(PriceQuote(gtin=PRICED, supplier="ООО «Поставщик»", unit_price=Decimal(120_000), quoted_on=date(2024, 3, 1)),
        PriceQuote(gtin=PRICED, supplier="АО «Снаб»", unit_price=Decimal(110_000), quoted_on=date(2024, 1, 15)),
        PriceQuote(gtin=OTHER_PRICED, supplier="other", unit_price=Decimal(5), quoted_on=date(2024, 1, 1)))
    awards = {1: ("completed", 300_003, "2024-02-10 12:00:00"), 2: ("contracted", 200_000, "2024-02-29 21:30:00"),
              3: ("open", None, None), 4: ("cancelled", None, None), 5: ("terminated", 1, "2024-02-11 12:00:00")}
    for tender_id, (status, _price, _awarded) in awards.items():
        create_tender(tender_id, PRICED, 3 if tender_id == 1 else 2, utc("2024-01-10 09:00:00"), status, 900_000)
    create_tender(6, SPECIFICATION_GTIN, 2, utc("2024-01-10 09:00:00"), "completed", 900_000)
    with Session(engine) as session, session.begin():
        for tender_id, (_status, price, awarded) in awards.items():
            if price is not None:
                tender = session.get(Tender, tender_id)
                tender.price, tender.awarded_at = Decimal(price), utc(awarded)


def test_price_history__quotes_and_awarded_tenders__per_unit_oldest_first(engine, priced):
    assert price_history(engine, PRICED) == [
        {"day": date(2024, 1, 15), "kind": "quote", "source": "АО «Снаб»", "unit_price": 110_000},
        {"day": date(2024, 2, 10), "kind": "tender", "source": "1", "unit_price": 100_001},  # 300,003 / 3
        {"day": date(2024, 3, 1), "kind": "quote", "source": "ООО «Поставщик»", "unit_price": 120_000},
        # awarded 21:30 UTC on 29 February: 1 March in Moscow
        {"day": date(2024, 3, 1), "kind": "tender", "source": "2", "unit_price": 100_000},
    ]


def test_price_history__in_utc__the_late_award_stays_in_february(engine, priced):
    days = [row["day"] for row in price_history(engine, PRICED, time_zone="UTC") if row["source"] == "2"]
    assert days == [date(2024, 2, 29)]


def test_price_history__half_a_kopeck__rounds_up(engine, add, create_tender):
    create_tender(7, PRICED, 2, utc("2024-01-10 09:00:00"), "completed", 900_000)
    with Session(engine) as session, session.begin():
        tender = session.get(Tender, 7)
        tender.price, tender.awarded_at = Decimal(3), utc("2024-02-01 12:00:00")
    assert [row["unit_price"] for row in price_history(engine, PRICED)] == [2]  # 1.5 kopecks


def test_price_history__unknown_time_zone__raises(engine, priced):
    with pytest.raises(MarketError, match="not a known time zone"):
        price_history(engine, PRICED, time_zone="Mars/Olympus")


def test_priced_resources__quoted_or_awarded__not_specifications(engine, priced):
    assert priced_resources(engine) == {PRICED: "", OTHER_PRICED: ""}
