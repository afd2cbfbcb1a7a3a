"""Suspect-pack reports in the database, on SQLite and PostgreSQL: filed reports listed for the
regulator newest first and paged; the fold anchoring a filed report from its event, or keeping
an event nobody filed here as a report of its own, idempotently; replays (reorgs, rebuilds)
that keep the filed reports and put back only what the chain still has; and the indexer
picking up reports anchored on a real anvil, and the verifier showing one in the batch's history."""

import json
from datetime import datetime, timedelta

import pytest
from eth_account import Account
from eth_utils import to_checksum_address
from sqlalchemy import insert, select

from dapp.chain.deployment import read_record
from dapp.chain.reader import ChainReader
from dapp.records.indexer import Indexer, replay
from dapp.records.models import Event, SuspectReport
from dapp.records.projections import Fold, StoredEvent
from dapp.records.suspect_reports import (
    ANCHORED_ELSEWHERE,
    FILED,
    add_filed,
    note_anchor,
    report_by_reference,
    reports_page,
)
from dapp.roles import Role
from tests.fixtures.anvil import ape_run, at

REPORTER, OTHER, MANUFACTURER = (to_checksum_address("0x" + byte * 20) for byte in ("a1", "b2", "c3"))
CID = "bafkreif6a5ngzd3bfmw3oqy7xxw2w47tysdh5p7auqfefyinkq5d2opdqe"
OTHER_CID = "bafkreihaeqrsmdlqwavhcbuqzqmbyrqs7gclgm2myqhhtxjp6ycuikuzji"
ORGANIZATION_CID = "bafkreie7q3iidccmpvszul7kudcvvuavuo7u6gzlbobczuk5nqk3b4akba"
BATCH = "0x" + "11" * 32
UNIT = "0x" + "22" * 32
TX = "0x" + "ab" * 32
GTIN = 4607001120018
T0 = datetime(2026, 12, 1, 9, 0, 0)


def filed(engine, reference="r-1", cid=CID, reporter=REPORTER, received_at=T0, **values):
    row = {"reference": reference, "received_at": received_at, "code_text": "(01)04607001120018(21)S1(10)L1",
           "gtin": "04607001120018", "lot": "L1", "batch_id": BATCH, "unit_hash": UNIT, "status": "SUSPECT",
           "reasons": ["unknown_batch"], "photo_sha256": None, "contact": "+7 900 000-00-00", "reporter": reporter,
           "language": "ru", "report_cid": cid, **values}
    with engine.begin() as connection:
        return add_filed(connection, row)


def reported(block, log_index=0, cid=CID, reporter=REPORTER, batch=BATCH, unit=UNIT, tx=TX):
    """A SuspectPackReported event, with its chain_event row (the indexer writes it first)."""
    return StoredEvent(block, log_index, 1_765_000_000 + block, "Custody", "SuspectPackReported",
                       {"batchId": batch, "reporter": reporter, "unitHash": unit, "reportCid": cid}), tx


def fold(engine, *items):
    with engine.begin() as connection:
        for event, tx in items:
            connection.execute(insert(Event.__table__).values(
                block_number=event.block_number, log_index=event.log_index, transaction_hash=tx,
                timestamp=event.timestamp, contract=event.contract, name=event.name, args=json.dumps(event.args)))
        Fold().apply(connection, [event for event, _ in items])


def rows(engine):
    with engine.connect() as connection:
        return [dict(row._mapping) for row in
                connection.execute(select(SuspectReport.__table__).order_by(SuspectReport.id))]


# --- the regulator's list --------------------------------------------------------------


def test_reports_page__newest_first_paged(engine):
    for number in range(5):
        filed(engine, reference=f"r-{number}", received_at=T0 + timedelta(minutes=number))

    first, last = reports_page(engine, page=1, per_page=2), reports_page(engine, page=3, per_page=2)

    assert [row["reference"] for row in first.rows] == ["r-4", "r-3"]
    assert [row["reference"] for row in last.rows] == ["r-0"]
    assert (first.total, first.pages) == (5, 3)


