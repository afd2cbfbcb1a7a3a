"""Tenders: money out after an award. `claimBidSecurity` sends a revealed loser's bid security
back, once; `withdraw` sends whatever is owed, once. After a cancellation: test_tenders_cancel.py."""

import pytest

from tests.contracts.tenders.conftest import PRICES, drive_tender
from tests.contracts.tenders.helpers import (
    TERMINATION_DELAY,
    BID_SECURITY,
    FUNDS,
    MAX_PRICE,
    PERFORMANCE_SECURITY_BPS,
    QUANTITY,
    ZERO_BYTES32,
    assert_bid,
    assert_event,
    reverts_with,
)

PRICE = PRICES[0]
SECURITY = PRICE * PERFORMANCE_SECURITY_BPS // 10_000




@pytest.fixture(scope="module", autouse=True)
def module_awarded_tender(tender_world):
    """Tender 1, awarded to the first supplier at PRICES[0]: made once for the module."""
    tender_id, _ = drive_tender(tender_world, "awarded")
    return tender_id


@pytest.fixture
def awarded(module_awarded_tender):
    return module_awarded_tender


# --- claimBidSecurity ------------------------------------------------------------------------


def test_claim_bid_security__revealed_loser_after_award(tenders, token, awarded, third_supplier):
    balance = token.balanceOf(third_supplier)

    tx = tenders.claimBidSecurity(awarded, sender=third_supplier)

    assert_event(tx, tenders.BidSecurityClaimed, tenderId=awarded, bidder=third_supplier, amount=BID_SECURITY)
    assert token.balanceOf(third_supplier) == balance + BID_SECURITY
    assert_bid(tenders, awarded, third_supplier, commitment=ZERO_BYTES32, sequence=3, revealed=True, price=PRICES[2], released=True)
    # The runner-up's price stays in escrow until the contract is concluded.
    assert tenders.held(awarded) == PRICES[1] + 2 * BID_SECURITY


def test_claim_bid_security__runner_up_while_awarded__reverts(tenders, token, awarded, second_supplier):
    """The runner-up's offer stands until the winner secures the contract: its bid security too."""
    assert tenders.tender(awarded).runnerUp == second_supplier.address

    with reverts_with(tenders, "BidSecurityNotClaimable", tenderId=awarded, bidder=second_supplier):
        tenders.claimBidSecurity(awarded, sender=second_supplier)


def test_claim_bid_security__runner_up_once_contracted(tenders, token, awarded, supplier, second_supplier, active_hospital):
    owed = tenders.owed(active_hospital)
    tenders.postPerformanceSecurity(awarded, sender=supplier)
    balance = token.balanceOf(second_supplier)

    tx = tenders.claimBidSecurity(awarded, sender=second_supplier)

    assert_event(tx, tenders.BidSecurityClaimed, tenderId=awarded, bidder=second_supplier, amount=BID_SECURITY)
    assert token.balanceOf(second_supplier) == balance + BID_SECURITY
    # At the conclusion, what the escrow kept above the contract price went back to the hospital.
    assert tenders.owed(active_hospital) == owed + PRICES[1] - PRICE


@pytest.mark.parametrize("state", ["contracted", "completed", "terminated", "failed unsecured"])
def test_claim_bid_security__revealed_loser_later__accepted(
    request, chain, tenders, token, awarded, supplier, third_supplier, active_hospital, winner_stock, deliver, state
):
    if state != "failed unsecured":
        tenders.postPerformanceSecurity(awarded, sender=supplier)
    if state == "completed":
        tenders.acceptDelivery(awarded, *deliver(awarded, winner_stock, QUANTITY), sender=active_hospital)
    elif state == "terminated":
        chain.pending_timestamp = tenders.tender(awarded).deliveryDeadline + TERMINATION_DELAY + 1
        tenders.terminate(awarded, sender=active_hospital)
    elif state == "failed unsecured":
        chain.pending_timestamp = tenders.tender(awarded).securityDeadline + 1
        tenders.failUnsecured(awarded, sender=active_hospital)
    balance = token.balanceOf(third_supplier)

    tenders.claimBidSecurity(awarded, sender=third_supplier)

    assert token.balanceOf(third_supplier) == balance + BID_SECURITY


def test_claim_bid_security__twice__reverts(tenders, token, awarded, third_supplier):
    """Nothing is paid twice."""
    tenders.claimBidSecurity(awarded, sender=third_supplier)
    balance = token.balanceOf(tenders)

    with reverts_with(tenders, "BidSecurityNotClaimable", tenderId=awarded, bidder=third_supplier):
        tenders.claimBidSecurity(awarded, sender=third_supplier)

    assert token.balanceOf(tenders) == balance


