"""The quarterly turnover report of an organization: for each resource (GTIN), the stock at the
quarter's opening, what came in and went out during it, the closing stock, the average daily
use, the days of cover, and the quarter's lowest balance against the organization's norm (the
97 % rule: the lowest balance must not fall below 97 % of the minimum balance).

    report = turnover_report(engine, org, Quarter(2026, 1))    # boundaries at Moscow midnight
    every = turnover_reports(engine, Quarter(2026, 1))         # all organizations in one pass
    series = turnover_series(engine, org, Quarter(2025, 3).through(Quarter(2026, 1)))
    to_csv(report), to_pdf(report)

Figures come from the stock movements (`stock_movement`): receipts are received + returned +
commissioned units, shipped the units sent out, consumption dispensed − dispense_undone,
write-offs the units written off; closing = opening + receipts − shipped − consumption −
write-offs, checked. The lowest balance is the stock after each moment that has movements
(movements at the same second count together), and the opening stock. A resource with a norm
appears even when nothing moved. The sums and the running balances are computed by the
database (GROUP BY and a window function, on SQLite and PostgreSQL alike).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, case, func, select

from dapp.db.models import Movement, Product, ReserveNorm
from dapp.errors import PlatformError

MOSCOW = "Europe/Moscow"
RULE_PERCENT = 97
RECEIPT_KINDS = ("received", "returned", "commissioned")
CONSUMPTION_KINDS = ("dispensed", "dispense_undone")
SHIPPED = "shipped"
WRITTEN_OFF = "written_off"
CENTS = Decimal("0.01")
RATIO_PLACES = Decimal("0.0001")


class ReportError(PlatformError):
    """A report that cannot be built; the message says why and what to do."""


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int  # 1 to 4

    def __post_init__(self):
        if not 1 <= self.number <= 4:
            raise ReportError(f"a quarter is numbered 1 to 4, not {self.number}")

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """'2026Q1', '2026-Q1' or '2026 Q1'."""
        cleaned = text.strip().upper().replace("-", "").replace(" ", "")
        year, _, number = cleaned.partition("Q")
        if not (year.isdigit() and number.isdigit()):
            raise ReportError(f"{text!r} is not a quarter: write it like 2026Q1")
        return cls(int(year), int(number))

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def end_day(self) -> date:
        """The first day after the quarter."""
        return self.next().first_day

    @property
    def days(self) -> int:
        return (self.end_day - self.first_day).days

    def bounds(self, time_zone: str = MOSCOW) -> tuple[int, int]:
        """[start, end) in unix seconds: midnight of the first day, and of the first day after,
        in `time_zone`."""
        zone = _zone(time_zone)
        return tuple(int(datetime.combine(day, time(), zone).timestamp()) for day in (self.first_day, self.end_day))

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)

    def through(self, last: Quarter) -> list[Quarter]:
        """This quarter and every one after it up to `last`."""
        quarters, quarter = [], self
        while quarter <= last:
            quarters.append(quarter)
            quarter = quarter.next()
        return quarters

    def __str__(self) -> str:
        return f"{self.year} Q{self.number}"


@dataclass(frozen=True)
class TurnoverRow:
    gtin: str
    name: str
    opening: int
    receipts: int
    shipped: int
    consumption: int
    write_offs: int
    closing: int
    average_daily_use: Decimal  # consumption / days in the quarter, to 0.01
    days_of_cover: Decimal | None  # closing / average daily use, to 0.01; None without use
    lowest_balance: int
    norm: int | None  # the organization's minimum balance for the resource
    minimum_balance_ratio: Decimal | None  # lowest balance / norm, to 0.0001
    below_rule: bool  # lowest balance < 97 % of the norm (compared exactly, not after rounding)


@dataclass(frozen=True)
class TurnoverReport:
    organization: str
    quarter: Quarter
    time_zone: str
    start: int
    end: int
    rows: list[TurnoverRow]

    @property
    def flagged(self) -> list[TurnoverRow]:
        return [row for row in self.rows if row.below_rule]

    def row(self, gtin: str) -> TurnoverRow:
        for row in self.rows:
            if row.gtin == gtin:
                return row
        raise ReportError(f"the report of {self.organization} for {self.quarter} has no resource {gtin}")


# --- computing ------------------------------------------------------------------------------


def turnover_report(engine: Engine, organization: str, quarter: Quarter, time_zone: str = MOSCOW) -> TurnoverReport:
    """The report of one organization for one quarter."""
    return turnover_reports(engine, quarter, [organization], time_zone)[organization]


def turnover_series(engine: Engine, organization: str, quarters: list[Quarter],
                    time_zone: str = MOSCOW) -> list[TurnoverReport]:
    """The same report for several quarters, to compare them: one quarter's closing stock is
    the next one's opening stock."""
    return [turnover_report(engine, organization, quarter, time_zone) for quarter in quarters]


