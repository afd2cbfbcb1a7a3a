"""The tables, as SQLAlchemy 2 declarative models. Portable types only: every query runs on
SQLite and on PostgreSQL.

Amounts and token values are uint256 on chain; they are stored as `Uint256` (exact on both
databases, read back as int) where they can exceed 64 bits, and as `BigInteger` where the
contracts bound them (quantities, block numbers, timestamps). Addresses are checksummed strings, bytes32
values 0x-prefixed lowercase hex, GTINs 14-digit strings.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

ADDRESS = String(42)
HASH = String(66)
GTIN = String(14)
CID = String(128)


class Uint256(TypeDecorator):
    """A uint256 value, read back as int: NUMERIC(78, 0) on PostgreSQL; on SQLite, which has
    no exact decimal type (it would keep a float), a zero-padded 78-digit string, which sorts
    and compares like the number."""

    impl = Numeric(78, 0)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        return dialect.type_descriptor(String(78) if dialect.name == "sqlite" else Numeric(78, 0))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        value = int(value)
        if not 0 <= value < 2**256:
            raise ValueError(f"{value} is not a uint256")
        return f"{value:078d}" if dialect.name == "sqlite" else Decimal(value)

    def process_result_value(self, value, dialect):
        return None if value is None else int(value)


UINT256 = Uint256()


class Base(DeclarativeBase):
    pass


# --- chain: what the indexer has read ------------------------------------------------------


class IndexerCursor(Base):
    """How far the indexer has read one chain's deployment."""

    __tablename__ = "indexer_cursor"

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    genesis_hash: Mapped[str] = mapped_column(HASH)
    next_block: Mapped[int] = mapped_column(BigInteger)  # the first block not read yet
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class Block(Base):
    """A block the indexer read events from (or ended a range on): its hash detects reorgs."""

    __tablename__ = "chain_block"

    number: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hash: Mapped[str] = mapped_column(HASH)
    timestamp: Mapped[int] = mapped_column(BigInteger)


class Event(Base):
    """Every decoded event of the deployed contracts, in chain order."""

    __tablename__ = "chain_event"
    __table_args__ = (
        UniqueConstraint("block_number", "log_index", name="uq_chain_event_position"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    block_number: Mapped[int] = mapped_column(BigInteger)
    log_index: Mapped[int] = mapped_column(Integer)
    transaction_hash: Mapped[str] = mapped_column(HASH)
    timestamp: Mapped[int] = mapped_column(BigInteger)
    contract: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64))
    args: Mapped[str] = mapped_column(Text)  # JSON (see dapp.records.codec)


# --- projections: the events folded into what people ask about -----------------------------


class Organization(Base):
    __tablename__ = "organization"

    address: Mapped[str] = mapped_column(ADDRESS, primary_key=True)
    metadata_cid: Mapped[str] = mapped_column(CID, default="")
    roles: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16))  # pending, active, suspended, revoked
    applied_at: Mapped[int | None] = mapped_column(BigInteger)
    approved_at: Mapped[int | None] = mapped_column(BigInteger)
    status_reason_cid: Mapped[str] = mapped_column(CID, default="")


class Product(Base):
    __tablename__ = "product"

    gtin: Mapped[str] = mapped_column(GTIN, primary_key=True)
    manufacturer: Mapped[str] = mapped_column(ADDRESS, index=True)
    category: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(256))
    dosage_form: Mapped[str] = mapped_column(String(256))
    characteristics_cid: Mapped[str] = mapped_column(CID, default="")
    certificate_cid: Mapped[str] = mapped_column(CID, default="")
    registered_at: Mapped[int] = mapped_column(BigInteger)


class Batch(Base):
    __tablename__ = "batch"

    batch_id: Mapped[str] = mapped_column(HASH, primary_key=True)
    gtin: Mapped[str] = mapped_column(GTIN, index=True)
    manufacturer: Mapped[str] = mapped_column(ADDRESS)
    lot: Mapped[str] = mapped_column(String(64))
    manufactured: Mapped[int] = mapped_column(BigInteger)  # unix seconds, as on chain
    expires: Mapped[int] = mapped_column(BigInteger)  # unix seconds: the end of the last valid day
    quantity: Mapped[int] = mapped_column(BigInteger)
    serials_root: Mapped[str] = mapped_column(HASH)
    status: Mapped[str] = mapped_column(String(16))  # active, recalled, withdrawn
    retired_reason_code: Mapped[int | None] = mapped_column(Integer)
    retired_reason_cid: Mapped[str] = mapped_column(CID, default="")
    commissioned_at: Mapped[int] = mapped_column(BigInteger)


