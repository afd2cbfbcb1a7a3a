"""Gas of a tender's steps, from transaction receipts on the benchmark's anvil.

Fresh contracts (Participants, Resources, Custody, PaymentToken, Tenders), and each measured
transaction in its dearest honest case: every slot it writes written for the first time
where a real tender can make it so, and no gas refund that a real tender need not get (no
balance or allowance emptied, unless the figure is about filling one). `bench_tenders`
documents the case of each figure.

One whole tender goes through Ape from the test accounts. The awards with many bids are
built with raw JSON-RPC batches (`raw_chain.RawChain`): 1,000 suppliers each applying, being
approved, funded, committing and revealing is 5,000 transactions.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from eth_utils import to_checksum_address
from raw_chain import RawChain, calldata

from dapp.chain.connection import project
from dapp.actions.custody import shipment_record
from dapp.codes.gs1 import complete_gtin
from dapp.roles import Category, Role
from dapp.tenders.typed_data import (
    bid_commitment,
    bid_typed_data,
    permit_typed_data,
    sign_typed_data,
)

CID = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"
GTIN = 4607001120018
DAY = 86400
# The tender: 100 units at most 10,000.00 rubles (in kopecks), 1 % bid security, 10 %
# performance security, half a year of shelf life left at delivery.
QUANTITY = 100
MAX_PRICE = 1_000_000
BID_SECURITY_BPS = 100
PERFORMANCE_SECURITY_BPS = 1_000
# The whole tender's bids: the winner's is 30 % below the maximum price (the anti-dumping rule
# applies); the loser's ends as the runner-up.
RELAYED_PRICE, LOSING_PRICE, WINNING_PRICE = 950_000, 900_000, 700_000
AWARDED, COMPLETED = 2, 4  # ITenders.Status


def bench_tenders(results: dict, accounts) -> None:
    """The `gas_tender_*`, `gas_bid_*` and `gas_award_*` figures (see write_report in run.py).

    `accounts`: at least seven funded accounts (Ape's test accounts)."""
    platform = deploy(accounts[0], accounts[1])
    whole_tender(results, platform, *accounts[2:7])
    results["gas_tender_create_spec"] = specification_tender_gas(platform, accounts[2])
    for bids, unrevealed, name in (
        (1, 0, "gas_award_bids_1"),
        (10, 0, "gas_award_bids_10"),
        (1000, 0, "gas_award_bids_1000"),
        (10, 1, "gas_award_bids_10_one_unrevealed"),
    ):
        results[name] = award_gas(platform, bids, unrevealed)


@dataclass
class Platform:
    """The fresh contracts, their regulator (who deployed them and mints the token) and a
    manufacturer with one registered product."""

    regulator: Any
    manufacturer: Any
    participants: Any
    resources: Any
    custody: Any
    token: Any
    tenders: Any


def deploy(regulator, manufacturer) -> Platform:
    contracts = project()
    participants = contracts.Participants.deploy(regulator, CID, sender=regulator)
    resources = contracts.Resources.deploy(participants, sender=regulator)
    custody = contracts.Custody.deploy(participants, resources, sender=regulator)
    resources.set_custody(custody, sender=regulator)
    token = contracts.PaymentToken.deploy(regulator, sender=regulator)
    tenders = contracts.Tenders.deploy(participants, resources, custody, token, sender=regulator)
    platform = Platform(regulator, manufacturer, participants, resources, custody, token, tenders)
    admit(platform, manufacturer, Role.MANUFACTURER)
    # The GS1 company prefix of every GTIN here (4607001...), assigned before any registration.
    resources.assign_prefix(GTIN % 10**13 // 10**6, 7, manufacturer, sender=regulator)
    resources.register_product(
        GTIN, int(Category.DRUG), "Метформин (Metformin)", "таблетки 500 мг № 60", CID, CID, sender=manufacturer
    )
    return platform


def admit(platform: Platform, account, role: Role) -> None:
    platform.participants.apply(CID, sender=account)
    platform.participants.approve(account, int(role), sender=platform.regulator)


def tender_params(now: int, **overrides) -> tuple:
    """TenderParams for GTIN with the terms above (and `overrides`), deadlines counted from
    `now`, as the ABI tuple (field order read from the compiled contract, so a field added to the struct fails
    here by name rather than as a garbled call)."""
    params = {
        "gtin": GTIN,
        "specificationCid": "",
        "acceptedGtins": [],
        "quantity": QUANTITY,
        "maxPrice": MAX_PRICE,
        "bidDeadline": now + 8 * DAY,
        "revealDeadline": now + 11 * DAY,
        "deliveryDeadline": now + 60 * DAY,
        "bidSecurityBps": BID_SECURITY_BPS,
        "performanceSecurityBps": PERFORMANCE_SECURITY_BPS,
        "minResidualShelfLife": 180 * DAY,
        "securityWindow": 2 * DAY,
    } | overrides
    fields = [c.name for c in project().Tenders.contract_type.mutable_methods["createTender"].inputs[0].components]
    unknown = set(fields) - set(params)
    if unknown:
        raise RuntimeError(f"TenderParams has fields the benchmark does not set: {sorted(unknown)}; add them to tender_params")
    return tuple(params[name] for name in fields)


def whole_tender(results: dict, p: Platform, hospital, winner, loser, relayed_bidder, relayer) -> None:
    """One tender from publication to payment; records create, commit (own wallet and
    relayed), reveal, deliver (and the hospital's receipt), accept and both withdrawals."""
    from ape import chain

    tenders, token, custody = p.tenders, p.token, p.custody
    for account, role in ((hospital, Role.MEDICAL_ORGANIZATION), (winner, Role.SUPPLIER), (loser, Role.SUPPLIER),
                          (relayed_bidder, Role.SUPPLIER)):
        admit(p, account, role)
    # The winner's stock, through custody: more than the tender needs, so that delivering
    # leaves its holding above zero (emptying it would earn a refund).
    now = chain.blocks.head.timestamp
    p.resources.commission_batch(GTIN, "TENDER1", now - 30 * DAY, now + 700 * DAY, 2 * QUANTITY, b"\x11" * 32, CID, CID,
                                 sender=p.manufacturer)
    custody.commission(GTIN, "TENDER1", sender=p.manufacturer)
    batch = bytes(p.resources.batch_id(GTIN, "TENDER1"))
    stocked = custody.ship(batch, winner, 2 * QUANTITY, CID, sender=p.manufacturer)
    custody.receiveShipment(*shipped(custody, stocked), sender=winner)

    # The first tender of the contract: its counter and token balance go from zero. The
    # hospital keeps a balance and an allowance (finite, as a wallet gives it).
    token.mint(hospital, 2 * MAX_PRICE, sender=p.regulator)
    token.approve(tenders, 2 * MAX_PRICE, sender=hospital)
    created = tenders.createTender(tender_params(chain.pending_timestamp), sender=hospital)
    results["gas_tender_create"] = created.gas_used
    tender_id = created.decode_logs(tenders.TenderCreated)[0].tenderId
    terms = tenders.tender(tender_id)
    security = terms.bidSecurity

    # The winner commits with a kopeck more than the security, balance and allowance: neither
    # is emptied. The loser puts in all it has (so that getting it back fills an empty balance).
    # The relayed bidder signs its bid and a permit; a relayer sends them.
    token.mint(winner, security + 1, sender=p.regulator)
    token.approve(tenders, security + 1, sender=winner)
    token.mint(loser, security, sender=p.regulator)
    token.approve(tenders, security, sender=loser)
    token.mint(relayed_bidder, security, sender=p.regulator)
    rng = random.Random(4)
    salts = {account.address: rng.randbytes(32) for account in (winner, loser, relayed_bidder)}
    prices = {winner.address: WINNING_PRICE, loser.address: LOSING_PRICE, relayed_bidder.address: RELAYED_PRICE}
    commitment = {a: bid_commitment(chain.chain_id, tenders.address, tender_id, a, prices[a], salts[a]) for a in prices}
    results["gas_bid_commit"] = tenders.commitBid(tender_id, commitment[winner.address], sender=winner).gas_used
    tenders.commitBid(tender_id, commitment[loser.address], sender=loser)
    deadline = chain.pending_timestamp + DAY
    signature, *_ = sign_typed_data(relayed_bidder.private_key, bid_typed_data(
        chain.chain_id, tenders, tender_id, relayed_bidder, commitment[relayed_bidder.address], deadline))
    _, v, r, s = sign_typed_data(relayed_bidder.private_key, permit_typed_data(
        chain.chain_id, token, relayed_bidder, tenders, security, token.nonces(relayed_bidder), deadline))
    results["gas_bid_commit_by_sig"] = tenders.commitBidBySig(
        tender_id, relayed_bidder, commitment[relayed_bidder.address], deadline, signature, (deadline, v, r, s),
        sender=relayer,
    ).gas_used

    chain.mine(timestamp=terms.bidDeadline + 1)
    # The dearest reveals: one that takes the lead from a leader (which becomes the runner-up),
    # and one that does not lead but displaces the runner-up (reading its bid to compare).
    reveals = []
    for bidder, leads in ((relayed_bidder, True), (winner, True), (loser, False)):
        revealed = tenders.revealBid(tender_id, bidder, prices[bidder.address], salts[bidder.address], sender=bidder)
        assert revealed.decode_logs(tenders.BidRevealed)[0].leading == leads, bidder
        reveals.append(revealed.gas_used)
    assert tenders.tender(tender_id).runnerUp == loser.address
    results["gas_bid_reveal"] = max(reveals)

    chain.mine(timestamp=terms.revealDeadline + 1)
    tenders.award(tender_id, sender=hospital)
    # The winner gets exactly its performance security: posting it empties the winner's
    # balance, so that withdrawing the bid security owed back fills an empty one.
    performance_security = tenders.tender(tender_id).performanceSecurity
    token.mint(winner, performance_security - 1, sender=p.regulator)
    token.approve(tenders, performance_security, sender=winner)
    tenders.postPerformanceSecurity(tender_id, sender=winner)
    results["gas_tender_withdraw"] = tenders.claimBidSecurity(tender_id, sender=loser).gas_used
    # Also what is owed to the winner starts from zero again when delivery is accepted.
    results["gas_tender_withdraw_owed"] = tenders.withdraw(sender=winner).gas_used

    delivery = custody.shipForTender(batch, hospital, QUANTITY, tenders, tender_id, CID, sender=winner)
    results["gas_tender_deliver"] = delivery.gas_used
    shipment_id, record = shipped(custody, delivery)
    results["gas_tender_receive"] = custody.receiveShipment(shipment_id, record, sender=hospital).gas_used
    accepted = tenders.acceptDelivery(tender_id, shipment_id, record, sender=hospital)
    results["gas_tender_accept"] = accepted.gas_used
    assert tenders.tender(tender_id).status == COMPLETED, "the one delivery should complete the tender"


def specification_tender_gas(p: Platform, hospital) -> int:
    """Gas of publishing a need as a specification with the most accepted GTINs allowed (one
    more slot written and one more product looked up per GTIN), as the first tender of a
    fresh Tenders contract; `hospital` is already an active medical organization."""
    from ape import chain

    tenders = project().Tenders.deploy(p.participants, p.resources, p.custody, p.token, sender=p.regulator)
    # GTIN-13s under the manufacturer's company prefix 4607001 (only its holder registers them).
    gtins = [int(complete_gtin(f"46070011{i:04d}")) for i in range(tenders.MAX_ACCEPTED_GTINS())]
    for gtin in gtins:
        p.resources.register_product(gtin, int(Category.DRUG), f"Product {gtin}", "tablets 500 mg", CID, CID,
                                     sender=p.manufacturer)
    p.token.mint(hospital, 2 * MAX_PRICE, sender=p.regulator)
    p.token.approve(tenders, 2 * MAX_PRICE, sender=hospital)
    params = tender_params(chain.pending_timestamp, gtin=0, specificationCid=CID, acceptedGtins=gtins)
    return tenders.createTender(params, sender=hospital).gas_used


def shipped(custody, receipt) -> tuple[int, tuple]:
    """(shipment id, ShipmentRecord) of the shipment a `Custody.ship` receipt logged."""
    log = receipt.decode_logs(custody.Shipped)[0]
    return log.shipmentId, shipment_record(log)


def award_gas(p: Platform, bids: int, unrevealed: int) -> int:
    """Gas of awarding a fresh tender of a fresh hospital (what it is owed starts from zero)
    on which `bids` distinct active suppliers committed, all but `unrevealed` of them revealed."""
    from ape import chain

    run = int(p.tenders.tenderCount()) + 1  # also the id the new tender will get

    def address(kind: int, i: int) -> str:
        return to_checksum_address(f"0x{kind:02x}{run:06x}{i:032x}")

    hospital = address(0xD4, 0)
    suppliers = [address(0xE5, i) for i in range(bids)]
    regulator, tenders, token = p.regulator.address, p.tenders.address, p.token.address
    participants = p.participants.address
    rng = random.Random(run)
    # Every price 25 % or more below the maximum: the award takes the anti-dumping branch.
    prices = rng.sample(range(MAX_PRICE // 2, MAX_PRICE * 3 // 4), bids)
    salts = [rng.randbytes(32) for _ in range(bids)]
    security = MAX_PRICE * BID_SECURITY_BPS // 10_000

    raw = RawChain(chain.provider.uri)
    chain_id = chain.chain_id
    for account in [hospital, *suppliers]:
        raw.rpc("anvil_setBalance", account, hex(10**20))
    with raw:
        raw.send_all([(a, participants, calldata("Participants", "apply", CID)) for a in [hospital, *suppliers]])
        raw.send_all([(regulator, participants, calldata("Participants", "approve", hospital, int(Role.MEDICAL_ORGANIZATION)))]
                     + [(regulator, participants, calldata("Participants", "approve", a, int(Role.SUPPLIER)))
                        for a in suppliers])
        raw.send_all([(regulator, token, calldata("PaymentToken", "mint", hospital, MAX_PRICE)),
                      (hospital, token, calldata("PaymentToken", "approve", tenders, MAX_PRICE))]
                     + [(regulator, token, calldata("PaymentToken", "mint", a, security)) for a in suppliers]
                     + [(a, token, calldata("PaymentToken", "approve", tenders, security)) for a in suppliers])
        now = int(raw.rpc("eth_getBlockByNumber", "latest", False)["timestamp"], 16)
        params = tender_params(now)
        raw.send_all([(hospital, tenders, calldata("Tenders", "createTender", params))])
        assert p.tenders.tenderCount() == run, "another tender was created meanwhile"
        raw.send_all([(a, tenders, calldata("Tenders", "commitBid", run, bid_commitment(chain_id, p.tenders.address, run, a, price, salt)))
                      for a, price, salt in zip(suppliers, prices, salts)])
        mine_at(raw, p.tenders.tender(run).bidDeadline + 1)
        raw.send_all([(a, tenders, calldata("Tenders", "revealBid", run, a, price, salt))
                      for a, price, salt in list(zip(suppliers, prices, salts))[unrevealed:]])
        mine_at(raw, p.tenders.tender(run).revealDeadline + 1)
        (receipt,) = raw.send_all([(hospital, tenders, calldata("Tenders", "award", run))])
    awarded = p.tenders.tender(run)
    assert (awarded.status, awarded.commitments, awarded.reveals) == (AWARDED, bids, bids - unrevealed), awarded
    assert awarded.price == min(prices[unrevealed:]), "the lowest revealed price should have won"
    return int(receipt["gasUsed"], 16)


def mine_at(raw: RawChain, timestamp: int) -> None:
    """Mines an empty block at `timestamp`: the next transactions are past that time."""
    raw.rpc("evm_setNextBlockTimestamp", timestamp)
    raw.rpc("evm_mine")
