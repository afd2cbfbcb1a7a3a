"""dapp.reports.turnover: the quarterly turnover report on hand-built movements, on SQLite and PostgreSQL:
exact figures, the 97 % rule at its edge, quarter boundaries at Moscow midnight, quarter to
quarter, CSV and PDF."""

from decimal import Decimal

import pytest

from dapp.reports.turnover import (
    CSV_COLUMNS,
    Quarter,
    ReportError,
    to_csv,
    to_pdf,
    turnover_report,
    turnover_reports,
    turnover_series,
)
from tests.reports.pdf_text import pdf_text
from tests.reports.scenario import HOSPITAL, OTHER_HOSPITAL, Scenario, utc

METFORMIN = "04601234567893"
ASPIRIN = "04601234567800"
INSULIN = "04601234567817"
BANDAGE = "04601234567824"
Q1 = Quarter(2026, 1)
Q1_START = utc(2025, 12, 31, 21)  # midnight of 1 January 2026 in Moscow (UTC+3)
Q1_END = utc(2026, 3, 31, 21)


@pytest.fixture
def scenario(engine):
    return Scenario(engine)


@pytest.fixture
def metformin_quarter(scenario):
    """HOSPITAL's metformin (norm 100): 200 before the quarter; in Q1 2026 it dispenses, ships,
    writes off, receives (a dispense and a delivery in the same second), takes a dispense back
    and gets a return. Balances: 150, 120, 110, 170, 90, 98, 103."""
    s = scenario
    s.product(METFORMIN, "Метформин (Metformin)")
    batch = s.batch(METFORMIN, "MF01", utc(2027, 12, 31, 23, 59, 59))
    s.norm(HOSPITAL, METFORMIN, minimum_balance=100)
    for kind, quantity, moment in (
        ("received", 200, utc(2025, 12, 1)),
        ("dispensed", -50, utc(2026, 1, 10)),
        ("shipped", -30, utc(2026, 1, 20)),
        ("written_off", -10, utc(2026, 2, 1)),
        ("dispensed", -40, utc(2026, 2, 5, 12)),
        ("received", 100, utc(2026, 2, 5, 12)),  # the same second: the balance never shows 70
        ("dispensed", -80, utc(2026, 3, 1)),
        ("dispense_undone", 8, utc(2026, 3, 2)),
        ("returned", 5, utc(2026, 3, 10)),
    ):
        s.move(HOSPITAL, METFORMIN, batch, kind, quantity, moment)
    return batch


def test_report__exact_figures(engine, metformin_quarter):
    report = turnover_report(engine, HOSPITAL, Q1)

    row = report.row(METFORMIN)
    assert (report.organization, report.quarter, report.start, report.end) == (HOSPITAL, Q1, Q1_START, Q1_END)
    assert row.name == "Метформин (Metformin)"
    assert (row.opening, row.receipts, row.shipped, row.consumption, row.write_offs, row.closing) == (
        200, 105, 30, 162, 10, 103)
    assert row.average_daily_use == Decimal("1.80")  # 162 / 90 days
    assert row.days_of_cover == Decimal("57.22")  # 103 / 1.8
    assert (row.lowest_balance, row.norm, row.minimum_balance_ratio, row.below_rule) == (90, 100, Decimal("0.9000"), True)
    assert report.flagged == [row]


def test_report__other_organizations_movements__not_counted(engine, scenario, metformin_quarter):
    scenario.move(OTHER_HOSPITAL, METFORMIN, metformin_quarter, "received", 1000, utc(2026, 1, 5))

    row = turnover_report(engine, HOSPITAL, Q1).row(METFORMIN)

    assert (row.receipts, row.closing) == (105, 103)


@pytest.mark.parametrize(
    ("lowest", "flagged"),
    [(98, False), (97, False), (96, True)],
    ids=["above", "exactly 97 percent", "below"],
)
def test_report__97_percent_rule__flagged_only_below(engine, scenario, lowest, flagged):
    batch = scenario.batch(ASPIRIN, "AS01", utc(2028, 1, 1))
    scenario.norm(HOSPITAL, ASPIRIN, minimum_balance=200)
    scenario.move(HOSPITAL, ASPIRIN, batch, "received", 300, utc(2025, 11, 1))
    scenario.move(HOSPITAL, ASPIRIN, batch, "dispensed", -(300 - 2 * lowest), utc(2026, 2, 1))  # lowest of 200: x2
    scenario.move(HOSPITAL, ASPIRIN, batch, "received", 300, utc(2026, 2, 2))

    row = turnover_report(engine, HOSPITAL, Q1).row(ASPIRIN)

    assert row.lowest_balance == 2 * lowest
    assert row.minimum_balance_ratio == Decimal(lowest) / 100
    assert row.below_rule is flagged


