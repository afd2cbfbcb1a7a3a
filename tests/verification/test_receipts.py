"""Verdict receipts on the demo chain: every demo label's verdict rechecks against the node, and
each kind of edit to a verdict (a reason removed, the status flipped, the block changed, a call's
result altered, the proof changed) is caught and said."""

from __future__ import annotations

import copy
import os

import pytest
from eth_utils import to_checksum_address

from dapp.codes.gs1 import digital_link
from dapp.demo import world as demo
from dapp.demo.labels import demo_code_serial
from dapp.resolver.links import verdict_json
from dapp.resolver.routes import SCHEMA_FILE  # noqa: F401 (the schema the JSON is checked against)
from dapp.verification.receipts import receipt_verifier, recheck, verify_with_receipt
from dapp.verification.verdicts import Verifier
from tests.resolver.test_links import schema_validator
from tests.scripts.test_verify_cli import EXPECTED

BASE = "https://resolver.test"


@pytest.fixture(scope="module")
def chain(demo_chain):
    before = {key: os.environ.get(key) for key in ("MEDCHAIN_DATA", "MEDCHAIN_RPC_URL")}
    os.environ["MEDCHAIN_DATA"] = str(demo_chain.data)
    os.environ["MEDCHAIN_RPC_URL"] = demo_chain.url
    yield demo_chain
    for key, value in before.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="module")
def verifier(chain):
    return receipt_verifier(Verifier.at(chain.url))


def scanner_of(chain, code) -> str | None:
    if not code.scanner:
        return None
    return to_checksum_address(chain.accounts[demo.organization(code.scanner).account_index])


def stored_verdict(chain, verifier, case: str, language: str = "en") -> dict:
    """The resolver's JSON verdict on demo label `case`, with its receipt."""
    from dapp.i18n import use_language

    code = next(code for code in demo.DEMO_CODES if code.case == case)
    uri = digital_link(code.gtin, demo_code_serial(code), code.lot, resolver=BASE)
    with use_language(language):
        verdict, receipt = verify_with_receipt(verifier, uri, scanner_of(chain, code))
        return verdict_json(verdict, uri, language, f"{BASE}/documents", receipt)


@pytest.mark.parametrize("code", demo.DEMO_CODES, ids=lambda code: code.case)
def test_recheck__every_demo_label__matches(chain, verifier, code):
    verdict = stored_verdict(chain, verifier, code.case)
    schema_validator().validate(verdict)
    assert [reason["code"] for reason in verdict["reasons"]] == EXPECTED[code.case]
    receipt = verdict["receipt"]
    assert receipt["block"] == {"number": verdict["block"]["number"], "hash": verdict["block"]["hash"]}
    assert any(call["method"] == "verdictData" for call in receipt["calls"])
    outcome = recheck(verdict, chain.url)
    assert outcome.matches, outcome.differences
    assert outcome.checked_calls == len(receipt["calls"]) >= 1
    assert outcome.proof_checked == bool(receipt["proof"] and receipt["proof"]["siblings"])


def test_receipt__genuine__calls_proof_cids_at_one_block(chain, verifier):
    verdict = stored_verdict(chain, verifier, "genuine")
    receipt = verdict["receipt"]
    methods = {(call["contract"], call["method"]) for call in receipt["calls"]}
    assert {("Custody", "verdictData"), ("Resources", "product"), ("Participants", "organization"),
            ("Resources", "batch_by_id")} <= methods
    proof = receipt["proof"]
    assert proof["available"] and proof["siblings"] and proof["root"].startswith("0x")
    assert proof["batch_id"] == verdict["batch"]["batch_id"]
    assert {document["cid"] for document in verdict["documents"]} <= set(receipt["cids"])
    assert verdict["manufacturer"]["metadata_cid"] in receipt["cids"]
    assert receipt["deployment"]["chain_id"] == 31337
    assert receipt["scanner"] == scanner_of(chain, demo.DEMO_CODES[0])