class Shipment(Base):
    __tablename__ = "shipment"

    shipment_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    batch_id: Mapped[str] = mapped_column(HASH, index=True)
    shipper: Mapped[str] = mapped_column(ADDRESS, index=True)
    consignee: Mapped[str] = mapped_column(ADDRESS, index=True)
    quantity: Mapped[int] = mapped_column(BigInteger)
    tender_id: Mapped[int] = mapped_column(BigInteger, default=0)
    document_cid: Mapped[str] = mapped_column(CID, default="")
    status: Mapped[str] = mapped_column(String(16))  # in_transit, received, rejected, reclaimed
    shipped_at: Mapped[int] = mapped_column(BigInteger)
    settled_at: Mapped[int | None] = mapped_column(BigInteger)


class Movement(Base):
    """One change of an organization's stock of a batch, from a custody event.

    `kind`: commissioned (+, the manufacturer), shipped (−, the shipper, as the units leave),
    received (+, the consignee), returned (+, the shipper, when the consignee rejects),
    dispensed (− consumption), written_off (− destroyed, stolen, exported, sample),
    dispense_undone (+, a dispense taken back). The stock of (organization, batch) at a
    moment is the sum of `quantity` up to it.
    """

    __tablename__ = "stock_movement"
    __table_args__ = (
        UniqueConstraint("block_number", "log_index", "organization", name="uq_stock_movement_position"),
        Index("ix_stock_movement_time", "timestamp"),
        # The turnover report reads every column it needs from this index, in (organization,
        # GTIN, time) order, without touching the table.
        Index("ix_stock_movement_turnover", "organization", "gtin", "timestamp", "kind", "quantity", "balance"),
        # The movements whose running balance is still to be computed (dapp.records.stock_balance).
        Index("ix_stock_movement_balance_pending", "organization", "gtin",
              sqlite_where=text("balance IS NULL"), postgresql_where=text("balance IS NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    block_number: Mapped[int] = mapped_column(BigInteger)
    log_index: Mapped[int] = mapped_column(Integer)
    timestamp: Mapped[int] = mapped_column(BigInteger)
    organization: Mapped[str] = mapped_column(ADDRESS)
    gtin: Mapped[str] = mapped_column(GTIN)
    batch_id: Mapped[str] = mapped_column(HASH)
    kind: Mapped[str] = mapped_column(String(16))
    quantity: Mapped[int] = mapped_column(BigInteger)  # signed
    counterparty: Mapped[str] = mapped_column(ADDRESS, default="")
    shipment_id: Mapped[int | None] = mapped_column(BigInteger)
    tender_id: Mapped[int] = mapped_column(BigInteger, default=0)  # on the shipper's movement (see `shipment`)
    reason: Mapped[int | None] = mapped_column(Integer)  # the decommissioning reason code
    # The organization's stock of the GTIN after this movement, same-second inflows first
    # (dapp.records.stock_balance fills it; NULL until then).
    balance: Mapped[int | None] = mapped_column(BigInteger)


class Tender(Base):
    __tablename__ = "tender"

    tender_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hospital: Mapped[str] = mapped_column(ADDRESS, index=True)
    gtin: Mapped[str] = mapped_column(GTIN, index=True)  # "00000000000000" for a tender by specification
    specification_cid: Mapped[str] = mapped_column(CID, default="")
    accepted_gtins: Mapped[str] = mapped_column(Text, default="")  # comma-separated
    quantity: Mapped[int] = mapped_column(BigInteger)
    max_price: Mapped[int] = mapped_column(UINT256)  # the whole tender's НМЦК, token units
    bid_deadline: Mapped[int] = mapped_column(BigInteger)
    reveal_deadline: Mapped[int] = mapped_column(BigInteger)
    delivery_deadline: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))  # open, awarded, contracted, completed, failed, terminated, cancelled
    created_at: Mapped[int] = mapped_column(BigInteger)
    bids: Mapped[int] = mapped_column(Integer, default=0)
    winner: Mapped[str] = mapped_column(ADDRESS, default="")
    price: Mapped[int | None] = mapped_column(UINT256)  # the winning price for the whole quantity
    awarded_at: Mapped[int | None] = mapped_column(BigInteger)
    delivered: Mapped[int] = mapped_column(BigInteger, default=0)
    closed_at: Mapped[int | None] = mapped_column(BigInteger)


class Bid(Base):
    __tablename__ = "tender_bid"

    tender_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    bidder: Mapped[str] = mapped_column(ADDRESS, primary_key=True)
    committed_at: Mapped[int] = mapped_column(BigInteger)
    price: Mapped[int | None] = mapped_column(UINT256)  # once revealed
    revealed_at: Mapped[int | None] = mapped_column(BigInteger)


# --- local: what an organization keeps for itself (not on chain, survives a rebuild) -------


class ReserveNorm(Base):
    """An organization's norm for a resource: the minimum balance it must keep (the 97 % rule
    compares the quarter's lowest stock with it) and its emergency reserve."""

    __tablename__ = "reserve_norm"

    organization: Mapped[str] = mapped_column(ADDRESS, primary_key=True)
    gtin: Mapped[str] = mapped_column(GTIN, primary_key=True)
    minimum_balance: Mapped[int] = mapped_column(BigInteger)
    emergency_reserve: Mapped[int] = mapped_column(BigInteger, default=0)
    lead_time_days: Mapped[int] = mapped_column(Integer, default=30)  # order to delivery


class PriceQuote(Base):
    """A supplier's commercial offer: one of the market-price method's sources."""

    __tablename__ = "price_quote"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    gtin: Mapped[str] = mapped_column(GTIN, index=True)
    supplier: Mapped[str] = mapped_column(String(256))
    unit_price: Mapped[int] = mapped_column(UINT256)  # token units (kopecks)
    quoted_on: Mapped[date] = mapped_column(Date)
    document_cid: Mapped[str] = mapped_column(CID, default="")


class PurchaseRequest(Base):
    """A need an organization publishes: what to buy, how much, and the highest price."""

    __tablename__ = "purchase_request"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    organization: Mapped[str] = mapped_column(ADDRESS, index=True)
    gtin: Mapped[str] = mapped_column(GTIN, index=True)
    quantity: Mapped[int] = mapped_column(BigInteger)
    max_unit_price: Mapped[int | None] = mapped_column(UINT256)
    price_note: Mapped[str] = mapped_column(Text, default="")  # how the price was set, or why not
    needed_by: Mapped[date] = mapped_column(Date)
    created_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="published")  # published, tendered, withdrawn
    tender_id: Mapped[int | None] = mapped_column(BigInteger)
    published: Mapped[bool] = mapped_column(Boolean, default=True)