def test_reports_page__same_second__later_filed_first(engine):
    filed(engine, reference="first")
    filed(engine, reference="second")

    assert [row["reference"] for row in reports_page(engine).rows] == ["second", "first"]


def test_reports_page__row__every_column_reasons_as_a_list(engine):
    filed(engine, reasons=["unknown_batch", "serial_not_in_batch"], photo_sha256="ef" * 32)

    [row] = reports_page(engine).rows

    assert row["origin"] == FILED
    assert row["reasons"] == ["unknown_batch", "serial_not_in_batch"]
    assert (row["code_text"], row["contact"], row["photo_sha256"]) == (
        "(01)04607001120018(21)S1(10)L1", "+7 900 000-00-00", "ef" * 32)
    assert (row["anchor_tx"], row["anchor_block"], row["anchor_confirmed"]) == (None, None, False)


def test_reports_page__page_zero__refused(engine):
    with pytest.raises(ValueError):
        reports_page(engine, page=0)


# --- anchors ---------------------------------------------------------------------------


def test_fold__event_of_a_filed_report__anchors_it(engine):
    filed(engine)

    fold(engine, reported(7, 2))

    [row] = rows(engine)
    assert (row["origin"], row["anchor_tx"], row["anchor_block"], row["anchor_log_index"]) == (FILED, TX, 7, 2)
    assert row["contact"] == "+7 900 000-00-00"


def test_fold__event_nobody_filed_here__a_report_of_its_own(engine):
    fold(engine, reported(7, cid=OTHER_CID))

    [row] = rows(engine)
    assert row["origin"] == ANCHORED_ELSEWHERE
    assert (row["reference"], row["code_text"], row["contact"], row["status"]) == (None, None, None, None)
    assert (row["batch_id"], row["unit_hash"], row["reporter"], row["report_cid"]) == (BATCH, UNIT, REPORTER,
                                                                                       OTHER_CID)
    assert (row["anchor_tx"], row["anchor_block"], row["anchor_log_index"]) == (TX, 7, 0)
    assert row["received_at"] == datetime(2025, 12, 6, 5, 46, 47)  # the block's time, UTC


def test_fold__event_of_a_known_batch__gtin_and_lot_from_it(engine):
    with engine.begin() as connection:
        Fold().apply(connection, [StoredEvent(1, 0, 1_765_000_000, "Resources", "BatchCommissioned", {
            "batch_id": BATCH, "gtin": GTIN, "manufacturer": MANUFACTURER, "lot": "L1", "manufactured": 1,
            "expires": 2, "quantity": 5, "serials_root": BATCH, "documents_cid": CID})])

    fold(engine, reported(7, cid=OTHER_CID))

    [row] = rows(engine)
    assert (row["gtin"], row["lot"]) == ("04607001120018", "L1")


def test_fold__another_reporter_anchors_the_same_document__not_the_filed_report(engine):
    """Anyone may anchor a published document's CID: it anchors the filed report only from the
    account that filed it."""
    filed(engine)

    fold(engine, reported(7, reporter=OTHER))

    filed_row, other = rows(engine)
    assert filed_row["anchor_block"] is None
    assert (other["origin"], other["reporter"]) == (ANCHORED_ELSEWHERE, OTHER)


def test_fold__same_event_twice__recorded_once(engine):
    filed(engine)
    event, _tx = reported(7)
    fold(engine, (event, TX))
    fold(engine, reported(8, cid=OTHER_CID))

    with engine.begin() as connection:
        Fold().apply(connection, [event])

    assert [(row["origin"], row["anchor_block"]) for row in rows(engine)] == [(FILED, 7), (ANCHORED_ELSEWHERE, 8)]


def test_note_anchor__the_wallets_transaction__noted_until_confirmed(engine):
    filed(engine)

    assert note_anchor(engine, "r-1", TX.upper().replace("0X", "0x"), 6)
    noted = report_by_reference(engine, "r-1")
    fold(engine, reported(7, tx="0x" + "cd" * 32))

    assert (noted["anchor_tx"], noted["anchor_block"], noted["anchor_confirmed"]) == (TX, 6, False)
    [row] = rows(engine)
    assert (row["anchor_tx"], row["anchor_block"]) == ("0x" + "cd" * 32, 7)
    assert not note_anchor(engine, "r-1", TX)  # confirmed: the indexer's word stays
    assert not note_anchor(engine, "no-such-report", TX)


