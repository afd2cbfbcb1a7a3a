"""Tenders: one whole tender, end to end, as the platform runs it: a hospital publishes a need
(funding its escrow by permit), three suppliers bid sealed (one by a signed bid a relayer
sends), two reveal, the lowest wins, posts its performance security, ships through Custody
with the tender's id, the hospital receives in Custody and accepts the deliveries here, and
everyone withdraws what is theirs."""

from dapp.tenders.typed_data import (
    bid_typed_data,
    new_salt,
    sign_typed_data,
)
from tests.conftest import DAY, GTIN
from tests.contracts.tenders.conftest import ship_and_receive
from tests.contracts.tenders.helpers import (
    commitment_of,
    BID_SECURITY,
    FUNDS,
    MAX_PRICE,
    QUANTITY,
    Stage,
    Status,
    as_tuple,
    assert_event,
    performance_security,
)


def test_tender__end_to_end(
    chain,
    tenders,
    token,
    custody,
    tender_params,
    funded,
    products,
    suppliers,
    active_hospital,
    outsider,
    stock,
    sign_permit,
):
    winner, loser, silent = suppliers
    start = {account.address: token.balanceOf(account) for account in (active_hospital, *suppliers)}

    # The hospital publishes, approving the escrow by a permit in the same transaction.
    token.approve(tenders, 0, sender=active_hospital)
    tx = tenders.createTenderWithPermit(as_tuple(tender_params()), sign_permit(active_hospital, MAX_PRICE), sender=active_hospital)
    tender_id = tx.decode_logs(tenders.TenderCreated)[0].tenderId
    assert tenders.stage(tender_id) == Stage.BIDDING

    # Three sealed bids: from the winner's wallet, signed by the loser and relayed by an
    # outsider (its bid security by permit), and one that will never be revealed.
    prices = {winner: 700_000, loser: 820_000, silent: 650_000}
    salts = {bidder: new_salt() for bidder in suppliers}
    commitments = {bidder: commitment_of(tenders, tender_id, bidder, prices[bidder], salts[bidder]) for bidder in suppliers}
    tenders.commitBid(tender_id, commitments[winner], sender=winner)
    deadline = chain.pending_timestamp + DAY
    signature, _, _, _ = sign_typed_data(
        loser.private_key, bid_typed_data(chain.chain_id, tenders, tender_id, loser, commitments[loser], deadline)
    )
    token.approve(tenders, 0, sender=loser)
    tx = tenders.commitBidBySig(
        tender_id, loser, commitments[loser], deadline, signature, sign_permit(loser, BID_SECURITY), sender=outsider
    )
    assert_event(tx, tenders.BidCommitted, tenderId=tender_id, bidder=loser, commitment=commitments[loser], sequence=2, relayer=outsider)
    tenders.commitBid(tender_id, commitments[silent], sender=silent)

    # Reveals (the loser's by the outsider, who was given the salt).
    chain.mine(timestamp=tenders.tender(tender_id).bidDeadline + 1)
    assert tenders.stage(tender_id) == Stage.REVEALING
    tenders.revealBid(tender_id, loser, prices[loser], salts[loser], sender=outsider)
    tenders.revealBid(tender_id, winner, prices[winner], salts[winner], sender=winner)

    # The award: the silent bidder's lower price never counted; its security is forfeited.
    chain.mine(timestamp=tenders.tender(tender_id).revealDeadline + 1)
    assert tenders.stage(tender_id) == Stage.AWAITING_AWARD
    price = prices[winner]
    security = performance_security(price)  # 30 % below the maximum: 1.5 times
    assert security == price * 1_000 * 3 // 20_000
    tx = tenders.award(tender_id, sender=active_hospital)
    event = tx.decode_logs(tenders.TenderAwarded)[0]
    assert (event.winner, event.price, event.performanceSecurity, event.refund, event.forfeited) == (
        winner.address,
        price,
        security,
        MAX_PRICE - prices[loser],  # the runner-up's price stays in escrow until the conclusion
        BID_SECURITY,
    )
    assert tenders.tender(tender_id).runnerUp == loser.address

    # The contract: performance security by permit; the runner-up is released.
    token.approve(tenders, 0, sender=winner)
    tenders.postPerformanceSecurityWithPermit(tender_id, sign_permit(winner, security), sender=winner)
    assert tenders.tender(tender_id).status == Status.CONTRACTED
    tenders.claimBidSecurity(tender_id, sender=loser)

    # Delivery through Custody: the winner holds a batch, ships it in two lots tagged with the
    # tender; the hospital receives each in Custody; each is accepted here.
    batch_id = stock(winner, lot="E2E1", quantity=QUANTITY)
    first = ship_and_receive(custody, batch_id, winner, active_hospital, 60, tender_id, tenders=tenders)
    tx = tenders.acceptDelivery(tender_id, *first, sender=active_hospital)
    assert_event(tx, tenders.DeliveryAccepted, tenderId=tender_id, shipmentId=first[0], batchId=batch_id, counted=60, delivered=60)
    second = ship_and_receive(custody, batch_id, winner, active_hospital, QUANTITY - 60, tender_id, tenders=tenders)
    tx = tenders.acceptDelivery(tender_id, *second, sender=winner)
    assert_event(tx, tenders.TenderCompleted, tenderId=tender_id, winner=winner, paid=price, securityReturned=security)
    assert tenders.stage(tender_id) == Stage.COMPLETED
    assert custody.balanceOf(batch_id, active_hospital) == QUANTITY

    # Everyone withdraws; nothing is left in the contract.
    assert tenders.owed(active_hospital) == MAX_PRICE - price + BID_SECURITY
    assert tenders.owed(winner) == BID_SECURITY + price + security
    for account in (active_hospital, winner):
        tenders.withdraw(sender=account)
    assert token.balanceOf(tenders) == 0
    assert tenders.held(tender_id) == 0

    # Net: the hospital paid the price and gained the forfeited security; the winner earned
    # the price; the loser is whole; the silent bidder lost its bid security.
    net = {account.address: token.balanceOf(account) - start[account.address] for account in (active_hospital, *suppliers)}
    assert net == {
        active_hospital.address: -price + BID_SECURITY,
        winner.address: price,
        loser.address: 0,
        silent.address: -BID_SECURITY,
    }
    assert start[winner.address] == FUNDS
    assert tenders.tender(tender_id).gtin == GTIN