def turnover_reports(engine: Engine, quarter: Quarter, organizations: list[str] | None = None,
                     time_zone: str = MOSCOW) -> dict[str, TurnoverReport]:
    """The reports of `organizations` (default: every one with movements or norms), by address."""
    start, end = quarter.bounds(time_zone)
    with engine.connect() as connection:
        opening = {(row.organization, row.gtin): int(row.opening)
                   for row in connection.execute(_opening_query(start, organizations))}
        moved = {(row.organization, row.gtin): row for row in connection.execute(_quarter_query(start, end, organizations))}
        norm_query = select(ReserveNorm.organization, ReserveNorm.gtin, ReserveNorm.minimum_balance)
        if organizations is not None:
            norm_query = norm_query.where(ReserveNorm.organization.in_(organizations))
        norms = {(row.organization, row.gtin): int(row.minimum_balance) for row in connection.execute(norm_query)}
        names = dict(connection.execute(select(Product.gtin, Product.name)).all())
    rows: dict[str, list[TurnoverRow]] = {organization: [] for organization in organizations or ()}
    for key in sorted(opening.keys() | moved.keys() | norms.keys()):
        organization, gtin = key
        rows.setdefault(organization, []).append(
            _row(gtin, names.get(gtin, ""), opening.get(key, 0), moved.get(key), norms.get(key), quarter.days,
                 organization, quarter))
    return {organization: TurnoverReport(organization, quarter, time_zone, start, end, organization_rows)
            for organization, organization_rows in rows.items()}


def _opening_query(start: int, organizations: list[str] | None):
    query = (select(Movement.organization, Movement.gtin, func.sum(Movement.quantity).label("opening"))
             .where(Movement.timestamp < start).group_by(Movement.organization, Movement.gtin))
    if organizations is not None:
        query = query.where(Movement.organization.in_(organizations))
    return query


def _quarter_query(start: int, end: int, organizations: list[str] | None):
    """Per (organization, GTIN): the quarter's sums by kind, and the lowest running sum of its
    movements (after each second with movements), to add to the opening stock."""
    # The window's default frame (RANGE ... CURRENT ROW) includes the rows of the same second.
    running = func.sum(Movement.quantity).over(partition_by=(Movement.organization, Movement.gtin),
                                               order_by=Movement.timestamp)
    moves = select(Movement.organization, Movement.gtin, Movement.kind, Movement.quantity,
                   running.label("running")).where(Movement.timestamp >= start, Movement.timestamp < end)
    if organizations is not None:
        moves = moves.where(Movement.organization.in_(organizations))
    moves = moves.subquery()

    def total(condition):
        return func.coalesce(func.sum(case((condition, moves.c.quantity), else_=0)), 0)

    return select(
        moves.c.organization, moves.c.gtin,
        total(moves.c.kind.in_(RECEIPT_KINDS)).label("receipts"),
        total(moves.c.kind == SHIPPED).label("shipped"),
        total(moves.c.kind.in_(CONSUMPTION_KINDS)).label("consumption"),
        total(moves.c.kind == WRITTEN_OFF).label("write_offs"),
        func.sum(moves.c.quantity).label("change"),
        func.min(moves.c.running).label("lowest_running"),
    ).group_by(moves.c.organization, moves.c.gtin)


def _row(gtin: str, name: str, opening: int, moved, norm: int | None, days: int, organization: str,
         quarter: Quarter) -> TurnoverRow:
    if moved is None:
        receipts = shipped = consumption = write_offs = change = 0
        lowest = opening
    else:
        # Movements out are negative: the report shows them as positive amounts.
        receipts, shipped = int(moved.receipts), -int(moved.shipped)
        consumption, write_offs = -int(moved.consumption), -int(moved.write_offs)
        change = int(moved.change)
        lowest = min(opening, opening + int(moved.lowest_running))
    closing = opening + change
    if closing != opening + receipts - shipped - consumption - write_offs:
        raise ReportError(f"the movements of {gtin} at {organization} in {quarter} include a kind the report does not "
                          f"know; known: {', '.join(RECEIPT_KINDS + CONSUMPTION_KINDS + (SHIPPED, WRITTEN_OFF))}")
    average = (Decimal(consumption) / days).quantize(CENTS, ROUND_HALF_UP)
    cover = (Decimal(closing * days) / consumption).quantize(CENTS, ROUND_HALF_UP) if consumption > 0 else None
    ratio = (Decimal(lowest) / norm).quantize(RATIO_PLACES, ROUND_HALF_UP) if norm else None
    below = bool(norm) and lowest * 100 < RULE_PERCENT * norm
    return TurnoverRow(gtin, name, opening, receipts, shipped, consumption, write_offs, closing, average, cover,
                       lowest, norm, ratio, below)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        raise ReportError(f"{name!r} is not a time zone; use an IANA name such as {MOSCOW}") from None


