"""Tenders against a hostile party, each test played as the attacker would play it (issue 12):

- a hospital that withholds receipt, races `terminate` against the winner's `acceptDelivery`,
  rejects late, is suspended mid-contract, or awards late;
- a supplier that counts old, pre-tagged or foreign shipments as deliveries, bids on its own
  tender, or wins with a price it never means to secure;
- parameter sanity and the contracts' wiring.

Each of these took money or goods on the contracts before the fixes (findings 1, 3, 5, 6, 9 and
10 of the issue); `docs/SECURITY.md` points here."""

import pytest
from eth_abi import encode
from eth_tester import EthereumTester, PyEVMBackend
from web3 import EthereumTesterProvider, Web3

from dapp.roles import Role
from dapp.tenders.typed_data import new_salt
from tests.conftest import DAY, REASON_CID
from tests.contracts.tenders.conftest import PRICES, drive_tender
from tests.contracts.tenders.helpers import (
    AWARD_WINDOW,
    BID_SECURITY,
    MAX_PRICE,
    PERFORMANCE_SECURITY_BPS,
    QUANTITY,
    RECEIPT_PERIOD,
    TERMINATION_DELAY,
    ZERO_ADDRESS,
    Status,
    as_tuple,
    assert_event,
    assert_tender,
    commitment_of,
    reverts_with,
)

PRICE = PRICES[0]
SECURITY = PRICE * PERFORMANCE_SECURITY_BPS // 10_000
RECEIVED, REJECTED, RECLAIMED = 2, 3, 4


@pytest.fixture
def contracted(tender_world):
    tender_id, _ = drive_tender(tender_world, "contracted")
    return tender_id


@pytest.fixture
def awarded(tender_world):
    tender_id, _ = drive_tender(tender_world, "awarded")
    return tender_id


@pytest.fixture
def at(chain):
    """Set the next block's time."""

    def at(timestamp):
        chain.pending_timestamp = timestamp

    return at


# --- the hostile hospital ------------------------------------------------------------------------


def test_withheld_receipt__hospital_cannot_terminate_and_the_delivery_counts(
    tenders, custody, token, contracted, winner_stock, deliver, supplier, active_hospital, at
):
    """Finding 1: the winner ships everything in time; the hospital leaves it in transit and
    tries to terminate after the deadline, to keep the price, the security and the goods."""
    shipment_id, record = deliver(contracted, winner_stock, QUANTITY, receive=False)
    deadline = tenders.tender(contracted).deliveryDeadline
    at(deadline + 1)
    with reverts_with(tenders, "DeliveriesStillDue", tenderId=contracted, until=deadline + TERMINATION_DELAY):
        tenders.terminate(contracted, sender=active_hospital)
    # Unanswered past the receipt period (it ended before the deadline), the delivery counts: the
    # winner is paid in full.
    assert record[6] + RECEIPT_PERIOD < deadline
    tx = tenders.acceptDelivery(contracted, shipment_id, record, sender=supplier)
    assert_event(tx, tenders.TenderCompleted, tenderId=contracted, winner=supplier, paid=PRICE, securityReturned=SECURITY)
    # The hospital can no longer refuse the counted goods, and the shipper cannot take them back.
    with reverts_with(custody, "ReceiptPeriodOver", shipmentId=shipment_id, deadline=record[6] + RECEIPT_PERIOD):
        custody.reject(shipment_id, record, REASON_CID, sender=active_hospital)
    custody.settleUnanswered(shipment_id, record, sender=supplier)
    assert custody.shipmentStatus(shipment_id, record) == RECEIVED
    assert custody.balanceOf(record[0], active_hospital) == QUANTITY
    assert tenders.owed(supplier) == BID_SECURITY + PRICE + SECURITY
    with reverts_with(tenders, "WrongStatus", tenderId=contracted, status=Status.COMPLETED):
        tenders.terminate(contracted, sender=active_hospital)


