"""Unit codes: every accepted form, every error, and build -> parse round trips."""

from datetime import date

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dapp.errors import InvalidCodeError
from dapp.codes.gs1 import (
    GS1_CHARSET_82,
    UnitCode,
    complete_gtin,
    digital_link,
    element_string,
    parse_code,
)
from tests.budget import examples

G = "04607001120018"  # a GTIN-14 with a right check digit
GS = "\x1d"
CRYPTO = "dGVzdHRlc3R0ZXN0dGVzdHRlc3R0ZXN0dGVzdHRlc3Q="  # a Chestny ZNAK AI (92) tail
JAN_27 = date(2027, 1, 31)


def unit(form, serial="abc", lot=None, expiry=None, other=None, gtin=G):
    return UnitCode(gtin=gtin, serial=serial, lot=lot, expiry=expiry, other=other or {}, form=form)


DL, ES, RAW = "digital_link", "element_string", "raw"

ACCEPTED = [
    # GS1 Digital Link URIs
    (f"https://id.medchain.example/01/{G}/10/L1/21/abc?17=270131", unit(DL, lot="L1", expiry=JAN_27)),
    (f"http://id.medchain.example/01/{G}/21/abc/10/L1?17=270131", unit(DL, lot="L1", expiry=JAN_27)),
    (f"https://resolver.example/01/{G}/21/abc", unit(DL)),
    (f"https://resolver.example/01/{G}/10/L1/21/abc", unit(DL, lot="L1")),
    (f"https://resolver.example/01/{G}/21/abc?17=270131", unit(DL, expiry=JAN_27)),
    (f"https://resolver.example/01/{G}/21/abc?17=280200", unit(DL, expiry=date(2028, 2, 29))),  # DD=00, leap
    (f"https://resolver.example/01/{G}/21/abc?17=270400", unit(DL, expiry=date(2027, 4, 30))),  # DD=00
    (f"https://shop.example/products/scan/01/{G}/21/abc", unit(DL)),  # path prefix
    (f"https://r.example/01/v2/01/{G}/21/abc", unit(DL)),  # a prefix holding "01"
    (f"https://r.example/01/{G}/21/01", unit(DL, serial="01")),  # a serial "01"
    ("https://r.example/01/4607001120018/21/abc", unit(DL)),  # GTIN-13 in the path, padded
    (f"https://r.example/01/{G}/21/abc/", unit(DL)),  # trailing slash
    (f"HTTPS://R.EXAMPLE/01/{G}/21/abc", unit(DL)),
    (f"https://r.example/01/{G}/21/a%2Fb%25c%22d%3Fe%26f", unit(DL, serial="a/b%c\"d?e&f")),
    (f"https://r.example/01/{G}/10/L%2B1/21/a%2bb", unit(DL, serial="a+b", lot="L+1")),  # lower-case hex too
    (f"https://r.example/01/{G}/21/abc?10=L%2F1&17=270131", unit(DL, lot="L/1", expiry=JAN_27)),  # lot in query
    (f"https://r.example/01/{G}/21/abc?10=L+1", unit(DL, lot="L+1")),  # "+" stays a plus
    (
        f"https://r.example/01/{G}/21/abc?3103=000195&11=250101&linkType=all&utm_source=x",
        unit(DL, other={"3103": "000195", "11": "250101"}),
    ),
    (f"https://r.example/01/{G}/22/2A/10/L1/21/abc/235/T9", unit(DL, lot="L1", other={"22": "2A", "235": "T9"})),
    (f"https://r.example/01/{G}/21/abc?17=270131#details", unit(DL, expiry=JAN_27)),  # fragment ignored
    (f"https://r.example/01/{G}/21/abc?21=abc", unit(DL)),  # the same AI twice, same value
    (f"]Q1https://r.example/01/{G}/21/abc", unit(DL)),  # a QR scanner's symbology prefix
    (f"  https://r.example/01/{G}/21/abc\r\n", unit(DL)),
    # Bracketed element strings
    (f"(01){G}(21)abc(17)270131(10)L1", unit(ES, lot="L1", expiry=JAN_27)),
    (f"(01){G}(17)270131(10)L1(21)abc", unit(ES, lot="L1", expiry=JAN_27)),
    (f"(01){G}(21)abc", unit(ES)),
    (f"(21)abc(01){G}", unit(ES)),
    (f"(01){G}(21)abc(17)270200", unit(ES, expiry=date(2027, 2, 28))),  # DD=00
    (f"(01) {G} (21) abc (10) L1", unit(ES, lot="L1")),  # spaced like a printed code
    (f"(01){G}(21)a(b)c", unit(ES, serial="a(b)c")),  # brackets that are no AI
    (f"(01){G}(21)abc(11)250101(3103)000195", unit(ES, other={"11": "250101", "3103": "000195"})),
    (f"(01){G}(21)abc(91)EE06(92){CRYPTO}", unit(ES, other={"91": "EE06", "92": CRYPTO})),
    (f"(01){G}(21)abc(93)dGvz", unit(ES, other={"93": "dGvz"})),
    (f"(01){G}(21)abc(91)ee 06 é", unit(ES, other={"91": "ee 06 é"})),  # the tail is never checked
    (f"\t(01){G}(21)abc\n", unit(ES)),
    # Raw element strings, as scanners type them
    (f"01{G}21abc", unit(RAW)),
    (f"01{G}1727013110L1{GS}21abc", unit(RAW, lot="L1", expiry=JAN_27)),
    (f"01{G}21abc{GS}10L1{GS}17270131", unit(RAW, lot="L1", expiry=JAN_27)),
    (f"]d201{G}21abc{GS}17270100", unit(RAW, expiry=JAN_27)),
    (f"]Q301{G}21abc", unit(RAW)),
    (f"]C101{G}21abc", unit(RAW)),
    (f"]d2{GS}01{G}21abc{GS}", unit(RAW)),  # FNC1 sent as a leading GS, a trailing GS
    (
        f"]d201{G}215xAbcdEfghIjK{GS}91EE06{GS}92{CRYPTO}",  # Chestny ZNAK
        unit(RAW, serial="5xAbcdEfghIjK", other={"91": "EE06", "92": CRYPTO}),
    ),
    (f"01{G}21abc<GS>10L1", unit(RAW, lot="L1")),  # GS made visible
    (f"01{G}21abc\\x1d10L1", unit(RAW, lot="L1")),
    (f"01{G}21abc\\x1D10L1", unit(RAW, lot="L1")),
    (f"01{G}21abc{GS}11250101", unit(RAW, other={"11": "250101"})),
    (f"  ]d201{G}21abc\r\n", unit(RAW)),
]


