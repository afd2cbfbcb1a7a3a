"""Dates, numbers and rubles as the current language writes them (Babel's CLDR data)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from babel import dates, numbers

from dapp.i18n.catalogues import current_language

_LOCALES = {"en": "en_GB", "ru": "ru_RU"}


def _locale() -> str:
    return _LOCALES.get(current_language(), "en_GB")


def format_date(value: date | str, style: str = "medium") -> str:
    """`12 Mar 2027` / `12 мар. 2027 г.`; ISO strings are accepted."""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return dates.format_date(value, format=style, locale=_locale())


def format_datetime(value: datetime | str, style: str = "medium") -> str:
    """A moment in UTC, written the local way, with its zone."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return dates.format_datetime(value, format=style, tzinfo=value.tzinfo, locale=_locale()) + (
        " UTC" if value.tzinfo is not None and value.utcoffset().total_seconds() == 0 else "")


def format_number(value: int | float | Decimal) -> str:
    """`1,234,567` / `1 234 567`."""
    return numbers.format_decimal(value, locale=_locale())


def format_rubles(kopecks: int) -> str:
    """An amount in kopecks (the payment token's 2 decimals) as rubles: `₽1,234.50` / `1 234,50 ₽`."""
    return numbers.format_currency(Decimal(kopecks) / 100, "RUB", locale=_locale())
