"""Events folded into the tables people ask about: organizations, products, batches,
shipments, stock movements, tenders and bids.

The fold is a pure function of the events in chain order, so the indexer can always drop
these tables and replay the stored events (after a reorg, or to check a rebuild). It works a
chunk at a time: one pass finds every row the chunk touches, one query per table loads them,
the events are applied in memory, and the changed rows are written back in bulk. That keeps
the indexer at tens of thousands of events a second on SQLite and on PostgreSQL alike.

Events arrive as `StoredEvent`s whose `args` are JSON values (bytes as 0x hex, GTINs as
integers), the same whether they come from the node or from the `chain_event` table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import msgspec
from sqlalchemy import Connection, Table, delete, select, tuple_, update
from sqlalchemy.sql.expression import bindparam

from dapp.records.bulk import bulk_insert, bulk_update
from dapp.records.models import (
    PROJECTION_TABLES,
    Batch,
    Bid,
    Movement,
    Organization,
    Product,
    Shipment,
    Tender,
)
from dapp.records.stock_balance import with_balances
from dapp.records.suspect_reports import record_reported, unanchor

# Participants' statuses (Participants.vy STATUS_*), Resources' batch statuses, Custody's reasons.
ORGANIZATION_STATUS = {"Applied": "pending", "Approved": "active", "Suspended": "suspended",
                       "Reinstated": "active", "Revoked": "revoked"}
BATCH_STATUS = {2: "recalled", 3: "withdrawn"}
DISPENSED = 1
TENDER_CLOSING = {"TenderCompleted": "completed", "TenderFailed": "failed", "TenderTerminated": "terminated",
                  "TenderCancelled": "cancelled"}
NO_GTIN = "0" * 14  # a tender by specification
_MOVEMENT_COLUMNS = ("block_number", "log_index", "timestamp", "organization", "gtin", "batch_id", "kind", "quantity",
                     "counterparty", "shipment_id", "tender_id", "reason")
_BALANCE_INPUTS = tuple(_MOVEMENT_COLUMNS.index(name)
                        for name in ("timestamp", "organization", "gtin", "quantity", "block_number", "log_index"))


class StoredEvent(msgspec.Struct, frozen=True, array_like=True, gc=False):
    """An event as the fold takes it (a msgspec struct: the indexer's reading process sends
    ranges of them as JSON, decoded straight into these)."""

    block_number: int
    log_index: int
    timestamp: int
    contract: str
    name: str
    args: dict


def gtin_text(value: int) -> str:
    return f"{int(value):014d}"


class _Rows:
    """The rows of one table a chunk touches, by primary key, loaded once and written back."""

    def __init__(self, model, key_columns: Sequence[str]):
        self.table: Table = model.__table__
        self.key_columns = list(key_columns)
        self.rows: dict[tuple, dict] = {}
        self.new: set[tuple] = set()
        self.dirty: set[tuple] = set()
        self.wanted: set[tuple] = set()
        self.blind: dict[tuple, dict] = {}  # changes to rows not loaded: written by key alone
        self.blind_groups: dict[tuple, list] = {}

    def want(self, *key) -> None:
        self.wanted.add(key)

    def load(self, connection: Connection) -> None:
        keys = sorted(self.wanted - set(self.rows))
        columns = [self.table.c[name] for name in self.key_columns]
        for start in range(0, len(keys), 500):
            part = keys[start:start + 500]
            if len(columns) == 1:
                condition = columns[0].in_([key[0] for key in part])
            else:
                condition = tuple_(*columns).in_(part)
            for row in connection.execute(select(self.table).where(condition)).mappings():
                self.rows[tuple(row[name] for name in self.key_columns)] = dict(row)
        self.wanted.clear()

    def get(self, *key) -> dict | None:
        return self.rows.get(key)

    def add(self, row: dict) -> None:
        key = tuple(row[name] for name in self.key_columns)
        self.rows[key] = row
        self.new.add(key)

    def change(self, key: tuple, **values) -> None:
        row = self.rows.get(key)
        if row is None:
            return  # an event about a row the fold never saw (not from this deployment): ignored
        row.update(values)
        if key not in self.new:
            self.dirty.add(key)

    def change_unloaded(self, key: tuple, **values) -> None:
        """Changes a row without reading it first (the change needs nothing from it)."""
        if key in self.rows:
            self.change(key, **values)
        else:
            self.blind.setdefault(key, {}).update(values)

    def flush(self, connection: Connection) -> None:
        for key, values in self.blind.items():  # one statement for all rows with the same columns
            self.blind_groups.setdefault(tuple(sorted(values)), []).append((key, values))
        for names, group in self.blind_groups.items():
            bulk_update(connection, self.table, self.key_columns, names,
                        [tuple(values[name] for name in names) + key for key, values in group])
        self.blind.clear()
        self.blind_groups.clear()
        by_columns: dict[tuple, list[tuple]] = {}
        for key in self.new:  # one bulk insert per set of columns given
            row = self.rows[key]
            by_columns.setdefault(tuple(row), []).append(tuple(row.values()))
        for names, rows in by_columns.items():
            bulk_insert(connection, self.table, names, rows)
        if self.dirty:
            changed = [self.rows[key] for key in self.dirty]
            names = [name for name in changed[0] if name not in self.key_columns and name != "id"]
            statement = (
                update(self.table)
                .where(*[self.table.c[name] == bindparam(f"key_{name}") for name in self.key_columns])
                .values({name: bindparam(f"value_{name}") for name in names})
            )
            connection.execute(statement, [
                {**{f"key_{name}": row[name] for name in self.key_columns},
                 **{f"value_{name}": row[name] for name in names}} for row in changed
            ])
        self.rows.clear()
        self.new.clear()
        self.dirty.clear()


class Fold:
    """Applies a chunk of events to the projection tables."""

    def __init__(self) -> None:
        self.organizations = _Rows(Organization, ["address"])
        self.products = _Rows(Product, ["gtin"])
        self.batches = _Rows(Batch, ["batch_id"])
        self.shipments = _Rows(Shipment, ["shipment_id"])
        self.tenders = _Rows(Tender, ["tender_id"])
        self.bids = _Rows(Bid, ["tender_id", "bidder"])
        self._tables = [self.organizations, self.products, self.batches, self.shipments, self.tenders, self.bids]
        self._movements: list[tuple] = []
        # Products regulators (or a successor) reassigned in this chunk: (gtin, manufacturer), their
        # batches' manufacturer follows once the chunk's rows are written.
        self._reassigned: list[tuple[str, str]] = []
        # Custody.SuspectPackReported events of the chunk, with the batches they name (rare:
        # recorded one by one once the chunk's rows are written; see dapp.records.suspect_reports).
        self._reported: list[StoredEvent] = []
        self._reported_batches: dict[str, dict] = {}

    def apply(self, connection: Connection, events: Iterable[StoredEvent]) -> None:
        events = list(events)
        for event in events:
            self._want(event)
        for rows in self._tables:
            rows.load(connection)
        for event in events:
            handler = _HANDLERS.get((event.contract, event.name))
            if handler is not None:
                handler(self, event)
        for rows in self._tables:
            rows.flush(connection)
        for gtin, manufacturer in self._reassigned:
            connection.execute(update(Batch.__table__).where(Batch.__table__.c.gtin == gtin)
                               .values(manufacturer=manufacturer))
        self._reassigned = []
        if self._reported:
            record_reported(connection, self._reported, self._reported_batches)
            self._reported, self._reported_batches = [], {}
        if self._movements:
            bulk_insert(connection, Movement.__table__, (*_MOVEMENT_COLUMNS, "balance"),
                        with_balances(connection, self._movements, _BALANCE_INPUTS))
            self._movements = []

    # --- which rows a chunk needs ------------------------------------------------------

    def _want(self, event: StoredEvent) -> None:
        args = event.args
        if event.contract == "Participants":
            if "account" in args:  # not ActionConfirmed
                self.organizations.want(args["account"])
            if "successor" in args:
                self.organizations.want(args["successor"])
        elif event.contract == "Resources":
            if "batch_id" in args:
                self.batches.want(args["batch_id"])
            elif "gtin" in args:
                self.products.want(gtin_text(args["gtin"]))
        elif event.contract == "Custody":
            self.batches.want(args["batchId"])
        elif event.contract == "Tenders" and "tenderId" in args:
            self.tenders.want(args["tenderId"])
            if "bidder" in args:
                self.bids.want(args["tenderId"], args["bidder"])

    def _move(self, event: StoredEvent, organization: str, batch_id: str, kind: str, quantity: int,
              counterparty: str = "", shipment_id: int | None = None, tender_id: int = 0,
              reason: int | None = None) -> None:
        batch = self.batches.get(batch_id)
        self._movements.append((event.block_number, event.log_index, event.timestamp, organization,
                                batch["gtin"] if batch else NO_GTIN, batch_id, kind, quantity, counterparty,
                                shipment_id, tender_id, reason))


# --- Participants ----------------------------------------------------------------------


def _organization_status(fold: Fold, event: StoredEvent) -> None:
    args, account = event.args, event.args["account"]
    status = ORGANIZATION_STATUS[event.name]
    if fold.organizations.get(account) is None:
        fold.organizations.add({"address": account, "metadata_cid": args.get("metadata_cid", ""), "roles": 0,
                                "status": status, "applied_at": event.timestamp, "approved_at": None,
                                "status_reason_cid": ""})
    values = {"status": status, "status_reason_cid": args.get("reason_cid", "")}
    if event.name == "Applied":
        values.update(metadata_cid=args["metadata_cid"], applied_at=event.timestamp)
    if event.name == "Approved":
        values.update(roles=args["roles"], approved_at=event.timestamp)
    fold.organizations.change((account,), **values)


def _organization_moved(fold: Fold, event: StoredEvent) -> None:
    """Regulators moved an organization to a successor account: the successor's row is the
    organization's (roles, approved metadata, status), the old account is revoked."""
    args = event.args
    old = fold.organizations.get(args["account"])
    if old is None:
        return
    if fold.organizations.get(args["successor"]) is None:
        fold.organizations.add({**old, "address": args["successor"], "status_reason_cid": ""})
    else:
        fold.organizations.change((args["successor"],), **{k: v for k, v in old.items() if k != "address"})
    fold.organizations.change((args["account"],), status="revoked", status_reason_cid="")


