"""Custody shipments as the contract wants them back: a shipment's terms are stored only as a
digest, so receiving or rejecting one passes the terms its `Shipped` event logged."""

from __future__ import annotations

from typing import Any

ShipmentRecord = tuple[bytes, str, str, int, int]


def shipment_record(shipped: Any) -> ShipmentRecord:
    """The `ShipmentRecord` (batchId, shipper, consignee, quantity, tenderId) of a decoded
    `Custody.Shipped` log."""
    return (bytes(shipped.batchId), shipped.shipper, shipped.consignee, int(shipped.quantity), int(shipped.tenderId))
