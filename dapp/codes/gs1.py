"""GS1 identifiers: GTINs and unit codes (GTIN + serial, with lot and expiry).

Built on biip, which owns the GS1 tables and rules: the Application Identifiers (AIs)
and their formats, the GTIN check digit, symbology identifiers, and the century rule
for YYMMDD dates. This module adds the platform's errors, which say exactly what is
wrong and where, and what biip lacks for reading codes off medicine packs:

- Digital Link URIs with the serial before the lot (``/01/…/21/…/10/…``), which biip
  refuses, and ``+`` kept as a literal plus in the query (biip reads it as a space);
- bracketed element strings whose values contain brackets or spaces (biip's reader
  drops every space and cuts values at the first ``(``);
- raw element strings read by AI length, so that an over-long serial is reported as
  such (biip cuts it at 20 characters and fails on the rest);
- the crypto tail of Russian Chestny ZNAK codes (AIs 91, 92 and 93), kept as it is;
- building Digital Link URIs on any resolver, http or https (biip builds https only).

Forms a unit code is read from (``UnitCode.form``):

``digital_link``
    ``https://<any host>[/<prefix>]/01/<gtin>[/10/<lot>]/21/<serial>?17=<YYMMDD>&…``;
    the path qualifiers (22, 10, 21, 235) in any order; other AIs in the query, where
    keys that are not AIs are ignored, as the standard says. Values percent-decoded.
``element_string``
    ``(01)04607001120018(21)abc(17)270131(10)L1``. Whitespace around a value is
    ignored (printed codes often space their elements); inside a value it is an error.
    ``(`` + 2 to 4 digits + ``)`` always starts an AI, so :func:`element_string` refuses
    values that contain one.
``raw``
    What a scanner types: AIs one after another, variable-length values ended by the
    GS separator (0x1D), optionally after a symbology identifier (``]d2``, ``]Q3``,
    ``]C1``…). Since GS is invisible and often shows up in logs and hand-typed tests
    as ``<GS>`` or ``\\x1d``, both spellings are read as GS in this form; a serial
    really containing ``<GS>`` (legal in set 82, never seen in practice) can therefore
    only be read from the other two forms.
"""

from __future__ import annotations

import os
import re
import string
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal
from urllib.parse import quote, unquote, urlsplit

from biip import ParseError
from biip.checksums import gs1_standard_check_digit
from biip.gs1_application_identifiers import GS1ApplicationIdentifier
from biip.gs1_element_strings import GS1ElementString
from biip.symbology import SymbologyIdentifier

from dapp.errors import InvalidCodeError
from dapp.i18n import N_, _, ngettext

GTIN_LIMIT = 10**14
GTIN_LENGTHS = (8, 12, 13, 14)

# GS1 AI (21) serials and AI (10) lots: 1 to 20 characters of GS1 character set 82.
GS1_CHARSET_82 = frozenset(
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
)
MAX_SERIAL_LENGTH = 20

DEFAULT_RESOLVER = "https://id.medchain.example"
GS = "\x1d"
# How GS is spelled when it has been made visible; read as GS in the raw form only.
GS_SPELLINGS = ("<GS>", "\\x1d", "\\x1D")
# Russian Chestny ZNAK codes end with a verification key (91) and crypto code (92, or 93
# for short codes): kept as they are, never validated.
CRYPTO_TAIL_AIS = frozenset({"91", "92", "93"})
# AIs that may follow the GTIN in a Digital Link path; all others go in the query.
PATH_QUALIFIERS = ("22", "10", "21", "235")

NOT_A_CODE = N_(
    "not a GS1 code: expected a Digital Link URI, an element string like (01)…(21)…, "
    "or a scanned code"
)

Form = Literal["digital_link", "element_string", "raw"]

_DIGITS = re.compile(r"[0-9]+")
_AI_MARKER = re.compile(r"\(([0-9]{2,4})\)")
_URI_START = re.compile(r"https?://", re.IGNORECASE)
_RESOLVER = re.compile(r"https?://[^/?#\s]+(/[^?#\s]*)?", re.IGNORECASE)
_PRINTABLE_ASCII = frozenset(string.ascii_letters + string.digits + string.punctuation)