def _metadata_updated(fold: Fold, event: StoredEvent) -> None:
    fold.organizations.change((event.args["account"],), metadata_cid=event.args["metadata_cid"])


def _roles_changed(fold: Fold, event: StoredEvent) -> None:
    fold.organizations.change((event.args["account"],), roles=event.args["roles"])


# --- Resources -------------------------------------------------------------------------


def _product_registered(fold: Fold, event: StoredEvent) -> None:
    args = event.args
    fold.products.add({
        "gtin": gtin_text(args["gtin"]), "manufacturer": args["manufacturer"], "category": args["category"],
        "name": args["name"], "dosage_form": args["dosage_form"], "characteristics_cid": args["characteristics_cid"],
        "certificate_cid": args["certificate_cid"], "registered_at": event.timestamp,
    })


def _product_updated(fold: Fold, event: StoredEvent) -> None:
    args = event.args
    fold.products.change((gtin_text(args["gtin"]),), characteristics_cid=args["characteristics_cid"],
                         certificate_cid=args["certificate_cid"])


def _product_reassigned(fold: Fold, event: StoredEvent) -> None:
    """Regulators gave the product to another manufacturer, or its manufacturer's successor claimed
    it: the product and its batches are the new manufacturer's."""
    args = event.args
    gtin = gtin_text(args["gtin"])
    fold.products.change((gtin,), manufacturer=args["manufacturer"])
    fold._reassigned.append((gtin, args["manufacturer"]))


