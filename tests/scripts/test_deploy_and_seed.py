"""`ape run deploy` and `ape run seed` on a real anvil, each run twice."""

import json
import os

import pytest

from dapp.demo import world as demo
from dapp.verification.merkle import SerialTree
from dapp.roles import BatchStatus, Role, Status
from dapp.tenders.sealed_bids import BidKey, SealedBidStore
from tests.fixtures.anvil import ape_run, at

ZERO = "0x0000000000000000000000000000000000000000"


@pytest.fixture(scope="module")
def deployed(anvil_chain):
    w3, env = anvil_chain
    first = ape_run(["deploy"], env)
    record_file = os.path.join(env["MEDCHAIN_DATA"], "deployments", "31337.json")
    record = json.loads(open(record_file).read())
    block_after_first = w3.eth.block_number
    second = ape_run(["deploy"], env)
    return w3, env, record, first, second, block_after_first, json.loads(open(record_file).read())


def test_deploy__writes_record_of_every_contract(deployed):
    w3, _, record, first, *_ = deployed
    assert record["chain_id"] == 31337
    assert record["genesis_hash"] == w3.eth.get_block(0)["hash"].to_0x_hex()
    assert set(record["contracts"]) == {"Participants", "Resources", "PaymentToken", "Custody", "Tenders"}
    for name, entry in record["contracts"].items():
        assert w3.eth.get_code(entry["address"]) != b""
        receipt = w3.eth.get_transaction_receipt(entry["transaction"])
        assert receipt["contractAddress"] == entry["address"]
        assert receipt["blockNumber"] == entry["block"]
        assert f"{name} deployed at {entry['address']}" in first


def test_deploy__contracts_wired_together(deployed):
    w3, _, record, *_ = deployed
    deployer = w3.eth.accounts[0]
    participants = at(w3, "Participants", record["contracts"]["Participants"]["address"])
    resources = at(w3, "Resources", record["contracts"]["Resources"]["address"])
    token = at(w3, "PaymentToken", record["contracts"]["PaymentToken"]["address"])
    assert participants.functions.is_active(deployer, int(Role.REGULATOR)).call()
    assert resources.functions.participants().call() == participants.address
    assert token.functions.owner().call() == deployer
    assert token.functions.decimals().call() == 2
    tenders = at(w3, "Tenders", record["contracts"]["Tenders"]["address"])
    custody = record["contracts"]["Custody"]["address"]
    assert (tenders.functions.participants().call(), tenders.functions.resources().call(),
            tenders.functions.custody().call(), tenders.functions.token().call()) == (
        participants.address, resources.address, custody, token.address)


def test_deploy__second_run__changes_nothing(deployed):
    w3, _, record, _, second, block_after_first, record_after_second = deployed
    assert second.count("already deployed") == 5
    assert record_after_second == record
    assert w3.eth.block_number == block_after_first


@pytest.fixture(scope="module")
def seeded(deployed):
    w3, env, record, *_ = deployed
    first = ape_run(["seed"], env)
    block_after_first = w3.eth.block_number
    second = ape_run(["seed"], env)
    return w3, env, record, first, second, block_after_first


def test_seed__second_run__changes_nothing(seeded):
    w3, _, _, first, second, block_after_first = seeded
    assert "Seed complete: 0 changes made" not in first
    assert "Seed complete: 0 changes made" in second
    assert w3.eth.block_number == block_after_first


def test_seed__organizations_in_their_states(seeded):
    w3, _, record, *_ = seeded
    participants = at(w3, "Participants", record["contracts"]["Participants"]["address"])
    for organization in demo.ORGANIZATIONS:
        account = w3.eth.accounts[organization.account_index]
        status, roles, metadata_cid, _ = participants.functions.organization(account).call()
        expected = Status.SUSPENDED if organization.suspended else Status.ACTIVE if organization.approved else Status.APPLIED
        assert Status(status) == expected, organization.name
        if organization.approved:
            assert roles == int(organization.roles)
        assert metadata_cid.startswith("bafkrei")