def test_racing_terminate__receipt_just_before_deadline__winner_still_counts(
    tenders, contracted, winner_stock, deliver, supplier, active_hospital, at
):
    """Finding 1, the milder form: receive just before the deadline, then terminate before the
    winner's acceptDelivery."""
    deadline = tenders.tender(contracted).deliveryDeadline
    at(deadline - 60)
    shipment_id, record = deliver(contracted, winner_stock, QUANTITY)
    at(deadline + 1)

    with reverts_with(tenders, "DeliveriesStillDue", tenderId=contracted, until=deadline + TERMINATION_DELAY):
        tenders.terminate(contracted, sender=active_hospital)
    tenders.acceptDelivery(contracted, shipment_id, record, sender=supplier)

    assert tenders.tender(contracted).status == Status.COMPLETED


def test_withheld_receipt__late_shipment_after_termination__goods_back_to_the_winner(
    tenders, custody, contracted, winner_stock, deliver, supplier, active_hospital, at
):
    """No free goods: a delivery shipped after the deadline that the hospital lets sit in transit
    until it terminates goes back to the shipper, unpaid and unpaid for."""
    deadline = tenders.tender(contracted).deliveryDeadline
    at(deadline + 1)
    shipment_id, record = deliver(contracted, winner_stock, QUANTITY, receive=False)
    at(deadline + TERMINATION_DELAY + 1)
    tenders.terminate(contracted, sender=active_hospital)
    assert record[6] + RECEIPT_PERIOD < deadline + TERMINATION_DELAY  # unanswered past its receipt period

    with reverts_with(tenders, "WrongStatus", tenderId=contracted, status=Status.TERMINATED):
        tenders.acceptDelivery(contracted, shipment_id, record, sender=supplier)
    custody.settleUnanswered(shipment_id, record, sender=supplier)

    assert custody.shipmentStatus(shipment_id, record) == RECLAIMED
    assert custody.balanceOf(record[0], supplier) == QUANTITY
    assert custody.balanceOf(record[0], active_hospital) == 0


def test_in_transit_within_receipt_period__not_counted(tenders, contracted, winner_stock, deliver, supplier, at):
    """The winner cannot count goods the hospital still has time to inspect and refuse."""
    shipment_id, record = deliver(contracted, winner_stock, 10, receive=False)
    at(record[6] + RECEIPT_PERIOD)

    with reverts_with(tenders, "NotATenderDelivery", tenderId=contracted, shipmentId=shipment_id):
        tenders.acceptDelivery(contracted, shipment_id, record, sender=supplier)


def test_suspended_hospital__cannot_terminate__winner_leaves_with_its_security(
    tenders, participants, regulator, contracted, winner_stock, deliver, supplier, active_hospital, at
):
    """Finding 6: a suspended hospital cannot take delivery, so it may not terminate for want of
    one; the winner may leave at once, paid for what it delivered, its security returned."""
    shipment_id, record = deliver(contracted, winner_stock, 40)
    tenders.acceptDelivery(contracted, shipment_id, record, sender=supplier)
    participants.suspend(active_hospital, REASON_CID, sender=regulator)
    at(tenders.tender(contracted).deliveryDeadline + TERMINATION_DELAY + 1)
    with reverts_with(tenders, "ParticipantNotActive", account=active_hospital, role=Role.MEDICAL_ORGANIZATION):
        tenders.terminate(contracted, sender=active_hospital)

    tx = tenders.terminate(contracted, sender=supplier)

    paid = PRICE * 40 // QUANTITY
    assert_event(tx, tenders.TenderTerminated, tenderId=contracted, delivered=40, paidToSupplier=paid,
                 toHospital=PRICE - paid, securityForfeited=0)
    assert tenders.owed(supplier) == BID_SECURITY + paid + SECURITY


