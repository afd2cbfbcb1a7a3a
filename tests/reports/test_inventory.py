"""dapp.reports.inventory on hand-built movements, on SQLite and PostgreSQL: stock per batch and product
at a moment, expiry alerts at their day boundaries, first-expired-first-out, recalled stock
apart, emergency reserve levels."""

import pytest

from dapp.reports.inventory import (
    DAY,
    ExpiryAlert,
    InventoryError,
    ReserveLevel,
    expiry_alert,
    expiry_alerts,
    fefo_picks,
    holdings,
    product_stock,
    reserve_levels,
)
from tests.reports.scenario import HOSPITAL, OTHER_HOSPITAL, Scenario, utc

METFORMIN = "04601234567893"
ASPIRIN = "04601234567800"
INSULIN = "04601234567817"
NOW = utc(2026, 3, 1, 9)
EXPIRES_ON_DAY = utc(2026, 3, 1, 23, 59, 59) - NOW  # seconds until the end of today


@pytest.fixture
def scenario(engine):
    return Scenario(engine)


@pytest.fixture
def stocked(scenario):
    """HOSPITAL holds metformin in five batches expiring around the alert boundaries, a
    recalled aspirin batch, and an active aspirin batch; some units were dispensed."""
    s = scenario
    s.product(METFORMIN, "Метформин")
    s.product(ASPIRIN, "Аспирин")
    batches = {
        "EXPIRED": s.batch(METFORMIN, "EXPIRED", NOW - 1),
        "TODAY": s.batch(METFORMIN, "TODAY", NOW + EXPIRES_ON_DAY),
        "D30": s.batch(METFORMIN, "D30", NOW + 30 * DAY),
        "D90M": s.batch(METFORMIN, "D90M", NOW + 90 * DAY - 1),
        "LONG": s.batch(METFORMIN, "LONG", NOW + 400 * DAY),
        "RECALLED": s.batch(ASPIRIN, "RECALLED", NOW + 200 * DAY, status="recalled"),
        "ASPIRIN": s.batch(ASPIRIN, "AS1", NOW + 300 * DAY),
    }
    for lot, quantity in (("EXPIRED", 5), ("TODAY", 10), ("D30", 20), ("D90M", 30), ("LONG", 40), ("RECALLED", 7),
                          ("ASPIRIN", 3)):
        gtin = ASPIRIN if lot in ("RECALLED", "ASPIRIN") else METFORMIN
        s.move(HOSPITAL, gtin, batches[lot], "received", quantity, utc(2026, 1, 10))
    s.move(HOSPITAL, METFORMIN, batches["LONG"], "dispensed", -15, utc(2026, 2, 1))
    s.move(HOSPITAL, METFORMIN, batches["D30"], "dispensed", -20, utc(2026, 2, 2))  # none left
    s.move(HOSPITAL, METFORMIN, batches["LONG"], "dispensed", -1, NOW + 1)  # after the moment asked about
    s.move(OTHER_HOSPITAL, METFORMIN, batches["LONG"], "received", 500, utc(2026, 1, 10))
    return batches


@pytest.mark.parametrize(
    ("left", "alert"),
    [(-1, ExpiryAlert.EXPIRED), (0, ExpiryAlert.UNDER_30_DAYS), (30 * DAY - 1, ExpiryAlert.UNDER_30_DAYS),
     (30 * DAY, ExpiryAlert.UNDER_90_DAYS), (90 * DAY - 1, ExpiryAlert.UNDER_90_DAYS), (90 * DAY, None)],
    ids=["a second past", "last second", "30 days less a second", "exactly 30 days", "90 days less a second",
         "exactly 90 days"],
)
def test_expiry_alert__day_boundaries(left, alert):
    assert expiry_alert(NOW + left, NOW) == alert


