import pytest

from dapp.errors import InvalidCodeError
from dapp.codes.gs1 import complete_gtin, gtin_to_int, is_valid_gtin, parse_gtin


@pytest.mark.parametrize(
    ("value", "gtin14"),
    [
        ("04607001120018", "04607001120018"),  # GTIN-14
        ("4607001120018", "04607001120018"),  # GTIN-13, padded
        ("036000291452", "00036000291452"),  # GTIN-12 (UPC-A)
        ("96385074", "00000096385074"),  # GTIN-8
        (4607001120018, "04607001120018"),  # as the contracts give it back
        (" 4607001120018 ", "04607001120018"),  # as typed, with spaces
    ],
)
def test_parse_gtin__valid__gtin14(value, gtin14):
    assert parse_gtin(value) == gtin14
    assert gtin_to_int(value) == int(gtin14)
    assert is_valid_gtin(value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("4607001120019", "check digit"),
        ("46070011200", "has 11 digits; expected 8, 12, 13 or 14"),
        ("460700112001A", "digits only"),
        ("", "digits only"),
        (-1, "digits only"),
        ("00000000000000", "all zeros"),
        (0, "all zeros"),
        ("046070011200181", "has 15 digits; expected 8, 12, 13 or 14"),
    ],
)
def test_parse_gtin__invalid__says_why(value, message):
    with pytest.raises(InvalidCodeError, match=message):
        parse_gtin(value)
    assert not is_valid_gtin(value)


def test_complete_gtin__appends_check_digit():
    assert complete_gtin("460700112001") == "04607001120018"
    assert is_valid_gtin(complete_gtin("570212345002"))


@pytest.mark.parametrize("body", ["46070011200181", "46A"])
def test_complete_gtin__bad_body__raises(body):
    with pytest.raises(InvalidCodeError, match="at most 13 digits"):
        complete_gtin(body)