def test_report__opening_lower_than_every_later_balance__is_the_lowest(engine, scenario):
    batch = scenario.batch(ASPIRIN, "AS01", utc(2028, 1, 1))
    scenario.norm(HOSPITAL, ASPIRIN, minimum_balance=100)
    scenario.move(HOSPITAL, ASPIRIN, batch, "received", 50, utc(2025, 11, 1))
    scenario.move(HOSPITAL, ASPIRIN, batch, "received", 100, utc(2026, 1, 15))

    row = turnover_report(engine, HOSPITAL, Q1).row(ASPIRIN)

    assert (row.opening, row.lowest_balance, row.closing, row.minimum_balance_ratio) == (50, 50, 150, Decimal("0.5000"))
    assert (row.average_daily_use, row.days_of_cover) == (Decimal("0.00"), None)  # no use: no days of cover


def test_report__norm_without_movements__row_of_zeros_flagged(engine, scenario):
    scenario.product(INSULIN, "Инсулин")
    scenario.norm(HOSPITAL, INSULIN, minimum_balance=10)

    [row] = turnover_report(engine, HOSPITAL, Q1).rows

    assert (row.gtin, row.name, row.opening, row.receipts, row.closing, row.lowest_balance) == (
        INSULIN, "Инсулин", 0, 0, 0, 0)
    assert (row.minimum_balance_ratio, row.below_rule) == (Decimal("0.0000"), True)


def test_report__movement_without_norm__shown_unflagged(engine, scenario):
    batch = scenario.batch(BANDAGE, "BD01", utc(2028, 1, 1))
    scenario.move(HOSPITAL, BANDAGE, batch, "received", 5, utc(2026, 1, 15))

    row = turnover_report(engine, HOSPITAL, Q1).row(BANDAGE)

    assert (row.closing, row.norm, row.minimum_balance_ratio, row.below_rule) == (5, None, None, False)


def test_report__quarter_boundaries_at_moscow_midnight(engine, scenario):
    batch = scenario.batch(ASPIRIN, "AS01", utc(2028, 1, 1))
    scenario.move(HOSPITAL, ASPIRIN, batch, "received", 1, Q1_START - 1)  # 23:59:59 on 31 December, Moscow
    scenario.move(HOSPITAL, ASPIRIN, batch, "received", 10, Q1_START)  # 00:00:00 on 1 January
    scenario.move(HOSPITAL, ASPIRIN, batch, "received", 100, Q1_END - 1)  # 23:59:59 on 31 March
    scenario.move(HOSPITAL, ASPIRIN, batch, "received", 1000, Q1_END)  # 00:00:00 on 1 April

    row = turnover_report(engine, HOSPITAL, Q1).row(ASPIRIN)
    in_utc = turnover_report(engine, HOSPITAL, Q1, time_zone="UTC").row(ASPIRIN)

    assert (row.opening, row.receipts, row.closing) == (1, 110, 111)
    # In UTC the quarter starts and ends 3 hours later: the first two are still in December.
    assert (in_utc.opening, in_utc.receipts, in_utc.closing) == (11, 1100, 1111)


def test_quarter__days_and_bounds():
    assert [Quarter(2024, n).days for n in (1, 2, 3, 4)] == [91, 91, 92, 92]  # a leap year
    assert Quarter(2026, 1).days == 90
    assert Quarter(2026, 1).bounds() == (Q1_START, Q1_END)
    assert Quarter(2026, 1).bounds("UTC") == (utc(2026, 1, 1), utc(2026, 4, 1))
    assert Quarter(2025, 4).next() == Q1 and Q1.previous() == Quarter(2025, 4)
    assert Quarter.parse("2026-q1") == Quarter.parse("2026Q1") == Q1


@pytest.mark.parametrize("text", ["2026Q5", "Q1", "first quarter"])
def test_quarter__bad_text__error(text):
    with pytest.raises(ReportError, match="quarter"):
        Quarter.parse(text)


def test_report__unknown_time_zone__error(engine):
    with pytest.raises(ReportError, match="'Mars/Olympus' is not a time zone"):
        turnover_report(engine, HOSPITAL, Q1, time_zone="Mars/Olympus")


def test_report__unknown_movement_kind__error(engine, scenario):
    batch = scenario.batch(ASPIRIN, "AS01", utc(2028, 1, 1))
    scenario.move(HOSPITAL, ASPIRIN, batch, "teleported", 5, utc(2026, 1, 15))

    with pytest.raises(ReportError, match="include a kind the report does not know"):
        turnover_report(engine, HOSPITAL, Q1)