def test_suspended_hospital__winner_leaves_before_the_deadline(
    tenders, participants, regulator, contracted, supplier, active_hospital
):
    participants.suspend(active_hospital, REASON_CID, sender=regulator)

    tx = tenders.terminate(contracted, sender=supplier)

    assert_event(tx, tenders.TenderTerminated, tenderId=contracted, delivered=0, paidToSupplier=0, toHospital=PRICE,
                 securityForfeited=0)


def test_late_award__delivery_deadline_moves_with_the_delay(tenders, tender_world, outsider, at):
    """Finding 9: an award long after the hospital's window must not leave the winner a security
    deadline after delivery is due."""
    tender_id, _ = drive_tender(tender_world, "revealed")
    before = tenders.tender(tender_id)
    late = 40 * DAY
    award_at = before.revealDeadline + AWARD_WINDOW + late
    at(award_at)

    tenders.award(tender_id, sender=outsider)

    after = tenders.tender(tender_id)
    assert after.deliveryDeadline == before.deliveryDeadline + late
    assert after.securityDeadline == award_at + before.securityWindow < after.deliveryDeadline
    # The winner keeps the time it was promised between its security deadline and the delivery.
    on_time = before.revealDeadline + AWARD_WINDOW + before.securityWindow
    assert after.deliveryDeadline - after.securityDeadline == before.deliveryDeadline - on_time


# --- shipment provenance (finding 3) -------------------------------------------------------------


def test_provenance__shipped_before_the_contract__not_counted(
    tenders, awarded, winner_stock, deliver, supplier, active_hospital
):
    """Shipped (tagged) while the tender was only awarded: old stock, not this contract's."""
    shipment_id, record = deliver(awarded, winner_stock, QUANTITY)
    tenders.postPerformanceSecurity(awarded, sender=supplier)

    with reverts_with(tenders, "NotATenderDelivery", tenderId=awarded, shipmentId=shipment_id):
        tenders.acceptDelivery(awarded, shipment_id, record, sender=supplier)


def test_provenance__pre_tagged_with_the_next_tender_id__not_counted(
    tenders, tender_world, winner_stock, deliver, supplier
):
    """Routine stock shipped tagged with the next (predictable) tender id, before it exists."""
    next_id = tenders.tenderCount() + 1
    shipment_id, record = deliver(next_id, winner_stock, QUANTITY)
    tender_id, _ = drive_tender(tender_world, "contracted")
    assert tender_id == next_id

    with reverts_with(tenders, "NotATenderDelivery", tenderId=tender_id, shipmentId=shipment_id):
        tenders.acceptDelivery(tender_id, shipment_id, record, sender=supplier)


@pytest.fixture
def other_tenders(project, deployer, participants, resources, custody, token):
    """A second Tenders deployment on the same registries and ledger."""
    return project.Tenders.deploy(participants, resources, custody, token, sender=deployer)


def test_provenance__tagged_for_another_deployment__not_counted(
    tenders, other_tenders, contracted, winner_stock, deliver, supplier
):
    """The same tender id on another Tenders contract: a delivery there is not one here."""
    shipment_id, record = deliver(contracted, winner_stock, QUANTITY, tagged_for=other_tenders)

    with reverts_with(tenders, "NotATenderDelivery", tenderId=contracted, shipmentId=shipment_id):
        tenders.acceptDelivery(contracted, shipment_id, record, sender=supplier)
    # Nor can its terms be rewritten to name this contract: Custody's digest tells.
    forged = record[:4] + (tenders.address,) + record[5:]
    with reverts_with(tenders, "NotATenderDelivery", tenderId=contracted, shipmentId=shipment_id):
        tenders.acceptDelivery(contracted, shipment_id, forged, sender=supplier)


def test_provenance__shipped_after_conclusion__counted(tenders, contracted, winner_stock, deliver, supplier):
    shipment_id, record = deliver(contracted, winner_stock, 10)

    assert record[6] >= tenders.tender(contracted).concludedAt > 0
    tenders.acceptDelivery(contracted, shipment_id, record, sender=supplier)
    assert tenders.tender(contracted).delivered == 10


