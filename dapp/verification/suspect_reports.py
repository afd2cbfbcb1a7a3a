"""Report a suspect pack: what anyone verifying a pack sends the regulator, kept in the
database, its public part in the document store, and anchored on-chain when the reporter is an
active organization (`Custody.reportSuspectPack`), so that no report can be dropped silently.

What goes where:

- the public document (document store, its CID on-chain when anchored): the GTIN, lot and
  expiry, the batch id, the unit hash (keccak256(abi.encode(gtin, serial))), the verdict's
  status and reason codes, the photo's SHA-256, the time, the reporter's account (or null)
  and the language. Never the serial nor the code as scanned (it holds the serial, and any
  verification key printed with it): published, either would let anyone print copies of a
  genuine pack's code. Never the contact.
- the database row, for the regulator only: all of the above, plus the code as scanned
  (serial included: the regulator may know it, it is theirs to check against the
  manufacturer's records) and the contact.

The Verify page:

    filed = file_report(engine, code_text, status=verdict.status, reasons=verdict.reasons,
                        photo_sha256=sha256_hex(photo) if photo else None, contact=contact,
                        reporter=account, deployment=deployment if is_participant else None)
    show(filed.report.reference)
    if filed.anchor is not None:               # a participant: its wallet anchors the report
        receipts = carry out filed.anchor with the wallet
        record_anchor(engine, filed.report.reference, receipts[-1].transaction_hash,
                      receipts[-1].block_number)

Nothing is stored half-way: the document is stored first; if that fails, no row is written
and `ReportNotFiled` says what to do. (If the database then fails, the document stays in the
store, referenced by nothing: harmless, it holds nothing private.)
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime
from enum import Enum

from eth_abi import encode
from eth_utils import keccak
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from dapp.actions.custody import report_suspect_pack
from dapp.chain.actions import PreparedAction, address_of
from dapp.chain.deployment import Deployment
from dapp.codes.gs1 import parse_code
from dapp.documents.default_store import save_document
from dapp.errors import InvalidCodeError, PlatformError
from dapp.i18n import _, current_language
from dapp.records.suspect_reports import add_filed, note_anchor
from dapp.verification.merkle import unit_hash as unit_hash_of

DOCUMENT_TYPE = "medchain/suspect-pack-report"
DOCUMENT_VERSION = 1
STATUSES = ("GENUINE", "SUSPECT", "UNREADABLE")  # the verdict shown; UNREADABLE: no verdict, the code did not parse
MAX_CODE_LENGTH = 4096
MAX_CONTACT_LENGTH = 256
_SHA256 = re.compile(r"[0-9a-f]{64}")


class ReportNotFiled(PlatformError):
    """The report could not be kept: nothing was recorded; the message says what to do."""


@dataclass(frozen=True)
class SuspectReport:
    """A report of a suspect pack, as filed."""

    reference: str  # its id (a UUID), shown to the reporter and written in its document
    received_at: datetime  # UTC
    code_text: str  # as scanned: the database's only, never published
    gtin: str | None  # GTIN-14; None when the code did not parse
    lot: str | None
    expiry: date | None
    batch_id: str | None  # 0x hex, keccak256(abi.encode(gtin, lot or "")); None when the code did not parse
    unit_hash: str | None  # 0x hex, keccak256(abi.encode(gtin, serial))
    status: str  # one of STATUSES
    reasons: tuple[str, ...]  # the verdict's reason codes (dapp.verification.verdicts.Reason values)
    photo_sha256: str | None  # hex
    contact: str | None  # the database's only, never published
    reporter: str | None  # the signed-in account, checksummed
    language: str
    report_cid: str = ""  # the public document's CID, once stored

    def document(self) -> dict:
        """The public document: no serial, no code as scanned, no contact."""
        return {
            "type": DOCUMENT_TYPE,
            "version": DOCUMENT_VERSION,
            "reference": self.reference,
            "reported_at": self.received_at.isoformat(timespec="seconds").replace("+00:00", "Z"),
            "gtin": self.gtin,
            "lot": self.lot,
            "expiry": self.expiry.isoformat() if self.expiry else None,
            "batch_id": self.batch_id,
            "unit_hash": self.unit_hash,
            "verdict": {"status": self.status, "reasons": list(self.reasons)},
            "photo_sha256": self.photo_sha256,
            "reporter": self.reporter,
            "language": self.language,
        }

    def document_bytes(self) -> bytes:
        return json.dumps(self.document(), ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")

    def anchor_arguments(self) -> tuple[bytes, bytes, str]:
        """(batchId, unitHash, reportCid) as `Custody.reportSuspectPack` takes them: for a code
        that did not parse, the batch of GTIN 0 with no lot and a zero unit hash (the document
        says the rest)."""
        batch = bytes.fromhex(self.batch_id[2:]) if self.batch_id else _batch_id(0, "")
        unit = bytes.fromhex(self.unit_hash[2:]) if self.unit_hash else bytes(32)
        return batch, unit, self.report_cid


@dataclass(frozen=True)
class FiledReport:
    report: SuspectReport
    # The transaction that anchors it, for the reporter's wallet; None when the reporter is not
    # a participant (the report is then the database's and its document's only).
    anchor: PreparedAction | None


def file_report(engine: Engine, code_text: str, *, status: str, reasons: Sequence[str | Enum] = (),
                photo_sha256: str | None = None, contact: str | None = None, reporter=None,
                language: str | None = None, deployment: Deployment | None = None,
                now: datetime | None = None) -> FiledReport:
    """Files a report of the pack whose code read `code_text`: stores its public document, writes
    its row, and prepares its anchoring transaction when `reporter` (the signed-in account) is
    an active organization: pass `deployment` then, and only then.

    `status` and `reasons` are the verdict the reporter saw (`Verdict.status`, `Verdict.reasons`),
    or "UNREADABLE" with no reasons when the code did not parse. Raises `ReportNotFiled` (nothing
    recorded) when the document store or the database fails, and `InvalidCodeError` on
    arguments that cannot be a report (nothing recorded either)."""
    report = _report(code_text, status, reasons, photo_sha256, contact, reporter, language, now)
    try:
        cid = save_document(report.document_bytes())
    except (PlatformError, OSError) as error:
        raise ReportNotFiled(
            _("the report was not sent: the document store failed ({error}). Nothing was recorded; try "
              "again in a moment, and if it keeps failing, tell the regulator directly").format(error=error)
        ) from None
    report = replace(report, report_cid=cid)
    try:
        with engine.begin() as connection:
            add_filed(connection, _row(report))
    except SQLAlchemyError as error:
        raise ReportNotFiled(
            _("the report was not sent: the database failed ({error}). Nothing was recorded; try again in "
              "a moment, and if it keeps failing, tell the regulator directly").format(
                error=str(getattr(error, "orig", None) or error).strip().splitlines()[0])
        ) from None
    anchor = None
    if deployment is not None and report.reporter is not None:
        anchor = report_suspect_pack(deployment, report.reporter, *report.anchor_arguments())
    return FiledReport(report, anchor)


def record_anchor(engine: Engine, reference: str, transaction_hash: str, block_number: int | None = None) -> bool:
    """Notes the transaction that anchored the report `reference` (after the reporter's wallet
    sent it); the indexer confirms it from the event. False when no filed report `reference`
    waits for one (unknown, or already confirmed by the indexer)."""
    return note_anchor(engine, reference, transaction_hash, block_number)


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of a photo, as a report records it."""
    return hashlib.sha256(data).hexdigest()


