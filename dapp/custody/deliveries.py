"""Receiving a delivery by scanning a few of its packs.

    incoming = incoming_shipments(engine, hospital)               # in transit to it (the indexed database)
    shipment = shipment_on_chain(reader, incoming[0].shipment_id)  # its terms and status, from the chain
    problems = pack_problems(pack, shipment)                        # [] when the pack belongs to it
    action = prepare_receive(deployment, hospital, shipment, checked)   # or prepare_reject(..., reason_cid)

The list comes from the database; what is received or rejected is read from the chain: the
shipment's terms from its `Shipped` event and its status from `Custody.shipmentStatus`. A pack
belongs to the shipment when its GTIN and lot are the shipment's batch, its serial is one of the
batch's, and it is in circulation (not dispensed, destroyed or stolen) and not recalled or
expired. A delivery is received only once at least one pack was scanned and every scanned pack
belongs to it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select

from dapp.actions import custody
from dapp.actions.custody import ShipmentRecord
from dapp.chain.actions import PreparedAction
from dapp.chain.deployment import Deployment
from dapp.custody.packs import ScannedPack
from dapp.errors import PlatformError
from dapp.i18n import N_, _
from dapp.records.models import Batch, Product, Shipment
from dapp.roles import ShipmentStatus
from dapp.verification.verdicts import Reason

IN_TRANSIT = "in_transit"
# Findings about the scanning organization, not the pack: the consignee never held the batch yet.
_NOT_ABOUT_THE_PACK = {Reason.NEVER_HELD_BY_SCANNER}
_STATUS_WORDS = {ShipmentStatus.NONE: N_("unknown"), ShipmentStatus.IN_TRANSIT: N_("in transit"),
                 ShipmentStatus.RECEIVED: N_("received"), ShipmentStatus.REJECTED: N_("rejected"),
                 ShipmentStatus.RECLAIMED: N_("reclaimed by its shipper")}


class DeliveryError(PlatformError):
    """A delivery that cannot be received or rejected as asked; the message says why."""


@dataclass(frozen=True)
class IncomingShipment:
    """A shipment in transit to the organization, as the database lists it."""

    shipment_id: int
    batch_id: str  # 0x hex
    gtin: str
    lot: str
    name: str
    expires: int | None
    shipper: str
    quantity: int
    tender_id: int
    shipped_at: int


@dataclass(frozen=True)
class ShipmentOnChain:
    """A shipment's terms (its `Shipped` event) and status, read from the chain."""

    shipment_id: int
    record: ShipmentRecord  # (batchId, shipper, consignee, quantity, tenders, tenderId, shippedAt)
    status: ShipmentStatus

    @property
    def batch_id(self) -> bytes:
        return bytes(self.record[0])

    @property
    def consignee(self) -> str:
        return self.record[2]

    @property
    def quantity(self) -> int:
        return int(self.record[3])


def incoming_shipments(engine: Engine, organization: str) -> list[IncomingShipment]:
    """The shipments in transit to `organization`, oldest first."""
    query = (select(Shipment.shipment_id, Shipment.batch_id, Shipment.shipper, Shipment.quantity, Shipment.tender_id,
                    Shipment.shipped_at, Batch.gtin, Batch.lot, Batch.expires, Product.name)
             .outerjoin(Batch, Batch.batch_id == Shipment.batch_id)
             .outerjoin(Product, Product.gtin == Batch.gtin)
             .where(Shipment.consignee == organization, Shipment.status == IN_TRANSIT)
             .order_by(Shipment.shipped_at, Shipment.shipment_id))
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return [IncomingShipment(int(row.shipment_id), row.batch_id, row.gtin or "", row.lot or "", row.name or "",
                             row.expires, row.shipper, int(row.quantity), int(row.tender_id or 0),
                             int(row.shipped_at)) for row in rows]


def shipment_on_chain(reader, shipment_id: int) -> ShipmentOnChain:
    """The shipment's terms and status as the chain has them (raises DeliveryError when there is
    no such shipment)."""
    logs = reader.one(reader.logs(["Custody"], None, int(shipment_id).to_bytes(32, "big")))
    shipped = [log for log in logs if log.event == "Shipped"]
    if not shipped:
        raise DeliveryError(_("there is no shipment {shipment_id} on the chain").format(shipment_id=shipment_id))
    args = shipped[0].args
    record = (bytes(args["batchId"]), args["shipper"], args["consignee"], int(args["quantity"]), args["tenders"],
              int(args["tenderId"]), int(args["shippedAt"]))
    status = ShipmentStatus(int(reader.one(reader.call("Custody", "shipmentStatus", int(shipment_id), record))))
    return ShipmentOnChain(int(shipment_id), record, status)


def pack_problems(pack: ScannedPack, shipment: ShipmentOnChain, gtin: str, lot: str) -> list[str]:
    """Why the scanned pack is not one of the shipment's (of batch `gtin`/`lot`); [] when it is."""
    if pack.batch_id != shipment.batch_id:
        return [_("the pack is of {pack_gtin}/{pack_lot}, the shipment of {gtin}/{lot}").format(
            pack_gtin=pack.gtin, pack_lot=pack.lot if pack.lot is not None else "?", gtin=gtin, lot=lot)]
    return [finding.message for finding in pack.verdict.findings if finding.reason not in _NOT_ABOUT_THE_PACK]


def _answerable(consignee: str, shipment: ShipmentOnChain) -> None:
    if shipment.consignee.lower() != consignee.lower():
        raise DeliveryError(_("shipment {shipment_id} is sent to {consignee}, not to {account}").format(
            shipment_id=shipment.shipment_id, consignee=shipment.consignee, account=consignee))
    if shipment.status != ShipmentStatus.IN_TRANSIT:
        raise DeliveryError(_("shipment {shipment_id} is {status}, no longer in transit").format(
            shipment_id=shipment.shipment_id, status=_(_STATUS_WORDS[shipment.status])))


def prepare_receive(deployment: Deployment, consignee: str, shipment: ShipmentOnChain,
                    checked: list[tuple[ScannedPack, list[str]]]) -> PreparedAction:
    """Receive the shipment once its scanned packs all belong to it (`checked`: each pack with its
    problems, as `pack_problems` gives them)."""
    _answerable(consignee, shipment)
    if not checked:
        raise DeliveryError(_("scan at least one pack of the delivery before receiving it"))
    failing = [pack for pack, problems in checked if problems]
    if failing:
        raise DeliveryError(_("{count} of the scanned packs do not belong to this shipment ({packs}): reject the "
                              "delivery, or take those packs out and scan again").format(
            count=len(failing), packs=", ".join(pack.label for pack in failing)))
    return custody.receive(deployment, consignee, shipment.shipment_id, shipment.record)


def prepare_reject(deployment: Deployment, consignee: str, shipment: ShipmentOnChain, reason_cid: str) -> PreparedAction:
    """Reject the shipment (its units go back to the shipper) with the stored reason document."""
    _answerable(consignee, shipment)
    if not reason_cid:
        raise DeliveryError(_("give the reason for rejecting the delivery"))
    return custody.reject(deployment, consignee, shipment.shipment_id, shipment.record, reason_cid)