# --- the hostile bidder (findings 5 and 6) -------------------------------------------------------


def test_own_tender__hospital_that_also_supplies__cannot_bid(
    tenders, create_organization, fund, tender_params, products, pharmacy
):
    dual = create_organization(pharmacy, Role.MEDICAL_ORGANIZATION | Role.SUPPLIER)
    fund(dual)

    tx = tenders.createTender(as_tuple(tender_params()), sender=dual)
    tender_id = tx.decode_logs(tenders.TenderCreated)[0].tenderId

    with reverts_with(tenders, "OwnTender", tenderId=tender_id, bidder=dual):
        tenders.commitBid(tender_id, commitment_of(tenders, tender_id, dual, 1, new_salt()), sender=dual)


def test_one_kopeck_winner_never_secures__contract_passes_to_the_runner_up(
    tenders, token, create_tender, commit, reveal, to_reveal_period, after_reveal, supplier, second_supplier,
    third_supplier, active_hospital, at,
):
    """A bidder wins at one kopeck to void the tender once prices are known: it loses its bid
    security and the next price gets the contract."""
    tender_id = create_tender()
    bids = {supplier: 1, second_supplier: 880_000, third_supplier: 910_000}
    salts = {bidder: commit(tender_id, bidder, price) for bidder, price in bids.items()}
    to_reveal_period(tender_id)
    for bidder, price in bids.items():
        reveal(tender_id, bidder, price, salts[bidder])
    after_reveal(tender_id)
    tenders.award(tender_id, sender=active_hospital)
    assert_tender(tenders, tender_id, winner=supplier, price=1, runnerUp=second_supplier)
    at(tenders.tender(tender_id).securityDeadline + 1)

    tenders.failUnsecured(tender_id, sender=active_hospital)

    assert_tender(tenders, tender_id, status=Status.AWARDED, winner=second_supplier, price=880_000, runnerUp=ZERO_ADDRESS)
    assert tenders.held(tender_id) == 880_000 + 2 * BID_SECURITY
    tenders.postPerformanceSecurity(tender_id, sender=second_supplier)
    assert tenders.tender(tender_id).status == Status.CONTRACTED
    assert tenders.owed(active_hospital) == MAX_PRICE - 880_000 + BID_SECURITY


def test_runner_up_by_price_then_sequence(tenders, create_tender, commit, reveal, to_reveal_period, suppliers):
    """The runner-up is the second in the award's own order, whatever the reveal order."""
    a, b, c = suppliers
    tender_id = create_tender()
    prices = {a: 900_000, b: 900_000, c: 700_000}
    salts = {bidder: commit(tender_id, bidder, price) for bidder, price in prices.items()}
    to_reveal_period(tender_id)
    for bidder in (b, c, a):  # a ties b at 900,000 and committed first: a is second
        reveal(tender_id, bidder, prices[bidder], salts[bidder])

    assert_tender(tenders, tender_id, winner=c, runnerUp=a)


def test_suspended_winner__cannot_secure__runner_up_gets_the_contract(
    tenders, participants, regulator, awarded, supplier, second_supplier, at
):
    """A suspended supplier may not bind itself to a contract it could not deliver."""
    participants.suspend(supplier, REASON_CID, sender=regulator)
    with reverts_with(tenders, "ParticipantNotActive", account=supplier, role=Role.SUPPLIER):
        tenders.postPerformanceSecurity(awarded, sender=supplier)
    at(tenders.tender(awarded).securityDeadline + 1)

    tenders.failUnsecured(awarded, sender=second_supplier)

    assert tenders.tender(awarded).winner == second_supplier.address
    tenders.postPerformanceSecurity(awarded, sender=second_supplier)
    assert tenders.tender(awarded).status == Status.CONTRACTED