# --- exports --------------------------------------------------------------------------------

CSV_COLUMNS = (
    "organization", "quarter", "period_start", "period_end", "gtin", "name", "opening_stock", "receipts", "shipped",
    "consumption", "write_offs", "closing_stock", "average_daily_use", "days_of_cover", "lowest_balance",
    "minimum_balance", "minimum_balance_ratio", "below_97_percent",
)


def to_csv(report: TurnoverReport) -> str:
    """The report as CSV text (write it as UTF-8): one line per resource, columns `CSV_COLUMNS`,
    the period as local dates (`period_end` the quarter's last day)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    first, last = report.quarter.first_day.isoformat(), date.fromordinal(report.quarter.end_day.toordinal() - 1).isoformat()
    for row in report.rows:
        writer.writerow((
            report.organization, f"{report.quarter.year}Q{report.quarter.number}", first, last, row.gtin, row.name,
            row.opening, row.receipts, row.shipped, row.consumption, row.write_offs, row.closing,
            row.average_daily_use, _blank(row.days_of_cover), row.lowest_balance, _blank(row.norm),
            _blank(row.minimum_balance_ratio), "yes" if row.below_rule else "no",
        ))
    return buffer.getvalue()


def write_csv(report: TurnoverReport, path: Path) -> Path:
    Path(path).write_text(to_csv(report), encoding="utf-8")
    return Path(path)


def _blank(value) -> str:
    return "" if value is None else str(value)


FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
PDF_COLUMNS = (  # heading, width in mm, alignment
    ("GTIN", 29, "LEFT"), ("Resource", 53, "LEFT"), ("Opening", 17, "RIGHT"), ("Receipts", 17, "RIGHT"),
    ("Shipped", 17, "RIGHT"), ("Consumed", 17, "RIGHT"), ("Written off", 17, "RIGHT"), ("Closing", 17, "RIGHT"),
    ("Use / day", 15, "RIGHT"), ("Days of cover", 16, "RIGHT"), ("Lowest", 15, "RIGHT"), ("Norm", 15, "RIGHT"),
    ("Lowest / norm", 17, "RIGHT"), ("97 % rule", 14, "CENTER"),
)
FLAG_FILL = (255, 214, 214)


def to_pdf(report: TurnoverReport) -> bytes:
    """The report as an A4 landscape PDF: the organization, the quarter and its dates, and a
    table with a header on every page; rows below the 97 % rule are shaded and marked."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
    if not (regular.exists() and bold.exists()):
        raise ReportError(f"{regular} is missing: the PDF needs DejaVu Sans for Cyrillic names "
                          "(install Debian's fonts-dejavu-core, as tools/setup.sh does)")
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_title(f"Turnover report {report.quarter} - {report.organization}")
    pdf.set_creator("medchain")
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))
    pdf.set_auto_page_break(True, margin=12)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 14)
    pdf.cell(0, 8, f"Quarterly turnover report, {report.quarter}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    last_day = date.fromordinal(report.quarter.end_day.toordinal() - 1)
    lines = (
        f"Organization: {report.organization}",
        f"Period: {report.quarter.first_day:%d.%m.%Y} - {last_day:%d.%m.%Y} ({report.quarter.days} days, "
        f"{report.time_zone} time)",
        f"Resources: {len(report.rows)}; below the 97 % rule: {len(report.flagged)}",
    )
    for line in lines:
        pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("DejaVu", "", 7)
    flagged_style = FontFace(fill_color=FLAG_FILL)
    with pdf.table(col_widths=tuple(width for _, width, _ in PDF_COLUMNS), width=sum(w for _, w, _ in PDF_COLUMNS),
                   text_align=tuple(align for _, _, align in PDF_COLUMNS), line_height=4,
                   headings_style=FontFace(emphasis="BOLD", fill_color=(225, 225, 225)),
                   repeat_headings=1) as table:
        table.row([heading for heading, _, _ in PDF_COLUMNS])
        for row in report.rows:
            cells = (row.gtin, row.name, row.opening, row.receipts, row.shipped, row.consumption, row.write_offs,
                     row.closing, row.average_daily_use, _dash(row.days_of_cover), row.lowest_balance, _dash(row.norm),
                     _dash(row.minimum_balance_ratio), "BELOW" if row.below_rule else ("ok" if row.norm else "-"))
            table.row([str(cell) for cell in cells], style=flagged_style if row.below_rule else None)
    return bytes(pdf.output())


def write_pdf(report: TurnoverReport, path: Path) -> Path:
    Path(path).write_bytes(to_pdf(report))
    return Path(path)


def _dash(value) -> str:
    return "-" if value is None else str(value)
