"""The ownership chain (Custody): commissioning a registered batch into custody, two-step
shipments, and units taken out of circulation one by one with their Merkle proof.

A shipment's terms are stored only as a digest, so receiving or rejecting one passes the terms
its `Shipped` event logged (`shipment_record`)."""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import Any

from dapp.chain.actions import ActionError, PreparedAction, action, address_of, prepare_call
from dapp.chain.deployment import Deployment
from dapp.codes.gs1 import parse_gtin
from dapp.i18n import N_, _

# (batchId, shipper, consignee, quantity, tenders, tenderId, shippedAt), as `ICustody` has it.
ShipmentRecord = tuple[bytes, str, str, int, str, int, int]
_NO_TENDERS = "0x0000000000000000000000000000000000000000"


class Decommission(IntEnum):
    """`ICustody` decommissioning reasons."""

    DISPENSED = 1
    DESTROYED = 2
    STOLEN = 3
    EXPORTED = 4
    SAMPLE = 5


# The reasons as a person reads them (the words of the verdicts).
_DECOMMISSION_WORDS = {Decommission.DISPENSED: N_("dispensed"), Decommission.DESTROYED: N_("destroyed"),
                       Decommission.STOLEN: N_("stolen"), Decommission.EXPORTED: N_("exported"),
                       Decommission.SAMPLE: N_("sample")}


def shipment_record(shipped: Any) -> ShipmentRecord:
    """The `ShipmentRecord` (batchId, shipper, consignee, quantity, tenders, tenderId, shippedAt)
    of a decoded `Custody.Shipped` log."""
    return (bytes(shipped.batchId), shipped.shipper, shipped.consignee, int(shipped.quantity),
            shipped.tenders, int(shipped.tenderId), int(shipped.shippedAt))


def commission(deployment: Deployment, manufacturer, gtin, lot: str) -> PreparedAction:
    """Take a registered batch into the manufacturer's custody (its whole quantity)."""
    gtin14 = parse_gtin(gtin)
    return action(manufacturer, _("take {gtin14}/{lot} into custody").format(gtin14=gtin14, lot=lot),
                  prepare_call(deployment, "Custody", "commission", [int(gtin14), lot],
                               _("take batch {gtin14}/{lot} into custody").format(gtin14=gtin14, lot=lot)))


def ship(deployment: Deployment, shipper, batch_id: bytes, consignee, quantity: int, document_cid: str,
         tender_id: int = 0, label: str = "", tenders=None) -> PreparedAction:
    """Send `quantity` units of a batch to `consignee`; with a `tender_id`, as a delivery for that
    tender of `tenders` (the deployment's Tenders contract by default: `Custody.shipForTender`)."""
    consignee = address_of(consignee)
    if quantity <= 0:
        raise ActionError(_("ship at least one unit"))
    what = label or _("batch {batch}").format(batch=f"0x{bytes(batch_id).hex()[:8]}…")
    if tender_id:
        call = prepare_call(deployment, "Custody", "shipForTender",
                            [bytes(batch_id), consignee, int(quantity),
                             address_of(tenders) if tenders else deployment.address("Tenders"), int(tender_id),
                             document_cid],
                            _("ship {quantity} units of {what} to {consignee} for tender {tender_id}").format(
                                quantity=quantity, what=what, consignee=consignee, tender_id=tender_id))
        description = _("ship {quantity} units of {what} for tender {tender_id}").format(
            quantity=quantity, what=what, tender_id=tender_id)
    else:
        call = prepare_call(deployment, "Custody", "ship", [bytes(batch_id), consignee, int(quantity), document_cid],
                            _("ship {quantity} units of {what} to {consignee}").format(
                                quantity=quantity, what=what, consignee=consignee))
        description = _("ship {quantity} units of {what}").format(quantity=quantity, what=what)
    return action(shipper, description, call,
                  outcome=lambda receipts: receipts[-1].event("Shipped"))


