"""Gas of every step of a tender, printed once (`-s` shows it) on the in-process chain: fresh
contracts, first write of each slot, finite allowances. Nothing is asserted here: the
benchmark measures on anvil and holds the targets (commitBid at most 80,000 with its token
transfer, revealBid 60,000, award 120,000 whatever the number of bids)."""

import pytest

from dapp.roles import Role
from dapp.tender_typed_data import bid_commitment
from tests.contracts.tenders.conftest import PRICES
from tests.contracts.tenders.helpers import QUANTITY, as_tuple

SALT = b"\x5a" * 32


@pytest.fixture
def many_suppliers(accounts, deployer, create_organization, fund):
    """Ten funded, active suppliers (fresh test accounts)."""
    found = []
    for _ in range(10):
        account = accounts.generate_test_account()
        deployer.transfer(account, 10**18)
        create_organization(account, Role.SUPPLIER)
        found.append(fund(account))
    return found


def _award_gas(tenders, create_tender, bidders, to_reveal_period, after_reveal, hospital):
    tender_id = create_tender()
    for i, bidder in enumerate(bidders):
        tenders.commitBid(tender_id, bid_commitment(tender_id, bidder, 900_000 - i, SALT), sender=bidder)
    to_reveal_period(tender_id)
    for i, bidder in enumerate(bidders):
        tenders.revealBid(tender_id, bidder, 900_000 - i, SALT, sender=bidder)
    after_reveal(tender_id)
    return tenders.award(tender_id, sender=hospital).gas_used


def test_gas__whole_tender__printed(
    tenders, tender_params, create_tender, funded, products, suppliers, many_suppliers, to_reveal_period, after_reveal,
    winner_stock, deliver, active_hospital, supplier,
):
    gas = {}
    tx = tenders.createTender(as_tuple(tender_params()), sender=active_hospital)
    gas["createTender"] = tx.gas_used
    tender_id = tx.decode_logs(tenders.TenderCreated)[0].tenderId
    commits = []
    for bidder, price in zip(suppliers, PRICES):
        commits.append(tenders.commitBid(tender_id, bid_commitment(tender_id, bidder, price, SALT), sender=bidder).gas_used)
    gas["commitBid (first)"], gas["commitBid (third)"] = commits[0], commits[2]
    to_reveal_period(tender_id)
    reveals = [tenders.revealBid(tender_id, b, p, SALT, sender=b).gas_used for b, p in zip(suppliers, PRICES)]
    gas["revealBid (first, leads)"], gas["revealBid (second, not leading)"] = reveals[0], reveals[1]
    after_reveal(tender_id)
    gas["award (3 bids)"] = tenders.award(tender_id, sender=active_hospital).gas_used
    gas["postPerformanceSecurity"] = tenders.postPerformanceSecurity(tender_id, sender=supplier).gas_used
    gas["claimBidSecurity"] = tenders.claimBidSecurity(tender_id, sender=suppliers[1]).gas_used
    shipment_id, record = deliver(tender_id, winner_stock, QUANTITY // 2)
    gas["acceptDelivery (part)"] = tenders.acceptDelivery(tender_id, shipment_id, record, sender=active_hospital).gas_used
    shipment_id, record = deliver(tender_id, winner_stock, QUANTITY // 2)
    gas["acceptDelivery (last, completes)"] = tenders.acceptDelivery(
        tender_id, shipment_id, record, sender=active_hospital
    ).gas_used
    gas["withdraw"] = tenders.withdraw(sender=supplier).gas_used
    gas["award (1 bid)"] = _award_gas(
        tenders, create_tender, many_suppliers[:1], to_reveal_period, after_reveal, active_hospital
    )
    gas["award (10 bids)"] = _award_gas(
        tenders, create_tender, many_suppliers, to_reveal_period, after_reveal, active_hospital
    )
    print()
    for name, used in gas.items():
        print(f"gas {name:34} {used:>9,}")