@dataclass(frozen=True)
class UnitCode:
    """One unit (GS1 SGTIN) as read from a code, with the form it was read from."""

    gtin: str  # GTIN-14
    serial: str
    lot: str | None = None
    expiry: date | None = None  # DD=00 in the code is the month's last day
    other: dict[str, str] = field(default_factory=dict, hash=False)  # AI -> value
    form: Form = "digital_link"


# --- GTINs -------------------------------------------------------------------


def parse_gtin(value: str | int) -> str:
    """Return `value` as a GTIN-14 string, or raise InvalidCodeError saying why it is not one.

    GTIN-8, -12, -13 and -14 are accepted and padded with zeros to 14 digits, the form
    the contracts key products by.
    """
    if isinstance(value, int) and value >= 0:
        return _check_gtin(f"{value:014d}")
    return _check_gtin(str(value).strip())


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
    if not _DIGITS.fullmatch(body) or len(body) > 13:
        raise InvalidCodeError(_("a GTIN body must be at most 13 digits, got {body!r}").format(body=body))
    padded = body.zfill(13)
    return padded + str(gs1_standard_check_digit(padded))


def _check_gtin(text: str, where: str = "", lengths: tuple[int, ...] = GTIN_LENGTHS) -> str:
    """`text` as a GTIN-14 if it is a GTIN of one of `lengths` digits; `where` names its place."""
    allowed = _one_of(lengths)
    if not _DIGITS.fullmatch(text):
        raise InvalidCodeError(_("GTIN {text!r}{where} must contain digits only ({allowed} of them)").format(text=text, where=where, allowed=allowed))
    if len(text) not in lengths:
        digits = ngettext("{count} digit", "{count} digits", len(text)).format(count=len(text))
        raise InvalidCodeError(_("GTIN {text}{where} has {digits}; expected {allowed}").format(text=text, where=where, digits=digits, allowed=allowed))
    if int(text) == 0:
        raise InvalidCodeError(_("GTIN {text}{where} is all zeros: no product has it").format(text=text, where=where))
    expected = gs1_standard_check_digit(text[:-1])
    if int(text[-1]) != expected:
        raise InvalidCodeError(_("GTIN {text}{where}: check digit should be {expected}").format(text=text, where=where, expected=expected))
    return text.zfill(14)


def _one_of(numbers: tuple[int, ...]) -> str:
    """(8, 12, 13, 14) -> "8, 12, 13 or 14"."""
    *others, last = map(str, numbers)
    return _("{others} or {last}").format(others=", ".join(others), last=last) if others else last


# --- Field values ------------------------------------------------------------


def check_serial(serial: str) -> str:
    """`serial` if it is a valid AI (21) serial: 1 to 20 characters of GS1 set 82."""
    return _check_text(serial, _("serial"), "21")


def _check_text(value: str, name: str, ai: str) -> str:
    """`value` if it is 1 to 20 characters of GS1 set 82 (a serial or a lot)."""
    if not value:
        raise InvalidCodeError(_("{name} in AI ({ai}) is empty; it needs 1 to {max_serial_length} characters").format(name=name, ai=ai, max_serial_length=MAX_SERIAL_LENGTH))
    _check_characters(value, GS1_CHARSET_82, _("{name} in AI ({ai})").format(name=name, ai=ai), _("GS1 character set 82"))
    if len(value) > MAX_SERIAL_LENGTH:
        raise InvalidCodeError(_("{name} is {length} characters; AI ({ai}) allows at most {max_serial_length}").format(name=name, length=len(value), ai=ai, max_serial_length=MAX_SERIAL_LENGTH))
    return value


def _check_characters(value: str, allowed: frozenset[str], where: str, charset: str) -> None:
    """Raise, naming the first character of `value` outside `allowed` and its position (from 1)."""
    for position, char in enumerate(value, start=1):
        if char not in allowed:
            raise InvalidCodeError(_("{where} has characters outside {charset}: {char!r} at position {position}").format(where=where, charset=charset, char=char, position=position))


def _parse_expiry(value: str) -> date:
    """An AI (17) YYMMDD as a date: GS1 century rule (via biip), DD=00 the month's last day."""
    if not _DIGITS.fullmatch(value) or len(value) != 6:
        raise InvalidCodeError(_("expiry {value!r} in AI (17) must be 6 digits, YYMMDD").format(value=value))
    if not 1 <= int(value[2:4]) <= 12:
        raise InvalidCodeError(_("expiry {value} in AI (17): month {month} does not exist").format(value=value, month=value[2:4]))
    month_end = GS1ElementString.parse(f"17{value[:4]}00").date
    assert month_end is not None  # biip dates every AI (17) it accepts
    day = int(value[4:])
    if day > month_end.day:
        raise InvalidCodeError(_("expiry {value} in AI (17): {month_end:%B %Y} has no day {day}").format(value=value, month_end=month_end, day=day))
    return month_end.replace(day=day or month_end.day)