@pytest.mark.parametrize(("text", "expected"), ACCEPTED)
def test_parse_code__accepted_form__fields(text, expected):
    assert parse_code(text) == expected


ERRORS = [
    # GTIN
    ("(01)04607001120019(21)abc", "GTIN 04607001120019 in AI (01): check digit should be 8"),
    ("https://r.example/01/04607001120019/21/abc", "GTIN 04607001120019 in AI (01): check digit should be 8"),
    ("010460700112001921abc", "GTIN 04607001120019 in AI (01): check digit should be 8"),
    ("(01)4607001120018(21)abc", "GTIN 4607001120018 in AI (01) has 13 digits; expected 14"),
    ("https://r.example/01/46070011200/21/abc", "GTIN 46070011200 in AI (01) has 11 digits; expected 14"),
    ("(01)0460700112001X(21)abc", "GTIN '0460700112001X' in AI (01) must contain digits only"),
    ("(01)00000000000000(21)abc", "GTIN 00000000000000 in AI (01) is all zeros"),
    ("01046070011200X121abc", "GTIN '046070011200X1' in AI (01) must contain digits only (14 of them)"),
    # Serial
    (f"(01){G}(21)ab c", "serial in AI (21) has characters outside GS1 character set 82: ' ' at position 3"),
    (f"(01){G}(21)abcé", "serial in AI (21) has characters outside GS1 character set 82: 'é' at position 4"),
    (f"https://r.example/01/{G}/21/ab%23c", "serial in AI (21) has characters outside GS1 character set 82: '#' at"),
    (f"(01){G}(21)" + "a" * 21, "serial is 21 characters; AI (21) allows at most 20"),
    (f"01{G}21" + "x" * 13 + "91EE0692" + CRYPTO, "serial is 65 characters; AI (21) allows at most 20"),  # GS lost
    (f"(01){G}(21)", "serial in AI (21) is empty"),
    (f"(01){G}(21)abc(10)", "lot in AI (10) is empty"),
    # Lot
    (f"(01){G}(21)abc(10)L~1", "lot in AI (10) has characters outside GS1 character set 82: '~' at position 2"),
    (f"(01){G}(21)abc(10)" + "L" * 21, "lot is 21 characters; AI (10) allows at most 20"),
    # Expiry
    (f"(01){G}(21)abc(17)271331", "expiry 271331 in AI (17): month 13 does not exist"),
    (f"(01){G}(21)abc(17)270031", "expiry 270031 in AI (17): month 00 does not exist"),
    (f"(01){G}(21)abc(17)270230", "expiry 270230 in AI (17): February 2027 has no day 30"),
    (f"(01){G}(21)abc(17)270229", "expiry 270229 in AI (17): February 2027 has no day 29"),
    (f"(01){G}(21)abc(17)271232", "expiry 271232 in AI (17): December 2027 has no day 32"),
    (f"(01){G}(21)abc(17)27013", "expiry '27013' in AI (17) must be 6 digits, YYMMDD"),
    (f"https://r.example/01/{G}/21/abc?17=2701AB", "expiry '2701AB' in AI (17) must be 6 digits, YYMMDD"),
    (f"01{G}21abc{GS}172701", "expiry '2701' in AI (17) must be 6 digits, YYMMDD"),
    # Missing parts
    (f"(01){G}(10)L1", "no serial (AI 21): a unit code needs GTIN and serial"),
    ("(21)abc", "no GTIN (AI 01): a unit code needs GTIN and serial"),
    ("(10)L1", "no GTIN (AI 01) and no serial (AI 21)"),
    (f"https://r.example/01/{G}", "no serial (AI 21)"),
    ("4607001120018", "bare GTIN-13, a product barcode with no serial (AI 21)"),
    ("]E04607001120018", "bare GTIN-13"),
    # Not a code
    ("", "not a GS1 code: expected a Digital Link URI, an element string like (01)…(21)…, or a scanned code"),
    ("   ", "not a GS1 code"),
    ("hello", "not a GS1 code"),
    (f"ftp://r.example/01/{G}/21/abc", "not a GS1 code"),
    ("]", "']' at the start is not a symbology identifier like ]d2, ]Q3 or ]C1"),
    ("]?x01", "']?x' at the start is not a symbology identifier"),
    ("]Ya01", "']Ya' at the start is not a symbology identifier"),  # biip: ValueError
    # Digital Link structure
    ("https://r.example/products/123", "Digital Link URI has no /01/<GTIN> in its path"),
    ("http://[::1/01/x", "Digital Link URI 'http://[::1/01/x' is malformed"),
    (f"https://r.example/01/{G}/17/270131/21/abc", "path segment '17' after /01/<GTIN>: only AIs 22, 10, 21, 235"),
    (f"https://r.example/01/{G}/21/abc?21=abd", "AI (21) appears twice with different values: 'abc' and 'abd'"),
    (f"https://r.example/01/{G}/21/abc?11=2513", "'2513' in AI (11) does not fit its format N2+N6"),
    # Element string structure
    (f"(1){G}(21)abc", "must start with an AI in brackets, like (01)"),
    (f"(01){G}(21)abc(55)x", "(55) at position 26 is not a GS1 Application Identifier"),
    (f"(01){G}(21)abc(21)abd", "AI (21) appears twice with different values"),
    (f"(01){G}(21)abc(11)٢٥٠١٠١", "value in AI (11) has characters outside printable ASCII: '٢' at position 1"),
    (f"(01){G}(21)abc(3103)1.5", "'1.5' in AI (3103) does not fit its format N4+N6"),
    # Raw structure
    (f"01{G}21abc{GS}5", "no GS1 Application Identifier at position 23 of the scanned code: '5'"),
]


