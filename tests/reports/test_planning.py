"""dapp.reports.planning: when, how much and at what price, on hand-built stock and prices (SQLite and
PostgreSQL); a saved request published as a tender on Ape's in-process chain (SQLite)."""

from datetime import date
from fractions import Fraction

import pytest
from sqlalchemy import select

from dapp.records.engine import open_database
from dapp.records.models import PurchaseRequest
from dapp.reports.planning import (
    PlanningError,
    PriceSource,
    market_price,
    plan_purchases,
    price_sources,
    publish_tender,
)
from dapp.roles import Role
from dapp.tenders.client import TenderClient, TenderStatus
from tests.conftest import (
    CERTIFICATE_CID,
    CHARACTERISTICS_CID,
    COMPANY_PREFIX,
    COMPANY_PREFIX_DIGITS,
    GTIN,
    ORGANIZATION_CID,
    REGULATOR_CID,
)
from tests.reports.scenario import DAY, HOSPITAL, Scenario, utc

METFORMIN = f"{GTIN:014d}"
ASPIRIN = "04601234567800"
NOW = utc(2026, 3, 1, 9)  # noon in Moscow, 1 March 2026
TODAY = date(2026, 3, 1)


@pytest.fixture
def scenario(engine):
    return Scenario(engine)


@pytest.fixture
def create_need(scenario):
    """HOSPITAL's metformin: norm 100, reserve 20, lead time 30 days; `stock` units usable now,
    180 of them dispensed over the last 90 days (2 a day)."""

    def create_need(stock, norm=100, reserve=20, dispensed=180, gtin=METFORMIN):
        scenario.product(gtin, "Метформин")
        batch = scenario.batch(gtin, "MF01", NOW + 400 * DAY)
        scenario.norm(HOSPITAL, gtin, minimum_balance=norm, emergency_reserve=reserve, lead_time_days=30)
        scenario.move(HOSPITAL, gtin, batch, "received", stock + dispensed, NOW - 100 * DAY)
        if dispensed:
            scenario.move(HOSPITAL, gtin, batch, "dispensed", -dispensed, NOW - 50 * DAY)
        return batch

    return create_need


@pytest.fixture
def three_quotes(scenario):
    for supplier, price in (("ООО Альфа", 6_700), ("ООО Бета", 10_000), ("ООО Гамма", 13_300)):
        scenario.quote(METFORMIN, price, date(2026, 2, 1), supplier)


def quote(price, kind="quote"):
    return PriceSource(kind, "someone", Fraction(price))


# --- the market-price method -------------------------------------------------------------------------


def test_market_price__cv_exactly_33_percent__mean_accepted():
    price = market_price([quote(6_700), quote(10_000), quote(13_300)])  # sample std 3,300 on a mean of 10,000

    assert price.unit_price == 10_000
    assert price.note == "market-price method: mean of 3 sources (3 quotes, 0 awarded tenders), CV 33 %"


def test_market_price__cv_just_over_33_percent__no_price():
    price = market_price([quote(6_700), quote(10_000), quote(13_301)])

    assert price.unit_price is None
    assert price.note == "prices vary too much: CV 33.004 % > 33 %"


def test_market_price__cv_41_percent__no_price():
    price = market_price([quote(5_900), quote(10_000), quote(14_100)])

    assert (price.unit_price, price.note) == (None, "prices vary too much: CV 41 % > 33 %")


@pytest.mark.parametrize(("count", "note"), [(0, "only 0 price sources"), (1, "only 1 price source "),
                                             (2, "only 2 price sources")])
def test_market_price__fewer_than_3_sources__no_price(count, note):
    price = market_price([quote(10_000)] * count)

    assert price.unit_price is None
    assert price.note.startswith(note) and price.note.endswith("(need at least 3)")


@pytest.mark.parametrize(("prices", "mean"), [((100, 100, 101), 100), ((100, 101, 101), 101), ((100, 100, 100, 101), 100),
                                              ((100, 101), None)])
