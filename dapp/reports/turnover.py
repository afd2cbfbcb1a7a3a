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
appears even when nothing moved. The database computes it all in one GROUP BY over a covering
index, the lowest balance as the MIN of the running balances `dapp.records.stock_balance` keeps on the
movements (filled first when new movements lack them), on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Engine, and_, case, cast, exists, func, select

from dapp.records.models import Movement, Product, ReserveNorm
from dapp.errors import PlatformError
from dapp.records.stock_balance import fill_balances
from dapp.i18n import _

MOSCOW = "Europe/Moscow"
RULE_PERCENT = 97
RECEIPT_KINDS = ("received", "returned", "commissioned")
CONSUMPTION_KINDS = ("dispensed", "dispense_undone")
SHIPPED = "shipped"
WRITTEN_OFF = "written_off"
KNOWN_KINDS = RECEIPT_KINDS + CONSUMPTION_KINDS + (SHIPPED, WRITTEN_OFF)
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
            raise ReportError(_("a quarter is numbered 1 to 4, not {number}").format(number=self.number))

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """'2026Q1', '2026-Q1' or '2026 Q1'."""
        cleaned = text.strip().upper().replace("-", "").replace(" ", "")
        year, _sep, number = cleaned.partition("Q")
        if not (year.isdigit() and number.isdigit()):
            raise ReportError(_("{text!r} is not a quarter: write it like 2026Q1").format(text=text))
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


class TurnoverRow(NamedTuple):
    """One resource's line (a named tuple: a hundred thousand of them are built quickly)."""

    gtin: str
    name: str
    opening: int
    receipts: int
    shipped: int
    consumption: int
    write_offs: int
    closing: int
    lowest_balance: int
    norm: int | None  # the organization's minimum balance for the resource
    days: int  # in the quarter

    @property
    def average_daily_use(self) -> Decimal:
        """Consumption / days in the quarter, to 0.01."""
        return (Decimal(self.consumption) / self.days).quantize(CENTS, ROUND_HALF_UP)

    @property
    def days_of_cover(self) -> Decimal | None:
        """Closing stock / average daily use, to 0.01; None when nothing was used."""
        if self.consumption <= 0:
            return None
        return (Decimal(self.closing * self.days) / self.consumption).quantize(CENTS, ROUND_HALF_UP)

    @property
    def minimum_balance_ratio(self) -> Decimal | None:
        """Lowest balance / norm, to 0.0001; None without a norm."""
        return (Decimal(self.lowest_balance) / self.norm).quantize(RATIO_PLACES, ROUND_HALF_UP) if self.norm else None

    @property
    def below_rule(self) -> bool:
        """The lowest balance fell below 97 % of the norm (compared exactly, not after rounding)."""
        return bool(self.norm) and self.lowest_balance * 100 < RULE_PERCENT * self.norm


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
        raise ReportError(_("the report of {organization} for {quarter} has no resource {gtin}").format(organization=self.organization, quarter=self.quarter, gtin=gtin))


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
    days = quarter.days
    with engine.begin() as connection:
        fill_balances(connection)
    with engine.connect() as connection:
        names = dict(connection.execute(select(Product.gtin, Product.name)).all())
        moved = connection.execute(
            _movements_query(start, end, organizations, engine.dialect.name == "postgresql")).all()
        unmoved = connection.execute(_unmoved_norms_query(end, organizations)).all()
    rows: dict[str, list[TurnoverRow]] = {organization: [] for organization in organizations or ()}
    for organization, gtin, opening, receipts, shipped, consumption, write_offs, closing, lowest, norm in moved:
        if closing != opening + receipts - shipped - consumption - write_offs:
            raise ReportError(
                _("the movements of {gtin} at {organization} in {quarter} include a kind the report does "
                  "not know; known: {known_kinds}").format(gtin=gtin, organization=organization, quarter=quarter, known_kinds=', '.join(KNOWN_KINDS)))
        rows.setdefault(organization, []).append(TurnoverRow(
            gtin, names.get(gtin, ""), opening, receipts, shipped, consumption, write_offs, closing, lowest, norm, days))
    for organization, gtin, norm in unmoved:
        rows.setdefault(organization, []).append(TurnoverRow(gtin, names.get(gtin, ""), 0, 0, 0, 0, 0, 0, 0, norm, days))
    reports = {}
    for organization in sorted(rows):
        rows[organization].sort()  # by GTIN (each organization's GTINs are distinct)
        reports[organization] = TurnoverReport(organization, quarter, time_zone, start, end, rows[organization])
    return reports


