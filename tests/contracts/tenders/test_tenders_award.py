"""Tenders: the award (`award`): the leader known without looking at the bids, the maximum
price's surplus and the unrevealed bids' securities to the hospital, the anti-dumping rule on
the performance security; a tender without a valid bid fails. The hospital awards; once its
award window is over, anyone may."""

import pytest

from tests.conftest import DAY
from tests.contracts.tenders.conftest import PRICES, drive_tender
from tests.contracts.tenders.helpers import (
    AWARD_WINDOW,
    BID_SECURITY,
    FAILED_NO_VALID_BID,
    MAX_PRICE,
    PERFORMANCE_SECURITY_BPS,
    SECURITY_WINDOW,
    ZERO_ADDRESS,
    Stage,
    Status,
    assert_bid,
    assert_event,
    assert_no_event,
    assert_tender,
    performance_security,
    reverts_with,
)


@pytest.fixture(scope="module", autouse=True)
def module_revealed_tender(tender_world):
    """Tender 1, every bid revealed (the first supplier leads): made once for the module."""
    tender_id, _ = drive_tender(tender_world, "revealed")
    return tender_id


@pytest.fixture
def revealed(module_revealed_tender):
    return module_revealed_tender


def test_award(chain, tenders, token, revealed, suppliers, supplier, second_supplier, active_hospital, after_reveal):
    after_reveal(revealed)
    assert tenders.stage(revealed) == Stage.AWAITING_AWARD
    balance = token.balanceOf(tenders)
    price, runner_up_price = PRICES[0], PRICES[1]
    delivery_deadline = tenders.tender(revealed).deliveryDeadline
    security = price * PERFORMANCE_SECURITY_BPS // 10_000

    tx = tenders.award(revealed, sender=active_hospital)

    # The block's own time: on anvil a second can tick between reading the pending timestamp and mining.
    timestamp = tx.timestamp
    assert_event(
        tx,
        tenders.TenderAwarded,
        tenderId=revealed,
        winner=supplier,
        price=price,
        performanceSecurity=security,
        securityDeadline=timestamp + SECURITY_WINDOW,
        deliveryDeadline=delivery_deadline,
        refund=MAX_PRICE - runner_up_price,
        forfeited=0,
    )
    assert_no_event(tx, tenders.TenderFailed)
    assert_tender(
        tenders,
        revealed,
        status=Status.AWARDED,
        winner=supplier,
        price=price,
        performanceSecurity=security,
        securityDeadline=timestamp + SECURITY_WINDOW,
        deliveryDeadline=delivery_deadline,
        commitments=3,
        reveals=3,
        runnerUp=second_supplier,
    )
    assert tenders.stage(revealed) == Stage.AWARDED
    # The escrow keeps the runner-up's price until the contract is concluded: it may pass to it.
    assert tenders.owed(active_hospital) == MAX_PRICE - runner_up_price
    # That price in escrow, and every revealed bid's security: the winner's until it posts its
    # performance security, the others' until they claim them.
    assert tenders.held(revealed) == runner_up_price + 3 * BID_SECURITY
    assert token.balanceOf(tenders) == balance
    for bidder in suppliers:
        assert not tenders.bid(revealed, bidder).securityReleased


def test_award__unrevealed_bids__securities_forfeited(tenders, tender_id, bids, suppliers, active_hospital, to_reveal_period, after_reveal):
    a, b, c = suppliers
    to_reveal_period(tender_id)
    tenders.revealBid(tender_id, b, *bids[b], sender=b)
    after_reveal(tender_id)

    tx = tenders.award(tender_id, sender=active_hospital)

    price = PRICES[1]
    event = tx.decode_logs(tenders.TenderAwarded)[0]
    assert (event.winner, event.price, event.refund, event.forfeited) == (b.address, price, MAX_PRICE - price, 2 * BID_SECURITY)
    assert tenders.owed(active_hospital) == MAX_PRICE - price + 2 * BID_SECURITY
    assert tenders.held(tender_id) == price + BID_SECURITY
    for bidder in (a, c):
        view = tenders.bid(tender_id, bidder)
        assert (view.revealed, view.price, view.securityReleased) == (False, 0, True)
    assert_bid(tenders, tender_id, b, commitment=b"\x00" * 32, sequence=2, revealed=True, price=price, released=False)