def _expiry_text(expiry: date | str) -> str:
    """An expiry (a date, or YYMMDD as printed) as the YYMMDD that reads back to it."""
    if isinstance(expiry, str):
        _parse_expiry(expiry)
        return expiry
    day = expiry.date() if isinstance(expiry, datetime) else expiry
    text = f"{day:%y%m%d}"
    read_back = _parse_expiry(text)
    if read_back != day:
        raise InvalidCodeError(
            _("expiry {day} cannot be written as YYMMDD: GS1 reads {text} as {year}").format(day=day.isoformat(), text=text[:2], year=read_back.year)
        )
    return text


def _application_identifier(ai: str) -> GS1ApplicationIdentifier | None:
    """biip's description of AI `ai`, or None if there is no such AI."""
    try:
        identifier = GS1ApplicationIdentifier.extract(ai)
    except ParseError:
        return None
    return identifier if identifier.ai == ai else None


def _check_other(ai: str, value: str) -> str:
    """`value` if it fits AI `ai` as biip knows it; the crypto tail (91-93) as it is."""
    if ai in CRYPTO_TAIL_AIS:
        return value
    identifier = _application_identifier(ai)
    assert identifier is not None  # each form's reader admits known AIs only
    _check_characters(value, _PRINTABLE_ASCII, _("value in AI ({ai})").format(ai=ai), _("printable ASCII"))
    try:
        GS1ElementString.parse(ai + value)
    except (ParseError, ValueError):
        raise InvalidCodeError(
            _("{value!r} in AI ({ai}) does not fit its format {format} ({description})").format(value=value, ai=ai, format=identifier.format, description=identifier.description)
        ) from None
    return value


# --- Reading codes -----------------------------------------------------------


def parse_code(text: str) -> UnitCode:
    """Read a unit code from a Digital Link URI, a bracketed or a raw element string.

    Raises InvalidCodeError, saying what is wrong and where, for anything else.
    """
    if not isinstance(text, str):
        raise InvalidCodeError(_("a code is text, not {kind}").format(kind=type(text).__name__))
    form, pairs = _read_pairs(_without_symbology(text.strip()))
    return _unit_code(pairs, form)


def _without_symbology(text: str) -> str:
    """`text` without its leading symbology identifier (]d2, ]Q3, ]C1…), if any."""
    if not text.startswith("]"):
        return text
    try:
        identifier = SymbologyIdentifier.extract(text)
    except (ParseError, ValueError, IndexError):  # biip raises the latter two on "]", "]Y", "]Ya"
        raise InvalidCodeError(
            _("{text!r} at the start is not a symbology identifier like ]d2, ]Q3 or ]C1").format(text=text[:3])
        ) from None
    return text[len(identifier) :]


def _read_pairs(body: str) -> tuple[Form, list[tuple[str, str]]]:
    """The form of `body` and its (AI, value) pairs, in order."""
    if _URI_START.match(body):
        return "digital_link", _digital_link_pairs(body)
    if body.startswith("("):
        return "element_string", _bracketed_pairs(body)
    raw = _visible_gs_as_gs(body).lstrip(GS)
    if not _DIGITS.match(raw):
        raise InvalidCodeError(_(NOT_A_CODE))
    if _DIGITS.fullmatch(raw) and len(raw) in GTIN_LENGTHS[:-1]:
        raise InvalidCodeError(
            _("{raw} is a bare GTIN-{digits}, a product barcode with no serial (AI 21): a unit code "
              "needs GTIN and serial; scan the pack's 2D code").format(raw=raw, digits=len(raw))
        )
    return "raw", _raw_pairs(raw)


def _digital_link_pairs(uri: str) -> list[tuple[str, str]]:
    """(AI, value) pairs of a Digital Link URI: the path's, then the query's."""
    try:
        parts = urlsplit(uri)
    except ValueError as error:
        raise InvalidCodeError(_("Digital Link URI {uri!r} is malformed: {error}").format(uri=uri, error=error)) from None
    return _path_pairs(parts.path.removesuffix("/").split("/")) + _query_pairs(parts.query)


