"""Tenders: the hospital cancels before the bid deadline (`cancel`): the escrow is owed back to it,
every bidder takes its bid security back (`claimBidSecurity`), once; `withdraw` sums what is
owed over tenders."""

import pytest

from tests.contracts.tenders.helpers import (
    BID_SECURITY,
    FUNDS,
    MAX_PRICE,
    ZERO_BYTES32,
    Stage,
    Status,
    assert_bid,
    assert_event,
    assert_tender,
    reverts_with,
)

# --- cancel ----------------------------------------------------------------------------------


def test_cancel(tenders, token, tender_id, bids, suppliers, active_hospital):
    balance = token.balanceOf(tenders)

    tx = tenders.cancel(tender_id, sender=active_hospital)

    assert_event(tx, tenders.TenderCancelled, tenderId=tender_id, refund=MAX_PRICE)
    assert_tender(tenders, tender_id, status=Status.CANCELLED, commitments=3)
    assert tenders.stage(tender_id) == Stage.CANCELLED
    assert tenders.owed(active_hospital) == MAX_PRICE
    # Every bid security stays until its bidder claims it.
    assert tenders.held(tender_id) == 3 * BID_SECURITY
    assert not any(tenders.bid(tender_id, bidder).securityReleased for bidder in suppliers)
    assert token.balanceOf(tenders) == balance


def test_cancel__no_bids(tenders, tender_id, active_hospital):
    tenders.cancel(tender_id, sender=active_hospital)

    assert tenders.held(tender_id) == 0
    assert tenders.owed(active_hospital) == MAX_PRICE


def test_cancel__at_bid_deadline__accepted(chain, tenders, tender_id, active_hospital):
    chain.pending_timestamp = tenders.tender(tender_id).bidDeadline

    tenders.cancel(tender_id, sender=active_hospital)

    assert tenders.tender(tender_id).status == Status.CANCELLED


@pytest.mark.parametrize("when", ["revealing", "after reveal deadline"])
def test_cancel__after_bid_deadline__reverts(chain, tenders, tender_id, bids, active_hospital, when):
    view = tenders.tender(tender_id)
    chain.pending_timestamp = view.bidDeadline + 1 if when == "revealing" else view.revealDeadline + 1

    with reverts_with(tenders, "BiddingClosed", tenderId=tender_id, deadline=view.bidDeadline):
        tenders.cancel(tender_id, sender=active_hospital)


@pytest.mark.parametrize("caller", ["supplier", "outsider", "regulator"])
def test_cancel__not_the_hospital__reverts(request, tenders, tender_id, caller):
    account = request.getfixturevalue(caller)

    with reverts_with(tenders, "NotHospital", tenderId=tender_id, account=account):
        tenders.cancel(tender_id, sender=account)


def test_cancel__twice__reverts(tenders, tender_id, active_hospital):
    tenders.cancel(tender_id, sender=active_hospital)

    with reverts_with(tenders, "WrongStatus", tenderId=tender_id, status=Status.CANCELLED):
        tenders.cancel(tender_id, sender=active_hospital)

    assert tenders.owed(active_hospital) == MAX_PRICE


def test_cancel__awarded__reverts(tenders, awarded, active_hospital):
    with reverts_with(tenders, "WrongStatus", tenderId=awarded, status=Status.AWARDED):
        tenders.cancel(awarded, sender=active_hospital)


def test_cancel__unknown_tender__reverts(tenders, active_hospital):
    with reverts_with(tenders, "UnknownTender", tenderId=1):
        tenders.cancel(1, sender=active_hospital)


# --- claimBidSecurity and withdraw after a cancellation ----------------------------------------


def test_claim_bid_security__cancelled__sealed_bid(tenders, token, tender_id, bids, suppliers, second_supplier, active_hospital):
    tenders.cancel(tender_id, sender=active_hospital)
    balance = token.balanceOf(second_supplier)

    tx = tenders.claimBidSecurity(tender_id, sender=second_supplier)

    assert_event(tx, tenders.BidSecurityClaimed, tenderId=tender_id, bidder=second_supplier, amount=BID_SECURITY)
    assert token.balanceOf(second_supplier) == balance + BID_SECURITY
    assert_bid(tenders, tender_id, second_supplier, commitment=ZERO_BYTES32, sequence=2, revealed=False, price=0, released=True)
    assert tenders.held(tender_id) == 2 * BID_SECURITY
    assert token.balanceOf(tenders) == MAX_PRICE + 2 * BID_SECURITY


def test_claim_bid_security__twice_after_cancel__reverts(tenders, tender_id, bids, supplier, active_hospital):
    tenders.cancel(tender_id, sender=active_hospital)
    tenders.claimBidSecurity(tender_id, sender=supplier)

    with reverts_with(tenders, "BidSecurityNotClaimable", tenderId=tender_id, bidder=supplier):
        tenders.claimBidSecurity(tender_id, sender=supplier)


@pytest.mark.parametrize("caller", ["outsider", "supplier", "active_hospital"])
def test_withdraw__nothing_owed__reverts(request, tenders, tender_id, caller):
    account = request.getfixturevalue(caller)

    with reverts_with(tenders, "NothingOwed", account=account):
        tenders.withdraw(sender=account)


def test_withdraw__sums_over_tenders(tenders, token, create_tender, active_hospital):
    first, second = create_tender(), create_tender(maxPrice=MAX_PRICE // 4)
    tenders.cancel(first, sender=active_hospital)
    tenders.cancel(second, sender=active_hospital)
    balance = token.balanceOf(active_hospital)

    tx = tenders.withdraw(sender=active_hospital)

    assert_event(tx, tenders.Withdrawn, account=active_hospital, amount=MAX_PRICE * 5 // 4)
    assert token.balanceOf(active_hospital) == balance + MAX_PRICE * 5 // 4 == FUNDS
    assert token.balanceOf(tenders) == 0
