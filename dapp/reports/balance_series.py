"""An organization's stock of one resource day by day over a quarter, against its norm: what the
turnover report's chart shows (the 97 % rule is about the lowest of these balances).

    days = daily_balances(engine, org, gtin, Quarter(2026, 3))     # [(day, lowest, closing), ...]

For each local day of the quarter (up to `until`, when given: a quarter still running), the
lowest stock during the day and the stock at its end, from the stock movements: the opening
stock is the sum of the movements before the quarter, then each movement in turn (movements of
the same second count together, inflows first, as the turnover report counts them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select

from dapp.records.models import Movement, ReserveNorm
from dapp.reports.turnover import MOSCOW, RULE_PERCENT, Quarter


@dataclass(frozen=True)
class DayBalance:
    day: date
    lowest: int  # the lowest stock during the day
    closing: int  # the stock at the day's end


@dataclass(frozen=True)
class BalanceSeries:
    gtin: str
    days: list[DayBalance]
    norm: int | None  # the minimum balance
    reserve: int | None  # the emergency reserve

    @property
    def rule_level(self) -> float | None:
        """97 % of the norm: the lowest balance must not fall below it."""
        return self.norm * RULE_PERCENT / 100 if self.norm else None

    @property
    def below_rule(self) -> bool:
        return bool(self.norm) and any(day.lowest * 100 < RULE_PERCENT * self.norm for day in self.days)


def daily_balances(engine: Engine, organization: str, gtin: str, quarter: Quarter, time_zone: str = MOSCOW,
                   until: int | None = None) -> BalanceSeries:
    """The stock of `gtin` at `organization` day by day over `quarter` (up to the day of `until`)."""
    zone = ZoneInfo(time_zone)
    start, end = quarter.bounds(time_zone)
    if until is not None:
        end = min(end, max(until, start))
    ours = (Movement.organization == organization) & (Movement.gtin == gtin)
    with engine.connect() as connection:
        opening = int(connection.execute(select(func.coalesce(func.sum(Movement.quantity), 0))
                                         .where(ours, Movement.timestamp < start)).scalar())
        seconds = connection.execute(select(Movement.timestamp, func.sum(Movement.quantity))
                                     .where(ours, Movement.timestamp >= start, Movement.timestamp < end)
                                     .group_by(Movement.timestamp).order_by(Movement.timestamp)).all()
        norm = connection.execute(select(ReserveNorm.minimum_balance, ReserveNorm.emergency_reserve)
                                  .where(ReserveNorm.organization == organization, ReserveNorm.gtin == gtin)).first()
    changes: dict[date, list[int]] = {}
    for timestamp, quantity in seconds:
        changes.setdefault(datetime.fromtimestamp(timestamp, zone).date(), []).append(int(quantity))
    last_day = datetime.fromtimestamp(end - 1, zone).date() if end > start else quarter.first_day
    days, balance, day = [], opening, quarter.first_day
    while day <= last_day:
        lowest = balance
        for quantity in changes.get(day, ()):
            balance += quantity
            lowest = min(lowest, balance)
        days.append(DayBalance(day, lowest, balance))
        day += timedelta(days=1)
    return BalanceSeries(gtin, days, int(norm.minimum_balance) if norm else None,
                         int(norm.emergency_reserve) if norm else None)