def _path_pairs(segments: list[str]) -> list[tuple[str, str]]:
    """(AI, value) pairs from /01/<gtin>/<qualifier>/<value>…, after any path prefix.

    The GTIN's key is the last "01" segment an even number of segments from the end,
    so a prefix may hold anything, even "01".
    """
    starts = [i for i in range(len(segments) - 2, -1, -2) if segments[i] == "01"]
    if not starts:
        raise InvalidCodeError(_("Digital Link URI has no /01/<GTIN> in its path: it names no product"))
    keys_and_values = segments[starts[0] :]
    pairs = list(zip(keys_and_values[::2], map(unquote, keys_and_values[1::2])))
    gtin = pairs[0][1]
    if _DIGITS.fullmatch(gtin) and len(gtin) in GTIN_LENGTHS:
        pairs[0] = ("01", gtin.zfill(14))  # the path may shorten GTIN-8, -12 and -13
    for key, _value in pairs[1:]:
        if key not in PATH_QUALIFIERS:
            raise InvalidCodeError(
                _("path segment {key!r} after /01/<GTIN>: only AIs {path_qualifiers} may follow the GTIN "
                  "in a Digital Link path; others go in the query, like ?17=YYMMDD").format(key=key, path_qualifiers=', '.join(PATH_QUALIFIERS))
            )
    return pairs


def _query_pairs(query: str) -> list[tuple[str, str]]:
    """(AI, value) pairs of the query; parameters that are not AIs are ignored.

    Values are percent-decoded; "+" stays a plus (set 82 has it, and no space).
    """
    pairs = []
    for parameter in filter(None, query.split("&")):
        key, _, value = parameter.partition("=")
        key = unquote(key)
        if _application_identifier(key):
            pairs.append((key, unquote(value)))
    return pairs


def _bracketed_pairs(text: str) -> list[tuple[str, str]]:
    """(AI, value) pairs of "(01)…(21)…"; whitespace around each value ignored."""
    markers = list(_AI_MARKER.finditer(text))
    if not markers or markers[0].start() != 0:
        raise InvalidCodeError(_("element string {text!r} must start with an AI in brackets, like (01)").format(text=text[:30]))
    for marker in markers:
        if _application_identifier(marker[1]) is None:
            raise InvalidCodeError(_("{ai} at position {position} is not a GS1 Application Identifier").format(ai=marker[0], position=marker.start() + 1))
    ends = [marker.start() for marker in markers[1:]] + [len(text)]
    return [(marker[1], text[marker.end() : end].strip()) for marker, end in zip(markers, ends)]


def _visible_gs_as_gs(text: str) -> str:
    """`text` with "<GS>" and a literal "\\x1d" read as the GS separator."""
    for spelling in GS_SPELLINGS:
        text = text.replace(spelling, GS)
    return text


def _raw_pairs(text: str) -> list[tuple[str, str]]:
    """(AI, value) pairs of a raw element string.

    A value has its AI's fixed length, or else runs to the next GS or the end.
    """
    pairs = []
    position = 0
    while position < len(text):
        if text[position] == GS:
            position += 1
            continue
        identifier = _ai_at(text, position)
        start = position + len(identifier.ai)
        length = _fixed_length(identifier)
        end = start + length if length else _next_gs(text, start)
        pairs.append((identifier.ai, text[start:end]))
        position = end
    return pairs


def _ai_at(text: str, position: int) -> GS1ApplicationIdentifier:
    """The AI at `position` of a raw element string, as biip knows it."""
    try:
        return GS1ApplicationIdentifier.extract(text[position:])
    except ParseError:
        raise InvalidCodeError(
            _("no GS1 Application Identifier at position {position} of the scanned code: {text!r}").format(position=position + 1, text=text[position : position + 4])
        ) from None


def _fixed_length(identifier: GS1ApplicationIdentifier) -> int | None:
    """The value length of an AI that needs no separator (its format is like N2+N14)."""
    if identifier.separator_required:
        return None
    return int(identifier.format.rpartition("+")[2][1:])


def _next_gs(text: str, start: int) -> int:
    end = text.find(GS, start)
    return len(text) if end < 0 else end


