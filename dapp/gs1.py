"""GS1 identifiers: GTIN validation built on biip (which owns the check-digit rules)."""

from __future__ import annotations

from biip import ParseError
from biip.gtin import Gtin

from dapp.errors import InvalidCodeError

GTIN_LIMIT = 10**14


def parse_gtin(value: str | int) -> str:
    """Return `value` as a GTIN-14 string, or raise InvalidCodeError saying why it is not one.

    GTIN-8, -12, -13 and -14 are accepted and padded with zeros to 14 digits, the form
    the contracts key products by.
    """
    text = str(value).strip() if isinstance(value, str) else f"{value:014d}" if isinstance(value, int) and value >= 0 else str(value)
    if not text.isdigit():
        raise InvalidCodeError(f"GTIN {text!r} must contain digits only (8, 12, 13 or 14 of them)")
    if int(text) == 0:
        raise InvalidCodeError(f"GTIN {text!r} is all zeros: no product has it")
    try:
        return Gtin.parse(text).as_gtin_14()
    except ParseError as error:
        raise InvalidCodeError(f"GTIN {text!r} is not valid: {error}") from None


def gtin_to_int(value: str | int) -> int:
    """The GTIN as the uint256 the contracts take (validated first)."""
    return int(parse_gtin(value))


def is_valid_gtin(value: str | int) -> bool:
    """Whether `value` is a GTIN with a correct check digit."""
    try:
        parse_gtin(value)
    except InvalidCodeError:
        return False
    return True


def complete_gtin(body: str) -> str:
    """The GTIN-14 made of `body` (13 digits, or fewer, padded) and its GS1 check digit."""
    from biip.checksums import gs1_standard_check_digit

    if not body.isdigit() or len(body) > 13:
        raise InvalidCodeError(f"a GTIN body must be at most 13 digits, got {body!r}")
    padded = body.zfill(13)
    return padded + str(gs1_standard_check_digit(padded))