def _report(code_text, status, reasons, photo_sha256, contact, reporter, language, now) -> SuspectReport:
    if not isinstance(code_text, str) or not code_text.strip():
        raise InvalidCodeError(_("a report needs the code as it was read"))
    if len(code_text) > MAX_CODE_LENGTH:
        raise InvalidCodeError(_("the code is {length} characters long; a code has at most {limit}").format(
            length=len(code_text), limit=MAX_CODE_LENGTH))
    status = str(status).upper()
    if status not in STATUSES:
        raise InvalidCodeError(_("{status!r} is not a verdict; give one of {statuses}").format(
            status=status, statuses=", ".join(STATUSES)))
    reasons = tuple(str(getattr(reason, "value", reason)) for reason in reasons)
    if photo_sha256 is not None:
        photo_sha256 = photo_sha256.lower().removeprefix("0x")
        if not _SHA256.fullmatch(photo_sha256):
            raise InvalidCodeError(_("a photo's SHA-256 is 64 hexadecimal digits"))
    contact = (contact or "").strip() or None
    if contact is not None and len(contact) > MAX_CONTACT_LENGTH:
        raise InvalidCodeError(_("a contact is at most {limit} characters").format(limit=MAX_CONTACT_LENGTH))
    try:
        code = parse_code(code_text)
    except InvalidCodeError:
        gtin = lot = expiry = batch = unit = None
    else:
        gtin, lot, expiry = code.gtin, code.lot, code.expiry
        batch = "0x" + _batch_id(int(gtin), lot or "").hex()
        unit = "0x" + unit_hash_of(int(gtin), code.serial).hex()
    received = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    return SuspectReport(
        reference=str(uuid.uuid4()), received_at=received, code_text=code_text, gtin=gtin, lot=lot, expiry=expiry,
        batch_id=batch, unit_hash=unit, status=status, reasons=reasons, photo_sha256=photo_sha256, contact=contact,
        reporter=address_of(reporter) if reporter else None, language=language or current_language(),
    )


def _row(report: SuspectReport) -> dict:
    row = asdict(report)
    row.pop("expiry")
    row["received_at"] = report.received_at.replace(tzinfo=None)
    return row


def _batch_id(gtin: int, lot: str) -> bytes:
    return keccak(encode(["uint256", "string"], [gtin, lot]))


__all__ = ["FiledReport", "ReportNotFiled", "STATUSES", "SuspectReport", "file_report", "record_anchor", "sha256_hex"]