def test_replay__after_a_reorg__filed_reports_kept_anchors_only_where_events_remain(engine):
    filed(engine, reference="kept")
    filed(engine, reference="orphaned", cid=OTHER_CID)
    fold(engine, reported(7), reported(9, cid=OTHER_CID), reported(9, 1, cid="bafkreidropped"))

    with engine.begin() as connection:  # the reorg drops block 9, the indexer replays the rest
        connection.execute(Event.__table__.delete().where(Event.block_number > 8))
        replay(connection)

    by_reference = {row["reference"]: row for row in rows(engine)}
    assert set(by_reference) == {"kept", "orphaned"}  # the report anchored elsewhere went with its block
    assert by_reference["kept"]["anchor_block"] == 7
    assert (by_reference["orphaned"]["anchor_tx"], by_reference["orphaned"]["anchor_block"]) == (None, None)
    assert by_reference["orphaned"]["contact"] == "+7 900 000-00-00"


# --- from a real chain -----------------------------------------------------------------


@pytest.fixture(scope="module")
def deployed(anvil_chain):
    w3, env = anvil_chain
    ape_run(["deploy"], env)
    return w3, env


@pytest.fixture
def deployment(deployed, monkeypatch):
    w3, env = deployed
    monkeypatch.setenv("MEDCHAIN_DATA", env["MEDCHAIN_DATA"])
    monkeypatch.delenv("MEDCHAIN_IPFS_API", raising=False)
    return read_record(w3.eth.chain_id, w3.eth.get_block(0)["hash"].to_0x_hex())


def new_pharmacy(w3, deployment):
    """A fresh account, approved as a PHARMACY by the regulator (the deployer)."""
    participants = at(w3, "Participants", deployment.address("Participants"))
    account = Account.create().address
    w3.provider.make_request("anvil_setBalance", [account, hex(10**18)])
    w3.provider.make_request("anvil_impersonateAccount", [account])
    w3.eth.wait_for_transaction_receipt(participants.functions.apply(ORGANIZATION_CID).transact({"from": account}))
    w3.eth.wait_for_transaction_receipt(
        participants.functions.approve(account, int(Role.PHARMACY)).transact({"from": w3.eth.accounts[0]}))
    return account


def test_indexer__reports_anchored_on_chain__reach_the_regulators_list(deployed, deployment, engine):
    from dapp.verification.suspect_reports import file_report, record_anchor

    w3, env = deployed
    reporter, other_client = new_pharmacy(w3, deployment), new_pharmacy(w3, deployment)
    report = file_report(engine, f"(01){GTIN:014d}(21)SERIAL-7(10)LOT-9", status="SUSPECT",
                         reasons=["unknown_product"], contact="inspector@example.org", reporter=reporter,
                         deployment=deployment)
    [call] = report.anchor.calls
    sent = w3.eth.wait_for_transaction_receipt(w3.eth.send_transaction(call.transaction(reporter)))
    record_anchor(engine, report.report.reference, sent["transactionHash"].to_0x_hex(), sent["blockNumber"])
    custody = at(w3, "Custody", deployment.address("Custody"))
    elsewhere = w3.eth.wait_for_transaction_receipt(custody.functions.reportSuspectPack(
        bytes.fromhex(BATCH[2:]), bytes.fromhex(UNIT[2:]), OTHER_CID).transact({"from": other_client}))
    indexer = Indexer(engine, ChainReader(deployment, env["MEDCHAIN_RPC_URL"]))

    indexer.catch_up()
    indexer.catch_up()  # nothing new: nothing twice

    listed = [row for row in reports_page(engine).rows if row["reporter"] in (reporter, other_client)]
    assert [(row["origin"], row["reporter"]) for row in listed] == [(ANCHORED_ELSEWHERE, other_client),
                                                                    (FILED, reporter)]
    elsewhere_row, filed_row = listed
    assert (filed_row["anchor_tx"], filed_row["anchor_block"], filed_row["anchor_confirmed"]) == (
        sent["transactionHash"].to_0x_hex(), sent["blockNumber"], True)
    assert (filed_row["contact"], filed_row["report_cid"]) == ("inspector@example.org", report.report.report_cid)
    assert (elsewhere_row["report_cid"], elsewhere_row["batch_id"], elsewhere_row["unit_hash"]) == (
        OTHER_CID, BATCH, UNIT)
    assert (elsewhere_row["anchor_tx"], elsewhere_row["anchor_block"]) == (
        elsewhere["transactionHash"].to_0x_hex(), elsewhere["blockNumber"])


