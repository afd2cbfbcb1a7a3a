"""The resolver over real HTTP: the dApp's server on the seeded demo chain, the demo's label
photos decoded and their Digital Links asked of it."""

import json
import time
from functools import cache
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pytest
import requests

from dapp.codes.gs1 import DEFAULT_RESOLVER, parse_code
from dapp.codes.qr import decode_codes
from dapp.demo import world as demo
from dapp.documents.cid import file_cid
from dapp.resolver.routes import SCHEMA_FILE
from tests.fixtures.anvil import free_port
from tests.fixtures.demo_chain import start_dapp, stop_dapp
from tests.resolver.test_links import BROWSER, schema_validator
from tests.scripts.test_verify_cli import EXPECTED

JSON = {"Accept": "application/json"}
GTIN = demo.METFORMIN


@cache
def label_path(labels, case: str) -> str:
    """The path and query of a demo label's Digital Link (printed on https://id.medchain.example)."""
    uri = decode_codes(labels / f"{case}.png")[0].text
    assert uri.startswith(DEFAULT_RESOLVER + "/01/"), uri
    return uri[len(DEFAULT_RESOLVER):]


def scanner_query(demo_chain, code) -> str:
    if not code.scanner:
        return ""
    return "?scanner=" + demo_chain.accounts[demo.organization(code.scanner).account_index]


def get(base, path, headers=None, **keywords):
    return requests.get(base + path, headers=headers or {}, timeout=30, allow_redirects=False, **keywords)


# --- Verdicts ------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", demo.DEMO_CODES, ids=lambda code: code.case)
def test_json__every_demo_verdict__reasons_and_schema(dapp_server, demo_chain, code):
    path = label_path(demo_chain.labels, code.case) + scanner_query(demo_chain, code)
    answer = get(dapp_server, path, JSON)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["access-control-allow-origin"] == "*"
    verdict = answer.json()
    schema_validator().validate(verdict)
    assert [reason["code"] for reason in verdict["reasons"]] == EXPECTED[code.case]
    assert verdict["status"] == ("SUSPECT" if EXPECTED[code.case] else "GENUINE")
    assert verdict["code"]["gtin"] == code.gtin and verdict["code"]["lot"] == code.lot
    assert verdict["code"]["uri"] == dapp_server + label_path(demo_chain.labels, code.case)
    assert verdict["language"] == "en" and answer.headers["content-language"] == "en"


def test_json__genuine__product_documents_history_and_block(dapp_server, demo_chain):
    path = label_path(demo_chain.labels, "genuine")
    verdict = get(dapp_server, path + "?format=json", {"Accept": BROWSER}).json()  # ?format=json wins
    assert verdict["product"]["name"] == "Метформин (Metformin)"
    assert verdict["manufacturer"]["name"] == "АО «Волжская фармацевтическая компания»"
    assert {document["status"] for document in verdict["documents"]} == {"verified"}
    assert all(document["url"] == f"{dapp_server}/documents/{document['cid']}" for document in verdict["documents"])
    assert verdict["history"][0]["kind"] == "registered"
    assert verdict["block"]["number"] > 0
    assert 'rel="linkset"' in get(dapp_server, path, JSON).headers["link"]


def test_json__gtin13_lot_after_serial_expiry_in_query__same_item(dapp_server, demo_chain):
    code = demo.DEMO_CODES[0]
    serial = parse_code(DEFAULT_RESOLVER + label_path(demo_chain.labels, code.case)).serial
    verdict = get(dapp_server, f"/01/{code.gtin[1:]}/21/{quote(serial, safe='')}/10/{code.lot}?17=301231", JSON).json()
    assert verdict["code"]["gtin"] == code.gtin and verdict["code"]["serial"] == serial
    assert verdict["code"]["expiry"] == "2030-12-31"
    assert [reason["code"] for reason in verdict["reasons"]] == ["label_mismatch"]  # the label's expiry is not the batch's


def test_json__percent_encoded_slash_in_serial__one_value(dapp_server):
    verdict = get(dapp_server, f"/01/{GTIN}/10/MF2406/21/AB%2FCD", JSON).json()
    assert verdict["code"]["serial"] == "AB/CD"
    assert [reason["code"] for reason in verdict["reasons"]] == ["serial_not_in_batch"]
    assert verdict["code"]["uri"].endswith("/21/AB%2FCD")


def test_head_and_options(dapp_server, demo_chain):
    path = label_path(demo_chain.labels, "genuine")
    head = requests.head(dapp_server + path, headers=JSON, timeout=30)
    assert head.status_code == 200 and head.content == b"" and head.headers["content-type"] == "application/json"
    assert requests.head(dapp_server + path, headers={"Accept": BROWSER}, timeout=30).status_code == 307
    options = requests.options(dapp_server + path, headers={"Origin": "https://elsewhere.example",
                                                            "Access-Control-Request-Method": "GET"}, timeout=30)
    assert options.status_code == 204
    assert options.headers["access-control-allow-origin"] == "*"
    assert "GET" in options.headers["access-control-allow-methods"] and "HEAD" in options.headers["allow"]