def test_seed__products_and_batches_on_chain(seeded):
    w3, env, record, *_ = seeded
    resources = at(w3, "Resources", record["contracts"]["Resources"]["address"])
    now = w3.eth.get_block("latest")["timestamp"]
    for product in demo.PRODUCTS:
        gtin = int(product.gtin)
        manufacturer, category, name, *_ = resources.functions.product(gtin).call()
        assert manufacturer == w3.eth.accounts[demo.organization(product.manufacturer).account_index]
        assert (category, name) == (int(product.category), product.name)
        for batch in product.batches:
            view = resources.functions.batch(gtin, batch.lot).call()
            b_gtin, b_manufacturer, manufactured, expires, quantity, root, _, status, reason = view
            assert (b_gtin, b_manufacturer, quantity) == (gtin, manufacturer, batch.quantity)
            expected = {"": BatchStatus.ACTIVE, "recalled": BatchStatus.RECALLED, "withdrawn": BatchStatus.WITHDRAWN}
            assert BatchStatus(status) == expected[batch.retired]
            assert reason == batch.reason_code
            days_left = (expires - now) / demo.DAY
            assert abs(days_left - batch.expires_in_days()) < 2
            serial_file = os.path.join(env["MEDCHAIN_DATA"], "serials", f"{product.gtin}-{batch.lot}.txt")
            serials = open(serial_file).read().split()
            assert len(serials) == batch.quantity
            assert SerialTree.of(gtin, serials).root == root


# The stage each demo tender is left in (ITenders.Stage) and its units delivered.
TENDER_STAGES = {"completed": (6, 60), "delivering": (5, 20), "terminated": (8, 100), "awarded": (4, 0),
                 "failed": (7, 0), "reveal": (2, 0), "cancelled": (9, 0), "open": (1, 0)}


def test_seed__a_demo_tender_in_each_state(seeded):
    w3, _, record, *_ = seeded
    tenders = at(w3, "Tenders", record["contracts"]["Tenders"]["address"])
    assert tenders.functions.tenderCount().call() == len(demo.TENDERS) == len(TENDER_STAGES)
    for tender_id, tender in enumerate(demo.TENDERS, start=1):  # created in this order
        hospital, status, gtin, quantity, max_price, *_ = view = tenders.functions.tender(tender_id).call()
        assert hospital == w3.eth.accounts[demo.organization(tender.hospital).account_index], tender.state
        assert (gtin, quantity, max_price) == (int(tender.gtin or 0), tender.quantity, tender.max_price)
        stage, delivered = TENDER_STAGES[tender.state]
        assert (tenders.functions.stage(tender_id).call(), view[18]) == (stage, delivered), tender.state  # delivered
        if tender.state in ("completed", "delivering", "terminated", "awarded", "failed"):
            lowest = min(tender.bids, key=lambda bid: bid.price)
            assert view[14] == w3.eth.accounts[demo.organization(lowest.supplier).account_index]  # the winner
            assert view[15] == lowest.price


def test_seed__tender_escrow_holds_exactly_what_it_owes(seeded):
    w3, _, record, *_ = seeded
    tenders = at(w3, "Tenders", record["contracts"]["Tenders"]["address"])
    token = at(w3, "PaymentToken", record["contracts"]["PaymentToken"]["address"])
    held = sum(tenders.functions.held(i).call() for i in range(1, len(demo.TENDERS) + 1))
    owed = sum(tenders.functions.owed(account).call() for account in w3.eth.accounts)
    assert held > 0 and owed > 0
    assert token.functions.balanceOf(tenders.address).call() == held + owed


def test_seed__the_sealed_bid_waiting_for_its_reveal__salt_kept_for_its_supplier(seeded):
    w3, env, record, *_ = seeded
    tenders = at(w3, "Tenders", record["contracts"]["Tenders"]["address"])
    tender_id = [t.state for t in demo.TENDERS].index("reveal") + 1
    [sealed] = [bid for bid in demo.tender("reveal").bids if not bid.revealed]
    bidder = w3.eth.accounts[demo.organization(sealed.supplier).account_index]
    commitment, sequence, revealed, _, _ = tenders.functions.bid(tender_id, bidder).call()
    assert sequence != 0 and not revealed
    key = BidKey(31337, w3.eth.get_block(0)["hash"].to_0x_hex(), tenders.address, tender_id, bidder)
    store = SealedBidStore(os.path.join(env["MEDCHAIN_DATA"], "sealed-bids"))
    kept = store.find(key, commitment)
    assert kept.price == sealed.price
    assert oct(os.stat(store.folder(key) / f"0x{kept.commitment.hex()}.json").st_mode & 0o777) == "0o600"
