"""What the Tenders page shows and builds, without Streamlit: every tender's state in one pass,
who is party to which, the need a hospital's form describes, the batches a supplier can deliver,
the shipments of a tender still to count.

The chain is the truth for a tender's state (`TenderClient.state`, `bids`); the indexed database
only lists the batches an organization holds (its stock movements), as the other workspaces do.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from dapp.codes.gs1 import gtin_to_int
from dapp.tenders.client import DAY, BidState, TenderClient, TenderNeed, TenderStage, TenderState

RUBLE = 100  # kopecks


@dataclass(frozen=True)
class TenderView:
    """A tender now and its bids (in commit order)."""

    state: TenderState
    bids: tuple[BidState, ...]

    @property
    def tender_id(self) -> int:
        return self.state.tender_id

    def accepts(self, gtin: int) -> bool:
        return int(gtin) == self.state.gtin or int(gtin) in self.state.accepted_gtins

    @property
    def products(self) -> tuple[int, ...]:
        return (self.state.gtin,) if self.state.gtin else self.state.accepted_gtins

    def bid_of(self, account: str) -> BidState | None:
        return next((bid for bid in self.bids if bid.bidder.lower() == account.lower()), None)

    def is_hospital(self, account: str) -> bool:
        return self.state.hospital.lower() == account.lower()

    def is_winner(self, account: str) -> bool:
        return (self.state.winner or "").lower() == account.lower()


def all_tenders(client: TenderClient) -> list[TenderView]:
    """Every tender of the contract with its bids, newest first."""
    views = []
    for tender_id in reversed(client.tender_ids()):
        state = client.state(tender_id)
        views.append(TenderView(state, tuple(client.bids(tender_id, state))))
    return views


def open_for_bids(views: list[TenderView]) -> list[TenderView]:
    return [view for view in views if view.state.stage == TenderStage.BIDDING]


def party_to(views: list[TenderView], account: str) -> list[TenderView]:
    """The tenders `account` published or bid on."""
    return [view for view in views if view.is_hospital(account) or view.bid_of(account) is not None]


def need_from_form(now: int, *, gtin: str, quantity: int, max_price_rubles: float, bidding_days: int,
                   reveal_days: int, delivery_days: int, bid_security_percent: float,
                   performance_security_percent: float, shelf_life_days: int, security_window_days: int,
                   award_window: int) -> TenderNeed:
    """The need a hospital's form describes: deadlines counted in days from `now` (bids), then
    from the bid deadline (reveals), then from the last moment the award and the winner's
    security can take (delivery). Checked by `TenderNeed.check` before anything is sent."""
    bid_deadline = now + int(bidding_days) * DAY
    reveal_deadline = bid_deadline + int(reveal_days) * DAY
    security_window = int(security_window_days) * DAY
    delivery_deadline = reveal_deadline + award_window + security_window + int(delivery_days) * DAY
    return TenderNeed(
        gtin=gtin_to_int(gtin), quantity=int(quantity), max_price=round(float(max_price_rubles) * RUBLE),
        bid_deadline=bid_deadline, reveal_deadline=reveal_deadline, delivery_deadline=delivery_deadline,
        bid_security_bps=round(float(bid_security_percent) * 100),
        performance_security_bps=round(float(performance_security_percent) * 100),
        min_residual_shelf_life=int(shelf_life_days) * DAY, security_window=security_window)


@dataclass(frozen=True)
class HeldBatch:
    gtin: int
    lot: str
    expires: int
    units: int  # units the organization holds, by the indexed stock movements
    name: str = ""


def held_batches(engine, account: str) -> list[HeldBatch]:
    """The active batches `account` holds units of (the database's stock movements), by GTIN and lot."""
    from dapp.records.models import Batch, Movement, Product

    held = func.sum(Movement.quantity).label("held")
    query = (select(Batch.gtin, Batch.lot, Batch.expires, Product.name, held)
             .join(Batch, Batch.batch_id == Movement.batch_id)
             .join(Product, Product.gtin == Batch.gtin, isouter=True)
             .where(Movement.organization == account, Batch.status == "active")
             .group_by(Batch.gtin, Batch.lot, Batch.expires, Product.name))
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return sorted((HeldBatch(int(row.gtin), row.lot, int(row.expires), int(row.held), row.name or "")
                   for row in rows if int(row.held or 0) > 0), key=lambda b: (b.gtin, b.expires, b.lot))


def product_names(engine) -> dict[int, str]:
    """{GTIN: product name} of the registered products the database knows."""
    from dapp.records.models import Product

    with engine.connect() as connection:
        return {int(row.gtin): row.name for row in connection.execute(select(Product.gtin, Product.name))}


def tender_shipments(client: TenderClient, tender_id: int) -> list[tuple[int, tuple]]:
    """(shipment id, record) of every delivery shipped for the tender, in order."""
    logs = client._logs(client.custody.Shipped, tenderId=int(tender_id))
    from dapp.actions.custody import shipment_record

    found = [(int(log.shipmentId), shipment_record(log)) for log in logs]
    return [(shipment_id, record) for shipment_id, record in found
            if record[4].lower() == client.tenders.address.lower()]


def uncounted_shipments(client: TenderClient, tender_id: int) -> list[tuple[int, tuple]]:
    """The tender's deliveries not yet counted toward it."""
    return [(shipment_id, record) for shipment_id, record in tender_shipments(client, tender_id)
            if not client.tenders.isDeliveryCounted(int(tender_id), shipment_id)]
