"""dapp.reports.balance_series: the daily balance of one resource over a quarter against its norm
(the turnover page's chart), on the same hand-built movements as the turnover report."""

from datetime import date

from dapp.reports.balance_series import daily_balances
from dapp.reports.turnover import turnover_report
from tests.reports.scenario import HOSPITAL, Scenario, utc
from tests.reports.test_turnover import METFORMIN, Q1, metformin_quarter, scenario  # noqa: F401 - fixtures


def test_daily_balances__every_day_of_the_quarter__lowest_and_closing(engine, metformin_quarter):
    series = daily_balances(engine, HOSPITAL, METFORMIN, Q1)
    assert len(series.days) == Q1.days == 90
    by_day = {d.day: d for d in series.days}
    assert by_day[date(2026, 1, 1)].closing == 200  # the opening stock
    assert by_day[date(2026, 1, 10)].closing == 150
    assert (by_day[date(2026, 2, 5)].lowest, by_day[date(2026, 2, 5)].closing) == (110, 170)  # same second: no dip to 70
    assert by_day[date(2026, 3, 1)].lowest == 90
    assert series.days[-1].closing == 103
    assert series.norm == 100 and series.rule_level == 97


def test_daily_balances__lowest_is_the_turnover_reports_lowest(engine, metformin_quarter):
    series = daily_balances(engine, HOSPITAL, METFORMIN, Q1)
    row = turnover_report(engine, HOSPITAL, Q1).row(METFORMIN)
    assert min(d.lowest for d in series.days) == row.lowest_balance == 90
    assert series.below_rule == row.below_rule is True


def test_daily_balances__quarter_still_running__up_to_today(engine, metformin_quarter):
    series = daily_balances(engine, HOSPITAL, METFORMIN, Q1, until=utc(2026, 1, 15, 12))
    assert series.days[-1].day == date(2026, 1, 15)
    assert series.days[-1].closing == 150


def test_daily_balances__no_norm_no_movements__flat_and_not_flagged(engine, scenario):
    scenario.product(METFORMIN)
    series = daily_balances(engine, HOSPITAL, METFORMIN, Q1)
    assert {d.closing for d in series.days} == {0}
    assert series.norm is None and series.rule_level is None and not series.below_rule
