"""What a keyboard-wedge scanner types, read back into the code it scanned.

A scanner in keyboard mode "types" the code into whatever field has the focus, and the GS1
group separator (ASCII 29) that ends a variable-length field rarely survives the trip: scanners
send it as nothing, as a visible `<GS>`, `{GS}`, `[GS]`, `^]`, `␝` (U+241D) or `~1`, or as
another control character; and with a Russian keyboard layout active the letters arrive as the
Cyrillic letters on the same keys (`шшЦИ` for `iiWB`). `readings` gives every code the typed text
can stand for, most likely first; the verifier keeps the reading the chain knows.
"""

from __future__ import annotations

import itertools
import re

from dapp.codes.gs1 import GS, UnitCode, parse_code
from dapp.errors import InvalidCodeError

# Spellings of the separator that cannot be part of a value: none of their characters is in
# GS1's character set 82 except `<` and `>`, and `<GS>` is what GS1's own tools print.
SEPARATOR_SPELLINGS = ("<GS>", "<gs>", "{GS}", "[GS]", "^]", "\\x1d", "\\x1D", "\u241d", "~1", "\u2194")
# A field that needs a separator may run into the next AI when the separator is lost: these
# are the AIs a pack's code carries after one (lot, expiry, serial, crypto tails, dates).
_FOLLOWING_AIS = ("10", "11", "17", "21", "91", "92", "93", "240", "7003")
_MAX_READINGS = 12
_CONTROL = re.compile(r"[\x00-\x1c\x1e\x1f\x7f]")

_RUSSIAN_LAYOUT = dict(zip(
    "йцукенгшщзхъфывапролджэячсмитьбюёЙЦУКЕНГШЩЗХЪФЫВАПРОЛДЖЭЯЧСМИТЬБЮЁ\"№;:?",
    "qwertyuiop[]asdfghjkl;'zxcvbnm,.`QWERTYUIOP{}ASDFGHJKL:\"ZXCVBNM<>~@#$^&",
))
_CYRILLIC = re.compile("[\u0400-\u04ff]")


def normalized(text: str) -> str:
    """`text` with the separator's spellings as GS, other control characters as GS, and the
    line ends and spaces a scanner adds around a code removed."""
    text = text.strip(" \t\r\n")
    for spelling in SEPARATOR_SPELLINGS:
        text = text.replace(spelling, GS)
    return _CONTROL.sub(GS, text)


def from_russian_layout(text: str) -> str:
    """The Latin characters on the keys that typed `text` with a Russian (ЙЦУКЕН) layout."""
    return "".join(_RUSSIAN_LAYOUT.get(character, character) for character in text)


def readings(text: str) -> list[tuple[str, UnitCode]]:
    """Every code `text` can stand for, most likely first: (the code as text, the parsed code).

    Raises the parser's InvalidCodeError (what is wrong with it) when it stands for none.
    """
    candidates = [normalized(text)]
    if _CYRILLIC.search(text):
        candidates.append(normalized(from_russian_layout(text)))
    found: dict[UnitCode, str] = {}
    first_error: InvalidCodeError | None = None
    for candidate in candidates:
        for reading in [candidate, *_with_separators_restored(candidate)]:
            try:
                code = parse_code(reading)
            except InvalidCodeError as error:
                first_error = first_error or error
                continue
            found.setdefault(code, reading)
            if len(found) >= _MAX_READINGS:
                break
    if not found:
        raise first_error
    return [(reading, code) for code, reading in found.items()]


def _with_separators_restored(text: str) -> list[str]:
    """`text` with GS put back where a lost one could have been: before an AI that a pack's
    code carries, one or two places, wherever the whole then reads as a code."""
    if not text[:2].isdigit() or GS in text:
        return []
    # after the GTIN (01 + 14 digits) at the earliest: nothing before it can need a separator
    places = [i for i in range(18, len(text) - 2) if text.startswith(_FOLLOWING_AIS, i)]
    results = []
    for count in (1, 2):
        for chosen in itertools.combinations(places, count):
            candidate = "".join(GS + text[start:end] if start in chosen else text[start:end]
                                for start, end in zip((0, *chosen), (*chosen, len(text))))
            try:
                parse_code(candidate)
            except InvalidCodeError:
                continue
            results.append(candidate)
            if len(results) >= _MAX_READINGS:
                return results
    return results