def test_market_price__mean_rounded_to_the_kopeck(prices, mean):
    assert market_price([quote(p) for p in prices]).unit_price == mean


def test_market_price__half_kopeck__rounded_up():
    assert market_price([quote(100), quote(101), quote(Fraction(201, 2))]).unit_price == 101  # mean 100.5


def test_price_sources__recent_quotes_and_awarded_tenders_only(engine, scenario):
    scenario.quote(METFORMIN, 10_000, date(2025, 3, 1), "a year to the day")
    scenario.quote(METFORMIN, 99_000, date(2025, 2, 28), "a year and a day")
    scenario.quote(METFORMIN, 99_000, date(2026, 3, 2), "tomorrow")
    scenario.quote(ASPIRIN, 99_000, date(2026, 2, 1), "another product")
    scenario.tender(1, METFORMIN, quantity=3, price=31_000, status="completed", awarded_at=NOW - 10 * DAY)
    scenario.tender(2, METFORMIN, quantity=10, price=99_000, status="failed", awarded_at=NOW - 10 * DAY)
    scenario.tender(3, METFORMIN, quantity=10, price=None, status="open", awarded_at=NOW - 10 * DAY)
    scenario.tender(4, METFORMIN, quantity=10, price=99_000, status="awarded", awarded_at=NOW - 366 * DAY)
    scenario.tender(5, METFORMIN, quantity=4, price=40_000, status="contracted", awarded_at=NOW - DAY)

    sources = price_sources(engine, METFORMIN, TODAY, NOW)

    assert [(s.kind, s.reference, s.unit_price) for s in sources] == [
        ("quote", "a year to the day", 10_000),
        ("tender", "tender 1", Fraction(31_000, 3)),
        ("tender", "tender 5", 10_000),
    ]
    price = market_price(sources)
    assert price.unit_price == 10_111  # (10,000 + 10,333.33 + 10,000) / 3 = 10,111.11
    assert price.note.startswith("market-price method: mean of 3 sources (1 quotes, 2 awarded tenders)")


# --- when and how much ----------------------------------------------------------------------------------


def test_plan__projected_below_97_percent__request_saved(engine, create_need, three_quotes):
    create_need(stock=150)  # in 30 days: 150 - 2*30 = 90 < 97

    [plan] = plan_purchases(engine, HOSPITAL, NOW)

    assert (plan.gtin, plan.name, plan.usable, plan.average_daily_use) == (METFORMIN, "Метформин", 150, 2)
    assert (plan.lead_time_days, plan.projected_at_delivery) == (30, 90)
    assert plan.quantity == 192  # 100 - 90 + 2 * 91
    assert plan.needed_by == date(2026, 3, 27)  # 150 falls under 97 after 26.5 days
    assert plan.price.unit_price == 10_000
    with engine.connect() as connection:
        saved = connection.execute(select(PurchaseRequest)).one()
    assert (saved.id, saved.organization, saved.gtin, saved.quantity, int(saved.max_unit_price)) == (
        plan.request_id, HOSPITAL, METFORMIN, 192, 10_000)
    assert (saved.needed_by, saved.created_on, saved.status, saved.published, saved.tender_id) == (
        date(2026, 3, 27), TODAY, "published", True, None)
    assert saved.price_note == plan.price.note


@pytest.mark.parametrize(("stock", "quantity"), [(157, None), (156, 186)], ids=["exactly 97 percent", "one below"])
def test_plan__projected_exactly_at_97_percent__no_request(engine, create_need, stock, quantity):
    create_need(stock=stock)

    plans = plan_purchases(engine, HOSPITAL, NOW)

    assert [plan.quantity for plan in plans] == ([quantity] if quantity else [])


