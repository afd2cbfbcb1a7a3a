"""The resolver's pure logic, without a server: path to code, content negotiation, links."""

import json
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from jsonschema import Draft202012Validator

from dapp.codes.gs1 import UnitCode
from dapp.errors import InvalidCodeError
from dapp.resolver import links as L
from dapp.resolver.routes import SCHEMA_FILE, sniff
from dapp.verification.verdicts import Document, Event, Finding, Reason, Verdict

ORIGIN = "http://127.0.0.1:8501"
GTIN = "04607001120018"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


def schema_validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_FILE.read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


# --- Path to code ------------------------------------------------------------------------------


def test_code_of_request__lot_serial_and_query_expiry():
    code = L.code_of_request(ORIGIN, f"/01/{GTIN}/10/MF2406/21/ABC123", "17=280823&format=json")
    assert (code.gtin, code.lot, code.serial, code.expiry) == (GTIN, "MF2406", "ABC123", date(2028, 8, 23))


def test_code_of_request__no_lot__gtin13__qualifiers_in_any_order():
    assert L.code_of_request(ORIGIN, "/01/4607001120018/21/S1", "").gtin == GTIN
    code = L.code_of_request(ORIGIN, f"/01/{GTIN}/21/S1/10/L1", "")
    assert (code.lot, code.serial) == ("L1", "S1")


def test_code_of_request__percent_encoded_serial_keeps_its_slash_and_question_mark():
    code = L.code_of_request(ORIGIN, f"/01/{GTIN}/21/A%2FB%3FC", "")
    assert code.serial == "A/B?C"
    assert L.canonical_uri(code, ORIGIN) == f"{ORIGIN}/01/{GTIN}/21/A%2FB%3FC"


@pytest.mark.parametrize("path, words", [
    ("/01/04607001120019/21/S1", "check digit"),
    ("/01/46070O112001/21/S1", "digits only"),
    (f"/01/{GTIN}/99/X/21/S1", "'99'"),
    (f"/01/{GTIN}/21/{'S' * 21}", "at most 20"),
    ("/01/", "/01/<GTIN>"),
    (f"/01/{GTIN}", "no serial"),
])
def test_code_of_request__malformed__says_what_is_wrong(path, words):
    with pytest.raises(InvalidCodeError) as raised:
        L.code_of_request(ORIGIN, path, "")
    assert words in str(raised.value)


def test_canonical_uri__on_the_given_origin__expiry_and_other_ais_in_the_query():
    code = UnitCode(gtin=GTIN, serial="S&1", lot="L/1", expiry=date(2027, 1, 31), other={"22": "A"})
    assert L.canonical_uri(code, "https://id.example") == (
        f"https://id.example/01/{GTIN}/10/L%2F1/21/S%261?17=270131&22=A")


def test_verify_page__relative__code_fully_encoded():
    page = L.verify_page(f"{ORIGIN}/01/{GTIN}/21/A%2FB", "0xAb")
    assert page.startswith("/verify?code=http%3A%2F%2F")
    assert parse_qs(urlsplit(page).query) == {"code": [f"{ORIGIN}/01/{GTIN}/21/A%2FB"], "scanner": ["0xAb"]}


def test_query_parameters__only_the_resolvers_own():
    assert L.query_parameters("17=270131&linkType=gs1%3Apip&format=json&x=1&format=html") == {
        "linkType": "gs1:pip", "format": "json"}


# --- Content negotiation -----------------------------------------------------------------------


@pytest.mark.parametrize("accept, answer", [
    (None, "html"),  # a phone's camera app
    ("", "html"),
    ("*/*", "html"),  # curl: the default link
    (BROWSER, "html"),
    ("application/json", "json"),
    ("application/json, */*;q=0.1", "json"),
    ("application/*", "json"),
    ("text/html;q=0.5, application/json", "json"),
    ("application/json;q=0.5, */*", "html"),  # */* gives text/html q=1, above json's 0.5
    ("application/linkset+json", "linkset"),
    ("application/xhtml+xml", "html"),
    ("image/png", None),
    ("application/json;q=0, text/plain", None),
    ("garbage", "html"),  # no media range in it at all: as if absent
])
def test_negotiate(accept, answer):
    assert L.negotiate(accept) == answer


@pytest.mark.parametrize("accept, query, answer", [
    (BROWSER, "format=json", "json"),
    ("application/json", "format=html", "html"),
    ("application/json", "format=xml", None),
    ("image/png", "linkType=all", "linkset"),
    ("application/json", "linkType=gs1:pip", "json"),  # the route redirects before it answers
])
def test_representation(accept, query, answer):
    assert L.representation(accept, L.query_parameters(query)) == answer


@pytest.mark.parametrize("value, expected", [
    ("gs1:pip", L.PIP),
    ("https://gs1.org/voc/verificationService", L.VERIFICATION_SERVICE),
    ("https://ref.gs1.org/voc/certificationInfo", L.CERTIFICATION_INFO),
    ("http://www.gs1.org/voc/smpc", L.SMPC),
    ("gs1:recipeInfo", None),
    ("schema:url", None),
    ("gs1:", None),
])
def test_link_type(value, expected):
    assert L.link_type(value) == expected


# --- Links, linkset, description ---------------------------------------------------------------


def test_links__without_documents__the_verify_page_and_the_verdict():
    code = UnitCode(gtin=GTIN, serial="S1", lot="L1")
    uri = f"{ORIGIN}/01/{GTIN}/10/L1/21/S1"
    found = L.links(code, ORIGIN)
    assert set(found) == set(L.CHAINLESS_LINK_TYPES)
    page = found[L.PIP][0]["href"]
    assert page.startswith(f"{ORIGIN}/verify?code=") and unquote(page.split("code=")[1]) == uri
    assert found[L.DEFAULT_LINK] == found[L.PIP]
    assert [link["type"] for link in found[L.VERIFICATION_SERVICE]] == [L.JSON, L.HTML]
    assert found[L.VERIFICATION_SERVICE][0]["href"] == f"{uri}?format=json"