@pytest.mark.parametrize(("text", "message"), ERRORS)
def test_parse_code__bad_code__says_what_and_where(text, message):
    with pytest.raises(InvalidCodeError) as raised:
        parse_code(text)
    assert message in str(raised.value)


def test_parse_code__not_text__invalid_code_error():
    with pytest.raises(InvalidCodeError, match="a code is text, not bytes"):
        parse_code(b"(01)04607001120018(21)abc")


@pytest.mark.parametrize(
    ("arguments", "uri"),
    [
        ((G, "abc"), f"https://id.medchain.example/01/{G}/21/abc"),
        ((4607001120018, "abc", "L1", JAN_27), f"https://id.medchain.example/01/{G}/10/L1/21/abc?17=270131"),
        ((G, "abc", None, "270100"), f"https://id.medchain.example/01/{G}/21/abc?17=270100"),
        ((G, "a/b%c\"d?e&f", "L+1"), f"https://id.medchain.example/01/{G}/10/L%2B1/21/a%2Fb%25c%22d%3Fe%26f"),
        ((G, "!'()*,:;<=>_.-"), f"https://id.medchain.example/01/{G}/21/%21%27%28%29%2A%2C%3A%3B%3C%3D%3E_.-"),
    ],
)
def test_digital_link__canonical_uri(arguments, uri):
    assert digital_link(*arguments) == uri