def test_receipt__reads_pinned__a_later_block_does_not_change_it(chain, verifier):
    verdict = stored_verdict(chain, verifier, "genuine")
    chain.rpc("evm_mine")
    chain.rpc("evm_mine")
    later = stored_verdict(chain, verifier, "genuine")
    assert later["receipt"]["block"]["number"] == verdict["receipt"]["block"]["number"] + 2
    # every call of the verdict was made at its pinned block, so the old receipt still rechecks
    assert recheck(verdict, chain.url).matches


def test_recheck__russian_verdict__messages_in_russian(chain, verifier):
    verdict = stored_verdict(chain, verifier, "recalled", "ru")
    assert verdict["language"] == "ru"
    assert recheck(verdict, chain.url).matches


# --- Edits caught ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dispensed(chain, verifier):
    return stored_verdict(chain, verifier, "already-dispensed-cloned-code")


@pytest.fixture(scope="module")
def genuine(chain, verifier):
    return stored_verdict(chain, verifier, "genuine")


def differences(verdict, chain) -> str:
    outcome = recheck(verdict, chain.url)
    assert not outcome.matches
    return "\n".join(outcome.differences)


def test_edit__reason_removed__caught(chain, dispensed):
    edited = copy.deepcopy(dispensed)
    edited["reasons"] = []
    said = differences(edited, chain)
    assert "reason already_dispensed is missing from the verdict" in said


def test_edit__status_flipped__caught(chain, dispensed):
    edited = copy.deepcopy(dispensed)
    edited["status"], edited["genuine"], edited["reasons"] = "GENUINE", True, []
    said = differences(edited, chain)
    assert "status: the verdict says \"GENUINE\", recomputed here \"SUSPECT\"" in said
    assert "genuine: the verdict says true" in said


def test_edit__reason_added_to_genuine__caught(chain, genuine):
    edited = copy.deepcopy(genuine)
    edited["status"], edited["genuine"] = "SUSPECT", False
    edited["reasons"] = [{"code": "batch_recalled", "message": "batch MF2406 is recalled"}]
    said = differences(edited, chain)
    assert "reason batch_recalled is in the verdict but the chain does not give it" in said


def test_edit__message_changed__caught(chain, dispensed):
    edited = copy.deepcopy(dispensed)
    edited["reasons"][0]["message"] = "all fine"
    assert "reason already_dispensed's message is 'all fine'" in differences(edited, chain)


@pytest.mark.parametrize("where", ["receipt", "both"])
def test_edit__block_number_changed__caught(chain, genuine, where):
    edited = copy.deepcopy(genuine)
    edited["receipt"]["block"]["number"] -= 1
    if where == "both":
        edited["block"]["number"] -= 1
    said = differences(edited, chain)
    assert f"block {genuine['block']['number'] - 1}'s hash on this node is" in said


def test_edit__block_hash_changed__caught(chain, genuine):
    edited = copy.deepcopy(genuine)
    edited["receipt"]["block"]["hash"] = "0x" + "ab" * 32
    edited["block"]["hash"] = "0x" + "ab" * 32
    assert "the receipt says 0xabab" in differences(edited, chain)


def test_edit__call_result_altered__caught(chain, genuine):
    edited = copy.deepcopy(genuine)
    call = next(call for call in edited["receipt"]["calls"] if call["method"] == "verdictData")
    result = call["result"]
    call["result"] = result[:-1] + ("0" if result[-1] != "0" else "1")
    said = differences(edited, chain)
    assert "call Custody.verdictData to " in said and "the receipt says" in said


def test_edit__proof_changed__caught(chain, genuine):
    edited = copy.deepcopy(genuine)
    edited["receipt"]["proof"]["siblings"][0] = "0x" + "00" * 32
    said = differences(edited, chain)
    assert "Merkle proof does not lead from the leaf" in said


def test_edit__batch_and_manufacturer_fields__caught(chain, genuine):
    edited = copy.deepcopy(genuine)
    edited["batch"]["expires"] = "2099-01-01"
    edited["manufacturer"]["name"] = "Someone else"
    said = differences(edited, chain)
    assert "batch: the verdict says" in said and "manufacturer: the verdict says" in said