# --- The browser's landing -------------------------------------------------------------------------


@pytest.mark.parametrize("accept", [BROWSER, None, "*/*"])
def test_browser__307_to_the_verify_page_with_the_code(dapp_server, demo_chain, accept):
    path = label_path(demo_chain.labels, "recalled")
    answer = get(dapp_server, path, {"Accept": accept} if accept else {})
    assert answer.status_code == 307
    location = answer.headers["location"]
    assert location.startswith("/verify?code=")
    assert parse_qs(urlsplit(location).query)["code"] == [dapp_server + path]
    assert get(dapp_server, location).status_code == 200  # the Verify page itself


def test_browser__scanner_goes_along(dapp_server, demo_chain):
    code = next(code for code in demo.DEMO_CODES if code.case == "never-held-by-scanner")
    query = scanner_query(demo_chain, code)
    location = get(dapp_server, label_path(demo_chain.labels, code.case) + query, {"Accept": BROWSER}).headers["location"]
    assert parse_qs(urlsplit(location).query)["scanner"][0].lower() == query.split("=")[1].lower()


# --- Errors ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path, words", [
    (f"/01/{GTIN[:-1]}9/21/S1", "check digit should be"),
    ("/01/46070O1120018/21/S1", "digits only"),
    (f"/01/{GTIN}/99/X/21/S1", "'99'"),
    (f"/01/{GTIN}/10/MF2406/21/{'S' * 21}", "at most 20"),
    ("/01/", "/01/<GTIN>"),
    ("/01", "/01/<GTIN>"),
    (f"/01/{GTIN}/10/MF2406", "no serial"),
], ids=["check-digit", "non-numeric-gtin", "unknown-ai-in-path", "serial-too-long", "empty", "bare-01", "no-serial"])
def test_malformed__400_naming_the_problem(dapp_server, path, words):
    answer = get(dapp_server, path, JSON)
    assert answer.status_code == 400
    assert answer.headers["access-control-allow-origin"] == "*"
    error = answer.json()["error"]
    assert error["code"] == "malformed_code" and words in error["message"], error
    schema = json.loads(SCHEMA_FILE.read_text())
    schema_validator().evolve(schema=schema["$defs"]["error"]).validate(answer.json())


def test_malformed__browser_gets_a_page_with_the_problem(dapp_server):
    answer = get(dapp_server, f"/01/{GTIN[:-1]}9/21/S1", {"Accept": BROWSER})
    assert answer.status_code == 400 and answer.headers["content-type"].startswith("text/html")
    assert "check digit should be" in answer.text


def test_not_acceptable__406_and_bad_parameters__400(dapp_server, demo_chain):
    path = label_path(demo_chain.labels, "genuine")
    answer = get(dapp_server, path, {"Accept": "image/png"})
    assert answer.status_code == 406 and answer.json()["error"]["code"] == "not_acceptable"
    assert get(dapp_server, path + "?format=xml").json()["error"]["code"] == "unknown_format"
    bad_scanner = get(dapp_server, path + "?scanner=0x123", JSON)
    assert bad_scanner.status_code == 400 and bad_scanner.json()["error"]["code"] == "malformed_scanner"


def test_chain_down__503_with_retry_after(demo_chain):
    closed = free_port()
    process, base = start_dapp(dict(demo_chain.env, MEDCHAIN_RPC_URL=f"http://127.0.0.1:{closed}"))
    try:
        path = label_path(demo_chain.labels, "genuine")
        answer = get(base, path, JSON)
        assert answer.status_code == 503, answer.text
        assert answer.json()["error"]["code"] in ("chain_unreachable", "not_deployed")
        assert int(answer.headers["retry-after"]) > 0
        assert get(base, path + "?linkType=all").status_code == 503
        # What needs no chain still answers: the landing and the malformed code.
        assert get(base, path, {"Accept": BROWSER}).status_code == 307
        assert get(base, f"/01/{GTIN[:-1]}9/21/S1", JSON).status_code == 400
    finally:
        stop_dapp(process)


# --- Links -----------------------------------------------------------------------------------------