@pytest.mark.parametrize(
    "resolver", ["http://localhost:8501", "https://r.example/", "https://r.example/verify/v1"]
)
def test_digital_link__resolver__host_scheme_and_prefix_kept(resolver):
    uri = digital_link(G, "abc", resolver=resolver)
    assert uri == resolver.rstrip("/") + f"/01/{G}/21/abc"
    assert parse_code(uri) == unit(DL)


def test_element_string__bracketed_form():
    assert element_string(G, "abc", "L1", JAN_27) == f"(01){G}(17)270131(10)L1(21)abc"
    assert element_string("4607001120018", "abc") == f"(01){G}(21)abc"


@pytest.mark.parametrize("build", [digital_link, element_string])
@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("04607001120019", "abc"), "GTIN 04607001120019: check digit should be 8"),
        (("46070011200", "abc"), "GTIN 46070011200 has 11 digits; expected 8, 12, 13 or 14"),
        ((G, "ab c"), "serial in AI (21) has characters outside GS1 character set 82: ' ' at position 3"),
        ((G, "a" * 21), "serial is 21 characters; AI (21) allows at most 20"),
        ((G, ""), "serial in AI (21) is empty"),
        ((G, "abc", ""), "lot in AI (10) is empty"),
        ((G, "abc", "L#1"), "lot in AI (10) has characters outside GS1 character set 82: '#' at position 2"),
        ((G, "abc", None, "271331"), "expiry 271331 in AI (17): month 13 does not exist"),
        ((G, "abc", None, date(1970, 1, 1)), "expiry 1970-01-01 cannot be written as YYMMDD: GS1 reads 70 as 2070"),
    ],
)
def test_build__bad_input__same_errors_as_parsing(build, arguments, message):
    with pytest.raises(InvalidCodeError) as raised:
        build(*arguments)
    assert message in str(raised.value)


@pytest.mark.parametrize("resolver", ["ftp://r.example", "r.example", "https://r.example/?x=1", "https://"])
def test_digital_link__bad_resolver__says_so(resolver):
    with pytest.raises(InvalidCodeError, match="must be an http"):
        digital_link(G, "abc", resolver=resolver)


