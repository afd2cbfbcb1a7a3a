"""Report a suspect pack from the Verify page (AppTest, demo chain): filed for the regulator
anonymously, anchored on-chain when a participant is signed in, limited per session."""

import pytest
from eth_utils import keccak, to_checksum_address

from dapp.demo import world as demo
from dapp.records.engine import open_database
from dapp.records.suspect_reports import reports_page
from dapp.ui.account import IDENTITY, Identity
from tests.ui.test_verify_page import label_text

SUSPECT_PACK_REPORTED = "0x" + keccak(text="SuspectPackReported(bytes32,address,bytes32,string)").hex()


def send_report(app, contact: str = ""):
    app.text_input(key="report_contact").input(contact)
    next(button for button in app.button if "Send the report" in button.label).click()
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    return app


def reports(demo_chain):
    engine = open_database(f"sqlite:///{demo_chain.data / 'platform.db'}")
    try:
        return reports_page(engine).rows
    finally:
        engine.dispose()


def test_report__anonymous__filed_for_the_regulator_with_the_verdict(create_app, demo_chain):
    before = len(reports(demo_chain))
    app = create_app(code=label_text(demo_chain, "recalled"))
    send_report(app, contact="+7 900 000-00-00")
    assert any("sent to the regulator" in s.value for s in app.success)
    rows = reports(demo_chain)
    assert len(rows) == before + 1
    report = rows[0]
    assert report["status"] == "SUSPECT" and report["reasons"] == ["batch_recalled"]
    assert report["contact"] == "+7 900 000-00-00" and report["reporter"] is None
    assert report["report_cid"].startswith("bafk")


def test_report__signed_in_participant__anchored_on_chain(create_app, demo_chain, monkeypatch):
    monkeypatch.setenv("MEDCHAIN_DEV_MODE", "1")
    hospital = to_checksum_address(demo_chain.accounts[demo.organization(demo.DEMO_CODES[0].scanner or "hospital")
                                                       .account_index])
    app = create_app(code=label_text(demo_chain, "already-dispensed-cloned-code"))
    app.session_state[IDENTITY] = Identity(account=hospital, via="dev")
    app.run()
    send_report(app)
    assert any("sent to the regulator" in s.value for s in app.success)
    logs = demo_chain.rpc("eth_getLogs", {"fromBlock": "0x0", "toBlock": "latest", "topics": [SUSPECT_PACK_REPORTED]})
    assert len(logs) == 1
    assert logs[0]["topics"][2][-40:].lower() == hospital[2:].lower()
    anchored = [row for row in reports(demo_chain) if row["reporter"] == hospital]
    assert [row["anchor_tx"] for row in anchored] == [logs[0]["transactionHash"]]


def test_report__over_the_session_limit__refused_in_words(create_app, demo_chain):
    app = create_app(code=label_text(demo_chain, "expired"))
    for _ in range(5):
        send_report(app)
        app.session_state["report_filed"] = None  # a fresh form, as for the next pack
        app.run()
    send_report(app)
    assert any("reports in the last hour" in e.value for e in app.error)