def test_edit__no_receipt__said(chain, genuine):
    edited = copy.deepcopy(genuine)
    del edited["receipt"]
    assert "carries no receipt" in differences(edited, chain)


def test_recheck__other_chain__refused(chain, genuine, anvil_other):
    said = "\n".join(recheck(genuine, anvil_other).differences)
    assert "genesis block" in said or "no contract at" in said


@pytest.fixture(scope="module")
def anvil_other():
    """A bare anvil: the same chain id, another chain."""
    from tests.fixtures.demo_chain import _start_anvil
    from tests.fixtures.anvil import free_port

    port = free_port()
    process = _start_anvil(port)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


# --- The wallet's answer compared ---------------------------------------------------------------


def wallet_answer(receipt, **changes):
    answer = {"chainId": "31337", "block": dict(receipt["block"]),
              "results": [{"ok": True, "result": call["result"]} for call in receipt["calls"]]}
    answer.update(changes)
    return answer


def test_wallet_answer__same__agrees(genuine):
    from dapp.verification.receipts import compare_wallet_answer, wallet_recheck_request

    receipt = genuine["receipt"]
    request = wallet_recheck_request(receipt)
    assert request["block"] == hex(receipt["block"]["number"])
    assert [call["data"] for call in request["calls"]] == [call["calldata"] for call in receipt["calls"]]
    assert compare_wallet_answer(receipt, wallet_answer(receipt)) == []


def test_wallet_answer__each_difference__said(genuine):
    from dapp.verification.receipts import compare_wallet_answer

    receipt = genuine["receipt"]
    results = [{"ok": True, "result": call["result"]} for call in receipt["calls"]]
    results[0] = {"ok": True, "result": "0x"}
    results[1] = {"ok": False, "reason": "failed", "message": "execution reverted"}
    said = compare_wallet_answer(receipt, wallet_answer(
        receipt, chainId="1", block={"number": receipt["block"]["number"], "hash": "0x" + "12" * 32}, results=results))
    text = "\n".join(said)
    assert "your wallet is on chain 1, the verdict was read on chain 31337" in text
    assert "on your node is 0x1212" in text
    assert f"{receipt['calls'][0]['contract']}.{receipt['calls'][0]['method']} gives 0x on your node" in text
    assert "your node refused" in text and "execution reverted" in text
    assert compare_wallet_answer(receipt, wallet_answer(receipt, block=None)) == [
        f"your node has no block {receipt['block']['number']}"]


def test_recheck__without_the_documents__notes_what_it_could_not_read(chain, genuine, tmp_path):
    os.environ["MEDCHAIN_DATA"] = str(tmp_path)  # a rechecker with an empty data folder
    try:
        outcome = recheck(genuine, chain.url)
    finally:
        os.environ["MEDCHAIN_DATA"] = str(chain.data)
    assert outcome.checked_calls == len(genuine["receipt"]["calls"])
    assert any(genuine["manufacturer"]["metadata_cid"] in note for note in outcome.notes)


def test_receipt__every_read_at_the_pinned_block(chain, verifier, monkeypatch):
    """What reaches the node while a verdict is read: the head asked once, then nothing at "latest"."""
    inner = verifier.reader.inner
    sent = []
    original = inner.batch

    def spy(requests_):
        sent.extend((request.method, request.params) for request in requests_)
        return original(requests_)

    monkeypatch.setattr(inner, "batch", spy)
    verdict = stored_verdict(chain, verifier, "never-held-by-scanner")
    pinned = hex(verdict["receipt"]["block"]["number"])
    assert sent[0] == ("eth_getBlockByNumber", ["latest", False])  # the pin, once
    later = sent[1:]
    assert [params[1] for method, params in later if method == "eth_call"] and \
        all(params[1] == pinned for method, params in later if method == "eth_call")
    assert all(params[0]["toBlock"] == pinned for method, params in later if method == "eth_getLogs")
    assert all(params[0] != "latest" for method, params in later if method == "eth_getBlockByNumber")
