"""Filing a suspect-pack report (dapp.verification.suspect_reports): the public document carries
no serial, no code as scanned and no contact; the database row carries them for the regulator;
a participant reporter gets the anchoring transaction; a document store that fails leaves
nothing written."""

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from dapp.chain.deployment import DeployedContract, Deployment
from dapp.documents.default_store import load_document
from dapp.errors import InvalidCodeError
from dapp.i18n import use_language
from dapp.records.models import SuspectReport as ReportRow
from dapp.records.suspect_reports import report_by_reference, reports_page
from dapp.verification.merkle import unit_hash
from dapp.verification.suspect_reports import (
    ReportNotFiled,
    file_report,
    record_anchor,
    sha256_hex,
)
from dapp.verification.verdicts import Reason, batch_id
from tests.fixtures.anvil import free_port

GTIN = 4607001120018
SERIAL = "X7Q2-000042"
LOT = "L-77"
CODE = f"(01){GTIN:014d}(21){SERIAL}(17)271231(10){LOT}"
CONTACT = "Ivan, +7 900 123-45-67"
REPORTER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
CUSTODY = "0x5FC8d32690cc91D4c39d9d3abcBD16989F875707"
NOW = datetime(2026, 12, 7, 10, 30, 15, 123456, tzinfo=UTC)


@pytest.fixture(autouse=True)
def folder_store(tmp_path, monkeypatch):
    """Documents in a folder of the test's own (no IPFS node)."""
    monkeypatch.setenv("MEDCHAIN_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("MEDCHAIN_IPFS_API", raising=False)


@pytest.fixture
def deployment():
    """A deployment record naming Custody (encoding a call needs its address and the compiled ABI only)."""
    return Deployment(31337, "0x" + "00" * 32, "local", REPORTER, {"Custody": DeployedContract(CUSTODY, 1, "0x")})


def count(engine):
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(ReportRow.__table__)).scalar_one()


def test_file_report__public_document__no_serial_no_code_no_contact(engine):
    filed = file_report(engine, CODE, status="SUSPECT", reasons=[Reason.UNKNOWN_BATCH, Reason.SERIAL_NOT_IN_BATCH],
                        photo_sha256=sha256_hex(b"photo"), contact=CONTACT, reporter=REPORTER.lower(),
                        language="en", now=NOW)

    stored = load_document(filed.report.report_cid)
    document = json.loads(stored)
    assert SERIAL.encode() not in stored and b"Ivan" not in stored and b"(21)" not in stored
    assert document == {
        "type": "medchain/suspect-pack-report", "version": 1, "reference": filed.report.reference,
        "reported_at": "2026-12-07T10:30:15Z", "gtin": f"{GTIN:014d}", "lot": LOT, "expiry": "2027-12-31",
        "batch_id": "0x" + batch_id(GTIN, LOT).hex(), "unit_hash": "0x" + unit_hash(GTIN, SERIAL).hex(),
        "verdict": {"status": "SUSPECT", "reasons": ["unknown_batch", "serial_not_in_batch"]},
        "photo_sha256": sha256_hex(b"photo"), "reporter": REPORTER, "language": "en",
    }


def test_file_report__database_row__everything_for_the_regulator(engine):
    filed = file_report(engine, CODE, status="SUSPECT", reasons=["unknown_batch"], contact=f"  {CONTACT} ",
                        language="ru", now=NOW)

    [row] = reports_page(engine).rows
    assert row["reference"] == filed.report.reference
    assert (row["origin"], row["received_at"]) == ("dapp", datetime(2026, 12, 7, 10, 30, 15))
    assert (row["code_text"], row["gtin"], row["lot"]) == (CODE, f"{GTIN:014d}", LOT)
    assert (row["batch_id"], row["unit_hash"]) == ("0x" + batch_id(GTIN, LOT).hex(), "0x" + unit_hash(GTIN, SERIAL).hex())
    assert (row["status"], row["reasons"], row["photo_sha256"]) == ("SUSPECT", ["unknown_batch"], None)
    assert (row["contact"], row["reporter"], row["language"]) == (CONTACT, None, "ru")
    assert (row["report_cid"], row["anchor_tx"]) == (filed.report.report_cid, None)


def test_file_report__anonymous__no_anchor(engine, deployment):
    filed = file_report(engine, CODE, status="SUSPECT", deployment=deployment)

    assert filed.anchor is None
    assert json.loads(load_document(filed.report.report_cid))["reporter"] is None


