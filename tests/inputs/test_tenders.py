"""dapp.inputs.tenders: tender terms as people type them, and clear errors when they are wrong."""

import pytest

from dapp.errors import PlatformError
from dapp.inputs.tenders import TenderInputError, parse_deadline, parse_duration, parse_percent, parse_rubles
from dapp.formats import rubles

NOW = 1_767_225_600  # 2026-01-01 00:00:00 UTC


@pytest.mark.parametrize(("text", "kopecks"), [("19200", 1_920_000), ("19 200,50", 1_920_050), ("0.01", 1),
                                                ("19200.5", 1_920_050), ("1\u00a0000", 100_000)])
def test_parse_rubles(text, kopecks):
    assert parse_rubles(text) == kopecks


@pytest.mark.parametrize(("text", "message"), [("12.345", "fractions of a kopeck"), ("abc", "not an amount in rubles"),
                                               ("0", "must be more than zero"), ("-5", "must be more than zero")])
def test_parse_rubles__wrong__says_what_is_expected(text, message):
    with pytest.raises(TenderInputError, match=message) as error:
        parse_rubles(text, "--max-price")
    assert "--max-price" in str(error.value) and isinstance(error.value, PlatformError)


@pytest.mark.parametrize(("text", "bps"), [("1%", 100), ("0.5 %", 50), ("5", 500), ("0,75%", 75), ("0", 0)])
def test_parse_percent(text, bps):
    assert parse_percent(text) == bps


@pytest.mark.parametrize("text", ["0.125%", "-1%", "ten"])
def test_parse_percent__wrong(text):
    with pytest.raises(TenderInputError, match="percentage"):
        parse_percent(text)


@pytest.mark.parametrize(("text", "seconds"), [("30m", 1800), ("36h", 129_600), ("7d", 604_800), ("2w", 1_209_600),
                                                ("45s", 45)])
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["7", "d7", "7 days", "1.5d"])
def test_parse_duration__wrong__shows_the_form(text):
    with pytest.raises(TenderInputError, match="a number and a unit, s, m, h, d or w"):
        parse_duration(text)


@pytest.mark.parametrize(("text", "moment"), [("+7d", NOW + 7 * 86_400), ("2026-03-01", 1_772_409_599),
                                               ("2026-03-01T12:00", 1_772_366_400),
                                               ("2026-03-01T12:00+03:00", 1_772_355_600)])
def test_parse_deadline__relative_to_the_chain_or_utc(text, moment):
    assert parse_deadline(text, NOW) == moment


def test_parse_deadline__wrong__shows_both_forms():
    with pytest.raises(TenderInputError, match=r"neither \+DURATION .* nor a UTC date/time"):
        parse_deadline("next week", NOW, "--bid-deadline")


@pytest.mark.parametrize(("kopecks", "text"), [(1_920_050, "19,200.50 RUB"), (5, "0.05 RUB"), (0, "0.00 RUB"),
                                                (-150, "-1.50 RUB")])
def test_rubles(kopecks, text):
    assert rubles(kopecks) == text
