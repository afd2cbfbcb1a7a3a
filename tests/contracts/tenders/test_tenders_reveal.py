"""Tenders: opening sealed bids (`revealBid`): the leader (lowest price, ties to the earlier
commitment) kept at each reveal; a second reveal refused (no double counting)."""

import pytest

from dapp.tenders.typed_data import new_salt
from tests.contracts.tenders.conftest import PRICES
from tests.contracts.tenders.helpers import (
    commitment_of,
    BID_SECURITY,
    MAX_PRICE,
    ZERO_ADDRESS,
    ZERO_BYTES32,
    Stage,
    Status,
    assert_bid,
    assert_event,
    assert_tender,
    reverts_with,
)


def test_reveal_bid(tenders, token, tender_id, bids, supplier, to_reveal_period):
    price, salt = bids[supplier]
    to_reveal_period(tender_id)
    assert tenders.stage(tender_id) == Stage.REVEALING
    balance = token.balanceOf(tenders)

    tx = tenders.revealBid(tender_id, supplier, price, salt, sender=supplier)

    assert_event(tx, tenders.BidRevealed, tenderId=tender_id, bidder=supplier, price=price, leading=True)
    assert_bid(tenders, tender_id, supplier, commitment=ZERO_BYTES32, sequence=1, revealed=True, price=price, released=False)
    assert_tender(tenders, tender_id, status=Status.OPEN, commitments=3, reveals=1, winner=supplier, price=price)
    assert tenders.held(tender_id) == MAX_PRICE + 3 * BID_SECURITY
    assert token.balanceOf(tenders) == balance


def test_reveal_bid__by_anyone(tenders, tender_id, bids, supplier, outsider, to_reveal_period):
    price, salt = bids[supplier]
    to_reveal_period(tender_id)

    tx = tenders.revealBid(tender_id, supplier, price, salt, sender=outsider)

    assert_event(tx, tenders.BidRevealed, tenderId=tender_id, bidder=supplier, price=price, leading=True)
    assert tenders.tender(tender_id).winner == supplier.address


def test_reveal_bid__lowest_leads_whatever_the_order(tenders, tender_id, bids, suppliers, to_reveal_period):
    """Revealed in the order 9,500, 8,000, 9,000: only the first two lead when revealed."""
    a, b, c = suppliers
    to_reveal_period(tender_id)
    leading = []
    for bidder in (c, a, b):
        price, salt = bids[bidder]
        tx = tenders.revealBid(tender_id, bidder, price, salt, sender=bidder)
        leading.append(tx.decode_logs(tenders.BidRevealed)[0].leading)

    assert leading == [True, True, False]
    assert_tender(tenders, tender_id, reveals=3, winner=a, price=PRICES[0])


@pytest.mark.parametrize("order", ["earlier first", "later first"])
def test_reveal_bid__tie__earlier_commitment_leads(tenders, tender_id, suppliers, commit, to_reveal_period, order):
    a, b, _ = suppliers
    salts = {a: commit(tender_id, a, 850_000), b: commit(tender_id, b, 850_000)}
    to_reveal_period(tender_id)
    sequence = [a, b] if order == "earlier first" else [b, a]

    leading = [
        tenders.revealBid(tender_id, bidder, 850_000, salts[bidder], sender=bidder).decode_logs(tenders.BidRevealed)[0].leading
        for bidder in sequence
    ]

    assert leading == ([True, False] if order == "earlier first" else [True, True])
    assert_tender(tenders, tender_id, winner=a, price=850_000)


@pytest.mark.parametrize("price", [1, MAX_PRICE], ids=["one kopeck", "maximum price"])
def test_reveal_bid__price_limits__accepted(tenders, tender_id, suppliers, supplier, commit, to_reveal_period, price):
    salt = commit(tender_id, supplier, price)
    to_reveal_period(tender_id)

    tenders.revealBid(tender_id, supplier, price, salt, sender=supplier)

    assert_tender(tenders, tender_id, winner=supplier, price=price)


def test_reveal_bid__at_reveal_deadline__accepted(chain, tenders, tender_id, bids, supplier):
    price, salt = bids[supplier]
    chain.pending_timestamp = tenders.tender(tender_id).revealDeadline

    tenders.revealBid(tender_id, supplier, price, salt, sender=supplier)

    assert tenders.bid(tender_id, supplier).revealed


@pytest.mark.parametrize("when", ["during bidding", "at bid deadline", "after reveal deadline"])
def test_reveal_bid__outside_reveal_period__reverts(chain, tenders, tender_id, bids, supplier, when):
    price, salt = bids[supplier]
    view = tenders.tender(tender_id)
    chain.pending_timestamp = {
        "during bidding": chain.pending_timestamp,
        "at bid deadline": view.bidDeadline,
        "after reveal deadline": view.revealDeadline + 1,
    }[when]

    with reverts_with(tenders, "NotRevealPeriod", tenderId=tender_id, opens=view.bidDeadline, closes=view.revealDeadline):
        tenders.revealBid(tender_id, supplier, price, salt, sender=supplier)