def test_file_report__signed_in_not_a_participant__recorded_not_anchored(engine):
    filed = file_report(engine, CODE, status="GENUINE", reporter=REPORTER)

    assert filed.anchor is None
    assert report_by_reference(engine, filed.report.reference)["reporter"] == REPORTER


def test_file_report__participant__anchoring_call_for_its_wallet(engine, deployment):
    filed = file_report(engine, CODE, status="SUSPECT", reporter=REPORTER, deployment=deployment)

    [call] = filed.anchor.calls
    assert (filed.anchor.sender, call.contract, call.function, call.target) == (
        REPORTER, "Custody", "reportSuspectPack", CUSTODY)
    assert call.arguments() == {"batchId": batch_id(GTIN, LOT), "unitHash": unit_hash(GTIN, SERIAL),
                                "reportCid": filed.report.report_cid}
    assert SERIAL.encode() not in call.data
    assert filed.report.report_cid in call.description


def test_file_report__code_without_lot__batch_of_the_empty_lot(engine, deployment):
    filed = file_report(engine, f"(01){GTIN:014d}(21){SERIAL}", status="SUSPECT", reporter=REPORTER,
                        deployment=deployment)

    assert filed.report.lot is None
    assert filed.anchor.calls[0].arguments()["batchId"] == batch_id(GTIN, "")


def test_file_report__unreadable_code__kept_and_anchored_under_gtin_zero(engine, deployment):
    filed = file_report(engine, "not a code at all", status="UNREADABLE", reporter=REPORTER, deployment=deployment)

    document = json.loads(load_document(filed.report.report_cid))
    assert (document["gtin"], document["unit_hash"], document["verdict"]["status"]) == (None, None, "UNREADABLE")
    assert report_by_reference(engine, filed.report.reference)["code_text"] == "not a code at all"
    arguments = filed.anchor.calls[0].arguments()
    assert (arguments["batchId"], arguments["unitHash"]) == (batch_id(0, ""), bytes(32))


def test_file_report__language__the_current_one_by_default(engine):
    with use_language("ru"):
        filed = file_report(engine, CODE, status="SUSPECT")

    assert filed.report.language == "ru"


def test_file_report__two_reports_of_one_pack__two_documents(engine):
    first = file_report(engine, CODE, status="SUSPECT", now=NOW)
    second = file_report(engine, CODE, status="SUSPECT", now=NOW)

    assert first.report.reference != second.report.reference
    assert first.report.report_cid != second.report.report_cid
    assert count(engine) == 2


def test_file_report__document_store_down__nothing_written_says_what_to_do(engine, monkeypatch):
    monkeypatch.setenv("MEDCHAIN_IPFS_API", f"http://127.0.0.1:{free_port()}")

    with pytest.raises(ReportNotFiled) as raised:
        file_report(engine, CODE, status="SUSPECT", contact=CONTACT, reporter=REPORTER)

    message = str(raised.value)
    assert "Nothing was recorded" in message and "try again" in message and "regulator" in message
    assert count(engine) == 0


def test_file_report__database_fails__report_not_filed(engine, monkeypatch):
    with engine.begin() as connection:
        connection.execute(ReportRow.__table__.delete())
    ReportRow.__table__.drop(engine)

    with pytest.raises(ReportNotFiled) as raised:
        file_report(engine, CODE, status="SUSPECT")

    assert "database" in str(raised.value) and "Nothing was recorded" in str(raised.value)


@pytest.mark.parametrize("arguments", [
    pytest.param({"code_text": "  "}, id="empty code"),
    pytest.param({"status": "MAYBE"}, id="not a verdict"),
    pytest.param({"photo_sha256": "12ab"}, id="short photo hash"),
    pytest.param({"contact": "x" * 257}, id="long contact"),
])
def test_file_report__malformed__refused_nothing_written(engine, arguments):
    given = {"code_text": CODE, "status": "SUSPECT", **arguments}

    with pytest.raises(InvalidCodeError):
        file_report(engine, given.pop("code_text"), **given)

    assert count(engine) == 0


def test_record_anchor__notes_the_wallets_transaction(engine):
    filed = file_report(engine, CODE, status="SUSPECT", reporter=REPORTER)

    assert record_anchor(engine, filed.report.reference, "0x" + "AB" * 32, 42)

    row = report_by_reference(engine, filed.report.reference)
    assert (row["anchor_tx"], row["anchor_block"], row["anchor_confirmed"]) == ("0x" + "ab" * 32, 42, False)
    assert not record_anchor(engine, "no-such-report", "0x" + "ab" * 32)
