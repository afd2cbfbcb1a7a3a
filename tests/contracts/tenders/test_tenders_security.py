"""Tenders: the winner's performance security (`postPerformanceSecurity`, with a permit too)
and the failure of a tender whose winner posted none (`failUnsecured`)."""

import pytest

from tests.contracts.tenders.conftest import PRICES, drive_tender
from tests.contracts.tenders.helpers import (
    BID_SECURITY,
    FAILED_NO_SECURITY,
    FUNDS,
    MAX_PRICE,
    PERFORMANCE_SECURITY_BPS,
    ZERO_ADDRESS,
    Stage,
    Status,
    assert_event,
    assert_no_event,
    assert_tender,
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


@pytest.fixture
def past_security_deadline(chain, tenders):
    def past_security_deadline(tender_id):
        chain.pending_timestamp = tenders.tender(tender_id).securityDeadline + 1

    return past_security_deadline


# --- postPerformanceSecurity -----------------------------------------------------------------


def test_post_performance_security(tenders, token, awarded, suppliers, supplier):
    balance = token.balanceOf(supplier)

    tx = tenders.postPerformanceSecurity(awarded, sender=supplier)

    assert_event(tx, tenders.ContractConcluded, tenderId=awarded, winner=supplier, performanceSecurity=SECURITY)
    assert_tender(tenders, awarded, status=Status.CONTRACTED, performanceSecurity=SECURITY)
    assert tenders.stage(awarded) == Stage.CONTRACTED
    # The winner's bid security is owed back; the losers' stay until they claim them.
    assert tenders.owed(supplier) == BID_SECURITY
    assert tenders.bid(awarded, supplier).securityReleased
    assert not any(tenders.bid(awarded, loser).securityReleased for loser in suppliers[1:])
    assert tenders.held(awarded) == PRICE + SECURITY + 2 * BID_SECURITY
    assert_tender(tenders, awarded, concludedAt=tx.timestamp)
    assert token.balanceOf(supplier) == balance - SECURITY
    assert token.allowance(supplier, tenders) == FUNDS - BID_SECURITY - SECURITY


def test_post_performance_security__at_deadline__accepted(chain, tenders, awarded, supplier):
    chain.pending_timestamp = tenders.tender(awarded).securityDeadline

    tenders.postPerformanceSecurity(awarded, sender=supplier)

    assert tenders.tender(awarded).status == Status.CONTRACTED


def test_post_performance_security__zero_rate__contract_concluded(
    tenders, create_tender, suppliers, supplier, active_hospital, commit, to_reveal_period, after_reveal
):
    tender_id = create_tender(performanceSecurityBps=0)
    salt = commit(tender_id, supplier, PRICE)
    to_reveal_period(tender_id)
    tenders.revealBid(tender_id, supplier, PRICE, salt, sender=supplier)
    after_reveal(tender_id)
    tenders.award(tender_id, sender=active_hospital)

    tx = tenders.postPerformanceSecurity(tender_id, sender=supplier)

    assert_event(tx, tenders.ContractConcluded, tenderId=tender_id, winner=supplier, performanceSecurity=0)
    assert tenders.held(tender_id) == PRICE


def test_post_performance_security__after_deadline__reverts(tenders, awarded, supplier, past_security_deadline):
    deadline = tenders.tender(awarded).securityDeadline
    past_security_deadline(awarded)

    with reverts_with(tenders, "SecurityDeadlinePassed", tenderId=awarded, deadline=deadline):
        tenders.postPerformanceSecurity(awarded, sender=supplier)


@pytest.mark.parametrize("caller", ["second_supplier", "active_hospital", "outsider"])
def test_post_performance_security__not_the_winner__reverts(request, tenders, awarded, caller):
    account = request.getfixturevalue(caller)

    with reverts_with(tenders, "NotWinner", tenderId=awarded, account=account):
        tenders.postPerformanceSecurity(awarded, sender=account)


def test_post_performance_security__not_awarded__reverts(tenders, revealed, supplier, after_reveal):
    after_reveal(revealed)

    with reverts_with(tenders, "WrongStatus", tenderId=revealed, status=Status.OPEN):
        tenders.postPerformanceSecurity(revealed, sender=supplier)


def test_post_performance_security__twice__reverts(tenders, contracted, supplier):
    with reverts_with(tenders, "WrongStatus", tenderId=contracted, status=Status.CONTRACTED):
        tenders.postPerformanceSecurity(contracted, sender=supplier)

    assert tenders.owed(supplier) == BID_SECURITY


def test_post_performance_security__unknown_tender__reverts(tenders, awarded, supplier):
    with reverts_with(tenders, "UnknownTender", tenderId=awarded + 1):
        tenders.postPerformanceSecurity(awarded + 1, sender=supplier)


def test_post_performance_security__no_allowance__reverts(tenders, token, awarded, supplier):
    token.approve(tenders, SECURITY - 1, sender=supplier)

    with reverts_with(token, "ERC20InsufficientAllowance", spender=tenders, allowance=SECURITY - 1, needed=SECURITY):
        tenders.postPerformanceSecurity(awarded, sender=supplier)


# --- postPerformanceSecurityWithPermit -------------------------------------------------------


def test_post_performance_security_with_permit(tenders, token, awarded, supplier, sign_permit):
    token.approve(tenders, 0, sender=supplier)

    tx = tenders.postPerformanceSecurityWithPermit(awarded, sign_permit(supplier, SECURITY), sender=supplier)

    assert_event(tx, tenders.ContractConcluded, tenderId=awarded, winner=supplier, performanceSecurity=SECURITY)
    assert tenders.tender(awarded).status == Status.CONTRACTED
    assert token.allowance(supplier, tenders) == 0


def test_post_performance_security_with_permit__permit_used_before__accepted(tenders, token, awarded, supplier, outsider, sign_permit):
    token.approve(tenders, 0, sender=supplier)
    permit = sign_permit(supplier, SECURITY)
    token.permit(supplier, tenders, SECURITY, *permit, sender=outsider)

    tenders.postPerformanceSecurityWithPermit(awarded, permit, sender=supplier)

    assert tenders.tender(awarded).status == Status.CONTRACTED


def test_post_performance_security_with_permit__bad_permit__reverts(tenders, token, awarded, supplier, outsider, sign_permit):
    token.approve(tenders, 0, sender=supplier)

    with reverts_with(token, "ERC20InsufficientAllowance", spender=tenders, allowance=0, needed=SECURITY):
        tenders.postPerformanceSecurityWithPermit(awarded, sign_permit(supplier, SECURITY, signer=outsider), sender=supplier)


def test_post_performance_security_with_permit__not_the_winner__reverts(tenders, awarded, second_supplier, sign_permit):
    with reverts_with(tenders, "NotWinner", tenderId=awarded, account=second_supplier):
        tenders.postPerformanceSecurityWithPermit(awarded, sign_permit(second_supplier, SECURITY), sender=second_supplier)


# --- failUnsecured ---------------------------------------------------------------------------


@pytest.mark.parametrize("caller", ["outsider", "active_hospital", "second_supplier"])
def test_fail_unsecured(request, tenders, token, awarded, suppliers, supplier, active_hospital, past_security_deadline, caller):
    account = request.getfixturevalue(caller)
    past_security_deadline(awarded)
    balance = token.balanceOf(tenders)

    before = tenders.tender(awarded)

    tx = tenders.failUnsecured(awarded, sender=account)

    # The winner's bid security to the hospital; the contract passes to the runner-up at its
    # price, with as long to secure and to deliver as the winner had.
    second, runner_up_price = suppliers[1], PRICES[1]
    security_deadline = tx.timestamp + before.securityWindow
    delivery_deadline = before.deliveryDeadline + security_deadline - before.securityDeadline
    assert_event(tx, tenders.AwardPassedToRunnerUp, tenderId=awarded, failedWinner=supplier, runnerUp=second,
                 forfeited=BID_SECURITY)
    assert_event(tx, tenders.TenderAwarded, tenderId=awarded, winner=second, price=runner_up_price,
                 performanceSecurity=runner_up_price * PERFORMANCE_SECURITY_BPS // 10_000,
                 securityDeadline=security_deadline, deliveryDeadline=delivery_deadline, refund=0, forfeited=0)
    assert_no_event(tx, tenders.TenderFailed)
    assert_tender(tenders, awarded, status=Status.AWARDED, winner=second, price=runner_up_price,
                  securityDeadline=security_deadline, deliveryDeadline=delivery_deadline, runnerUp=ZERO_ADDRESS)
    assert tenders.stage(awarded) == Stage.AWARDED
    # The surplus over the runner-up's price at the award, then the winner's forfeited bid security.
    assert tenders.owed(active_hospital) == MAX_PRICE - runner_up_price + BID_SECURITY
    assert tenders.owed(supplier) == 0
    assert tenders.bid(awarded, supplier).securityReleased
    assert tenders.held(awarded) == runner_up_price + 2 * BID_SECURITY
    assert token.balanceOf(tenders) == balance


def test_fail_unsecured__runner_up_secures__contract_at_its_price(
    tenders, token, awarded, suppliers, supplier, active_hospital, past_security_deadline
):
    second = suppliers[1]
    past_security_deadline(awarded)
    tenders.failUnsecured(awarded, sender=active_hospital)
    owed = tenders.owed(active_hospital)

    tx = tenders.postPerformanceSecurity(awarded, sender=second)

    security = PRICES[1] * PERFORMANCE_SECURITY_BPS // 10_000
    assert_event(tx, tenders.ContractConcluded, tenderId=awarded, winner=second, performanceSecurity=security)
    assert_tender(tenders, awarded, status=Status.CONTRACTED, winner=second, price=PRICES[1], concludedAt=tx.timestamp)
    assert tenders.owed(active_hospital) == owed  # nothing kept above the contract price
    assert tenders.owed(second) == BID_SECURITY
    # The failed winner's security was forfeited: it can never be claimed back.
    with reverts_with(tenders, "BidSecurityNotClaimable", tenderId=awarded, bidder=supplier):
        tenders.claimBidSecurity(awarded, sender=supplier)


def test_fail_unsecured__runner_up_fails_too__tender_fails(
    tenders, token, awarded, suppliers, active_hospital, outsider, past_security_deadline
):
    past_security_deadline(awarded)
    tenders.failUnsecured(awarded, sender=outsider)
    past_security_deadline(awarded)

    tx = tenders.failUnsecured(awarded, sender=outsider)

    assert_event(tx, tenders.TenderFailed, tenderId=awarded, reason=FAILED_NO_SECURITY,
                 toHospital=PRICES[1] + BID_SECURITY)
    assert_no_event(tx, tenders.TenderAwarded)
    assert tenders.owed(active_hospital) == MAX_PRICE + 2 * BID_SECURITY
    assert tenders.held(awarded) == BID_SECURITY  # the third bidder's, until it claims it


def test_fail_unsecured__then_no_security_accepted(tenders, awarded, supplier, suppliers, outsider, past_security_deadline):
    past_security_deadline(awarded)
    tenders.failUnsecured(awarded, sender=outsider)

    # The failed winner is no longer the winner.
    with reverts_with(tenders, "NotWinner", tenderId=awarded, account=supplier):
        tenders.postPerformanceSecurity(awarded, sender=supplier)
    past_security_deadline(awarded)
    tenders.failUnsecured(awarded, sender=outsider)
    with reverts_with(tenders, "WrongStatus", tenderId=awarded, status=Status.FAILED):
        tenders.postPerformanceSecurity(awarded, sender=suppliers[1])
    with reverts_with(tenders, "WrongStatus", tenderId=awarded, status=Status.FAILED):
        tenders.failUnsecured(awarded, sender=outsider)


@pytest.mark.parametrize("at_deadline", [False, True], ids=["before", "at deadline"])
def test_fail_unsecured__deadline_not_passed__reverts(chain, tenders, awarded, outsider, at_deadline):
    deadline = tenders.tender(awarded).securityDeadline
    if at_deadline:
        chain.pending_timestamp = deadline

    with reverts_with(tenders, "SecurityDeadlineNotPassed", tenderId=awarded, deadline=deadline):
        tenders.failUnsecured(awarded, sender=outsider)


def test_fail_unsecured__contracted__reverts(chain, tenders, contracted, outsider):
    chain.pending_timestamp = tenders.tender(contracted).securityDeadline + 1

    with reverts_with(tenders, "WrongStatus", tenderId=contracted, status=Status.CONTRACTED):
        tenders.failUnsecured(contracted, sender=outsider)


def test_fail_unsecured__open__reverts(tenders, tender_id, outsider, after_reveal):
    after_reveal(tender_id)

    with reverts_with(tenders, "WrongStatus", tenderId=tender_id, status=Status.OPEN):
        tenders.failUnsecured(tender_id, sender=outsider)


def test_fail_unsecured__unknown_tender__reverts(tenders, outsider):
    with reverts_with(tenders, "UnknownTender", tenderId=5):
        tenders.failUnsecured(5, sender=outsider)


def test_fail_unsecured__no_runner_up__fails(
    tenders, create_tender, supplier, active_hospital, commit, to_reveal_period, after_reveal, outsider,
    past_security_deadline,
):
    tender_id = create_tender()
    salt = commit(tender_id, supplier, PRICE)
    to_reveal_period(tender_id)
    tenders.revealBid(tender_id, supplier, PRICE, salt, sender=supplier)
    after_reveal(tender_id)
    tenders.award(tender_id, sender=active_hospital)
    past_security_deadline(tender_id)

    tx = tenders.failUnsecured(tender_id, sender=outsider)

    assert_event(tx, tenders.TenderFailed, tenderId=tender_id, reason=FAILED_NO_SECURITY, toHospital=PRICE + BID_SECURITY)
    assert_no_event(tx, tenders.ContractConcluded)
    assert_no_event(tx, tenders.TenderAwarded)
    assert_no_event(tx, tenders.AwardPassedToRunnerUp)
    assert_tender(tenders, tender_id, status=Status.FAILED, winner=supplier, price=PRICE)
    assert tenders.held(tender_id) == 0