def test_linkset__rfc9264_with_the_verify_service_and_documents(dapp_server, demo_chain):
    path = label_path(demo_chain.labels, "genuine")
    answer = get(dapp_server, path + "?linkType=all")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/linkset+json"
    assert answer.headers["access-control-allow-origin"] == "*"
    (context,) = answer.json()["linkset"]
    assert context["anchor"] == dapp_server + path
    service = context["https://gs1.org/voc/verificationService"]
    assert service[0]["type"] == "application/json" and get(dapp_server, service[0]["href"][len(dapp_server):]).json()[
        "status"] == "GENUINE"
    assert context["https://gs1.org/voc/pip"][0]["href"].startswith(f"{dapp_server}/verify?code=")
    documents = context["https://gs1.org/voc/certificationInfo"] + context["https://gs1.org/voc/smpc"]
    assert len(documents) == 3 and all(link["href"].startswith(f"{dapp_server}/documents/baf") for link in documents)
    by_accept = get(dapp_server, path, {"Accept": "application/linkset+json"})
    assert by_accept.headers["content-type"] == "application/linkset+json"
    assert by_accept.json()["linkset"][0]["anchor"] == context["anchor"]


@pytest.mark.parametrize("link_type, target", [
    ("gs1:verificationService", "?format=json"),
    ("https://gs1.org/voc/pip", "/verify?code="),
    ("gs1:certificationInfo", "/documents/baf"),
    ("gs1:smpc", "/documents/baf"),
])
def test_link_type__307_to_that_link(dapp_server, demo_chain, link_type, target):
    answer = get(dapp_server, label_path(demo_chain.labels, "genuine") + "?linkType=" + quote(link_type, safe=""))
    assert answer.status_code == 307 and target in answer.headers["location"]


def test_link_type__unknown_or_absent__404(dapp_server, demo_chain):
    answer = get(dapp_server, label_path(demo_chain.labels, "genuine") + "?linkType=gs1:recipeInfo")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "link_type_not_found" and "gs1:recipeInfo" in answer.json()["error"]["message"]
    # An unknown product has no documents: no certification link.
    assert get(dapp_server, label_path(demo_chain.labels, "unknown-product") + "?linkType=gs1:certificationInfo"
               ).status_code == 404


def test_well_known__the_resolver_description(dapp_server):
    answer = get(dapp_server, "/.well-known/gs1resolver")
    assert answer.status_code == 200 and answer.headers["access-control-allow-origin"] == "*"
    description = answer.json()
    assert description["resolverRoot"] == dapp_server
    assert description["supportedPrimaryKeys"] == ["01"]
    assert "gs1:verificationService" in description["linkTypes"]
    schema = get(dapp_server, urlsplit(description["verdictSchema"]).path)
    assert schema.status_code == 200 and schema.json()["$schema"].endswith("2020-12/schema")


# --- Documents -------------------------------------------------------------------------------------


def test_documents__served_checked_and_404(dapp_server, demo_chain):
    verdict = get(dapp_server, label_path(demo_chain.labels, "genuine"), JSON).json()
    for document in verdict["documents"]:
        answer = get(dapp_server, f"/documents/{document['cid']}")
        assert answer.status_code == 200
        assert file_cid(answer.content) == document["cid"]
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert not answer.headers["content-type"].startswith("text/html")
    missing = get(dapp_server, f"/documents/{file_cid(b'never stored')}")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "document_not_found"
    assert get(dapp_server, "/documents/not-a-cid").status_code == 400


# --- Languages -------------------------------------------------------------------------------------


def test_accept_language_ru__messages_in_russian(dapp_server, demo_chain):
    path = label_path(demo_chain.labels, "recalled")
    answer = get(dapp_server, path, {**JSON, "Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"})
    verdict = answer.json()
    assert verdict["language"] == "ru" and answer.headers["content-language"] == "ru"
    error = get(dapp_server, "/01/", {**JSON, "Accept-Language": "ru"})
    assert error.headers["content-language"] == "ru"
    # The sentences themselves in Russian (dapp/i18n/locale/ru): the parser's, the verifier's.
    assert error.json()["error"]["message"] == "В пути URI Digital Link нет /01/<GTIN>: он не указывает продукт"
    assert verdict["reasons"][0]["message"].startswith("серия ") and "отозвана" in verdict["reasons"][0]["message"]
    english = get(dapp_server, path, {**JSON, "Accept-Language": "en-GB,en;q=0.8"}).json()
    assert english["language"] == "en" and english["reasons"][0]["message"].startswith("batch ")


def test_keep_alive__answers_without_waiting_for_a_delayed_ack(dapp_server):
    """With Nagle on, each answer with a body waited ~40 ms on a kept-alive connection."""
    session = requests.Session()
    timings = []
    for _ in range(12):
        start = time.perf_counter()
        assert session.get(f"{dapp_server}/.well-known/gs1resolver", timeout=30).status_code == 200
        timings.append(time.perf_counter() - start)
    assert sorted(timings)[len(timings) // 2] < 0.035, timings