def test_plan__below_emergency_reserve_though_above_97_percent__request(engine, create_need):
    create_need(stock=250, norm=100, reserve=200, dispensed=180)  # 250 - 60 = 190: above 97, under the reserve 200

    [plan] = plan_purchases(engine, HOSPITAL, NOW)

    assert (plan.projected_at_delivery, plan.quantity, plan.needed_by) == (190, 192, date(2026, 3, 26))  # to 200


def test_plan__no_use_and_stock_already_short__orders_up_to_the_norm(engine, create_need):
    create_need(stock=10, dispensed=0)

    [plan] = plan_purchases(engine, HOSPITAL, NOW)

    assert (plan.average_daily_use, plan.quantity, plan.needed_by) == (0, 90, TODAY)


def test_plan__stock_runs_out_before_delivery__shortage_not_made_up(engine, create_need):
    create_need(stock=40)  # 40 - 60 < 0

    [plan] = plan_purchases(engine, HOSPITAL, NOW)

    assert (plan.projected_at_delivery, plan.quantity, plan.needed_by) == (-20, 100 + 182, TODAY)


def test_plan__expired_and_recalled_stock__not_counted(engine, scenario, create_need):
    create_need(stock=150)
    expired = scenario.batch(METFORMIN, "OLD", NOW - 1)
    recalled = scenario.batch(METFORMIN, "BAD", NOW + 300 * DAY, status="recalled")
    scenario.move(HOSPITAL, METFORMIN, expired, "received", 500, NOW - 10 * DAY)
    scenario.move(HOSPITAL, METFORMIN, recalled, "received", 500, NOW - 10 * DAY)

    [plan] = plan_purchases(engine, HOSPITAL, NOW)

    assert (plan.usable, plan.quantity) == (150, 192)


def test_plan__without_prices__request_saved_with_the_reason(engine, create_need, scenario):
    create_need(stock=150)
    scenario.quote(METFORMIN, 10_000, date(2026, 2, 1))
    scenario.quote(METFORMIN, 11_000, date(2026, 2, 2))

    [plan] = plan_purchases(engine, HOSPITAL, NOW)

    assert plan.price.unit_price is None
    with engine.connect() as connection:
        saved = connection.execute(select(PurchaseRequest)).one()
    assert (saved.max_unit_price, saved.price_note) == (None, "only 2 price sources (need at least 3)")


def test_plan__open_request__not_made_twice(engine, create_need):
    create_need(stock=150)
    plan_purchases(engine, HOSPITAL, NOW)

    assert plan_purchases(engine, HOSPITAL, NOW + DAY) == []
    with engine.connect() as connection:
        assert len(connection.execute(select(PurchaseRequest)).all()) == 1


def test_plan__not_saved_when_asked(engine, create_need):
    create_need(stock=150)

    [plan] = plan_purchases(engine, HOSPITAL, NOW, save=False)

    assert plan.request_id is None
    with engine.connect() as connection:
        assert connection.execute(select(PurchaseRequest)).all() == []


def test_plan__bad_history__error(engine):
    with pytest.raises(PlanningError, match="at least one day"):
        plan_purchases(engine, HOSPITAL, NOW, history_days=0)


# --- a request becomes a tender (Ape's in-process chain, SQLite) --------------------------------------------


@pytest.fixture
def sqlite_engine(tmp_path):
    engine = open_database(f"sqlite:///{tmp_path / 'platform.db'}")
    yield engine
    engine.dispose()


@pytest.fixture
def tender_client(project, deployer, regulator, manufacturer, hospital):
    """Participants (hospital and manufacturer approved), Resources with GTIN registered,
    Custody, the payment token (the hospital holds 1,000,000 rubles) and Tenders."""
    participants = project.Participants.deploy(regulator, REGULATOR_CID, sender=deployer)
    for account, role in ((manufacturer, Role.MANUFACTURER), (hospital, Role.MEDICAL_ORGANIZATION)):
        participants.apply(ORGANIZATION_CID, sender=account)
        participants.approve(account, int(role), sender=regulator)
    resources = project.Resources.deploy(participants, sender=deployer)
    custody = project.Custody.deploy(participants, resources, sender=deployer)
    resources.set_custody(custody, sender=regulator)
    resources.assign_prefix(COMPANY_PREFIX, COMPANY_PREFIX_DIGITS, manufacturer, sender=regulator)
    resources.register_product(GTIN, 1, "Метформин (Metformin)", "tablets 500 mg", CHARACTERISTICS_CID,
                               CERTIFICATE_CID, sender=manufacturer)
    token = project.PaymentToken.deploy(deployer, sender=deployer)
    token.mint(hospital, 100_000_000, sender=deployer)
    tenders = project.Tenders.deploy(participants, resources, custody, token, sender=deployer)
    return TenderClient(tenders, token, custody, resources)


