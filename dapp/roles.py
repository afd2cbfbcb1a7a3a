"""Participant roles and statuses, as the Participants contract encodes them."""

from enum import IntEnum, IntFlag


class Role(IntFlag):
    """Role flags of an organization (a Vyper `flag`: one bit each)."""

    REGULATOR = 1
    MANUFACTURER = 2
    DISTRIBUTOR = 4
    MEDICAL_ORGANIZATION = 8
    PHARMACY = 16
    SUPPLIER = 32


class Status(IntEnum):
    """Where an organization is in its lifecycle."""

    NONE = 0
    APPLIED = 1
    ACTIVE = 2
    SUSPENDED = 3
    REVOKED = 4


class BatchStatus(IntEnum):
    NONE = 0
    ACTIVE = 1
    RECALLED = 2
    WITHDRAWN = 3


class Category(IntEnum):
    DRUG = 1
    DEVICE = 2
    CONSUMABLE = 3


class ShipmentStatus(IntEnum):
    """Where a Custody shipment is (`Custody.shipmentStatus`)."""

    NONE = 0
    IN_TRANSIT = 1
    RECEIVED = 2
    REJECTED = 3
    RECLAIMED = 4  # unanswered past Custody.RECEIPT_PERIOD, back with the shipper