def _unit_code(pairs: list[tuple[str, str]], form: Form) -> UnitCode:
    """The validated unit code made of `pairs`."""
    fields = _single_values(pairs)
    missing = [_("no {name} (AI {ai})").format(name=name, ai=ai) for ai, name in (("01", "GTIN"), ("21", _("serial")))
               if ai not in fields]
    if missing:
        raise InvalidCodeError(_("{missing}: a unit code needs GTIN and serial").format(missing=_(" and ").join(missing)))
    gtin = _check_gtin(fields.pop("01"), _(" in AI (01)"), lengths=(14,))
    serial = check_serial(fields.pop("21"))
    lot = _check_text(fields.pop("10"), _("lot"), "10") if "10" in fields else None
    expiry = _parse_expiry(fields.pop("17")) if "17" in fields else None
    other = {ai: _check_other(ai, value) for ai, value in fields.items()}
    return UnitCode(gtin=gtin, serial=serial, lot=lot, expiry=expiry, other=other, form=form)


def _single_values(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """`pairs` as a dict; an AI repeated with the same value is fine, with another is not."""
    fields: dict[str, str] = {}
    for ai, value in pairs:
        if fields.setdefault(ai, value) != value:
            raise InvalidCodeError(_("AI ({ai}) appears twice with different values: {fields!r} and {value!r}").format(ai=ai, fields=fields[ai], value=value))
    return fields


# --- Building codes ----------------------------------------------------------


def resolver_base() -> str:
    """The resolver printed on labels: MEDCHAIN_RESOLVER_URL (`make run` sets it to the running
    dApp, so a phone that scans a printed demo label opens its verdict), else DEFAULT_RESOLVER."""
    return os.environ.get("MEDCHAIN_RESOLVER_URL") or DEFAULT_RESOLVER


def digital_link(
    gtin: str | int,
    serial: str,
    lot: str | None = None,
    expiry: date | str | None = None,
    resolver: str | None = None,
) -> str:
    """The canonical GS1 Digital Link URI of a unit, on `resolver` (which may have a path prefix).

    ``<resolver>/01/<gtin14>[/10/<lot>]/21/<serial>[?17=YYMMDD]``; lot and serial are
    percent-encoded (every character but letters, digits and ``-._~``, as biip does).
    """
    gtin14, serial, lot, expiry_text = _unit_fields(gtin, serial, lot, expiry)
    resolver = resolver or resolver_base()
    if not _RESOLVER.fullmatch(resolver):
        raise InvalidCodeError(
            _("resolver {resolver!r} must be an http(s) URL like {default_resolver}, optionally with a "
              "path").format(resolver=resolver, default_resolver=DEFAULT_RESOLVER)
        )
    path = f"/01/{gtin14}"
    if lot is not None:
        path += f"/10/{quote(lot, safe='')}"
    path += f"/21/{quote(serial, safe='')}"
    query = f"?17={expiry_text}" if expiry_text else ""
    return resolver.rstrip("/") + path + query


def element_string(
    gtin: str | int,
    serial: str,
    lot: str | None = None,
    expiry: date | str | None = None,
) -> str:
    """The bracketed element string of a unit: ``(01)<gtin14>[(17)YYMMDD][(10)<lot>](21)<serial>``.

    Refuses a lot or serial containing "(" + 2-4 digits + ")", which would read back as an AI.
    """
    gtin14, serial, lot, expiry_text = _unit_fields(gtin, serial, lot, expiry)
    for name, value in (("lot", lot), ("serial", serial)):
        marker = _AI_MARKER.search(value or "")
        if marker:
            raise InvalidCodeError(
                _("{name} {value!r} contains {ai!r}, which reads as an AI in an element string; use "
                  "the Digital Link").format(name=name, value=value, ai=marker[0])
            )
    elements = [("01", gtin14), ("17", expiry_text), ("10", lot), ("21", serial)]
    return "".join(f"({ai}){value}" for ai, value in elements if value is not None)


def _unit_fields(
    gtin: str | int, serial: str, lot: str | None, expiry: date | str | None
) -> tuple[str, str, str | None, str | None]:
    """The validated GTIN-14, serial, lot and YYMMDD expiry of a code to build."""
    return (
        parse_gtin(gtin),
        check_serial(serial),
        None if lot is None else _check_text(lot, "lot", "10"),
        None if expiry is None else _expiry_text(expiry),
    )