@pytest.mark.parametrize("state", ["awarded", "contracted", "completed", "failed unsecured"])
def test_claim_bid_security__winner__reverts(chain, tenders, awarded, supplier, active_hospital, winner_stock, deliver, state):
    """The winner's bid security comes back with the performance security (through `owed`), or
    is forfeited: never claimed."""
    if state in ("contracted", "completed"):
        tenders.postPerformanceSecurity(awarded, sender=supplier)
    if state == "completed":
        tenders.acceptDelivery(awarded, *deliver(awarded, winner_stock, QUANTITY), sender=active_hospital)
    if state == "failed unsecured":
        chain.pending_timestamp = tenders.tender(awarded).securityDeadline + 1
        tenders.failUnsecured(awarded, sender=active_hospital)

    with reverts_with(tenders, "BidSecurityNotClaimable", tenderId=awarded, bidder=supplier):
        tenders.claimBidSecurity(awarded, sender=supplier)


def test_claim_bid_security__unrevealed_after_award__reverts(tenders, tender_id, bids, suppliers, active_hospital, to_reveal_period, after_reveal):
    a, b, _ = suppliers
    to_reveal_period(tender_id)
    tenders.revealBid(tender_id, a, *bids[a], sender=a)
    after_reveal(tender_id)
    tenders.award(tender_id, sender=active_hospital)

    with reverts_with(tenders, "BidSecurityNotClaimable", tenderId=tender_id, bidder=b):
        tenders.claimBidSecurity(tender_id, sender=b)


def test_claim_bid_security__failed_without_valid_bid__reverts(tenders, tender_id, bids, supplier, active_hospital, after_reveal):
    after_reveal(tender_id)
    tenders.award(tender_id, sender=active_hospital)

    with reverts_with(tenders, "BidSecurityNotClaimable", tenderId=tender_id, bidder=supplier):
        tenders.claimBidSecurity(tender_id, sender=supplier)


@pytest.mark.parametrize("when", ["bidding", "revealed", "awaiting award"])
def test_claim_bid_security__open__reverts(chain, tenders, tender_id, bids, supplier, when):
    if when != "bidding":
        chain.pending_timestamp = tenders.tender(tender_id).bidDeadline + 1
        tenders.revealBid(tender_id, supplier, *bids[supplier], sender=supplier)
    if when == "awaiting award":
        chain.pending_timestamp = tenders.tender(tender_id).revealDeadline + 1

    with reverts_with(tenders, "BidSecurityNotClaimable", tenderId=tender_id, bidder=supplier):
        tenders.claimBidSecurity(tender_id, sender=supplier)


def test_claim_bid_security__no_bid__reverts(tenders, awarded, outsider, active_hospital):
    for account in (outsider, active_hospital):
        with reverts_with(tenders, "NoBid", tenderId=awarded, bidder=account):
            tenders.claimBidSecurity(awarded, sender=account)


def test_claim_bid_security__unknown_tender__reverts(tenders, supplier):
    with reverts_with(tenders, "UnknownTender", tenderId=9):
        tenders.claimBidSecurity(9, sender=supplier)


# --- withdraw --------------------------------------------------------------------------------


def test_withdraw(tenders, token, awarded, active_hospital):
    amount = MAX_PRICE - PRICES[1]
    balance = token.balanceOf(active_hospital)

    tx = tenders.withdraw(sender=active_hospital)

    assert_event(tx, tenders.Withdrawn, account=active_hospital, amount=amount)
    assert tenders.owed(active_hospital) == 0
    assert token.balanceOf(active_hospital) == balance + amount
    assert token.balanceOf(tenders) == tenders.held(awarded) == PRICES[1] + 3 * BID_SECURITY


def test_withdraw__twice__reverts(tenders, token, awarded, active_hospital):
    tenders.withdraw(sender=active_hospital)
    balance = token.balanceOf(tenders)

    with reverts_with(tenders, "NothingOwed", account=active_hospital):
        tenders.withdraw(sender=active_hospital)

    assert token.balanceOf(tenders) == balance


def test_withdraw__winner_after_completion(tenders, token, contracted, winner_stock, deliver, supplier, active_hospital):
    tenders.acceptDelivery(contracted, *deliver(contracted, winner_stock, QUANTITY), sender=active_hospital)
    balance = token.balanceOf(supplier)

    tx = tenders.withdraw(sender=supplier)

    assert_event(tx, tenders.Withdrawn, account=supplier, amount=BID_SECURITY + PRICE + SECURITY)
    # The supplier paid its bid security and its performance security in, and got both back with the price.
    assert token.balanceOf(supplier) == balance + BID_SECURITY + PRICE + SECURITY == FUNDS + PRICE