@pytest.mark.parametrize("field", ["salt", "price", "bidder", "tender"])
def test_reveal_bid__does_not_open_the_commitment__reverts(
    tenders, create_tender, tender_id, bids, supplier, second_supplier, commit, to_reveal_period, field
):
    price, salt = bids[supplier]
    bidder, tender = supplier, tender_id
    if field == "salt":
        salt = new_salt()
    elif field == "price":
        price -= 1
    elif field == "bidder":
        # The second supplier's bid opened with the first supplier's price and salt.
        bidder = second_supplier
    else:
        # A bid on another tender with the same price and salt: a commitment binds its tender.
        tender = create_tender()
        tenders.commitBid(tender, commitment_of(tenders, tender_id, supplier, price, salt), sender=supplier)
    to_reveal_period(tender)

    with reverts_with(tenders, "CommitmentMismatch", tenderId=tender, bidder=bidder):
        tenders.revealBid(tender, bidder, price, salt, sender=bidder)

    assert not tenders.bid(tender, bidder).revealed
    assert tenders.tender(tender).reveals == 0


@pytest.mark.parametrize("price", [0, MAX_PRICE + 1], ids=["zero", "above maximum"])
def test_reveal_bid__invalid_price__reverts(tenders, tender_id, suppliers, supplier, commit, to_reveal_period, price):
    salt = commit(tender_id, supplier, price)
    to_reveal_period(tender_id)

    with reverts_with(tenders, "InvalidPrice", tenderId=tender_id, price=price, maxPrice=MAX_PRICE):
        tenders.revealBid(tender_id, supplier, price, salt, sender=supplier)

    assert_tender(tenders, tender_id, reveals=0, winner=ZERO_ADDRESS, price=0)


@pytest.mark.parametrize("again", ["same terms", "other terms"])
def test_reveal_bid__second_reveal__reverts(tenders, token, tender_id, bids, supplier, outsider, to_reveal_period, again):
    """The classic blind-auction bug pays twice on a second reveal; here it is refused and
    nothing changes."""
    price, salt = bids[supplier]
    to_reveal_period(tender_id)
    tenders.revealBid(tender_id, supplier, price, salt, sender=supplier)
    balance, held = token.balanceOf(tenders), tenders.held(tender_id)
    if again == "other terms":
        price, salt = 1, new_salt()

    with reverts_with(tenders, "AlreadyRevealed", tenderId=tender_id, bidder=supplier):
        tenders.revealBid(tender_id, supplier, price, salt, sender=outsider)

    assert_tender(tenders, tender_id, reveals=1, winner=supplier, price=PRICES[0])
    assert (token.balanceOf(tenders), tenders.held(tender_id)) == (balance, held)


def test_reveal_bid__no_bid__reverts(tenders, tender_id, bids, outsider, to_reveal_period):
    to_reveal_period(tender_id)

    with reverts_with(tenders, "NoBid", tenderId=tender_id, bidder=outsider):
        tenders.revealBid(tender_id, outsider, 1, new_salt(), sender=outsider)


def test_reveal_bid__unknown_tender__reverts(tenders, tender_id, bids, supplier, to_reveal_period):
    price, salt = bids[supplier]
    to_reveal_period(tender_id)

    with reverts_with(tenders, "UnknownTender", tenderId=tender_id + 1):
        tenders.revealBid(tender_id + 1, supplier, price, salt, sender=supplier)


def test_reveal_bid__cancelled__reverts(tenders, tender_id, bids, supplier, active_hospital, to_reveal_period):
    price, salt = bids[supplier]
    tenders.cancel(tender_id, sender=active_hospital)
    to_reveal_period(tender_id)

    with reverts_with(tenders, "WrongStatus", tenderId=tender_id, status=Status.CANCELLED):
        tenders.revealBid(tender_id, supplier, price, salt, sender=supplier)


def test_reveal_bid__after_award__reverts(chain, tenders, tender_id, bids, suppliers, supplier, active_hospital, to_reveal_period):
    """A bid left sealed cannot be opened once the tender is awarded (its security is forfeited)."""
    to_reveal_period(tender_id)
    tenders.revealBid(tender_id, supplier, *bids[supplier], sender=supplier)
    chain.pending_timestamp = tenders.tender(tender_id).revealDeadline + 1
    tenders.award(tender_id, sender=active_hospital)
    late = suppliers[1]

    with reverts_with(tenders, "WrongStatus", tenderId=tender_id, status=Status.AWARDED):
        tenders.revealBid(tender_id, late, *bids[late], sender=late)
