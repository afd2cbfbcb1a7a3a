"""Reading tender terms as people type them: rubles, percentages, durations, deadlines."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation

from dapp.errors import PlatformError
from dapp.i18n import _

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")


class TenderInputError(PlatformError, ValueError):
    """A tender term typed wrongly; the message says what is expected."""


def parse_rubles(text: str, name: str = "amount") -> int:
    """Rubles with at most two decimals ("19200", "19 200,50", "19200.5") as kopecks."""
    cleaned = str(text).strip().replace(" ", "").replace("\u00a0", "").replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise TenderInputError(_("{name} {text!r} is not an amount in rubles, e.g. 19200 or 19200.50").format(name=name, text=text)) from None
    kopecks = value * 100
    if not value.is_finite() or kopecks != kopecks.to_integral_value():
        raise TenderInputError(_("{name} {text!r} has fractions of a kopeck; give at most two decimals").format(name=name, text=text))
    if value <= 0:
        raise TenderInputError(_("{name} {text!r} must be more than zero").format(name=name, text=text))
    return int(kopecks)


def parse_percent(text: str, name: str = "rate") -> int:
    """A percentage ("1", "1%", "0.5 %") as basis points."""
    cleaned = str(text).strip().removesuffix("%").strip().replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise TenderInputError(_("{name} {text!r} is not a percentage, e.g. 1%, 0.5%").format(name=name, text=text)) from None
    bps = value * 100
    if not value.is_finite() or value < 0 or bps != bps.to_integral_value():
        raise TenderInputError(_("{name} {text!r} must be a percentage of at most two decimals, e.g. 0.5%").format(name=name, text=text))
    return int(bps)


def parse_duration(text: str, name: str = "duration") -> int:
    """"30m", "36h", "7d", "2w" as seconds."""
    match = _DURATION.match(str(text))
    if not match:
        raise TenderInputError(_("{name} {text!r} is not a duration: a number and a unit, s, m, h, d or w (e.g. 36h, 7d)").format(name=name, text=text))
    return int(match.group(1)) * _UNITS[match.group(2)]


def parse_deadline(text: str, now: int, name: str = "deadline") -> int:
    """A moment: "+7d" (from `now`, the chain's time), or a UTC date or date and time
    ("2026-03-01", "2026-03-01T12:00"; a date alone means the end of that day)."""
    text = str(text).strip()
    if text.startswith("+"):
        return now + parse_duration(text[1:], name)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise TenderInputError(_("{name} {text!r} is neither +DURATION (e.g. +7d) nor a UTC date/time (2026-03-01 or "
                                 "2026-03-01T12:00)").format(name=name, text=text)) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    timestamp = int(moment.timestamp())
    if len(text) == 10:  # a date alone: its last second
        timestamp += 86400 - 1
    return timestamp
