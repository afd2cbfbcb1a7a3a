"""Tenders: committing sealed bids from the bidder's own wallet (`commitBid`). Relayed, signed
bids are in test_tenders_eip712.py."""

import pytest

from dapp.roles import Role
from dapp.tenders.typed_data import new_salt
from tests.conftest import REASON_CID
from tests.contracts.tenders.helpers import (
    commitment_of,
    BID_SECURITY,
    FUNDS,
    MAX_PRICE,
    SUPPLIER_ROLE,
    ZERO_BYTES32,
    Status,
    assert_bid,
    assert_event,
    reverts_with,
    sealed,
)


def test_commit_bid(tenders, token, tender_id, suppliers, supplier):
    commitment = commitment_of(tenders, tender_id, supplier, 800_000, new_salt())
    balance = token.balanceOf(supplier)

    tx = tenders.commitBid(tender_id, commitment, sender=supplier)

    assert_event(tx, tenders.BidCommitted, tenderId=tender_id, bidder=supplier, commitment=commitment, sequence=1, relayer=supplier)
    assert_bid(tenders, tender_id, supplier, commitment=sealed(commitment), sequence=1, revealed=False, price=0, released=False)
    assert tenders.tender(tender_id).commitments == 1
    assert tenders.held(tender_id) == MAX_PRICE + BID_SECURITY
    assert token.balanceOf(tenders) == MAX_PRICE + BID_SECURITY
    assert token.balanceOf(supplier) == balance - BID_SECURITY
    assert token.allowance(supplier, tenders) == FUNDS - BID_SECURITY


def test_commit_bid__sequences_count_up_per_tender(tenders, create_tender, suppliers, commit):
    first, second = create_tender(), create_tender()
    a, b, c = suppliers

    for bidder in (b, c, a):
        commit(first, bidder, 900_000)
    commit(second, a, 900_000)

    assert [tenders.bid(first, bidder).sequence for bidder in (a, b, c)] == [3, 1, 2]
    assert tenders.bid(second, a).sequence == 1
    assert tenders.tender(first).commitments == 3
    assert tenders.tender(second).commitments == 1
    assert tenders.held(first) == MAX_PRICE + 3 * BID_SECURITY
    assert tenders.held(second) == MAX_PRICE + BID_SECURITY


def test_commit_bid__at_bid_deadline__accepted(chain, tenders, tender_id, suppliers, supplier, commit):
    chain.pending_timestamp = tenders.tender(tender_id).bidDeadline

    commit(tender_id, supplier, 900_000)

    assert tenders.bid(tender_id, supplier).sequence == 1


def test_commit_bid__commitment_with_low_bits_only__kept_as_a_bid(tenders, tender_id, suppliers, supplier):
    """The stored commitment is the high 224 bits; a bid exists by its sequence all the same."""
    commitment = (1).to_bytes(32, "big")

    tenders.commitBid(tender_id, commitment, sender=supplier)

    assert_bid(tenders, tender_id, supplier, commitment=ZERO_BYTES32, sequence=1, revealed=False, price=0, released=False)
    with reverts_with(tenders, "AlreadyBid", tenderId=tender_id, bidder=supplier):
        tenders.commitBid(tender_id, commitment, sender=supplier)


def test_commit_bid__after_bid_deadline__reverts(chain, tenders, tender_id, suppliers, supplier):
    deadline = tenders.tender(tender_id).bidDeadline
    chain.pending_timestamp = deadline + 1

    with reverts_with(tenders, "BiddingClosed", tenderId=tender_id, deadline=deadline):
        tenders.commitBid(tender_id, commitment_of(tenders, tender_id, supplier, 1, new_salt()), sender=supplier)


def test_commit_bid__unknown_tender__reverts(tenders, tender_id, suppliers, supplier):
    with reverts_with(tenders, "UnknownTender", tenderId=tender_id + 1):
        tenders.commitBid(tender_id + 1, commitment_of(tenders, tender_id + 1, supplier, 1, new_salt()), sender=supplier)


