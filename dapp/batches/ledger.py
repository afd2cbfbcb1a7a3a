"""What a supplier's or manufacturer's workspace lists, read from the indexed database: its
products and batches, the shipments it sent and those sent to it; and a shipment's terms, read
from the chain (receiving or rejecting passes them back as `Shipped` logged them)."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

from sqlalchemy import select
from sqlalchemy.engine import Engine

from dapp.actions.custody import ShipmentRecord, shipment_record
from dapp.errors import PlatformError
from dapp.i18n import _
from dapp.records.models import Batch, Product, Shipment


@dataclass(frozen=True)
class ShipmentRow:
    shipment_id: int
    batch_id: str
    gtin: str
    lot: str
    name: str
    shipper: str
    consignee: str
    quantity: int
    status: str  # in_transit, received, rejected, reclaimed
    shipped_at: int
    settled_at: int | None
    document_cid: str
    tender_id: int


def products_of(engine: Engine, manufacturer: str) -> list[dict]:
    """The manufacturer's products (GTIN, name, form, category, documents), by GTIN."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(Product.gtin, Product.name, Product.dosage_form, Product.category, Product.characteristics_cid,
                   Product.certificate_cid).where(Product.manufacturer == manufacturer).order_by(Product.gtin)).all()
    return [dict(row._mapping) for row in rows]


def batches_of(engine: Engine, manufacturer: str) -> list[dict]:
    """The batches the manufacturer commissioned, newest first."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(Batch.batch_id, Batch.gtin, Batch.lot, Batch.quantity, Batch.manufactured, Batch.expires,
                   Batch.status, Batch.serials_root, Product.name)
            .join(Product, Product.gtin == Batch.gtin, isouter=True)
            .where(Batch.manufacturer == manufacturer).order_by(Batch.commissioned_at.desc(), Batch.lot)).all()
    return [dict(row._mapping) for row in rows]


def shipments(engine: Engine, account: str, *, outgoing: bool) -> list[ShipmentRow]:
    """The shipments `account` sent (`outgoing`) or was sent, newest first."""
    party = Shipment.shipper if outgoing else Shipment.consignee
    with engine.connect() as connection:
        rows = connection.execute(
            select(Shipment.shipment_id, Shipment.batch_id, Batch.gtin, Batch.lot, Product.name, Shipment.shipper,
                   Shipment.consignee, Shipment.quantity, Shipment.status, Shipment.shipped_at, Shipment.settled_at,
                   Shipment.document_cid, Shipment.tender_id)
            .join(Batch, Batch.batch_id == Shipment.batch_id, isouter=True)
            .join(Product, Product.gtin == Batch.gtin, isouter=True)
            .where(party == account).order_by(Shipment.shipped_at.desc(), Shipment.shipment_id.desc())).all()
    return [ShipmentRow(int(r.shipment_id), r.batch_id, r.gtin or "", r.lot or "", r.name or "", r.shipper,
                        r.consignee, int(r.quantity), r.status, int(r.shipped_at), r.settled_at, r.document_cid or "",
                        int(r.tender_id or 0)) for r in rows]


def shipment_terms(reader, shipment_id: int) -> ShipmentRecord:
    """The terms of shipment `shipment_id` as its `Shipped` log has them, read from the chain."""
    topic = int(shipment_id).to_bytes(32, "big")
    logs = [log for log in reader.one(reader.logs(["Custody"], None, topic)) if log.event == "Shipped"]
    if not logs:
        raise PlatformError(_("the chain has no shipment {shipment_id}").format(shipment_id=shipment_id))
    return shipment_record(SimpleNamespace(**logs[0].args))