# --- the contracts' wiring and the chain (finding 10) --------------------------------------------


def test_deploy__contracts_not_wired__reverts(project, deployer, participants, resources, custody, token, regulator):
    foreign_participants = project.Participants.deploy(regulator, REASON_CID, sender=deployer)
    foreign_custody = project.Custody.deploy(foreign_participants, resources, sender=deployer)
    unnamed_custody = project.Custody.deploy(participants, resources, sender=deployer)

    for wrong in ((foreign_participants, resources, custody), (participants, resources, foreign_custody),
                  (participants, resources, unnamed_custody)):
        with reverts_with(project.Tenders, "ContractsNotWired"):
            project.Tenders.deploy(*wrong, token, sender=deployer)


@pytest.mark.parametrize("fork", ["ShanghaiVM", "CancunVM"])
def test_deploy__chain_without_transient_storage__refused(project, fork):
    """The reentrancy guard needs EIP-1153: on a chain without it the deployment itself fails
    (at its TSTORE probe), rather than every withdrawal later. On Cancun the same init code gets
    past the probe to its first check (zero addresses here: ZeroAddress())."""
    from eth import vm

    backend = PyEVMBackend(vm_configuration=((0, getattr(vm.forks, fork)),))
    w3 = Web3(EthereumTesterProvider(EthereumTester(backend)))
    init = project.Tenders.contract_type.deployment_bytecode.bytecode
    data = init + encode(["address"] * 4, [ZERO_ADDRESS] * 4).hex()

    with pytest.raises(Exception) as failure:
        w3.eth.call({"from": w3.eth.accounts[0], "data": data, "gas": 5_000_000})

    if fork == "ShanghaiVM":
        assert "Invalid opcode 0x5d" in str(failure.value)  # TSTORE
    else:
        assert "\\xd9.#=" in str(failure.value)  # ZeroAddress()'s selector, 0xd92e233d


def test_commitment__names_chain_and_contract(tenders, other_tenders, supplier):
    salt = new_salt()
    here = tenders.commitmentOf(1, supplier, PRICE, salt)

    assert here != other_tenders.commitmentOf(1, supplier, PRICE, salt)
    assert bytes(here) == commitment_of(tenders, 1, supplier, PRICE, salt)


# --- a stolen key: the successor takes over what is owed ----------------------------------------


def test_claim_owed_of__successor_takes_over_what_the_stolen_key_was_owed(
    tenders, token, participants, regulator, awarded, active_hospital, outsider
):
    owed = tenders.owed(active_hospital)
    assert owed > 0
    participants.move_to_successor(active_hospital, outsider, sender=regulator)

    tx = tenders.claimOwedOf(active_hospital, sender=outsider)

    assert_event(tx, tenders.OwedMovedToSuccessor, predecessor=active_hospital, successor=outsider, amount=owed)
    assert tenders.owed(active_hospital) == 0
    assert tenders.owed(outsider) == owed
    # The stolen key finds nothing left to withdraw.
    with reverts_with(tenders, "NothingOwed", account=active_hospital):
        tenders.withdraw(sender=active_hospital)
    balance = token.balanceOf(outsider)
    tenders.withdraw(sender=outsider)
    assert token.balanceOf(outsider) == balance + owed


def test_claim_owed_of__not_the_successor__reverts(tenders, awarded, active_hospital, supplier):
    with reverts_with(tenders, "NotSuccessor", predecessor=active_hospital, account=supplier):
        tenders.claimOwedOf(active_hospital, sender=supplier)


def test_claim_owed_of__nothing_owed__reverts(tenders, participants, regulator, third_supplier, outsider):
    participants.move_to_successor(third_supplier, outsider, sender=regulator)

    with reverts_with(tenders, "NothingOwed", account=third_supplier):
        tenders.claimOwedOf(third_supplier, sender=outsider)