def test_indexer__anchor_reorged_away__report_kept_unanchored(deployed, deployment, engine):
    from dapp.verification.suspect_reports import file_report

    w3, env = deployed
    reporter = new_pharmacy(w3, deployment)
    indexer = Indexer(engine, ChainReader(deployment, env["MEDCHAIN_RPC_URL"]))
    indexer.catch_up()
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]
    try:
        report = file_report(engine, f"(01){GTIN:014d}(21)SERIAL-8", status="SUSPECT", reporter=reporter,
                             deployment=deployment)
        w3.eth.wait_for_transaction_receipt(w3.eth.send_transaction(report.anchor.calls[0].transaction(reporter)))
        indexer.catch_up()
        assert report_by_reference(engine, report.report.reference)["anchor_confirmed"]
    finally:
        w3.provider.make_request("evm_revert", [snapshot])
    w3.provider.make_request("anvil_mine", [3])  # the new branch is longer than the old one

    indexer.catch_up()

    row = report_by_reference(engine, report.report.reference)
    assert (row["anchor_tx"], row["anchor_block"], row["anchor_confirmed"]) == (None, None, False)
    assert row["code_text"] == f"(01){GTIN:014d}(21)SERIAL-8"


def test_verifier__an_anchored_report__in_the_batchs_history(deployed, deployment, tmp_path):
    """The event's first topic is the batch id: the verifier's per-batch query finds it. (Once:
    the chain is the module's, so SQLite only.)"""
    from dapp.records.engine import open_database
    from dapp.verification.proofs import ProofStore
    from dapp.verification.suspect_reports import file_report
    from dapp.verification.verdicts import Verifier

    w3, env = deployed
    regulator, manufacturer = w3.eth.accounts[0], w3.eth.accounts[5]
    participants = at(w3, "Participants", deployment.address("Participants"))
    resources = at(w3, "Resources", deployment.address("Resources"))
    head = w3.eth.get_block("latest")["timestamp"]
    for call, sender in [
        (participants.functions.apply(ORGANIZATION_CID), manufacturer),
        (participants.functions.approve(manufacturer, int(Role.MANUFACTURER)), regulator),
        (resources.functions.assign_prefix(4607001, 7, manufacturer), regulator),
        (resources.functions.register_product(GTIN, 1, "Metformin", "tablets", CID, CID), manufacturer),
        (resources.functions.commission_batch(GTIN, "LOT-HISTORY", head - 86_400, head + 365 * 86_400, 10,
                                              b"\x11" * 32, CID, CID), manufacturer),
    ]:
        assert w3.eth.wait_for_transaction_receipt(call.transact({"from": sender}))["status"] == 1
    reporter = new_pharmacy(w3, deployment)
    code = f"(01){GTIN:014d}(21)SERIAL-9(10)LOT-HISTORY"
    engine = open_database(f"sqlite:///{tmp_path / 'reports.db'}")
    report = file_report(engine, code, status="SUSPECT", reporter=reporter, deployment=deployment)
    engine.dispose()
    w3.eth.wait_for_transaction_receipt(w3.eth.send_transaction(report.anchor.calls[0].transaction(reporter)))

    verdict = Verifier(ProofStore(), ChainReader(deployment, env["MEDCHAIN_RPC_URL"])).verify_text(code)

    reported = [event for event in verdict.history if event.kind == "reported suspect"]
    assert len(reported) == 1
    assert report.report.report_cid in reported[0].description