def _batch_commissioned(fold: Fold, event: StoredEvent) -> None:
    args = event.args
    fold.batches.add({
        "batch_id": args["batch_id"], "gtin": gtin_text(args["gtin"]), "manufacturer": args["manufacturer"],
        "lot": args["lot"], "manufactured": args["manufactured"], "expires": args["expires"],
        "quantity": args["quantity"], "serials_root": args["serials_root"], "status": "active",
        "retired_reason_code": None, "retired_reason_cid": "", "commissioned_at": event.timestamp,
    })


def _batch_retired(fold: Fold, event: StoredEvent) -> None:
    args = event.args
    fold.batches.change((args["batch_id"],), status=BATCH_STATUS.get(args["status"], "retired"),
                        retired_reason_code=args["reason_code"], retired_reason_cid=args["reason_cid"])


def _batch_reinstated(fold: Fold, event: StoredEvent) -> None:
    fold.batches.change((event.args["batch_id"],), status="active", retired_reason_code=None, retired_reason_cid="")


# --- Custody ---------------------------------------------------------------------------


def _commissioned(fold: Fold, event: StoredEvent) -> None:
    args = event.args
    fold._move(event, args["manufacturer"], args["batchId"], "commissioned", args["quantity"])


def _shipped(fold: Fold, event: StoredEvent) -> None:
    args = event.args
    fold.shipments.add({
        "shipment_id": args["shipmentId"], "batch_id": args["batchId"], "shipper": args["shipper"],
        "consignee": args["consignee"], "quantity": args["quantity"], "tender_id": args["tenderId"],
        "document_cid": args["documentCid"], "status": "in_transit", "shipped_at": event.timestamp,
        "settled_at": None,
    })
    fold._move(event, args["shipper"], args["batchId"], "shipped", -args["quantity"], args["consignee"],
               args["shipmentId"], args["tenderId"])