def test_series__closing_is_next_opening(engine, scenario, metformin_quarter):
    scenario.move(HOSPITAL, METFORMIN, metformin_quarter, "dispensed", -60, utc(2026, 4, 20))
    scenario.move(HOSPITAL, METFORMIN, metformin_quarter, "received", 40, utc(2026, 5, 20))

    reports = turnover_series(engine, HOSPITAL, Quarter(2025, 4).through(Quarter(2026, 2)))

    rows = [report.row(METFORMIN) for report in reports]
    assert [report.quarter for report in reports] == [Quarter(2025, 4), Q1, Quarter(2026, 2)]
    assert [(row.opening, row.closing) for row in rows] == [(0, 200), (200, 103), (103, 83)]
    assert [row.lowest_balance for row in rows] == [0, 90, 43]
    assert [row.consumption for row in rows] == [0, 162, 60]


def test_reports__every_organization_in_one_pass(engine, scenario, metformin_quarter):
    scenario.norm(OTHER_HOSPITAL, ASPIRIN, minimum_balance=10)

    reports = turnover_reports(engine, Q1)

    assert sorted(reports) == sorted([HOSPITAL, OTHER_HOSPITAL])
    assert reports[HOSPITAL].rows == turnover_report(engine, HOSPITAL, Q1).rows
    assert [(row.gtin, row.closing, row.below_rule) for row in reports[OTHER_HOSPITAL].rows] == [(ASPIRIN, 0, True)]


def test_report__organization_with_nothing__empty(engine):
    assert turnover_report(engine, HOSPITAL, Q1).rows == []


# --- exports ---------------------------------------------------------------------------------------


def test_csv__exact_content(engine, scenario, metformin_quarter):
    scenario.product(INSULIN, "Инсулин")
    scenario.norm(HOSPITAL, INSULIN, minimum_balance=0)

    text = to_csv(turnover_report(engine, HOSPITAL, Q1))

    assert text.splitlines() == [
        ",".join(CSV_COLUMNS),
        f"{HOSPITAL},2026Q1,2026-01-01,2026-03-31,{INSULIN},Инсулин,0,0,0,0,0,0,0.00,,0,0,,no",
        (f"{HOSPITAL},2026Q1,2026-01-01,2026-03-31,{METFORMIN},Метформин (Metformin),200,105,30,162,10,103,1.80,"
         "57.22,90,100,0.9000,yes"),
    ]
    assert CSV_COLUMNS[:6] == ("organization", "quarter", "period_start", "period_end", "gtin", "name")


def test_pdf__names_the_organization_quarter_and_marks_flagged_rows(engine, scenario, metformin_quarter):
    batch = scenario.batch(ASPIRIN, "AS01", utc(2028, 1, 1))
    scenario.product(ASPIRIN, "Аспирин")
    scenario.norm(HOSPITAL, ASPIRIN, minimum_balance=10)
    scenario.move(HOSPITAL, ASPIRIN, batch, "received", 50, utc(2025, 11, 1))

    data = to_pdf(turnover_report(engine, HOSPITAL, Q1))

    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    lines = pdf_text(data).splitlines()
    assert "Quarterly turnover report, 2026 Q1" in lines
    assert f"Organization: {HOSPITAL}" in lines
    assert "Period: 01.01.2026 - 31.03.2026 (90 days, Europe/Moscow time)" in lines
    assert "Resources: 2; below the 97 % rule: 1" in lines
    metformin = lines.index("Метформин (Metformin)")
    aspirin = lines.index("Аспирин")
    assert lines[metformin - 1: metformin + 13] == [
        METFORMIN, "Метформин (Metformin)", "200", "105", "30", "162", "10", "103", "1.80", "57.22", "90", "100",
        "0.9000", "BELOW"]
    assert lines[aspirin + 12] == "ok"


def test_report__movement_stored_after_a_report_but_earlier_in_time__balances_recomputed(engine, scenario,
                                                                                       metformin_quarter):
    assert turnover_report(engine, HOSPITAL, Q1).row(METFORMIN).lowest_balance == 90

    # A dispense on 15 January, stored only now (balances of the later movements shift by 25).
    scenario.move(HOSPITAL, METFORMIN, metformin_quarter, "dispensed", -25, utc(2026, 1, 15))

    row = turnover_report(engine, HOSPITAL, Q1).row(METFORMIN)
    assert (row.consumption, row.closing, row.lowest_balance) == (187, 78, 65)