def receive(deployment: Deployment, consignee, shipment_id: int, record: ShipmentRecord) -> PreparedAction:
    return action(consignee, _("receive shipment {shipment_id}").format(shipment_id=shipment_id),
                  prepare_call(deployment, "Custody", "receiveShipment", [int(shipment_id), tuple(record)],
                               _("receive shipment {shipment_id} ({quantity} units from {shipper})").format(
                                   shipment_id=shipment_id, quantity=record[3], shipper=record[1])))


def reject(deployment: Deployment, consignee, shipment_id: int, record: ShipmentRecord,
           reason_cid: str) -> PreparedAction:
    return action(consignee, _("reject shipment {shipment_id}").format(shipment_id=shipment_id),
                  prepare_call(deployment, "Custody", "reject", [int(shipment_id), tuple(record), reason_cid],
                               _("reject shipment {shipment_id} ({quantity} units from {shipper}); they go back").format(
                                   shipment_id=shipment_id, quantity=record[3], shipper=record[1])))


def settle_unanswered(deployment: Deployment, caller, shipment_id: int, record: ShipmentRecord) -> PreparedAction:
    """Settle a shipment nobody answered within `Custody.RECEIPT_PERIOD`: back to its shipper, or
    (a tender delivery already counted) to its consignee."""
    return action(caller, _("settle unanswered shipment {shipment_id}").format(shipment_id=shipment_id),
                  prepare_call(deployment, "Custody", "settleUnanswered", [int(shipment_id), tuple(record)],
                               _("settle shipment {shipment_id} ({quantity} units), unanswered past the receipt "
                                 "period").format(shipment_id=shipment_id, quantity=record[3])))


def decommission(deployment: Deployment, holder, batch_id: bytes, unit: bytes, proof: Sequence[bytes],
                 reason: Decommission) -> PreparedAction:
    """Take one unit out of circulation (dispensed, destroyed, stolen, exported, sample). `unit`
    is its unit hash (`dapp.verification.merkle.unit_hash(gtin, serial)`), from the scanned pack:
    the contract computes the leaf from it."""
    reason = Decommission(int(reason))
    word = _(_DECOMMISSION_WORDS[reason])
    return action(holder, _("write off one unit as {reason}").format(reason=word),
                  prepare_call(deployment, "Custody", "decommission",
                               [bytes(batch_id), bytes(unit), [bytes(p) for p in proof], int(reason)],
                               _("write off one unit of batch {batch} as {reason}").format(
                                   batch=f"0x{bytes(batch_id).hex()[:8]}…", reason=word)))


def undo_dispense(deployment: Deployment, holder, batch_id: bytes, leaf: bytes) -> PreparedAction:
    return action(holder, _("undo a dispense"),
                  prepare_call(deployment, "Custody", "undoDispense", [bytes(batch_id), bytes(leaf)],
                               _("put a dispensed unit of batch {batch} back in stock").format(
                                   batch=f"0x{bytes(batch_id).hex()[:8]}…")))


def report_suspect_pack(deployment: Deployment, reporter, batch_id: bytes, unit_hash: bytes,
                        report_cid: str) -> PreparedAction:
    """Put a report of a suspect pack on record for the regulators (`Custody.reportSuspectPack`,
    an active organization of any role). `batch_id` is keccak256(abi.encode(gtin, lot)) of the
    code as read (an empty lot when it has none), `unit_hash` is
    `dapp.verification.merkle.unit_hash(gtin, serial)`: the serial never leaves the client;
    `report_cid` is the report document's CID (`dapp.verification.suspect_reports.file_report`)."""
    if len(bytes(batch_id)) != 32 or len(bytes(unit_hash)) != 32:
        raise ActionError(_("a batch id and a unit hash are 32 bytes each"))
    if not report_cid:
        raise ActionError(_("store the report's document first and give its CID"))
    batch = f"0x{bytes(batch_id).hex()[:8]}…"
    return action(reporter, _("report a suspect pack to the regulators"),
                  prepare_call(deployment, "Custody", "reportSuspectPack",
                               [bytes(batch_id), bytes(unit_hash), report_cid],
                               _("report a suspect pack of batch {batch} to the regulators, on the record "
                                 "(document {report_cid})").format(batch=batch, report_cid=report_cid)),
                  outcome=lambda receipts: receipts[-1].event("SuspectPackReported"))