def test_holdings__first_expired_first_out_with_alerts(engine, stocked):
    held = holdings(engine, HOSPITAL, NOW)

    assert [(h.lot, h.quantity, h.alert, h.days_left, h.status) for h in held] == [
        ("EXPIRED", 5, ExpiryAlert.EXPIRED, -1, "active"),
        ("TODAY", 10, ExpiryAlert.UNDER_30_DAYS, 0, "active"),
        ("D90M", 30, ExpiryAlert.UNDER_90_DAYS, 89, "active"),
        ("RECALLED", 7, None, 200, "recalled"),
        ("AS1", 3, None, 300, "active"),
        ("LONG", 25, None, 400, "active"),
    ]
    assert [h.usable for h in held] == [False, True, True, False, True, True]


def test_holdings__later_moment__counts_later_movements(engine, stocked):
    [long] = [h for h in holdings(engine, HOSPITAL, NOW + 1) if h.lot == "LONG"]

    assert long.quantity == 24


def test_expiry_alerts__only_batches_with_an_alert(engine, stocked):
    alerts = expiry_alerts(engine, HOSPITAL, NOW)

    assert [(h.lot, h.alert) for h in alerts] == [
        ("EXPIRED", ExpiryAlert.EXPIRED), ("TODAY", ExpiryAlert.UNDER_30_DAYS), ("D90M", ExpiryAlert.UNDER_90_DAYS)]


def test_expiry_alerts__next_day__today_batch_expired(engine, stocked):
    alerts = expiry_alerts(engine, HOSPITAL, utc(2026, 3, 2))

    assert [(h.lot, h.alert) for h in alerts][:2] == [("EXPIRED", ExpiryAlert.EXPIRED), ("TODAY", ExpiryAlert.EXPIRED)]


def test_product_stock__usable_expired_and_recalled_apart(engine, stocked):
    stock = product_stock(engine, HOSPITAL, NOW)

    assert [(p.gtin, p.name, p.usable, p.expired, p.blocked, p.total) for p in stock] == [
        (ASPIRIN, "Аспирин", 3, 0, 7, 10),
        (METFORMIN, "Метформин", 10 + 30 + 25, 5, 0, 70),
    ]


def test_fefo_picks__earliest_usable_batches_first(engine, stocked):
    picks = fefo_picks(engine, HOSPITAL, METFORMIN, 45, NOW)

    assert [(h.lot, units) for h, units in picks] == [("TODAY", 10), ("D90M", 30), ("LONG", 5)]


def test_fefo_picks__more_than_usable__error(engine, stocked):
    with pytest.raises(InventoryError, match="holds 65 usable units of 04601234567893, fewer than the 66"):
        fefo_picks(engine, HOSPITAL, METFORMIN, 66, NOW)


def test_fefo_picks__zero__error(engine, stocked):
    with pytest.raises(InventoryError, match="positive number"):
        fefo_picks(engine, HOSPITAL, METFORMIN, 0, NOW)


def test_reserve_levels__below_reserve_below_norm_ok(engine, scenario, stocked):
    scenario.norm(HOSPITAL, METFORMIN, minimum_balance=65, emergency_reserve=20)  # 65 usable: exactly the norm
    scenario.norm(HOSPITAL, ASPIRIN, minimum_balance=10, emergency_reserve=3)  # 3 usable (7 recalled do not count)
    scenario.norm(HOSPITAL, INSULIN, minimum_balance=10, emergency_reserve=4)  # none held

    levels = reserve_levels(engine, HOSPITAL, NOW)

    assert [(r.gtin, r.usable, r.emergency_reserve, r.minimum_balance, r.level) for r in levels] == [
        (ASPIRIN, 3, 3, 10, ReserveLevel.BELOW_NORM),
        (INSULIN, 0, 4, 10, ReserveLevel.BELOW_RESERVE),
        (METFORMIN, 65, 20, 65, ReserveLevel.OK),
    ]


def test_reserve_levels__one_unit_under_the_reserve(engine, scenario, stocked):
    scenario.norm(HOSPITAL, ASPIRIN, minimum_balance=10, emergency_reserve=4)

    [aspirin] = reserve_levels(engine, HOSPITAL, NOW)

    assert (aspirin.usable, aspirin.level) == (3, ReserveLevel.BELOW_RESERVE)


def test_holdings__nothing_held__empty(engine, stocked):
    assert holdings(engine, "0x0000000000000000000000000000000000000001", NOW) == []