def test_links__documents_by_type__missing_ones_left_out():
    documents = [Document("product characteristics", "bafkreia", "verified"),
                 Document("registration certificate", "bafkreib", "unreachable"),
                 Document("batch quality documents", "bafkreic", "missing")]
    found = L.links(UnitCode(gtin=GTIN, serial="S1"), ORIGIN, documents=documents)
    assert [link["href"] for link in found[L.SMPC]] == [f"{ORIGIN}/documents/bafkreia"]
    assert [link["href"] for link in found[L.CERTIFICATION_INFO]] == [f"{ORIGIN}/documents/bafkreib"]


def test_linkset__rfc9264_shape():
    anchor = f"{ORIGIN}/01/{GTIN}/21/S1"
    found = L.linkset(anchor, L.links(UnitCode(gtin=GTIN, serial="S1"), ORIGIN))
    assert list(found) == ["linkset"] and len(found["linkset"]) == 1
    context = found["linkset"][0]
    assert context["anchor"] == anchor
    for relation, targets in context.items():
        if relation != "anchor":
            assert relation.startswith("https://gs1.org/voc/")
            assert targets and all("href" in target for target in targets)


def test_description__on_the_requests_origin():
    found = L.description("https://id.example")
    assert found["resolverRoot"] == "https://id.example"
    assert found["supportedPrimaryKeys"] == ["01"]
    assert "gs1:verificationService" in found["linkTypes"]
    assert found["supportedLinkType"] == [{"namespace": "https://gs1.org/voc/", "prefix": "gs1:"}]


# --- The verdict's JSON and its schema ---------------------------------------------------------


def sample_verdict(genuine: bool) -> Verdict:
    verdict = Verdict(
        code=UnitCode(gtin=GTIN, serial="S1", lot="L1", expiry=date(2028, 8, 23)),
        genuine=genuine,
        findings=[] if genuine else [Finding(Reason.BATCH_RECALLED, "batch L1 is recalled (quality defect)")],
        product={"gtin": GTIN, "name": "Metformin", "dosage_form": "tablets", "category": "drug",
                 "characteristics_cid": "bafkreia", "certificate_cid": "bafkreib"},
        manufacturer={"account": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "status": 2, "name": "Volga"},
        batch={"lot": "L1", "batch_id": "0x" + "ab" * 32, "status": "active", "reason": "",
               "manufactured": "2026-08-24", "expires": "2028-08-23", "quantity": 300, "commissioned": True},
        unit={"state": "in circulation"},
        documents=[Document("registration certificate", "bafkreib", "verified")],
        history=[Event(34, "2026-12-06T18:14:56+00:00", "registered", "batch registered", "0x" + "12" * 32)],
        block={"number": 215, "hash": "0x" + "cd" * 32, "time": "2027-01-21T21:15:01+00:00"},
    )
    return verdict


@pytest.mark.parametrize("genuine", [True, False])
def test_verdict_json__matches_the_schema(genuine):
    uri = f"{ORIGIN}/01/{GTIN}/10/L1/21/S1?17=280823"
    data = L.verdict_json(sample_verdict(genuine), uri, "en", f"{ORIGIN}/documents")
    schema_validator().validate(data)
    assert data["status"] == ("GENUINE" if genuine else "SUSPECT")
    assert data["code"] == {"gtin": GTIN, "lot": "L1", "serial": "S1", "expiry": "2028-08-23", "uri": uri}
    assert data["documents"][0]["url"] == f"{ORIGIN}/documents/bafkreib"
    assert data["reasons"] == ([] if genuine else [{"code": "batch_recalled",
                                                    "message": "batch L1 is recalled (quality defect)"}])


def test_schema__rejects_a_genuine_verdict_with_reasons_and_unknown_reason_codes():
    validator = schema_validator()
    data = L.verdict_json(sample_verdict(True), f"{ORIGIN}/01/{GTIN}/21/S1", "en", f"{ORIGIN}/documents")
    assert not validator.is_valid(dict(data, reasons=[{"code": "expired", "message": "expired"}]))
    suspect = L.verdict_json(sample_verdict(False), f"{ORIGIN}/01/{GTIN}/21/S1", "en", f"{ORIGIN}/documents")
    assert not validator.is_valid(dict(suspect, reasons=[{"code": "made_up", "message": "?"}]))
    assert not validator.is_valid({k: v for k, v in data.items() if k != "block"})


def test_schema__knows_every_reason_and_describes_errors():
    schema = json.loads(SCHEMA_FILE.read_text())
    assert set(schema["$defs"]["reason"]["enum"]) == {reason.value for reason in Reason}
    Draft202012Validator(schema["$defs"]["error"]).validate(L.error_json("malformed_code", "bad"))
    assert (Path(L.__file__).parent / "SCHEMA.md").exists()


# --- Documents ---------------------------------------------------------------------------------


@pytest.mark.parametrize("data, media_type", [
    (b"%PDF-1.7 ...", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n....", "image/png"),
    (b"\xff\xd8\xff\xe0", "image/jpeg"),
    (b' {"name": "x"}', "application/json"),
    ("Регистрационное удостоверение".encode(), "text/plain; charset=utf-8"),
    (b"<html><script>alert(1)</script>", "text/plain; charset=utf-8"),  # never served as HTML
    (b"\x00\xff\xfe", "application/octet-stream"),
])
def test_sniff(data, media_type):
    assert sniff(data) == media_type
