"""Dates, numbers and rubles as each language writes them."""

from datetime import date, datetime, timezone

import pytest

from dapp.i18n import format_date, format_datetime, format_number, format_rubles, use_language

NBSP = {"\u00a0", "\u202f"}  # CLDR's Russian group separator and space before ₽ (no-break spaces)


def plain(text: str) -> str:
    return "".join(" " if char in NBSP else char for char in text)


@pytest.mark.parametrize("language, expected", [("en", "12 Mar 2027"), ("ru", "12 мар. 2027 г.")])
def test_format_date(language, expected):
    with use_language(language):
        assert plain(format_date(date(2027, 3, 12))) == expected
        assert plain(format_date("2027-03-12T10:00:00+00:00")) == expected


@pytest.mark.parametrize("language, expected", [("en", "12 March 2027"), ("ru", "12 марта 2027 г.")])
def test_format_date__long(language, expected):
    with use_language(language):
        assert plain(format_date(date(2027, 3, 12), "long")) == expected


@pytest.mark.parametrize("language, expected", [
    ("en", "12 Mar 2027, 14:05:09 UTC"), ("ru", "12 мар. 2027 г., 14:05:09 UTC")])
def test_format_datetime__utc(language, expected):
    moment = datetime(2027, 3, 12, 14, 5, 9, tzinfo=timezone.utc)
    with use_language(language):
        assert plain(format_datetime(moment)) == expected
        assert plain(format_datetime(moment.isoformat())) == expected


@pytest.mark.parametrize("language, expected", [("en", "1,234,567"), ("ru", "1 234 567")])
def test_format_number(language, expected):
    with use_language(language):
        assert plain(format_number(1234567)) == expected


@pytest.mark.parametrize("language, expected", [("en", "1,234.5"), ("ru", "1 234,5")])
def test_format_number__decimals(language, expected):
    with use_language(language):
        assert plain(format_number(1234.5)) == expected


@pytest.mark.parametrize("language, kopecks, expected", [
    ("en", 123450, "RUB1,234.50"), ("ru", 123450, "1 234,50 ₽"),
    ("en", 5, "RUB0.05"), ("ru", 5, "0,05 ₽"),
    ("ru", 1_920_000_00, "1 920 000,00 ₽"),
])
def test_format_rubles(language, kopecks, expected):
    with use_language(language):
        assert plain(format_rubles(kopecks)) == expected