# --- reports: what the public tells the regulator ----------------------------------------


class SuspectReport(Base):
    """A report of a suspect pack, for the regulator's list (dapp.records.suspect_reports).

    Two origins. `dapp`: filed through the dApp (anyone, signed in or not): the row is the
    report itself, kept like a local table's (a rebuild keeps it); its public document
    (`report_cid`) carries no serial and no contact. `chain`: a `Custody.SuspectPackReported`
    event whose document this database never filed (another client anchored it): a projection
    of the event, dropped and replayed with the others. The anchor columns are the event's
    (NULL until one is seen; the dApp may note its own transaction first, `anchor_log_index`
    staying NULL until the indexer confirms it)."""

    __tablename__ = "suspect_reports"
    __table_args__ = (
        UniqueConstraint("anchor_block", "anchor_log_index", name="uq_suspect_reports_anchor"),
        Index("ix_suspect_reports_received", "received_at", "id"),  # the regulator's list, newest first
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    reference: Mapped[str | None] = mapped_column(String(36), unique=True)  # the report's id in its document
    origin: Mapped[str] = mapped_column(String(8))  # dapp, chain
    received_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    code_text: Mapped[str | None] = mapped_column(Text)  # as scanned, serial included: never published
    gtin: Mapped[str | None] = mapped_column(GTIN)
    lot: Mapped[str | None] = mapped_column(String(64))
    batch_id: Mapped[str | None] = mapped_column(HASH, index=True)
    unit_hash: Mapped[str | None] = mapped_column(HASH, index=True)
    status: Mapped[str | None] = mapped_column(String(16))  # the verdict shown: GENUINE, SUSPECT, UNREADABLE
    reasons: Mapped[str] = mapped_column(Text, default="")  # comma-separated reason codes
    photo_sha256: Mapped[str | None] = mapped_column(String(64))
    contact: Mapped[str | None] = mapped_column(String(256))  # only here, never in the document
    reporter: Mapped[str | None] = mapped_column(ADDRESS, index=True)
    language: Mapped[str | None] = mapped_column(String(8))
    report_cid: Mapped[str] = mapped_column(CID, index=True)
    anchor_tx: Mapped[str | None] = mapped_column(HASH)
    anchor_block: Mapped[int | None] = mapped_column(BigInteger)
    anchor_log_index: Mapped[int | None] = mapped_column(Integer)


CHAIN_TABLES = (IndexerCursor, Block, Event)
PROJECTION_TABLES = (Organization, Product, Batch, Shipment, Movement, Tender, Bid)
LOCAL_TABLES = (ReserveNorm, PriceQuote, PurchaseRequest)
# Part local (filed through the dApp), part projection (anchored by others): see SuspectReport.
REPORT_TABLES = (SuspectReport,)