def _settled(fold: Fold, event: StoredEvent) -> None:
    args = event.args
    if event.name == "Received":
        fold.shipments.change_unloaded((args["shipmentId"],), status="received", settled_at=event.timestamp)
        fold._move(event, args["consignee"], args["batchId"], "received", args["quantity"], args["shipper"],
                   args["shipmentId"])
    else:  # Rejected by the consignee, or Reclaimed by the shipper when nobody answered
        status = "rejected" if event.name == "Rejected" else "reclaimed"
        fold.shipments.change_unloaded((args["shipmentId"],), status=status, settled_at=event.timestamp)
        fold._move(event, args["shipper"], args["batchId"], "returned", args["quantity"], args["consignee"],
                   args["shipmentId"])


def _moved_to_successor(fold: Fold, event: StoredEvent) -> None:
    """A balance handed to a successor: out of one organization's stock, into the other's (as a
    shipment and its receipt would move it, with no time in transit)."""
    args = event.args
    if args["quantity"]:
        fold._move(event, args["predecessor"], args["batchId"], "shipped", -args["quantity"], args["successor"])
        fold._move(event, args["successor"], args["batchId"], "received", args["quantity"], args["predecessor"])


def _decommissioned(fold: Fold, event: StoredEvent) -> None:
    args = event.args
    kind = "dispensed" if args["reason"] == DISPENSED else "written_off"
    fold._move(event, args["by"], args["batchId"], kind, -1, reason=args["reason"])


def _dispense_undone(fold: Fold, event: StoredEvent) -> None:
    args = event.args
    fold._move(event, args["by"], args["batchId"], "dispense_undone", 1, reason=DISPENSED)


def _suspect_pack_reported(fold: Fold, event: StoredEvent) -> None:
    """A report of a suspect pack: it anchors the report the dApp filed, or is one of its own."""
    batch = fold.batches.get(event.args["batchId"])
    if batch is not None:
        fold._reported_batches[event.args["batchId"]] = dict(batch)
    fold._reported.append(event)


# --- Tenders ---------------------------------------------------------------------------


def _tender_created(fold: Fold, event: StoredEvent) -> None:
    args = event.args
    fold.tenders.add({
        "tender_id": args["tenderId"], "hospital": args["hospital"], "gtin": gtin_text(args["gtin"]),
        "specification_cid": args["specificationCid"],
        "accepted_gtins": ",".join(gtin_text(g) for g in args["acceptedGtins"]),
        "quantity": args["quantity"], "max_price": args["maxPrice"],
        "bid_deadline": args["bidDeadline"], "reveal_deadline": args["revealDeadline"],
        "delivery_deadline": args["deliveryDeadline"], "status": "open", "created_at": event.timestamp,
        "bids": 0, "winner": "", "price": None, "awarded_at": None, "delivered": 0, "closed_at": None,
    })