@pytest.mark.parametrize(
    "price,bps",
    [
        pytest.param(750_001, PERFORMANCE_SECURITY_BPS, id="just under 25 % below"),
        pytest.param(750_000, PERFORMANCE_SECURITY_BPS, id="exactly 25 % below: 1.5 times"),
        pytest.param(400_003, PERFORMANCE_SECURITY_BPS, id="far below: 1.5 times, rounded down"),
        pytest.param(999_999, 3_000, id="30 %"),
        pytest.param(600_000, 3_000, id="30 % and dumping: 45 %"),
        pytest.param(500_000, 0, id="no security even when dumping"),
        pytest.param(MAX_PRICE, 1, id="at the maximum price"),
    ],
)
def test_award__performance_security_and_anti_dumping(
    tenders, create_tender, suppliers, supplier, active_hospital, commit, to_reveal_period, after_reveal, price, bps
):
    tender_id = create_tender(performanceSecurityBps=bps)
    salt = commit(tender_id, supplier, price)
    to_reveal_period(tender_id)
    tenders.revealBid(tender_id, supplier, price, salt, sender=supplier)
    after_reveal(tender_id)

    tx = tenders.award(tender_id, sender=active_hospital)

    expected = performance_security(price, bps=bps)
    assert expected == (price * bps * 3 // 20_000 if price * 4 <= MAX_PRICE * 3 else price * bps // 10_000)
    event = tx.decode_logs(tenders.TenderAwarded)[0]
    assert (event.performanceSecurity, event.refund) == (expected, MAX_PRICE - price)
    assert tenders.tender(tender_id).performanceSecurity == expected


def test_award__at_maximum_price__nothing_owed_to_hospital(tenders, create_tender, suppliers, supplier, active_hospital, commit, to_reveal_period, after_reveal):
    tender_id = create_tender()
    salt = commit(tender_id, supplier, MAX_PRICE)
    to_reveal_period(tender_id)
    tenders.revealBid(tender_id, supplier, MAX_PRICE, salt, sender=supplier)
    after_reveal(tender_id)

    tx = tenders.award(tender_id, sender=active_hospital)

    event = tx.decode_logs(tenders.TenderAwarded)[0]
    assert (event.refund, event.forfeited) == (0, 0)
    assert tenders.owed(active_hospital) == 0
    assert tenders.held(tender_id) == MAX_PRICE + BID_SECURITY


@pytest.mark.parametrize("bidders", [0, 3], ids=["no bid", "no bid revealed"])
def test_award__no_valid_bid__fails(tenders, token, create_tender, suppliers, active_hospital, commit, after_reveal, bidders):
    tender_id = create_tender()
    for bidder in suppliers[:bidders]:
        commit(tender_id, bidder, 900_000)
    after_reveal(tender_id)

    balance = token.balanceOf(tenders)

    tx = tenders.award(tender_id, sender=active_hospital)

    to_hospital = MAX_PRICE + bidders * BID_SECURITY
    assert_event(tx, tenders.TenderFailed, tenderId=tender_id, reason=FAILED_NO_VALID_BID, toHospital=to_hospital)
    assert_no_event(tx, tenders.TenderAwarded)
    assert_tender(tenders, tender_id, status=Status.FAILED, winner=ZERO_ADDRESS, price=0, performanceSecurity=0, securityDeadline=0)
    assert tenders.stage(tender_id) == Stage.FAILED
    assert tenders.owed(active_hospital) == to_hospital
    assert tenders.held(tender_id) == 0
    assert token.balanceOf(tenders) == balance
    for bidder in suppliers[:bidders]:
        assert tenders.bid(tender_id, bidder).securityReleased


@pytest.mark.parametrize("caller", ["active_hospital", "outsider"])
@pytest.mark.parametrize("when", ["bidding", "revealing", "at reveal deadline"])
def test_award__reveal_not_over__reverts(request, chain, tenders, tender_id, bids, when, caller):
    account = request.getfixturevalue(caller)
    view = tenders.tender(tender_id)
    if when == "revealing":
        chain.pending_timestamp = view.bidDeadline + 1
    elif when == "at reveal deadline":
        chain.pending_timestamp = view.revealDeadline

    with reverts_with(tenders, "RevealNotOver", tenderId=tender_id, deadline=view.revealDeadline):
        tenders.award(tender_id, sender=account)


@pytest.mark.parametrize("when", ["just after reveals", "end of award window"])
@pytest.mark.parametrize("caller", ["supplier", "outsider", "regulator", "deployer"])
def test_award__not_the_hospital_within_award_window__reverts(request, chain, tenders, revealed, caller, when):
    account = request.getfixturevalue(caller)
    until = tenders.tender(revealed).revealDeadline + AWARD_WINDOW
    chain.pending_timestamp = until - AWARD_WINDOW + 1 if when == "just after reveals" else until

    with reverts_with(tenders, "AwardReservedToHospital", tenderId=revealed, account=account, until=until):
        tenders.award(revealed, sender=account)

    assert tenders.tender(revealed).status == Status.OPEN


def test_award__other_hospitals_tender__reverts(tenders, revealed, after_reveal, create_organization, fund, pharmacy):
    """Another active medical organization may not award this one's tender."""
    other = create_organization(pharmacy, 8)
    after_reveal(revealed)

    with reverts_with(
        tenders, "AwardReservedToHospital", tenderId=revealed, account=other, until=tenders.tender(revealed).revealDeadline + AWARD_WINDOW
    ):
        tenders.award(revealed, sender=other)


def test_award__after_award_window__hospital_still_may(chain, tenders, revealed, active_hospital):
    chain.pending_timestamp = tenders.tender(revealed).revealDeadline + AWARD_WINDOW + DAY

    tx = tenders.award(revealed, sender=active_hospital)

    assert tx.decode_logs(tenders.TenderAwarded)[0].winner == tenders.tender(revealed).winner


@pytest.mark.parametrize("caller", ["outsider", "supplier", "second_supplier"], ids=["outsider", "winner", "loser"])
def test_award__after_award_window__by_anyone(request, chain, tenders, token, revealed, supplier, active_hospital, caller):
    """A hospital that never awards cannot lock the escrow and the bid securities: once its
    window is over anyone awards, with the very outcome the hospital's award would have had."""
    account = request.getfixturevalue(caller)
    timestamp = tenders.tender(revealed).revealDeadline + AWARD_WINDOW + 1
    chain.pending_timestamp = timestamp
    balance = token.balanceOf(tenders)
    price, runner_up_price = PRICES[0], PRICES[1]
    # One second late: the winner keeps the time to deliver it would have had.
    delivery_deadline = tenders.tender(revealed).deliveryDeadline + 1

    tx = tenders.award(revealed, sender=account)

    security = price * PERFORMANCE_SECURITY_BPS // 10_000
    assert_event(
        tx,
        tenders.TenderAwarded,
        tenderId=revealed,
        winner=supplier,
        price=price,
        performanceSecurity=security,
        securityDeadline=timestamp + SECURITY_WINDOW,
        deliveryDeadline=delivery_deadline,
        refund=MAX_PRICE - runner_up_price,
        forfeited=0,
    )
    assert_tender(tenders, revealed, status=Status.AWARDED, winner=supplier, securityDeadline=timestamp + SECURITY_WINDOW,
                  deliveryDeadline=delivery_deadline)
    # The refund is the hospital's, not the caller's.
    assert tenders.owed(active_hospital) == MAX_PRICE - runner_up_price
    assert tenders.owed(account) == 0
    assert tenders.held(revealed) == runner_up_price + 3 * BID_SECURITY
    assert token.balanceOf(tenders) == balance


def test_award__after_award_window_without_valid_bid__fails_to_the_hospital(
    chain, tenders, tender_id, bids, active_hospital, outsider
):
    chain.pending_timestamp = tenders.tender(tender_id).revealDeadline + AWARD_WINDOW + 1

    tx = tenders.award(tender_id, sender=outsider)

    to_hospital = MAX_PRICE + 3 * BID_SECURITY
    assert_event(tx, tenders.TenderFailed, tenderId=tender_id, reason=FAILED_NO_VALID_BID, toHospital=to_hospital)
    assert tenders.owed(active_hospital) == to_hospital
    assert tenders.owed(outsider) == 0


def test_award__twice__reverts(tenders, awarded, active_hospital):
    with reverts_with(tenders, "WrongStatus", tenderId=awarded, status=Status.AWARDED):
        tenders.award(awarded, sender=active_hospital)

    assert tenders.owed(active_hospital) == MAX_PRICE - PRICES[1]


def test_award__cancelled__reverts(tenders, tender_id, active_hospital, after_reveal):
    tenders.cancel(tender_id, sender=active_hospital)
    after_reveal(tender_id)

    with reverts_with(tenders, "WrongStatus", tenderId=tender_id, status=Status.CANCELLED):
        tenders.award(tender_id, sender=active_hospital)


def test_award__unknown_tender__reverts(tenders, tender_id, active_hospital):
    with reverts_with(tenders, "UnknownTender", tenderId=tender_id + 1):
        tenders.award(tender_id + 1, sender=active_hospital)