@pytest.fixture
def saved_request(sqlite_engine, hospital):
    """A published request of the hospital for 192 units of GTIN at most 100.00 rubles each."""
    scenario = Scenario(sqlite_engine)
    for supplier, price in (("ООО Альфа", 6_700), ("ООО Бета", 10_000), ("ООО Гамма", 13_300)):
        scenario.quote(METFORMIN, price, TODAY, supplier)
    scenario.norm(hospital.address, METFORMIN, minimum_balance=100, emergency_reserve=20, lead_time_days=45)
    [plan] = plan_purchases(sqlite_engine, hospital.address, NOW)
    assert (plan.quantity, plan.price.unit_price) == (100, 10_000)
    return plan.request_id


def test_publish_tender__nmck_is_unit_price_times_quantity__request_tendered(sqlite_engine, tender_client, hospital,
                                                                             saved_request):
    now = tender_client.now()

    tender_id = publish_tender(sqlite_engine, tender_client, hospital, saved_request)

    state = tender_client.state(tender_id)
    assert (state.status, state.hospital, state.gtin, state.quantity, state.max_price) == (
        TenderStatus.OPEN, hospital.address, GTIN, 100, 1_000_000)
    # Seven days of bidding (44-FZ's minimum) counted from an hour ahead: the creation's own block is later than now.
    assert state.bid_deadline - now == 7 * DAY + 3600 and state.reveal_deadline - state.bid_deadline == 3 * DAY
    assert state.delivery_deadline - state.reveal_deadline == tender_client.award_window() + 2 * DAY + 45 * DAY
    assert state.held == 1_000_000
    with sqlite_engine.connect() as connection:
        saved = connection.execute(select(PurchaseRequest).where(PurchaseRequest.id == saved_request)).one()
    assert (saved.status, saved.tender_id) == ("tendered", tender_id)


def test_publish_tender__twice__error(sqlite_engine, tender_client, hospital, saved_request):
    tender_id = publish_tender(sqlite_engine, tender_client, hospital, saved_request)

    with pytest.raises(PlanningError, match=f"is tendered \\(tender {tender_id}\\); only a published request"):
        publish_tender(sqlite_engine, tender_client, hospital, saved_request)


def test_publish_tender__another_organization__error_before_sending(sqlite_engine, tender_client, supplier,
                                                                     saved_request):
    with pytest.raises(PlanningError, match=f"{supplier.address} cannot tender it"):
        publish_tender(sqlite_engine, tender_client, supplier, saved_request)

    assert tender_client.tenders.tenderCount() == 0


def test_publish_tender__no_price__error(sqlite_engine, tender_client, hospital):
    Scenario(sqlite_engine).norm(hospital.address, METFORMIN, minimum_balance=100)
    [plan] = plan_purchases(sqlite_engine, hospital.address, NOW)

    with pytest.raises(PlanningError, match=r"has no maximum price \(only 0 price sources \(need at least 3\)\)"):
        publish_tender(sqlite_engine, tender_client, hospital, plan.request_id)


def test_publish_tender__unknown_request__error(sqlite_engine, tender_client, hospital):
    with pytest.raises(PlanningError, match="there is no purchase request 42"):
        publish_tender(sqlite_engine, tender_client, hospital, 42)