def test_commit_bid__cancelled__reverts(tenders, tender_id, suppliers, supplier, active_hospital):
    tenders.cancel(tender_id, sender=active_hospital)

    with reverts_with(tenders, "WrongStatus", tenderId=tender_id, status=Status.CANCELLED):
        tenders.commitBid(tender_id, commitment_of(tenders, tender_id, supplier, 1, new_salt()), sender=supplier)


def test_commit_bid__awarded__reverts(tenders, awarded, fund, create_organization, applicant):
    """A fourth supplier comes too late."""
    create_organization(applicant, Role.SUPPLIER)
    fund(applicant)

    with reverts_with(tenders, "WrongStatus", tenderId=awarded, status=Status.AWARDED):
        tenders.commitBid(awarded, commitment_of(tenders, awarded, applicant, 1, new_salt()), sender=applicant)


def test_commit_bid__zero_commitment__reverts(tenders, tender_id, suppliers, supplier):
    with reverts_with(tenders, "ZeroCommitment"):
        tenders.commitBid(tender_id, ZERO_BYTES32, sender=supplier)


@pytest.mark.parametrize("caller", ["outsider", "active_hospital", "active_manufacturer", "regulator"])
def test_commit_bid__not_a_supplier__reverts(request, tenders, tender_id, fund, caller):
    account = request.getfixturevalue(caller)
    if caller in ("active_manufacturer", "regulator"):
        fund(account)

    with reverts_with(tenders, "ParticipantNotActive", account=account, role=SUPPLIER_ROLE):
        tenders.commitBid(tender_id, commitment_of(tenders, tender_id, account, 1, new_salt()), sender=account)

    assert tenders.tender(tender_id).commitments == 0


def test_commit_bid__suspended_supplier__reverts(tenders, participants, regulator, tender_id, suppliers, supplier, commit):
    participants.suspend(supplier, REASON_CID, sender=regulator)

    with reverts_with(tenders, "ParticipantNotActive", account=supplier, role=SUPPLIER_ROLE):
        commit(tender_id, supplier, 900_000)

    participants.reinstate(supplier, sender=regulator)
    commit(tender_id, supplier, 900_000)
    assert tenders.bid(tender_id, supplier).sequence == 1


@pytest.mark.parametrize("same", [True, False], ids=["same commitment", "new commitment"])
def test_commit_bid__twice__reverts(tenders, token, tender_id, suppliers, supplier, same):
    salt = new_salt()
    commitment = commitment_of(tenders, tender_id, supplier, 900_000, salt)
    tenders.commitBid(tender_id, commitment, sender=supplier)
    balance = token.balanceOf(supplier)
    again = commitment if same else commitment_of(tenders, tender_id, supplier, 700_000, new_salt())

    with reverts_with(tenders, "AlreadyBid", tenderId=tender_id, bidder=supplier):
        tenders.commitBid(tender_id, again, sender=supplier)

    assert tenders.bid(tender_id, supplier).commitment == sealed(commitment)
    assert tenders.tender(tender_id).commitments == 1
    assert token.balanceOf(supplier) == balance


def test_commit_bid__no_allowance__reverts(tenders, token, tender_id, suppliers, supplier):
    token.approve(tenders, BID_SECURITY - 1, sender=supplier)

    with reverts_with(token, "ERC20InsufficientAllowance", spender=tenders, allowance=BID_SECURITY - 1, needed=BID_SECURITY):
        tenders.commitBid(tender_id, commitment_of(tenders, tender_id, supplier, 1, new_salt()), sender=supplier)


def test_commit_bid__balance_too_low__reverts(tenders, token, tender_id, suppliers, supplier, outsider):
    token.transfer(outsider, FUNDS - BID_SECURITY + 1, sender=supplier)

    with reverts_with(token, "ERC20InsufficientBalance", sender=supplier, balance=BID_SECURITY - 1, needed=BID_SECURITY):
        tenders.commitBid(tender_id, commitment_of(tenders, tender_id, supplier, 1, new_salt()), sender=supplier)