def _bid_committed(fold: Fold, event: StoredEvent) -> None:
    args = event.args
    key = (args["tenderId"], args["bidder"])
    if fold.bids.get(*key) is None:
        fold.bids.add({"tender_id": key[0], "bidder": key[1], "committed_at": event.timestamp, "price": None,
                       "revealed_at": None})
        tender = fold.tenders.get(args["tenderId"])
        if tender is not None:
            fold.tenders.change((args["tenderId"],), bids=tender["bids"] + 1)
    else:  # a bidder may replace its commitment before the deadline
        fold.bids.change(key, committed_at=event.timestamp)


def _bid_revealed(fold: Fold, event: StoredEvent) -> None:
    args = event.args
    fold.bids.change((args["tenderId"], args["bidder"]), price=args["price"], revealed_at=event.timestamp)


def _tender_awarded(fold: Fold, event: StoredEvent) -> None:
    args = event.args
    fold.tenders.change((args["tenderId"],), status="awarded", winner=args["winner"], price=args["price"],
                        awarded_at=event.timestamp, delivery_deadline=args["deliveryDeadline"])


def _contract_concluded(fold: Fold, event: StoredEvent) -> None:
    fold.tenders.change((event.args["tenderId"],), status="contracted")


def _delivery_accepted(fold: Fold, event: StoredEvent) -> None:
    fold.tenders.change((event.args["tenderId"],), delivered=event.args["delivered"])


def _tender_closed(fold: Fold, event: StoredEvent) -> None:
    fold.tenders.change((event.args["tenderId"],), status=TENDER_CLOSING[event.name], closed_at=event.timestamp)


_HANDLERS: dict[tuple[str, str], Callable[[Fold, StoredEvent], None]] = {
    **{("Participants", name): _organization_status for name in ORGANIZATION_STATUS},
    ("Participants", "MetadataUpdated"): _metadata_updated,
    ("Participants", "RolesChanged"): _roles_changed,
    ("Participants", "MovedToSuccessor"): _organization_moved,
    ("Resources", "ProductRegistered"): _product_registered,
    ("Resources", "ProductUpdated"): _product_updated,
    ("Resources", "BatchCommissioned"): _batch_commissioned,
    ("Resources", "BatchRetired"): _batch_retired,
    ("Resources", "ProductReassigned"): _product_reassigned,
    ("Resources", "BatchReinstated"): _batch_reinstated,
    ("Custody", "Commissioned"): _commissioned,
    ("Custody", "Shipped"): _shipped,
    ("Custody", "Received"): _settled,
    ("Custody", "Rejected"): _settled,
    ("Custody", "Reclaimed"): _settled,
    ("Custody", "MovedToSuccessor"): _moved_to_successor,
    ("Custody", "Decommissioned"): _decommissioned,
    ("Custody", "DispenseUndone"): _dispense_undone,
    ("Custody", "SuspectPackReported"): _suspect_pack_reported,
    ("Tenders", "TenderCreated"): _tender_created,
    ("Tenders", "BidCommitted"): _bid_committed,
    ("Tenders", "BidRevealed"): _bid_revealed,
    ("Tenders", "TenderAwarded"): _tender_awarded,
    ("Tenders", "ContractConcluded"): _contract_concluded,
    ("Tenders", "DeliveryAccepted"): _delivery_accepted,
    **{("Tenders", name): _tender_closed for name in TENDER_CLOSING},
}


def clear(connection: Connection) -> None:
    """Empties every projection table (before a replay), and forgets what the events said of
    suspect-pack reports (the reports filed through the dApp stay)."""
    for model in reversed(PROJECTION_TABLES):
        connection.execute(delete(model.__table__))
    unanchor(connection)
