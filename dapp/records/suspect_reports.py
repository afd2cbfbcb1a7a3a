"""Reports of suspect packs in the database (`suspect_reports`): filed through the dApp, anchored
on-chain (`Custody.SuspectPackReported`), and listed for the regulator.

A report filed through the dApp is a row of its own (the report itself: a rebuild of the
index keeps it). When its reporter anchors it, the indexer finds the event, matches it to the
row by document CID and reporter, and fills the anchor columns. An event whose document this
database never filed (another client anchored it) becomes a row of origin `chain`, with what
the event says: so no report anchored by anyone is missing from the regulator's list.

Reorgs and rebuilds: `unanchor` (run by `projections.clear` before every replay) drops the
`chain` rows and the anchors the indexer confirmed; the replay of the events that remain puts
back those still on the chain. The fold's handler is idempotent: an event already recorded
(same block and log index) is skipped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from eth_utils import to_checksum_address
from sqlalchemy import Connection, Engine, func, insert, select, update

from dapp.records.models import Event, SuspectReport

FILED = "dapp"  # filed through the dApp
ANCHORED_ELSEWHERE = "chain"  # known only from its event
_TABLE = SuspectReport.__table__


@dataclass(frozen=True)
class ReportsPage:
    """One page of the regulator's list, newest first."""

    rows: list[dict]  # the table's columns; `reasons` as a list, `anchor_confirmed` added
    total: int  # reports in all
    page: int  # counted from 1
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def add_filed(connection: Connection, values: dict) -> int:
    """Writes a report filed through the dApp (its columns, `reasons` as a sequence); its id."""
    row = {**values, "origin": FILED, "reasons": ",".join(values.get("reasons") or ())}
    if row.get("reporter"):
        row["reporter"] = to_checksum_address(row["reporter"])
    return connection.execute(insert(_TABLE).values(row).returning(_TABLE.c.id)).scalar_one()


def note_anchor(engine: Engine, reference: str, transaction_hash: str, block_number: int | None = None) -> bool:
    """Notes the transaction that anchored the filed report `reference` (as the reporter's wallet
    answered); the indexer confirms it when it reads the event. False when there is no such
    report, or the indexer has already confirmed one anchor (then it stays)."""
    transaction_hash = transaction_hash.lower()
    if not transaction_hash.startswith("0x"):
        transaction_hash = "0x" + transaction_hash
    with engine.begin() as connection:
        changed = connection.execute(
            update(_TABLE)
            .where(_TABLE.c.reference == reference, _TABLE.c.origin == FILED, _TABLE.c.anchor_log_index.is_(None))
            .values(anchor_tx=transaction_hash, anchor_block=block_number)
        ).rowcount
    return changed == 1


def record_reported(connection: Connection, events: Iterable, batches: dict[str, dict] | None = None) -> None:
    """The fold's part: each `SuspectPackReported` event (a `StoredEvent`) anchors the filed report
    with its document and reporter, or becomes a report of its own; `batches` (batch id ->
    batch row) gives the GTIN and lot of a known batch to the latter."""
    batches = batches or {}
    for event in events:
        args = event.args
        position = (_TABLE.c.anchor_block == event.block_number, _TABLE.c.anchor_log_index == event.log_index)
        if connection.execute(select(_TABLE.c.id).where(*position)).first() is not None:
            continue  # recorded already
        transaction = connection.execute(
            select(Event.transaction_hash).where(Event.block_number == event.block_number,
                                                 Event.log_index == event.log_index)
        ).scalar()
        reporter = to_checksum_address(args["reporter"])
        filed = connection.execute(
            select(_TABLE.c.id, _TABLE.c.anchor_tx)
            .where(_TABLE.c.origin == FILED, _TABLE.c.report_cid == args["reportCid"], _TABLE.c.reporter == reporter,
                   _TABLE.c.anchor_log_index.is_(None))
            .order_by(_TABLE.c.id).limit(1)
        ).first()
        anchor = {"anchor_block": event.block_number, "anchor_log_index": event.log_index}
        if filed is not None:
            connection.execute(update(_TABLE).where(_TABLE.c.id == filed.id)
                               .values(**anchor, anchor_tx=transaction or filed.anchor_tx))
            continue
        batch = batches.get(args["batchId"]) or {}
        connection.execute(insert(_TABLE).values(
            reference=None, origin=ANCHORED_ELSEWHERE,
            received_at=datetime.fromtimestamp(event.timestamp, UTC).replace(tzinfo=None),
            code_text=None, gtin=batch.get("gtin"), lot=batch.get("lot"), batch_id=args["batchId"],
            unit_hash=args["unitHash"], status=None, reasons="", photo_sha256=None, contact=None, reporter=reporter,
            language=None, report_cid=args["reportCid"], anchor_tx=transaction, **anchor,
        ))


def unanchor(connection: Connection) -> None:
    """Forgets what the indexer read of reports (before a replay): the rows known only from
    events, and the anchors it confirmed on filed reports. Filed reports stay."""
    connection.execute(_TABLE.delete().where(_TABLE.c.origin == ANCHORED_ELSEWHERE))
    connection.execute(update(_TABLE).where(_TABLE.c.anchor_log_index.is_not(None))
                       .values(anchor_tx=None, anchor_block=None, anchor_log_index=None))


def reports_page(engine: Engine, page: int = 1, per_page: int = 50) -> ReportsPage:
    """The regulator's list: page `page` (from 1) of `per_page` reports, newest first."""
    if page < 1 or not 1 <= per_page <= 1000:
        raise ValueError(f"page {page} of {per_page} reports: pages count from 1, 1 to 1000 reports each")
    with engine.connect() as connection:
        total = connection.execute(select(func.count()).select_from(_TABLE)).scalar_one()
        rows = connection.execute(
            select(_TABLE).order_by(_TABLE.c.received_at.desc(), _TABLE.c.id.desc())
            .limit(per_page).offset((page - 1) * per_page)
        ).mappings().all()
    return ReportsPage([_listed(row) for row in rows], total, page, per_page)


def report_by_reference(engine: Engine, reference: str) -> dict | None:
    """The filed report `reference`, as the list shows it; None when there is none."""
    with engine.connect() as connection:
        row = connection.execute(select(_TABLE).where(_TABLE.c.reference == reference)).mappings().first()
    return None if row is None else _listed(row)


def _listed(row) -> dict:
    listed = dict(row)
    listed["reasons"] = [reason for reason in listed["reasons"].split(",") if reason]
    listed["anchor_confirmed"] = listed["anchor_log_index"] is not None
    return listed


__all__ = ["ANCHORED_ELSEWHERE", "FILED", "ReportsPage", "add_filed", "note_anchor", "record_reported",
           "report_by_reference", "reports_page", "unanchor"]