def _movements_query(start: int, end: int, organizations: list[str] | None, postgresql: bool = False):
    """Per (organization, GTIN) with movements before `end`, every figure of its row (movements
    out shown as positive amounts; the closing stock is the sum of all, so a kind the report
    does not know breaks the balance check) and the norm. One pass over the covering index
    ix_stock_movement_turnover."""
    in_quarter = Movement.timestamp >= start

    def total(condition):
        return func.coalesce(func.sum(Movement.quantity).filter(condition), 0)

    # `timestamp + 0`: reading the covering index in (organization, GTIN) order beats a range
    # scan of the time index followed by a sort, on SQLite (PostgreSQL hashes either way).
    sums = (select(
        Movement.organization, Movement.gtin,
        total(Movement.timestamp < start).label("opening"),
        total(in_quarter & Movement.kind.in_(RECEIPT_KINDS)).label("receipts"),
        total(in_quarter & (Movement.kind == SHIPPED)).label("shipped"),
        total(in_quarter & Movement.kind.in_(CONSUMPTION_KINDS)).label("consumption"),
        total(in_quarter & (Movement.kind == WRITTEN_OFF)).label("write_offs"),
        func.sum(Movement.quantity).label("closing"),
        func.min(Movement.balance).filter(in_quarter).label("lowest"),
    ).where(Movement.timestamp + 0 < end).group_by(Movement.organization, Movement.gtin))
    if organizations is not None:
        sums = sums.where(Movement.organization.in_(organizations))
    sums = sums.subquery("sums")
    if postgresql:  # its SUM of bigint is numeric: back to integers in the database
        def figure(value):
            return cast(value, BigInteger)
    else:
        def figure(value):
            return value
    # The lowest balance of the quarter, or the opening stock when lower (or when nothing moved).
    lowest = case((sums.c.lowest < sums.c.opening, sums.c.lowest), else_=sums.c.opening)
    return (select(sums.c.organization, sums.c.gtin, figure(sums.c.opening), figure(sums.c.receipts),
                   figure(-sums.c.shipped), figure(-sums.c.consumption), figure(-sums.c.write_offs),
                   figure(sums.c.closing), figure(lowest), ReserveNorm.minimum_balance)
            .outerjoin(ReserveNorm, and_(ReserveNorm.organization == sums.c.organization,
                                         ReserveNorm.gtin == sums.c.gtin)))


def _unmoved_norms_query(end: int, organizations: list[str] | None):
    """The norms of resources that never moved before `end`: they appear in the report too."""
    query = select(ReserveNorm.organization, ReserveNorm.gtin, ReserveNorm.minimum_balance).where(~exists().where(
        Movement.organization == ReserveNorm.organization, Movement.gtin == ReserveNorm.gtin, Movement.timestamp < end))
    if organizations is not None:
        query = query.where(ReserveNorm.organization.in_(organizations))
    return query


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        raise ReportError(_("{name!r} is not a time zone; use an IANA name such as {moscow}").format(name=name, moscow=MOSCOW)) from None


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
        raise ReportError(_("{regular} is missing: the PDF needs DejaVu Sans for Cyrillic names (install Debian's "
                            "fonts-dejavu-core, as tools/setup.sh does)").format(regular=regular))
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
        (f"Period: {report.quarter.first_day:%d.%m.%Y} - {last_day:%d.%m.%Y} ({report.quarter.days} days, "
         f"{report.time_zone} time)"),
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