@pytest.mark.parametrize(("serial", "lot"), [("a(10)b", None), ("abc", "L(21)")])
def test_element_string__value_reading_as_an_ai__refused(serial, lot):
    with pytest.raises(InvalidCodeError, match="which reads as an AI in an element string; use the Digital Link"):
        element_string(G, serial, lot)


def test_charset_82__has_82_characters():
    assert len(GS1_CHARSET_82) == 82


# --- Properties ----------------------------------------------------------------

TODAY = date.today()
gtins = st.integers(1, 10**13 - 1).map(lambda body: complete_gtin(str(body)))
texts_82 = st.text(alphabet=sorted(GS1_CHARSET_82), min_size=1, max_size=20)
# GS1 reads YY within 49 years back and 50 ahead of the current year.
expiries = st.dates(date(TODAY.year - 49, 1, 1), date(TODAY.year + 50, 12, 31))
resolvers = st.sampled_from(["https://id.medchain.example", "http://localhost:8501", "https://r.example/01/x"])


@given(gtin=gtins, serial=texts_82, lot=st.none() | texts_82, expiry=st.none() | expiries, resolver=resolvers)
def test_digital_link__parse__round_trip(gtin, serial, lot, expiry, resolver):
    code = parse_code(digital_link(gtin, serial, lot, expiry, resolver=resolver))
    assert code == UnitCode(gtin, serial, lot, expiry, {}, "digital_link")


@given(gtin=gtins, serial=texts_82, lot=st.none() | texts_82, expiry=st.none() | expiries)
def test_element_string__parse__round_trip(gtin, serial, lot, expiry):
    assume("(" not in serial + (lot or ""))  # values reading as an AI are refused, tested above
    code = parse_code(element_string(gtin, serial, lot, expiry))
    assert code == UnitCode(gtin, serial, lot, expiry, {}, "element_string")


def assert_parses_or_says_why(text):
    """parse_code raises InvalidCodeError only; whatever it accepts is a valid unit code."""
    try:
        code = parse_code(text)
    except InvalidCodeError:
        return
    assert len(code.gtin) == 14
    assert 1 <= len(code.serial) <= 20
    assert set(code.serial) <= GS1_CHARSET_82


VALID_TEXTS = [text for text, _ in ACCEPTED]
PIECES = ["(", ")", "(01)", "(21)", "(17)", "/", "/01/", "/21/", "%", "%2F", "%zz", "?", "&", "=", "#", "+",
          " ", GS, "<GS>", "\\x1d", "]", "]d2", "0", "1", "9", "00", "13", "\x00", "é", "٢", "\n", "http://"]


@st.composite
def mutated_codes(draw):
    """A valid code with a few characters or pieces inserted, deleted or replaced."""
    text = draw(st.sampled_from(VALID_TEXTS))
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 3)))
        piece = draw(st.sampled_from(PIECES) | st.characters() | st.just(""))
        text = text[:start] + piece + text[end:]
    return text


@settings(max_examples=examples(300))
@given(st.text())
def test_parse_code__any_text__only_invalid_code_error(text):
    assert_parses_or_says_why(text)


@settings(max_examples=examples(300))
@given(st.binary().map(lambda data: data.decode("latin-1")))
def test_parse_code__any_bytes__only_invalid_code_error(text):
    assert_parses_or_says_why(text)


@settings(max_examples=examples(300))
@given(st.sampled_from(["", "]d2", "]Q3", "]C1", "(01)", "01", "https://r.example/01/", f"(01){G}(21)"]), st.text())
def test_parse_code__code_like_start_then_any_text__only_invalid_code_error(start, text):
    assert_parses_or_says_why(start + text)


@settings(max_examples=examples(1000))
@given(mutated_codes())
def test_parse_code__mutated_valid_code__only_invalid_code_error(text):
    assert_parses_or_says_why(text)
