"""Custody: commissioning into custody, shipments (stored as the digest of their terms, closed
with those terms given back), recalls reported by Resources, decommissioning of units counted
per holder, undo of a dispense, and the one-call verdict data."""

from contextlib import contextmanager

import ape
import pytest

from dapp.actions.custody import shipment_record
from dapp.verification.merkle import SerialTree, leaf_hash, leaf_of_unit_hash, unit_hash
from dapp.roles import BatchStatus, Role, ShipmentStatus
from tests.conftest import (
    DAY,
    DOCUMENTS_CID,
    GTIN,
    ORGANIZATION_CID,
    OTHER_GTIN,
    REASON_CID,
    WAYBILL_CID,
    batch_id_of,
    serials_for,
)
from tests.contracts.test_payment_token import custom_error
from tests.contracts.tree_nodes import inner_nodes

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
ZERO_BYTES32 = b"\x00" * 32

CUSTODY_ROLES = 2 | 4 | 8 | 16 | 32
MANUFACTURER_ROLE = 2

DISPENSED, DESTROYED, STOLEN, EXPORTED, SAMPLE = 1, 2, 3, 4, 5
REASONS = [DISPENSED, DESTROYED, STOLEN, EXPORTED, SAMPLE]
OTHER_REASONS = [DESTROYED, STOLEN, EXPORTED, SAMPLE]
IN_TRANSIT, RECEIVED, REJECTED = ShipmentStatus.IN_TRANSIT, ShipmentStatus.RECEIVED, ShipmentStatus.REJECTED
GRACE_PERIOD = 10 * DAY

LOT = "L001"
OTHER_LOT = "L002"
TENDER_ID = 42
QUALITY_DEFECT = 1

RETIREMENTS = [
    pytest.param("recall_batch", BatchStatus.RECALLED, id="recall"),
    pytest.param("withdraw_batch", BatchStatus.WITHDRAWN, id="withdraw"),
]
RECORD_FIELDS = ["batchId", "shipper", "consignee", "quantity", "tenders", "tenderId", "shippedAt"]


@contextmanager
def reverts_with(contract, name, **inputs):
    """Expect the custom error `name` with exactly these inputs (`ape.reverts` alone is loose)."""
    with ape.reverts(getattr(contract, name)) as info:
        yield info
    assert custom_error(info, contract) == (name, inputs)


def record_of(batch_id, shipper, consignee, quantity, tender_id=0, tenders=ZERO_ADDRESS, shipped_at=None):
    """A ShipmentRecord tuple, as `dapp.actions.custody.shipment_record` builds it from a `Shipped` log;
    shipped at the last block's time unless told."""
    def address(account):
        return getattr(account, "address", account)

    shipped_at = ape.chain.blocks.head.timestamp if shipped_at is None else shipped_at
    return (batch_id, address(shipper), address(consignee), quantity, address(tenders), tender_id, shipped_at)


def altered(record, field, value):
    """`record` with one of its terms replaced."""
    terms = list(record)
    terms[RECORD_FIELDS.index(field)] = value
    return tuple(terms)


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def tender_answers(project, deployer):
    """A stand-in tender contract whose `isDeliveryCounted` answer a test sets (counted, not
    counted, or a hostile answer: revert, burn gas, a megabyte, a non-bool)."""
    return project.TenderAnswers.deploy(sender=deployer)


@pytest.fixture
def active_distributor(create_organization, distributor):
    return create_organization(distributor, Role.DISTRIBUTOR)


@pytest.fixture
def active_hospital(create_organization, hospital):
    return create_organization(hospital, Role.MEDICAL_ORGANIZATION)


@pytest.fixture
def active_pharmacy(create_organization, pharmacy):
    return create_organization(pharmacy, Role.PHARMACY)


@pytest.fixture
def active_supplier(create_organization, supplier):
    return create_organization(supplier, Role.SUPPLIER)


@pytest.fixture
def active_other_manufacturer(create_organization, other_manufacturer):
    return create_organization(other_manufacturer, Role.MANUFACTURER)


@pytest.fixture
def regulator_only(create_organization, second_regulator):
    """An active organization whose only role is REGULATOR: it may not hold custody."""
    return create_organization(second_regulator, Role.REGULATOR)


@pytest.fixture
def applied(participants, applicant):
    participants.apply(ORGANIZATION_CID, sender=applicant)
    return applicant


@pytest.fixture
def suspend(participants, regulator):
    def suspend(account):
        participants.suspend(account, REASON_CID, sender=regulator)
        return account

    return suspend


@pytest.fixture
def other_custody(project, deployer, participants, resources, custody):
    """A second Custody on the same registries, which `Resources` does not name (it names
    `custody`)."""
    return project.Custody.deploy(participants, resources, sender=deployer)


@pytest.fixture
def batch(create_custody_batch):
    """The batch LOT, 8 units, with the manufacturer: (batch_id, tree, serials)."""
    return create_custody_batch(lot=LOT, quantity=8)


@pytest.fixture
def batch_id(batch):
    return batch[0]


@pytest.fixture
def other_batch(create_custody_batch):
    return create_custody_batch(lot=OTHER_LOT, quantity=4)


@pytest.fixture
def ship(custody, active_manufacturer):
    """Ship `quantity` units of `batch_id` from `sender` (the manufacturer) to `to`; returns the
    transaction."""

    def ship(batch_id, to, quantity=3, sender=None, tender_id=0, cid=WAYBILL_CID, tenders=None):
        if tender_id:
            return custody.shipForTender(batch_id, to, quantity, tenders, tender_id, cid, sender=sender or active_manufacturer)
        return custody.ship(batch_id, to, quantity, cid, sender=sender or active_manufacturer)

    return ship


@pytest.fixture
def to_distributor(batch_id, active_distributor, create_shipment):
    """3 units of the batch in transit from the manufacturer to the distributor:
    (shipment_id, record)."""
    return create_shipment(batch_id, active_distributor, 3)


@pytest.fixture
def stocked_pharmacy(custody, batch, active_pharmacy, create_shipment):
    """The pharmacy received 5 units of the batch from the manufacturer (shipment 1)."""
    shipment_id, record = create_shipment(batch[0], active_pharmacy, 5)
    custody.receiveShipment(shipment_id, record, sender=active_pharmacy)
    return active_pharmacy


@pytest.fixture
def decommission(custody, batch):
    """Decommission `serial` of the batch (its own proof by default) by `sender`."""

    def decommission(sender, serial=None, reason=DISPENSED, batch_=None, proof=None):
        batch_id, tree, serials = batch_ or batch
        serial = serial if serial is not None else serials[0]
        leaf = leaf_hash(GTIN, serial)
        return custody.decommission(
            batch_id, unit_hash(GTIN, serial), tree.proof(leaf) if proof is None else proof, reason, sender=sender
        )

    return decommission


def assert_ledger(custody, batch_id, *, commissioned, in_transit, expires=None, status=None):
    ledger = custody.ledger(batch_id)
    assert ledger.commissioned == commissioned
    assert ledger.inTransit == in_transit
    if expires is not None:
        assert ledger.expires == expires
    if status is not None:
        assert ledger.status == status


def assert_holding(custody, batch_id, holder, *, balance, decommissioned, ever_held):
    holding = custody.holding(batch_id, holder)
    assert holding.balance == balance
    assert holding.decommissioned == decommissioned
    assert holding.everHeld is ever_held
    assert custody.balanceOf(batch_id, holder) == balance
    assert custody.everHeld(batch_id, holder) is ever_held


def assert_conserved(custody, batch_id, holders):
    """Sum over the holders of balance + decommissioned, + in transit == commissioned."""
    ledger = custody.ledger(batch_id)
    holdings = [custody.holding(batch_id, holder) for holder in holders]
    assert sum(h.balance + h.decommissioned for h in holdings) + ledger.inTransit == ledger.commissioned


# --- deployment, constants, interfaces -------------------------------------------------------


def test_deploy__wired_to_registries(custody, participants, resources):
    assert custody.participants() == participants.address
    assert custody.resources() == resources.address
    assert custody.shipmentCount() == 0
    # The fixture's regulator named it: Resources reports recalls to it.
    assert resources.custody() == custody.address


def test_constants(custody):
    assert custody.GRACE_PERIOD() == GRACE_PERIOD == 864_000
    assert custody.MANUFACTURER_ROLE() == Role.MANUFACTURER
    assert custody.CUSTODY_ROLES() == int(
        Role.MANUFACTURER | Role.DISTRIBUTOR | Role.MEDICAL_ORGANIZATION | Role.PHARMACY | Role.SUPPLIER
    )
    assert custody.BATCH_ACTIVE() == BatchStatus.ACTIVE
    assert [custody.DISPENSED(), custody.DESTROYED(), custody.STOLEN(), custody.EXPORTED(), custody.SAMPLE()] == REASONS
    assert [custody.IN_TRANSIT(), custody.RECEIVED(), custody.REJECTED()] == [1, 2, 3]
    assert [custody.IN_TRANSIT(), custody.RECEIVED(), custody.REJECTED()] == [
        ShipmentStatus.IN_TRANSIT,
        ShipmentStatus.RECEIVED,
        ShipmentStatus.REJECTED,
    ]


@pytest.mark.parametrize("which", ["participants", "resources", "both"])
def test_deploy__zero_address__reverts(project, deployer, participants, resources, which):
    arguments = {
        "participants": (ZERO_ADDRESS, resources),
        "resources": (participants, ZERO_ADDRESS),
        "both": (ZERO_ADDRESS, ZERO_ADDRESS),
    }[which]

    with reverts_with(project.Custody, "ZeroAddress"):
        project.Custody.deploy(*arguments, sender=deployer)


def _abi_signature(entry):
    """A comparable form of an ABI entry: kind, name, typed (and named) inputs and outputs."""

    def params(items):
        return tuple(
            (item.name or "", item.canonical_type, bool(getattr(item, "indexed", False))) for item in items or ()
        )

    return (
        entry.type,
        entry.name,
        params(entry.inputs),
        params(getattr(entry, "outputs", None)),
        getattr(entry, "stateMutability", None),
    )


@pytest.mark.parametrize(
    "interface,contract,missing",
    [("IParticipants", "Participants", {"apply"}), ("IResources", "Resources", set())],
)
def test_interface__matches_vyper_abi(project, interface, contract, missing):
    # `apply` is a reserved word in Solidity: the interface cannot declare it.
    solidity = {_abi_signature(e) for e in getattr(project, interface).contract_type.abi if e.type != "constructor"}
    vyper = {
        _abi_signature(e)
        for e in getattr(project, contract).contract_type.abi
        if e.type != "constructor" and getattr(e, "name", None) not in missing
    }

    assert solidity == vyper


def test_interface__structs_decoded_by_solidity(custody, resources, create_custody_batch, active_manufacturer):
    # Vyper returns structs as ABI tuples: Custody reads the Batch (commission, verdictData) and
    # the Product with its four strings at their longest (verdictData).
    resources.register_product(
        GTIN, 2, "N" * 256, "F" * 192, "c" * 100, "d" * 100, sender=active_manufacturer
    )
    batch_id, tree, serials = create_custody_batch(quantity=3)
    stored = resources.batch_by_id(batch_id)

    data = custody.verdictData(GTIN, LOT, leaf_hash(GTIN, serials[0]), tree.proof_for(GTIN, serials[0]), ZERO_ADDRESS)

    assert data.productManufacturer == active_manufacturer.address == resources.product(GTIN).manufacturer
    assert data.manufactured == stored.manufactured
    assert data.expires == stored.expires
    assert data.quantity == stored.quantity == 3
    assert data.documentsCidHash == stored.documents_cid_hash
    assert data.batchStatus == stored.status == BatchStatus.ACTIVE
    assert data.inBatch is True
    assert_ledger(custody, batch_id, commissioned=3, in_transit=0, expires=stored.expires, status=BatchStatus.ACTIVE)


# --- commission ------------------------------------------------------------------------------


def test_commission(custody, resources, create_batch, active_manufacturer):
    tree = SerialTree.of(GTIN, serials_for(LOT, 8))
    create_batch(lot=LOT, quantity=8, root=tree.root)

    tx = custody.commission(GTIN, LOT, sender=active_manufacturer)

    expected_id = resources.batch_id(GTIN, LOT)
    assert expected_id == batch_id_of(GTIN, LOT)
    logs = tx.decode_logs(custody.Commissioned)
    assert len(logs) == 1
    assert logs[0].batchId == expected_id
    assert logs[0].gtin == GTIN
    assert logs[0].manufacturer == active_manufacturer.address
    assert logs[0].lot == LOT
    assert logs[0].quantity == 8
    expires = resources.batch_by_id(expected_id).expires
    assert_ledger(custody, expected_id, commissioned=8, in_transit=0, expires=expires, status=BatchStatus.ACTIVE)
    assert_holding(custody, expected_id, active_manufacturer, balance=8, decommissioned=0, ever_held=True)


def test_commission__several_batches__own_ledgers(custody, resources, create_custody_batch, active_manufacturer):
    first, _, _ = create_custody_batch(lot="A", quantity=2, expires_in=100 * DAY)
    second, _, _ = create_custody_batch(lot="B", quantity=3, expires_in=200 * DAY)
    third, _, _ = create_custody_batch(lot="A", gtin=OTHER_GTIN, quantity=1, expires_in=300 * DAY)

    for batch_id, quantity in ((first, 2), (second, 3), (third, 1)):
        expires = resources.batch_by_id(batch_id).expires
        assert_ledger(custody, batch_id, commissioned=quantity, in_transit=0, expires=expires, status=BatchStatus.ACTIVE)
        assert_holding(custody, batch_id, active_manufacturer, balance=quantity, decommissioned=0, ever_held=True)
    assert len({custody.ledger(b).expires for b in (first, second, third)}) == 3


def test_commission__expired_batch__accepted(chain, custody, create_custody_batch, active_manufacturer):
    # Status ACTIVE is what counts: an expired batch still has to be tracked to its destruction.
    batch_id, _, _ = create_custody_batch(quantity=2, expires_in=DAY)
    chain.mine(timestamp=chain.pending_timestamp + 2 * DAY)

    assert custody.balanceOf(batch_id, active_manufacturer) == 2
    assert custody.ledger(batch_id).expires < chain.pending_timestamp


def test_commission__largest_quantity_and_expiry__stored(chain, custody, resources, create_product, active_manufacturer):
    create_product(gtin=GTIN)
    resources.commission_batch(
        GTIN, LOT, chain.pending_timestamp - DAY, 2**40 - 1, 2**64 - 1, b"\x11" * 32, DOCUMENTS_CID, DOCUMENTS_CID,
        sender=active_manufacturer
    )

    custody.commission(GTIN, LOT, sender=active_manufacturer)

    batch_id = batch_id_of(GTIN, LOT)
    assert_ledger(custody, batch_id, commissioned=2**64 - 1, in_transit=0, expires=2**40 - 1, status=BatchStatus.ACTIVE)
    assert_holding(custody, batch_id, active_manufacturer, balance=2**64 - 1, decommissioned=0, ever_held=True)


def test_commission__other_custody_untouched(custody, create_custody_batch, active_manufacturer):
    create_custody_batch(lot=LOT, quantity=2)

    other = batch_id_of(GTIN, OTHER_LOT)
    assert_holding(custody, other, active_manufacturer, balance=0, decommissioned=0, ever_held=False)
    assert_ledger(custody, other, commissioned=0, in_transit=0, expires=0, status=0)


def test_commission__twice__reverts(custody, batch_id, active_manufacturer):
    with reverts_with(custody, "BatchAlreadyCommissioned", batchId=batch_id):
        custody.commission(GTIN, LOT, sender=active_manufacturer)

    assert_holding(custody, batch_id, active_manufacturer, balance=8, decommissioned=0, ever_held=True)
    assert custody.ledger(batch_id).commissioned == 8


def test_commission__recalled_after_commissioning__still_already_commissioned(
    custody, resources, batch_id, active_manufacturer
):
    resources.recall_batch(GTIN, LOT, QUALITY_DEFECT, REASON_CID, sender=active_manufacturer)

    with reverts_with(custody, "BatchAlreadyCommissioned", batchId=batch_id):
        custody.commission(GTIN, LOT, sender=active_manufacturer)


def test_commission__no_custody_named_in_resources__reverts(
    project, deployer, participants, resources, create_batch, active_manufacturer
):
    # Resources would report recalls to no one: the batch may not enter.
    unnamed = project.Custody.deploy(participants, resources, sender=deployer)
    create_batch(lot=LOT)
    assert resources.custody() == ZERO_ADDRESS

    with reverts_with(unnamed, "NotResourcesCustody", registered=ZERO_ADDRESS):
        unnamed.commission(GTIN, LOT, sender=active_manufacturer)

    assert unnamed.ledger(batch_id_of(GTIN, LOT)).commissioned == 0
    assert unnamed.balanceOf(batch_id_of(GTIN, LOT), active_manufacturer) == 0


def test_commission__other_custody_named_in_resources__reverts(
    custody, other_custody, create_batch, active_manufacturer
):
    create_batch(lot=LOT)

    with reverts_with(other_custody, "NotResourcesCustody", registered=custody.address):
        other_custody.commission(GTIN, LOT, sender=active_manufacturer)

    assert other_custody.ledger(batch_id_of(GTIN, LOT)).commissioned == 0
    # The named one takes the batch.
    custody.commission(GTIN, LOT, sender=active_manufacturer)
    assert custody.ledger(batch_id_of(GTIN, LOT)).commissioned == 1000


@pytest.mark.parametrize("caller", ["active_manufacturer", "stranger", "regulator"])
def test_commission__custody_not_named__checked_first(request, other_custody, custody, caller):
    # No batch, no product: the ledger refuses before looking at anything else.
    account = request.getfixturevalue(caller)

    with reverts_with(other_custody, "NotResourcesCustody", registered=custody.address):
        other_custody.commission(OTHER_GTIN, "NO-SUCH-LOT", sender=account)


@pytest.mark.parametrize(
    "gtin,lot", [(GTIN, OTHER_LOT), (OTHER_GTIN, LOT), (GTIN, "L" * 21)], ids=["unknown_lot", "unknown_product", "long_lot"]
)
def test_commission__unknown_batch__reverts(custody, create_batch, active_manufacturer, gtin, lot):
    create_batch(lot=LOT)

    with reverts_with(custody, "UnknownBatch", batchId=batch_id_of(gtin, lot)):
        custody.commission(gtin, lot, sender=active_manufacturer)


@pytest.mark.parametrize(
    "caller", ["active_other_manufacturer", "active_distributor", "stranger", "regulator", "applied"]
)
def test_commission__not_the_batch_manufacturer__reverts(request, custody, create_batch, caller):
    create_batch(lot=LOT)
    account = request.getfixturevalue(caller)

    with reverts_with(custody, "NotBatchManufacturer", batchId=batch_id_of(GTIN, LOT), account=account.address):
        custody.commission(GTIN, LOT, sender=account)

    assert custody.ledger(batch_id_of(GTIN, LOT)).commissioned == 0


def test_commission__suspended_manufacturer__reverts(custody, create_batch, active_manufacturer, suspend):
    create_batch(lot=LOT)
    suspend(active_manufacturer)

    with reverts_with(custody, "ParticipantNotActive", account=active_manufacturer.address, roles=MANUFACTURER_ROLE):
        custody.commission(GTIN, LOT, sender=active_manufacturer)

    assert custody.balanceOf(batch_id_of(GTIN, LOT), active_manufacturer) == 0


def test_commission__revoked_manufacturer__reverts(custody, participants, regulator, create_batch, active_manufacturer):
    create_batch(lot=LOT)
    participants.revoke(active_manufacturer, REASON_CID, sender=regulator)

    with reverts_with(custody, "ParticipantNotActive", account=active_manufacturer.address, roles=MANUFACTURER_ROLE):
        custody.commission(GTIN, LOT, sender=active_manufacturer)


def test_commission__manufacturer_role_removed__reverts(
    custody, participants, regulator, create_batch, active_manufacturer
):
    create_batch(lot=LOT)
    participants.set_roles(active_manufacturer, int(Role.DISTRIBUTOR), sender=regulator)

    with reverts_with(custody, "ParticipantNotActive", account=active_manufacturer.address, roles=MANUFACTURER_ROLE):
        custody.commission(GTIN, LOT, sender=active_manufacturer)


@pytest.mark.parametrize("method,status", RETIREMENTS)
def test_commission__retired_batch__reverts(custody, resources, create_batch, active_manufacturer, method, status):
    create_batch(lot=LOT)
    getattr(resources, method)(GTIN, LOT, QUALITY_DEFECT, REASON_CID, sender=active_manufacturer)

    with reverts_with(custody, "BatchNotActive", batchId=batch_id_of(GTIN, LOT), status=status):
        custody.commission(GTIN, LOT, sender=active_manufacturer)

    assert_ledger(custody, batch_id_of(GTIN, LOT), commissioned=0, in_transit=0, expires=0, status=0)


# --- onBatchRetired --------------------------------------------------------------------------


@pytest.mark.parametrize("by", ["active_manufacturer", "regulator"])
@pytest.mark.parametrize("method,status", RETIREMENTS)
def test_on_batch_retired__reported_by_resources__ledger_status(
    request, custody, resources, batch_id, other_batch, create_shipment, active_distributor, method, status, by
):
    create_shipment(batch_id, active_distributor, 3)
    before = custody.ledger(batch_id)

    getattr(resources, method)(GTIN, LOT, QUALITY_DEFECT, REASON_CID, sender=request.getfixturevalue(by))

    # Only the status changes, and only this batch's.
    assert_ledger(custody, batch_id, commissioned=8, in_transit=3, expires=before.expires, status=status)
    assert before.status == BatchStatus.ACTIVE
    assert custody.ledger(other_batch[0]).status == BatchStatus.ACTIVE
    assert resources.batch_by_id(batch_id).status == custody.ledger(batch_id).status


@pytest.mark.parametrize("method,status", RETIREMENTS)
def test_on_batch_retired__batch_not_in_custody__ledger_untouched(
    custody, resources, create_batch, active_manufacturer, method, status
):
    create_batch(lot=LOT)

    getattr(resources, method)(GTIN, LOT, QUALITY_DEFECT, REASON_CID, sender=active_manufacturer)

    assert resources.batch(GTIN, LOT).status == status
    assert_ledger(custody, batch_id_of(GTIN, LOT), commissioned=0, in_transit=0, expires=0, status=0)


@pytest.mark.parametrize(
    "caller", ["regulator", "active_manufacturer", "active_distributor", "stranger", "deployer"]
)
@pytest.mark.parametrize("status", [BatchStatus.RECALLED, BatchStatus.WITHDRAWN, BatchStatus.ACTIVE])
def test_on_batch_retired__not_resources__reverts(request, custody, batch_id, caller, status):
    account = request.getfixturevalue(caller)

    with reverts_with(custody, "NotResources", account=account.address):
        custody.onBatchRetired(batch_id, status, sender=account)

    assert custody.ledger(batch_id).status == BatchStatus.ACTIVE


def test_on_batch_retired__other_custodys_report__not_accepted(custody, other_custody, batch_id, regulator):
    # A ledger listens to its own Resources only, whoever calls.
    with reverts_with(other_custody, "NotResources", account=regulator.address):
        other_custody.onBatchRetired(batch_id, BatchStatus.RECALLED, sender=regulator)


# --- ship ------------------------------------------------------------------------------------


def test_ship(chain, custody, batch_id, active_manufacturer, active_distributor):
    tx = custody.ship(batch_id, active_distributor, 3, WAYBILL_CID, sender=active_manufacturer)

    logs = tx.decode_logs(custody.Shipped)
    assert len(logs) == 1
    assert logs[0].batchId == batch_id
    assert logs[0].shipmentId == 1
    assert logs[0].tenderId == 0
    assert logs[0].consignee == active_distributor.address
    assert logs[0].shipper == active_manufacturer.address
    assert logs[0].quantity == 3
    assert logs[0].documentCid == WAYBILL_CID

    record = record_of(batch_id, active_manufacturer, active_distributor, 3, 0)
    assert shipment_record(logs[0]) == record
    assert custody.shipmentCount() == 1
    assert custody.shipmentStatus(1, record) == IN_TRANSIT
    assert_holding(custody, batch_id, active_manufacturer, balance=5, decommissioned=0, ever_held=True)
    assert_holding(custody, batch_id, active_distributor, balance=0, decommissioned=0, ever_held=False)
    assert_ledger(custody, batch_id, commissioned=8, in_transit=3, status=BatchStatus.ACTIVE)


def test_ship__returns_shipment_id(custody, batch_id, active_manufacturer, active_distributor, create_shipment):
    create_shipment(batch_id, active_distributor, 1)

    assert custody.ship.call(batch_id, active_distributor, 1, WAYBILL_CID, sender=active_manufacturer) == 2


def test_ship_for_tender(custody, batch_id, active_manufacturer, active_hospital, tender_answers):
    tx = custody.shipForTender(batch_id, active_hospital, 2, tender_answers, TENDER_ID, WAYBILL_CID,
                               sender=active_manufacturer)

    logs = tx.decode_logs(custody.Shipped)
    assert len(logs) == 1
    assert logs[0].batchId == batch_id
    assert logs[0].shipmentId == 1
    assert logs[0].tenderId == TENDER_ID
    assert logs[0].tenders == tender_answers.address
    assert logs[0].shipper == active_manufacturer.address
    assert logs[0].consignee == active_hospital.address
    assert logs[0].quantity == 2
    assert logs[0].shippedAt == tx.timestamp
    assert logs[0].documentCid == WAYBILL_CID
    record = record_of(batch_id, active_manufacturer, active_hospital, 2, TENDER_ID, tender_answers, tx.timestamp)
    assert shipment_record(logs[0]) == record
    assert custody.shipmentStatus(1, record) == IN_TRANSIT
    # The tender contract, the tender and the time are part of the terms.
    assert custody.shipmentStatus(1, altered(record, "tenderId", 0)) == 0
    assert custody.shipmentStatus(1, altered(record, "tenders", custody.address)) == 0
    assert custody.shipmentStatus(1, altered(record, "shippedAt", tx.timestamp - 1)) == 0
    assert_ledger(custody, batch_id, commissioned=8, in_transit=2)


def test_ship_for_tender__largest_tender_id__recorded(custody, batch_id, active_hospital, create_shipment,
                                                       tender_answers):
    shipment_id, record = create_shipment(batch_id, active_hospital, 1, tender_id=2**256 - 1, tenders=tender_answers)

    assert record[5] == 2**256 - 1
    assert custody.shipmentStatus(shipment_id, record) == IN_TRANSIT


@pytest.mark.parametrize("tender_id,names", [(0, "contract"), (TENDER_ID, "nobody"), (TENDER_ID, "account")])
def test_ship_for_tender__no_tender_contract_or_id__reverts(
    custody, batch_id, active_manufacturer, active_hospital, tender_answers, stranger, tender_id, names
):
    tenders = {"contract": tender_answers.address, "nobody": ZERO_ADDRESS, "account": stranger.address}[names]

    with reverts_with(custody, "InvalidTender", tenders=tenders, tenderId=tender_id):
        custody.shipForTender(batch_id, active_hospital, 1, tenders, tender_id, WAYBILL_CID, sender=active_manufacturer)


def test_ship__ids_count_up_across_batches(
    custody, batch_id, other_batch, active_manufacturer, active_distributor, active_pharmacy, create_shipment
):
    other_id = other_batch[0]
    shipments = [
        create_shipment(batch_id, active_distributor, 1),
        create_shipment(other_id, active_pharmacy, 2),
        create_shipment(batch_id, active_pharmacy, 3),
    ]

    assert [shipment_id for shipment_id, _ in shipments] == [1, 2, 3]
    assert custody.shipmentCount() == 3
    assert [record for _, record in shipments] == [
        record_of(batch_id, active_manufacturer, active_distributor, 1, shipped_at=shipments[0][1][6]),
        record_of(other_id, active_manufacturer, active_pharmacy, 2, shipped_at=shipments[1][1][6]),
        record_of(batch_id, active_manufacturer, active_pharmacy, 3, shipped_at=shipments[2][1][6]),
    ]
    for shipment_id, record in shipments:
        assert custody.shipmentStatus(shipment_id, record) == IN_TRANSIT
        # The terms belong to their id only.
        for other_shipment_id in {1, 2, 3} - {shipment_id}:
            assert custody.shipmentStatus(other_shipment_id, record) == 0
    assert_ledger(custody, batch_id, commissioned=8, in_transit=4)
    assert_ledger(custody, other_id, commissioned=4, in_transit=2)


def test_ship__whole_balance__leaves_zero(custody, batch_id, active_manufacturer, active_distributor, ship):
    ship(batch_id, active_distributor, 8)

    assert_holding(custody, batch_id, active_manufacturer, balance=0, decommissioned=0, ever_held=True)
    assert_ledger(custody, batch_id, commissioned=8, in_transit=8)


@pytest.mark.parametrize(
    "consignee",
    ["active_distributor", "active_hospital", "active_pharmacy", "active_supplier", "active_other_manufacturer"],
)
def test_ship__to_each_custody_role__accepted(request, custody, batch_id, create_shipment, consignee):
    account = request.getfixturevalue(consignee)

    shipment_id, record = create_shipment(batch_id, account, 1)
    custody.receiveShipment(shipment_id, record, sender=account)

    assert custody.balanceOf(batch_id, account) == 1


def test_ship__onward_by_a_consignee(
    custody, batch_id, active_manufacturer, active_distributor, active_hospital, create_shipment, ship
):
    shipment_id, record = create_shipment(batch_id, active_distributor, 5)
    custody.receiveShipment(shipment_id, record, sender=active_distributor)

    tx = ship(batch_id, active_hospital, 2, sender=active_distributor)

    logs = tx.decode_logs(custody.Shipped)
    assert logs[0].shipper == active_distributor.address
    assert logs[0].consignee == active_hospital.address
    assert custody.shipmentStatus(2, record_of(batch_id, active_distributor, active_hospital, 2)) == IN_TRANSIT
    assert custody.balanceOf(batch_id, active_distributor) == 3
    assert_conserved(custody, batch_id, [active_manufacturer, active_distributor, active_hospital])


@pytest.mark.parametrize("method", ["recall_batch", "withdraw_batch"])
def test_ship__retired_batch__accepted(
    custody, resources, batch_id, active_manufacturer, stocked_pharmacy, create_shipment, method
):
    # Recalled units must travel back to the manufacturer.
    getattr(resources, method)(GTIN, LOT, QUALITY_DEFECT, REASON_CID, sender=active_manufacturer)

    shipment_id, record = create_shipment(batch_id, active_manufacturer, 5, sender=stocked_pharmacy)
    custody.receiveShipment(shipment_id, record, sender=active_manufacturer)

    assert custody.balanceOf(batch_id, active_manufacturer) == 8


def test_ship__zero_quantity__reverts(custody, batch_id, active_distributor, ship):
    with reverts_with(custody, "ZeroQuantity"):
        ship(batch_id, active_distributor, 0)


def test_ship__to_self__reverts(custody, batch_id, active_manufacturer, ship):
    with reverts_with(custody, "ShipmentToSelf", account=active_manufacturer.address):
        ship(batch_id, active_manufacturer, 1)


def test_ship__empty_document_cid__reverts(custody, batch_id, active_distributor, ship):
    with reverts_with(custody, "EmptyCid"):
        ship(batch_id, active_distributor, 1, cid="")


@pytest.mark.parametrize("shipper", ["stranger", "applied", "regulator_only", "regulator"])
def test_ship__shipper_not_a_custodian__reverts(request, custody, batch_id, active_distributor, ship, shipper):
    account = request.getfixturevalue(shipper)

    with reverts_with(custody, "ParticipantNotActive", account=account.address, roles=CUSTODY_ROLES):
        ship(batch_id, active_distributor, 1, sender=account)


@pytest.mark.parametrize("consignee", ["stranger", "applied", "regulator_only", "regulator"])
def test_ship__consignee_not_a_custodian__reverts(request, custody, batch_id, active_manufacturer, ship, consignee):
    account = request.getfixturevalue(consignee)

    with reverts_with(custody, "ParticipantNotActive", account=account.address, roles=CUSTODY_ROLES):
        ship(batch_id, account, 1)

    assert custody.balanceOf(batch_id, active_manufacturer) == 8
    assert custody.shipmentCount() == 0
    assert custody.shipmentStatus(1, record_of(batch_id, active_manufacturer, account, 1)) == 0


def test_ship__to_zero_address__reverts(custody, batch_id, ship):
    with reverts_with(custody, "ParticipantNotActive", account=ZERO_ADDRESS, roles=CUSTODY_ROLES):
        ship(batch_id, ZERO_ADDRESS, 1)


def test_ship__suspended_shipper__reverts(custody, batch_id, active_manufacturer, active_distributor, suspend, ship):
    suspend(active_manufacturer)

    with reverts_with(custody, "ParticipantNotActive", account=active_manufacturer.address, roles=CUSTODY_ROLES):
        ship(batch_id, active_distributor, 1)

    assert custody.balanceOf(batch_id, active_manufacturer) == 8


def test_ship__suspended_consignee__reverts(custody, batch_id, active_distributor, suspend, ship):
    suspend(active_distributor)

    with reverts_with(custody, "ParticipantNotActive", account=active_distributor.address, roles=CUSTODY_ROLES):
        ship(batch_id, active_distributor, 1)


def test_ship__revoked_consignee__reverts(custody, participants, regulator, batch_id, active_distributor, ship):
    participants.revoke(active_distributor, REASON_CID, sender=regulator)

    with reverts_with(custody, "ParticipantNotActive", account=active_distributor.address, roles=CUSTODY_ROLES):
        ship(batch_id, active_distributor, 1)


def test_ship__reinstated_shipper__accepted(custody, participants, regulator, batch_id, active_manufacturer, active_distributor, suspend, ship):
    suspend(active_manufacturer)
    participants.reinstate(active_manufacturer, sender=regulator)

    ship(batch_id, active_distributor, 1)

    assert custody.balanceOf(batch_id, active_manufacturer) == 7


def test_ship__more_than_balance__reverts(custody, batch_id, active_manufacturer, active_distributor, ship):
    with reverts_with(
        custody, "InsufficientBalance", batchId=batch_id, holder=active_manufacturer.address, balance=8, needed=9
    ):
        ship(batch_id, active_distributor, 9)


def test_ship__huge_quantity__reverts(custody, batch_id, active_manufacturer, active_distributor, ship):
    with reverts_with(
        custody, "InsufficientBalance", batchId=batch_id, holder=active_manufacturer.address, balance=8, needed=2**256 - 1
    ):
        ship(batch_id, active_distributor, 2**256 - 1)


def test_ship__units_in_transit__cannot_be_shipped_again(custody, batch_id, active_distributor, active_hospital, ship):
    ship(batch_id, active_distributor, 5)

    with reverts_with(
        custody, "InsufficientBalance", batchId=batch_id, holder=active_distributor.address, balance=0, needed=1
    ):
        ship(batch_id, active_hospital, 1, sender=active_distributor)


def test_ship__batch_not_in_custody__reverts(custody, create_batch, active_manufacturer, active_distributor, ship):
    create_batch(lot=LOT)
    batch_id = batch_id_of(GTIN, LOT)

    with reverts_with(
        custody, "InsufficientBalance", batchId=batch_id, holder=active_manufacturer.address, balance=0, needed=1
    ):
        ship(batch_id, active_distributor, 1)


# --- shipmentStatus --------------------------------------------------------------------------


@pytest.mark.parametrize("shipment_id", [0, 2, 2**256 - 1])
def test_shipment_status__unknown_shipment__zero(custody, to_distributor, shipment_id):
    _, record = to_distributor

    assert custody.shipmentStatus(shipment_id, record) == ShipmentStatus.NONE == 0


def test_shipment_status__no_shipment_yet__zero(custody, batch_id, active_manufacturer, active_distributor):
    assert custody.shipmentStatus(1, record_of(batch_id, active_manufacturer, active_distributor, 3)) == 0
    assert custody.shipmentStatus(0, (ZERO_BYTES32, ZERO_ADDRESS, ZERO_ADDRESS, 0, ZERO_ADDRESS, 0, 0)) == 0


@pytest.mark.parametrize(
    "field,value",
    [
        ("batchId", batch_id_of(GTIN, OTHER_LOT)),
        ("shipper", ZERO_ADDRESS),
        ("consignee", ZERO_ADDRESS),
        ("quantity", 4),
        ("quantity", 3 + 2**64),
        ("tenderId", 1),
        ("tenders", "0x0000000000000000000000000000000000000001"),
        ("shippedAt", 1),
    ],
    ids=["batchId", "shipper", "consignee", "quantity", "quantity_high_bits", "tenderId", "tenders", "shippedAt"],
)
def test_shipment_status__terms_differ__zero(custody, to_distributor, field, value):
    shipment_id, record = to_distributor

    assert custody.shipmentStatus(shipment_id, altered(record, field, value)) == 0
    assert custody.shipmentStatus(shipment_id, record) == IN_TRANSIT


@pytest.mark.parametrize("close,status", [("receive", RECEIVED), ("reject", REJECTED)])
def test_shipment_status__follows_the_shipment(custody, to_distributor, active_distributor, close, status):
    shipment_id, record = to_distributor
    assert custody.shipmentStatus(shipment_id, record) == IN_TRANSIT

    if close == "receive":
        custody.receiveShipment(shipment_id, record, sender=active_distributor)
    else:
        custody.reject(shipment_id, record, REASON_CID, sender=active_distributor)

    assert custody.shipmentStatus(shipment_id, record) == status
    assert custody.shipmentStatus(shipment_id, altered(record, "quantity", 2)) == 0


# --- receiveShipment -------------------------------------------------------------------------


def test_receive(custody, batch_id, to_distributor, active_manufacturer, active_distributor):
    shipment_id, record = to_distributor

    tx = custody.receiveShipment(shipment_id, record, sender=active_distributor)

    logs = tx.decode_logs(custody.Received)
    assert len(logs) == 1
    assert logs[0].batchId == batch_id
    assert logs[0].shipmentId == 1
    assert logs[0].consignee == active_distributor.address
    assert logs[0].shipper == active_manufacturer.address
    assert logs[0].quantity == 3
    assert len(tx.decode_logs(custody.Rejected)) == 0
    assert custody.shipmentStatus(1, record) == RECEIVED
    assert_holding(custody, batch_id, active_distributor, balance=3, decommissioned=0, ever_held=True)
    assert_holding(custody, batch_id, active_manufacturer, balance=5, decommissioned=0, ever_held=True)
    assert_ledger(custody, batch_id, commissioned=8, in_transit=0, status=BatchStatus.ACTIVE)
    assert custody.shipmentCount() == 1


def test_receive__adds_to_balance(custody, batch_id, active_distributor, create_shipment):
    first = create_shipment(batch_id, active_distributor, 3)
    second = create_shipment(batch_id, active_distributor, 4)

    custody.receiveShipment(*second, sender=active_distributor)
    custody.receiveShipment(*first, sender=active_distributor)

    assert custody.balanceOf(batch_id, active_distributor) == 7
    assert custody.ledger(batch_id).inTransit == 0


def test_receive__identical_terms__each_shipment_closed_once(
    custody, batch_id, active_manufacturer, active_distributor, create_shipment
):
    # Two shipments with the same terms have the same digest: the id tells them apart.
    first_id, first = create_shipment(batch_id, active_distributor, 2)
    second_id, second = create_shipment(batch_id, active_distributor, 2)
    assert first[:6] == second[:6] and first_id != second_id

    custody.receiveShipment(second_id, second, sender=active_distributor)

    assert custody.shipmentStatus(first_id, first) == IN_TRANSIT
    assert custody.shipmentStatus(second_id, second) == RECEIVED
    with reverts_with(custody, "ShipmentNotInTransit", shipmentId=second_id, status=RECEIVED):
        custody.receiveShipment(second_id, second, sender=active_distributor)
    custody.reject(first_id, first, REASON_CID, sender=active_distributor)
    assert custody.shipmentStatus(first_id, first) == REJECTED
    assert custody.balanceOf(batch_id, active_distributor) == 2
    assert custody.balanceOf(batch_id, active_manufacturer) == 6
    assert custody.ledger(batch_id).inTransit == 0


def test_receive__back_to_manufacturer__still_held(custody, batch_id, active_manufacturer, stocked_pharmacy, create_shipment):
    shipment_id, record = create_shipment(batch_id, active_manufacturer, 2, sender=stocked_pharmacy)

    custody.receiveShipment(shipment_id, record, sender=active_manufacturer)

    assert_holding(custody, batch_id, active_manufacturer, balance=5, decommissioned=0, ever_held=True)
    assert_holding(custody, batch_id, stocked_pharmacy, balance=3, decommissioned=0, ever_held=True)


@pytest.mark.parametrize("shipment_id", [0, 2, 2**256 - 1])
def test_receive__unknown_shipment__reverts(custody, to_distributor, active_distributor, shipment_id):
    _, record = to_distributor

    with reverts_with(custody, "UnknownShipment", shipmentId=shipment_id):
        custody.receiveShipment(shipment_id, record, sender=active_distributor)


def test_receive__no_shipment_yet__reverts(custody, batch_id, active_manufacturer, active_distributor):
    with reverts_with(custody, "UnknownShipment", shipmentId=1):
        custody.receiveShipment(1, record_of(batch_id, active_manufacturer, active_distributor, 3), sender=active_distributor)


@pytest.mark.parametrize(
    "field,value",
    [
        ("batchId", batch_id_of(GTIN, OTHER_LOT)),
        ("shipper", "active_hospital"),
        ("consignee", "active_hospital"),
        ("quantity", 8),
        ("quantity", 3 + 2**64),
        ("tenderId", TENDER_ID),
    ],
    ids=["batchId", "shipper", "consignee", "more_units", "quantity_high_bits", "tenderId"],
)
def test_receive__terms_differ__reverts(
    request, custody, batch_id, other_batch, to_distributor, active_manufacturer, active_distributor, field, value
):
    shipment_id, record = to_distributor
    if isinstance(value, str):
        value = request.getfixturevalue(value).address

    with reverts_with(custody, "ShipmentMismatch", shipmentId=shipment_id):
        custody.receiveShipment(shipment_id, altered(record, field, value), sender=active_distributor)

    assert custody.shipmentStatus(shipment_id, record) == IN_TRANSIT
    assert_holding(custody, batch_id, active_distributor, balance=0, decommissioned=0, ever_held=False)
    assert custody.balanceOf(other_batch[0], active_distributor) == 0
    assert_ledger(custody, batch_id, commissioned=8, in_transit=3)
    assert_ledger(custody, other_batch[0], commissioned=4, in_transit=0)


def test_receive__terms_of_another_shipment__reverts(
    custody, batch_id, active_distributor, create_shipment
):
    first_id, _ = create_shipment(batch_id, active_distributor, 1)
    _, second = create_shipment(batch_id, active_distributor, 5)

    # Receiving the first shipment with the second's terms would turn 1 unit into 5.
    with reverts_with(custody, "ShipmentMismatch", shipmentId=first_id):
        custody.receiveShipment(first_id, second, sender=active_distributor)

    assert custody.balanceOf(batch_id, active_distributor) == 0
    assert custody.ledger(batch_id).inTransit == 6


def test_receive__caller_names_itself_consignee__reverts(custody, to_distributor, active_hospital):
    shipment_id, record = to_distributor

    with reverts_with(custody, "ShipmentMismatch", shipmentId=shipment_id):
        custody.receiveShipment(shipment_id, altered(record, "consignee", active_hospital.address), sender=active_hospital)

    assert custody.shipmentStatus(shipment_id, record) == IN_TRANSIT


@pytest.mark.parametrize("caller", ["active_manufacturer", "active_hospital", "stranger", "regulator"])
def test_receive__not_the_consignee__reverts(request, custody, batch_id, to_distributor, active_distributor, caller):
    shipment_id, record = to_distributor
    account = request.getfixturevalue(caller)

    with reverts_with(custody, "NotConsignee", shipmentId=shipment_id, account=account.address):
        custody.receiveShipment(shipment_id, record, sender=account)

    assert custody.shipmentStatus(shipment_id, record) == IN_TRANSIT
    assert custody.balanceOf(batch_id, active_distributor) == 0
    assert custody.balanceOf(batch_id, account) == (5 if caller == "active_manufacturer" else 0)


def test_receive__twice__reverts(custody, batch_id, to_distributor, active_distributor):
    shipment_id, record = to_distributor
    custody.receiveShipment(shipment_id, record, sender=active_distributor)

    with reverts_with(custody, "ShipmentNotInTransit", shipmentId=shipment_id, status=RECEIVED):
        custody.receiveShipment(shipment_id, record, sender=active_distributor)

    assert custody.balanceOf(batch_id, active_distributor) == 3
    assert custody.shipmentStatus(shipment_id, record) == RECEIVED


def test_receive__rejected__reverts(custody, batch_id, to_distributor, active_distributor):
    shipment_id, record = to_distributor
    custody.reject(shipment_id, record, REASON_CID, sender=active_distributor)

    with reverts_with(custody, "ShipmentNotInTransit", shipmentId=shipment_id, status=REJECTED):
        custody.receiveShipment(shipment_id, record, sender=active_distributor)

    assert custody.balanceOf(batch_id, active_distributor) == 0
    assert custody.shipmentStatus(shipment_id, record) == REJECTED


def test_receive__suspended_consignee__reverts(custody, batch_id, to_distributor, active_distributor, suspend):
    shipment_id, record = to_distributor
    suspend(active_distributor)

    with reverts_with(custody, "ParticipantNotActive", account=active_distributor.address, roles=CUSTODY_ROLES):
        custody.receiveShipment(shipment_id, record, sender=active_distributor)

    assert custody.shipmentStatus(shipment_id, record) == IN_TRANSIT
    assert custody.everHeld(batch_id, active_distributor) is False


def test_receive__consignee_left_with_regulator_role_only__reverts(
    custody, participants, regulator, to_distributor, active_distributor
):
    shipment_id, record = to_distributor
    participants.set_roles(active_distributor, int(Role.REGULATOR), sender=regulator)

    with reverts_with(custody, "ParticipantNotActive", account=active_distributor.address, roles=CUSTODY_ROLES):
        custody.receiveShipment(shipment_id, record, sender=active_distributor)


def test_receive__after_reinstatement__accepted(
    custody, participants, regulator, batch_id, to_distributor, active_distributor, suspend
):
    shipment_id, record = to_distributor
    suspend(active_distributor)
    participants.reinstate(active_distributor, sender=regulator)

    custody.receiveShipment(shipment_id, record, sender=active_distributor)

    assert custody.balanceOf(batch_id, active_distributor) == 3


def test_receive__suspended_shipper__accepted(
    custody, batch_id, to_distributor, active_manufacturer, active_distributor, suspend
):
    # The shipper's later suspension does not strand goods already on their way.
    shipment_id, record = to_distributor
    suspend(active_manufacturer)

    custody.receiveShipment(shipment_id, record, sender=active_distributor)

    assert custody.balanceOf(batch_id, active_distributor) == 3


def test_receive__recalled_in_transit__accepted(
    custody, resources, batch_id, to_distributor, active_manufacturer, active_distributor
):
    # Recalled units still move, so that they can be taken back.
    shipment_id, record = to_distributor
    resources.recall_batch(GTIN, LOT, QUALITY_DEFECT, REASON_CID, sender=active_manufacturer)

    custody.receiveShipment(shipment_id, record, sender=active_distributor)

    assert custody.balanceOf(batch_id, active_distributor) == 3
    assert custody.ledger(batch_id).status == BatchStatus.RECALLED


# --- reject ----------------------------------------------------------------------------------


def test_reject(custody, batch_id, to_distributor, active_manufacturer, active_distributor):
    shipment_id, record = to_distributor

    tx = custody.reject(shipment_id, record, REASON_CID, sender=active_distributor)

    logs = tx.decode_logs(custody.Rejected)
    assert len(logs) == 1
    assert logs[0].batchId == batch_id
    assert logs[0].shipmentId == 1
    assert logs[0].consignee == active_distributor.address
    assert logs[0].shipper == active_manufacturer.address
    assert logs[0].quantity == 3
    assert logs[0].reasonCid == REASON_CID
    assert len(tx.decode_logs(custody.Received)) == 0
    assert custody.shipmentStatus(shipment_id, record) == REJECTED
    assert_holding(custody, batch_id, active_manufacturer, balance=8, decommissioned=0, ever_held=True)
    assert_holding(custody, batch_id, active_distributor, balance=0, decommissioned=0, ever_held=False)
    assert_ledger(custody, batch_id, commissioned=8, in_transit=0, status=BatchStatus.ACTIVE)


def test_reject__goods_back_to_intermediate_shipper(
    custody, batch_id, stocked_pharmacy, active_manufacturer, active_hospital, create_shipment
):
    shipment_id, record = create_shipment(batch_id, active_hospital, 2, sender=stocked_pharmacy)

    custody.reject(shipment_id, record, REASON_CID, sender=active_hospital)

    assert custody.balanceOf(batch_id, stocked_pharmacy) == 5
    assert custody.balanceOf(batch_id, active_hospital) == 0
    assert custody.balanceOf(batch_id, active_manufacturer) == 3


def test_reject__suspended_shipper__goods_still_returned(
    custody, batch_id, to_distributor, active_manufacturer, active_distributor, suspend
):
    shipment_id, record = to_distributor
    suspend(active_manufacturer)

    custody.reject(shipment_id, record, REASON_CID, sender=active_distributor)

    assert custody.balanceOf(batch_id, active_manufacturer) == 8


def test_reject__empty_reason__reverts(custody, to_distributor, active_distributor):
    shipment_id, record = to_distributor

    with reverts_with(custody, "EmptyCid"):
        custody.reject(shipment_id, record, "", sender=active_distributor)

    assert custody.shipmentStatus(shipment_id, record) == IN_TRANSIT


def test_reject__unknown_shipment__reverts(custody, batch_id, active_manufacturer, active_distributor):
    record = record_of(batch_id, active_manufacturer, active_distributor, 3)

    with reverts_with(custody, "UnknownShipment", shipmentId=1):
        custody.reject(1, record, REASON_CID, sender=active_distributor)


@pytest.mark.parametrize(
    "field,value",
    [
        ("batchId", batch_id_of(GTIN, OTHER_LOT)),
        ("shipper", "active_distributor"),
        ("shipper", "active_hospital"),
        ("consignee", "active_hospital"),
        ("quantity", 8),
        ("quantity", 3 + 2**64),
        ("tenderId", TENDER_ID),
    ],
    ids=["batchId", "shipper_self", "shipper_other", "consignee", "more_units", "quantity_high_bits", "tenderId"],
)
def test_reject__terms_differ__reverts(
    request, custody, batch_id, other_batch, to_distributor, active_manufacturer, active_distributor, field, value
):
    # A consignee may not send the units back to anyone but their shipper, nor more of them.
    shipment_id, record = to_distributor
    if isinstance(value, str):
        value = request.getfixturevalue(value).address

    with reverts_with(custody, "ShipmentMismatch", shipmentId=shipment_id):
        custody.reject(shipment_id, altered(record, field, value), REASON_CID, sender=active_distributor)

    assert custody.shipmentStatus(shipment_id, record) == IN_TRANSIT
    assert custody.balanceOf(batch_id, active_manufacturer) == 5
    assert custody.balanceOf(batch_id, active_distributor) == 0
    assert custody.balanceOf(other_batch[0], active_manufacturer) == 4
    assert_ledger(custody, batch_id, commissioned=8, in_transit=3)


@pytest.mark.parametrize("caller", ["active_manufacturer", "active_hospital", "stranger", "regulator"])
def test_reject__not_the_consignee__reverts(request, custody, to_distributor, caller):
    shipment_id, record = to_distributor
    account = request.getfixturevalue(caller)

    with reverts_with(custody, "NotConsignee", shipmentId=shipment_id, account=account.address):
        custody.reject(shipment_id, record, REASON_CID, sender=account)

    assert custody.shipmentStatus(shipment_id, record) == IN_TRANSIT


@pytest.mark.parametrize("first,status", [("receive", RECEIVED), ("reject", REJECTED)])
def test_reject__closed_shipment__reverts(custody, batch_id, to_distributor, active_distributor, first, status):
    shipment_id, record = to_distributor
    if first == "receive":
        custody.receiveShipment(shipment_id, record, sender=active_distributor)
    else:
        custody.reject(shipment_id, record, REASON_CID, sender=active_distributor)

    with reverts_with(custody, "ShipmentNotInTransit", shipmentId=shipment_id, status=status):
        custody.reject(shipment_id, record, REASON_CID, sender=active_distributor)

    assert custody.shipmentStatus(shipment_id, record) == status


def test_reject__suspended_consignee__reverts(custody, to_distributor, active_distributor, suspend):
    shipment_id, record = to_distributor
    suspend(active_distributor)

    with reverts_with(custody, "ParticipantNotActive", account=active_distributor.address, roles=CUSTODY_ROLES):
        custody.reject(shipment_id, record, REASON_CID, sender=active_distributor)

    assert custody.shipmentStatus(shipment_id, record) == IN_TRANSIT


# --- decommission ----------------------------------------------------------------------------


@pytest.mark.parametrize("reason", REASONS)
def test_decommission(custody, batch, stocked_pharmacy, active_manufacturer, decommission, reason):
    batch_id, _, serials = batch
    leaf = leaf_hash(GTIN, serials[3])

    tx = decommission(stocked_pharmacy, serial=serials[3], reason=reason)

    logs = tx.decode_logs(custody.Decommissioned)
    assert len(logs) == 1
    assert logs[0].batchId == batch_id
    assert logs[0].leaf == leaf
    assert logs[0].by == stocked_pharmacy.address
    assert logs[0].reason == reason
    state = custody.unit(batch_id, leaf)
    assert state.reason == reason
    assert state.by == stocked_pharmacy.address
    assert state.at == tx.timestamp
    assert_holding(custody, batch_id, stocked_pharmacy, balance=4, decommissioned=1, ever_held=True)
    assert_holding(custody, batch_id, active_manufacturer, balance=3, decommissioned=0, ever_held=True)
    assert_ledger(custody, batch_id, commissioned=8, in_transit=0, status=BatchStatus.ACTIVE)
    assert_conserved(custody, batch_id, [active_manufacturer, stocked_pharmacy])


def test_decommission__by_manufacturer(custody, batch_id, active_manufacturer, decommission):
    decommission(active_manufacturer, reason=SAMPLE)

    assert_holding(custody, batch_id, active_manufacturer, balance=7, decommissioned=1, ever_held=True)


def test_decommission__counted_per_holder(custody, batch, stocked_pharmacy, active_manufacturer, decommission):
    batch_id, _, serials = batch
    decommission(stocked_pharmacy, serial=serials[0], reason=DISPENSED)
    decommission(stocked_pharmacy, serial=serials[1], reason=STOLEN)
    decommission(active_manufacturer, serial=serials[2], reason=DESTROYED)

    assert_holding(custody, batch_id, stocked_pharmacy, balance=3, decommissioned=2, ever_held=True)
    assert_holding(custody, batch_id, active_manufacturer, balance=2, decommissioned=1, ever_held=True)
    assert_ledger(custody, batch_id, commissioned=8, in_transit=0)
    assert_conserved(custody, batch_id, [active_manufacturer, stocked_pharmacy])


def test_decommission__every_unit__balance_zero(custody, batch, active_manufacturer, decommission):
    batch_id, _, serials = batch
    for serial in serials:
        decommission(active_manufacturer, serial=serial, reason=DESTROYED)

    assert_holding(custody, batch_id, active_manufacturer, balance=0, decommissioned=8, ever_held=True)
    assert_ledger(custody, batch_id, commissioned=8, in_transit=0)
    assert_conserved(custody, batch_id, [active_manufacturer])


def test_decommission__batch_of_one__empty_proof(custody, create_custody_batch, active_manufacturer):
    batch_id, tree, serials = create_custody_batch(lot="ONE", serials=["ONLY"])
    leaf = leaf_hash(GTIN, "ONLY")
    assert tree.proof(leaf) == []

    custody.decommission(batch_id, unit_hash(GTIN, "ONLY"), [], DISPENSED, sender=active_manufacturer)

    assert custody.unit(batch_id, leaf).reason == DISPENSED
    assert_holding(custody, batch_id, active_manufacturer, balance=0, decommissioned=1, ever_held=True)


def test_decommission__any_holder_may_take_any_unit(custody, batch, stocked_pharmacy, active_manufacturer, decommission):
    # Custody is counted per batch, not per unit: whoever holds the batch may decommission any
    # of its units, once.
    batch_id, _, serials = batch
    decommission(stocked_pharmacy, serial=serials[0])
    decommission(active_manufacturer, serial=serials[1])

    assert custody.balanceOf(batch_id, stocked_pharmacy) == 4
    assert custody.balanceOf(batch_id, active_manufacturer) == 2


@pytest.mark.parametrize("reason", [0, 6, 255])
def test_decommission__invalid_reason__reverts(custody, active_manufacturer, decommission, reason):
    with reverts_with(custody, "InvalidReason", reason=reason):
        decommission(active_manufacturer, reason=reason)


@pytest.mark.parametrize("caller", ["stranger", "applied", "regulator_only", "regulator"])
def test_decommission__not_a_custodian__reverts(request, custody, decommission, caller):
    account = request.getfixturevalue(caller)

    with reverts_with(custody, "ParticipantNotActive", account=account.address, roles=CUSTODY_ROLES):
        decommission(account)


def test_decommission__suspended_holder__reverts(custody, batch_id, stocked_pharmacy, suspend, decommission):
    suspend(stocked_pharmacy)

    with reverts_with(custody, "ParticipantNotActive", account=stocked_pharmacy.address, roles=CUSTODY_ROLES):
        decommission(stocked_pharmacy)

    assert_holding(custody, batch_id, stocked_pharmacy, balance=5, decommissioned=0, ever_held=True)


def test_decommission__holds_none__reverts(custody, batch_id, active_hospital, decommission):
    with reverts_with(
        custody, "InsufficientBalance", batchId=batch_id, holder=active_hospital.address, balance=0, needed=1
    ):
        decommission(active_hospital)


def test_decommission__units_only_in_transit__reverts(custody, batch_id, active_manufacturer, active_pharmacy, ship, decommission):
    ship(batch_id, active_pharmacy, 8)

    with reverts_with(
        custody, "InsufficientBalance", batchId=batch_id, holder=active_manufacturer.address, balance=0, needed=1
    ):
        decommission(active_manufacturer)
    with reverts_with(
        custody, "InsufficientBalance", batchId=batch_id, holder=active_pharmacy.address, balance=0, needed=1
    ):
        decommission(active_pharmacy)


@pytest.mark.parametrize("first", REASONS)
@pytest.mark.parametrize("second", [DISPENSED, DESTROYED])
def test_decommission__second_time__reverts(custody, batch, stocked_pharmacy, active_manufacturer, decommission, first, second):
    batch_id, _, serials = batch
    decommission(stocked_pharmacy, serial=serials[2], reason=first)

    # Neither the same organization nor another holder can take the same unit again.
    for account in (stocked_pharmacy, active_manufacturer):
        with reverts_with(
            custody, "UnitAlreadyDecommissioned", batchId=batch_id, leaf=leaf_hash(GTIN, serials[2]), reason=first
        ):
            decommission(account, serial=serials[2], reason=second)

    assert custody.unit(batch_id, leaf_hash(GTIN, serials[2])).by == stocked_pharmacy.address
    assert_holding(custody, batch_id, stocked_pharmacy, balance=4, decommissioned=1, ever_held=True)
    assert_holding(custody, batch_id, active_manufacturer, balance=3, decommissioned=0, ever_held=True)


@pytest.mark.parametrize("reason", [DISPENSED, DESTROYED])
def test_decommission__proof_from_another_batch__reverts(custody, batch, other_batch, active_manufacturer, reason):
    batch_id = batch[0]
    _, other_tree, other_serials = other_batch
    leaf = leaf_hash(GTIN, other_serials[0])

    with reverts_with(custody, "InvalidProof", batchId=batch_id, leaf=leaf):
        custody.decommission(batch_id, unit_hash(GTIN, other_serials[0]), other_tree.proof(leaf), reason,
                             sender=active_manufacturer)

    assert custody.unit(batch_id, leaf).reason == 0
    assert_holding(custody, batch_id, active_manufacturer, balance=8, decommissioned=0, ever_held=True)


@pytest.mark.parametrize("reason", [DISPENSED, EXPORTED])
def test_decommission__leaf_of_this_batch_with_other_proof__reverts(custody, batch, active_manufacturer, reason):
    batch_id, tree, serials = batch
    leaf = leaf_hash(GTIN, serials[0])

    with reverts_with(custody, "InvalidProof", batchId=batch_id, leaf=leaf):
        custody.decommission(batch_id, unit_hash(GTIN, serials[0]), tree.proof_for(GTIN, serials[1]), reason,
                             sender=active_manufacturer)


@pytest.mark.parametrize(
    "make_unit,make_proof",
    [
        pytest.param(lambda s: unit_hash(GTIN, "NOT-IN-BATCH"), lambda t, s: t.proof_for(GTIN, s[0]), id="unknown_serial"),
        pytest.param(lambda s: unit_hash(OTHER_GTIN, s[0]), lambda t, s: t.proof_for(GTIN, s[0]), id="other_gtin"),
        pytest.param(lambda s: unit_hash(GTIN, s[0]), lambda t, s: [], id="empty_proof"),
        pytest.param(lambda s: unit_hash(GTIN, s[0]), lambda t, s: t.proof_for(GTIN, s[0])[:-1], id="short_proof"),
        pytest.param(
            lambda s: unit_hash(GTIN, s[0]), lambda t, s: [b"\x01" * 32] + t.proof_for(GTIN, s[0])[1:], id="tampered"
        ),
        # The leaf itself given as the unit hash: hashed once more, it is no leaf of the tree.
        pytest.param(lambda s: leaf_hash(GTIN, s[0]), lambda t, s: t.proof_for(GTIN, s[0]), id="leaf_as_unit"),
    ],
)
def test_decommission__invalid_proof__reverts(custody, batch, active_manufacturer, make_unit, make_proof):
    batch_id, tree, serials = batch
    unit = make_unit(serials)

    with reverts_with(custody, "InvalidProof", batchId=batch_id, leaf=leaf_of_unit_hash(unit)):
        custody.decommission(batch_id, unit, make_proof(tree, serials), DESTROYED, sender=active_manufacturer)


def test_decommission__batch_not_in_custody__reverts(custody, create_batch, active_manufacturer):
    tree = SerialTree.of(GTIN, ["A", "B"])
    create_batch(lot=LOT, quantity=2, root=tree.root)
    batch_id = batch_id_of(GTIN, LOT)

    with reverts_with(
        custody, "InsufficientBalance", batchId=batch_id, holder=active_manufacturer.address, balance=0, needed=1
    ):
        custody.decommission(batch_id, unit_hash(GTIN, "A"), tree.proof_for(GTIN, "A"), DESTROYED, sender=active_manufacturer)


@pytest.mark.parametrize("by", ["active_manufacturer", "regulator"])
@pytest.mark.parametrize("method,status", RETIREMENTS)
def test_decommission__dispense_of_retired_batch__reverts(
    request, custody, resources, batch_id, stocked_pharmacy, decommission, method, status, by
):
    getattr(resources, method)(GTIN, LOT, QUALITY_DEFECT, REASON_CID, sender=request.getfixturevalue(by))

    with reverts_with(custody, "BatchNotActive", batchId=batch_id, status=status):
        decommission(stocked_pharmacy, reason=DISPENSED)

    assert custody.ledger(batch_id).status == status
    assert_holding(custody, batch_id, stocked_pharmacy, balance=5, decommissioned=0, ever_held=True)


def test_decommission__dispense_of_other_batch_than_recalled__accepted(
    custody, resources, batch_id, other_batch, active_manufacturer, decommission
):
    resources.recall_batch(GTIN, OTHER_LOT, QUALITY_DEFECT, REASON_CID, sender=active_manufacturer)

    decommission(active_manufacturer, reason=DISPENSED)

    assert custody.unit(batch_id, leaf_hash(GTIN, serials_for(LOT, 8)[0])).reason == DISPENSED
    assert custody.ledger(other_batch[0]).status == BatchStatus.RECALLED


@pytest.mark.parametrize("reason", OTHER_REASONS)
@pytest.mark.parametrize("method", ["recall_batch", "withdraw_batch"])
def test_decommission__other_reasons_of_retired_batch__accepted(
    custody, resources, batch_id, stocked_pharmacy, active_manufacturer, decommission, method, reason
):
    getattr(resources, method)(GTIN, LOT, QUALITY_DEFECT, REASON_CID, sender=active_manufacturer)

    decommission(stocked_pharmacy, reason=reason)

    assert_holding(custody, batch_id, stocked_pharmacy, balance=4, decommissioned=1, ever_held=True)


@pytest.fixture
def short_batch(create_custody_batch):
    """A batch of 4 units expiring in 10 days: (batch_id, tree, serials)."""
    return create_custody_batch(lot="SHORT", quantity=4, expires_in=10 * DAY)


def test_decommission__dispense_on_expiry_day__accepted(chain, custody, resources, short_batch, active_manufacturer, decommission):
    expires = custody.ledger(short_batch[0]).expires
    assert expires == resources.batch_by_id(short_batch[0]).expires
    chain.pending_timestamp = expires

    tx = decommission(active_manufacturer, serial=short_batch[2][0], reason=DISPENSED, batch_=short_batch)

    assert tx.timestamp == expires
    assert custody.unit(short_batch[0], leaf_hash(GTIN, short_batch[2][0])).reason == DISPENSED


def test_decommission__dispense_after_expiry__reverts(chain, custody, resources, short_batch, active_manufacturer, decommission):
    batch_id = short_batch[0]
    expires = resources.batch_by_id(batch_id).expires
    assert custody.ledger(batch_id).expires == expires
    chain.mine(timestamp=expires + 1)

    with reverts_with(custody, "BatchExpired", batchId=batch_id, expires=expires):
        decommission(active_manufacturer, serial=short_batch[2][0], reason=DISPENSED, batch_=short_batch)

    assert_holding(custody, batch_id, active_manufacturer, balance=4, decommissioned=0, ever_held=True)


def test_decommission__dispense_of_retired_and_expired_batch__status_first(
    chain, custody, resources, short_batch, active_manufacturer, decommission
):
    batch_id = short_batch[0]
    resources.withdraw_batch(GTIN, "SHORT", QUALITY_DEFECT, REASON_CID, sender=active_manufacturer)
    chain.mine(timestamp=custody.ledger(batch_id).expires + 1)

    with reverts_with(custody, "BatchNotActive", batchId=batch_id, status=BatchStatus.WITHDRAWN):
        decommission(active_manufacturer, serial=short_batch[2][0], reason=DISPENSED, batch_=short_batch)


@pytest.mark.parametrize("reason", OTHER_REASONS)
def test_decommission__other_reasons_after_expiry__accepted(
    chain, custody, resources, short_batch, active_manufacturer, decommission, reason
):
    chain.mine(timestamp=resources.batch_by_id(short_batch[0]).expires + DAY)

    decommission(active_manufacturer, serial=short_batch[2][0], reason=reason, batch_=short_batch)

    assert custody.unit(short_batch[0], leaf_hash(GTIN, short_batch[2][0])).reason == reason


# --- undoDispense ----------------------------------------------------------------------------


def test_undo_dispense(custody, batch, stocked_pharmacy, active_manufacturer, decommission):
    batch_id, _, serials = batch
    leaf = leaf_hash(GTIN, serials[0])
    decommission(stocked_pharmacy, serial=serials[0], reason=DISPENSED)

    tx = custody.undoDispense(batch_id, leaf, sender=stocked_pharmacy)

    logs = tx.decode_logs(custody.DispenseUndone)
    assert len(logs) == 1
    assert logs[0].batchId == batch_id
    assert logs[0].leaf == leaf
    assert logs[0].by == stocked_pharmacy.address
    state = custody.unit(batch_id, leaf)
    assert (state.reason, state.by, state.at) == (0, ZERO_ADDRESS, 0)
    assert_holding(custody, batch_id, stocked_pharmacy, balance=5, decommissioned=0, ever_held=True)
    assert_ledger(custody, batch_id, commissioned=8, in_transit=0)
    assert_conserved(custody, batch_id, [active_manufacturer, stocked_pharmacy])


def test_undo_dispense__only_the_dispensers_count(custody, batch, stocked_pharmacy, active_manufacturer, decommission):
    batch_id, _, serials = batch
    decommission(stocked_pharmacy, serial=serials[0], reason=DISPENSED)
    decommission(stocked_pharmacy, serial=serials[1], reason=DISPENSED)
    decommission(active_manufacturer, serial=serials[2], reason=DISPENSED)

    custody.undoDispense(batch_id, leaf_hash(GTIN, serials[1]), sender=stocked_pharmacy)

    assert_holding(custody, batch_id, stocked_pharmacy, balance=4, decommissioned=1, ever_held=True)
    assert_holding(custody, batch_id, active_manufacturer, balance=2, decommissioned=1, ever_held=True)
    assert_conserved(custody, batch_id, [active_manufacturer, stocked_pharmacy])


def test_undo_dispense__unit_can_be_dispensed_again(custody, batch, stocked_pharmacy, active_manufacturer, decommission):
    batch_id, _, serials = batch
    decommission(stocked_pharmacy, serial=serials[0], reason=DISPENSED)
    custody.undoDispense(batch_id, leaf_hash(GTIN, serials[0]), sender=stocked_pharmacy)

    decommission(active_manufacturer, serial=serials[0], reason=DESTROYED)

    state = custody.unit(batch_id, leaf_hash(GTIN, serials[0]))
    assert (state.reason, state.by) == (DESTROYED, active_manufacturer.address)


def test_undo_dispense__at_end_of_grace_period__accepted(chain, custody, batch, stocked_pharmacy, decommission):
    batch_id, _, serials = batch
    dispensed = decommission(stocked_pharmacy, serial=serials[0], reason=DISPENSED)
    chain.pending_timestamp = dispensed.timestamp + GRACE_PERIOD

    tx = custody.undoDispense(batch_id, leaf_hash(GTIN, serials[0]), sender=stocked_pharmacy)

    assert tx.timestamp == dispensed.timestamp + GRACE_PERIOD
    assert custody.unit(batch_id, leaf_hash(GTIN, serials[0])).reason == 0


def test_undo_dispense__after_grace_period__reverts(chain, custody, batch, stocked_pharmacy, decommission):
    batch_id, _, serials = batch
    leaf = leaf_hash(GTIN, serials[0])
    dispensed = decommission(stocked_pharmacy, serial=serials[0], reason=DISPENSED)
    chain.mine(timestamp=dispensed.timestamp + GRACE_PERIOD + 1)

    with reverts_with(
        custody, "GracePeriodOver", batchId=batch_id, leaf=leaf, deadline=dispensed.timestamp + GRACE_PERIOD
    ):
        custody.undoDispense(batch_id, leaf, sender=stocked_pharmacy)

    assert custody.unit(batch_id, leaf).reason == DISPENSED
    assert custody.balanceOf(batch_id, stocked_pharmacy) == 4


def test_undo_dispense__recalled_since__accepted(custody, resources, batch, stocked_pharmacy, active_manufacturer, decommission):
    # The pack comes back into stock, where the recall can reach it.
    batch_id, _, serials = batch
    decommission(stocked_pharmacy, serial=serials[0], reason=DISPENSED)
    resources.recall_batch(GTIN, LOT, QUALITY_DEFECT, REASON_CID, sender=active_manufacturer)

    custody.undoDispense(batch_id, leaf_hash(GTIN, serials[0]), sender=stocked_pharmacy)

    assert custody.balanceOf(batch_id, stocked_pharmacy) == 5


def test_undo_dispense__never_decommissioned__reverts(custody, batch, stocked_pharmacy):
    batch_id, _, serials = batch
    leaf = leaf_hash(GTIN, serials[0])

    with reverts_with(custody, "NotDispensed", batchId=batch_id, leaf=leaf, reason=0):
        custody.undoDispense(batch_id, leaf, sender=stocked_pharmacy)


@pytest.mark.parametrize("reason", OTHER_REASONS)
def test_undo_dispense__other_reason__reverts(custody, batch, stocked_pharmacy, decommission, reason):
    batch_id, _, serials = batch
    leaf = leaf_hash(GTIN, serials[0])
    decommission(stocked_pharmacy, serial=serials[0], reason=reason)

    with reverts_with(custody, "NotDispensed", batchId=batch_id, leaf=leaf, reason=reason):
        custody.undoDispense(batch_id, leaf, sender=stocked_pharmacy)


def test_undo_dispense__other_batch_id__reverts(custody, batch, other_batch, stocked_pharmacy, decommission):
    # The undo goes back to the batch the unit was dispensed from, never into another one.
    batch_id, _, serials = batch
    leaf = leaf_hash(GTIN, serials[0])
    decommission(stocked_pharmacy, serial=serials[0], reason=DISPENSED)

    with reverts_with(custody, "NotDispensed", batchId=other_batch[0], leaf=leaf, reason=0):
        custody.undoDispense(other_batch[0], leaf, sender=stocked_pharmacy)


@pytest.mark.parametrize("caller", ["active_manufacturer", "active_hospital", "stranger", "regulator"])
def test_undo_dispense__not_the_dispenser__reverts(request, custody, batch, stocked_pharmacy, decommission, caller):
    batch_id, _, serials = batch
    leaf = leaf_hash(GTIN, serials[0])
    decommission(stocked_pharmacy, serial=serials[0], reason=DISPENSED)
    account = request.getfixturevalue(caller)

    with reverts_with(custody, "NotDispenser", batchId=batch_id, leaf=leaf, account=account.address):
        custody.undoDispense(batch_id, leaf, sender=account)

    assert custody.unit(batch_id, leaf).reason == DISPENSED


def test_undo_dispense__suspended_dispenser__reverts(custody, batch, stocked_pharmacy, suspend, decommission):
    batch_id, _, serials = batch
    leaf = leaf_hash(GTIN, serials[0])
    decommission(stocked_pharmacy, serial=serials[0], reason=DISPENSED)
    suspend(stocked_pharmacy)

    with reverts_with(custody, "ParticipantNotActive", account=stocked_pharmacy.address, roles=CUSTODY_ROLES):
        custody.undoDispense(batch_id, leaf, sender=stocked_pharmacy)


def test_undo_dispense__twice__reverts(custody, batch, stocked_pharmacy, decommission):
    batch_id, _, serials = batch
    leaf = leaf_hash(GTIN, serials[0])
    decommission(stocked_pharmacy, serial=serials[0], reason=DISPENSED)
    custody.undoDispense(batch_id, leaf, sender=stocked_pharmacy)

    with reverts_with(custody, "NotDispensed", batchId=batch_id, leaf=leaf, reason=0):
        custody.undoDispense(batch_id, leaf, sender=stocked_pharmacy)

    assert custody.balanceOf(batch_id, stocked_pharmacy) == 5


# --- verdictData -----------------------------------------------------------------------------


def _verdict(custody, gtin, lot, serial, proof, scanner=ZERO_ADDRESS):
    return custody.verdictData(gtin, lot, leaf_hash(gtin, serial), proof, scanner)


def test_verdict_data__genuine(chain, custody, resources, batch, stocked_pharmacy, active_manufacturer):
    batch_id, tree, serials = batch
    stored = resources.batch_by_id(batch_id)

    data = _verdict(custody, GTIN, LOT, serials[1], tree.proof_for(GTIN, serials[1]), stocked_pharmacy)

    assert data.batchId == batch_id
    assert data.productManufacturer == active_manufacturer.address
    assert data.manufacturerActive is True
    assert data.batchExists is True
    assert data.batchStatus == BatchStatus.ACTIVE
    assert data.batchReasonCode == 0
    assert data.manufactured == stored.manufactured
    assert data.expires == stored.expires
    assert data.quantity == 8
    assert data.documentsCidHash == stored.documents_cid_hash
    assert data.commissioned is True
    assert data.inBatch is True
    assert data.unitReason == 0
    assert data.unitBy == ZERO_ADDRESS
    assert data.unitAt == 0
    assert data.scannerHeld is True
    assert data.timestamp == chain.blocks.head.timestamp


def test_verdict_data__unknown_product(custody, batch):
    _, tree, serials = batch

    data = _verdict(custody, OTHER_GTIN, LOT, serials[0], tree.proof_for(GTIN, serials[0]))

    assert data.batchId == batch_id_of(OTHER_GTIN, LOT)
    assert data.productManufacturer == ZERO_ADDRESS
    assert data.manufacturerActive is False
    assert data.batchExists is False
    assert data.batchStatus == 0
    assert (data.manufactured, data.expires, data.quantity) == (0, 0, 0)
    assert data.documentsCidHash == ZERO_BYTES32
    assert data.commissioned is False
    assert data.inBatch is False
    assert data.unitReason == 0
    assert data.scannerHeld is False


def test_verdict_data__unknown_batch(custody, batch, active_manufacturer):
    _, tree, serials = batch

    data = _verdict(custody, GTIN, "FAKE-LOT", serials[0], tree.proof_for(GTIN, serials[0]), active_manufacturer)

    assert data.productManufacturer == active_manufacturer.address
    assert data.manufacturerActive is True
    assert data.batchExists is False
    assert data.batchStatus == 0
    assert data.quantity == 0
    assert data.commissioned is False
    assert data.inBatch is False
    assert data.scannerHeld is False


@pytest.mark.parametrize("case", ["unknown_serial", "proof_of_other_batch", "no_proof"])
def test_verdict_data__serial_not_in_batch(custody, batch, other_batch, case):
    _, tree, serials = batch
    _, other_tree, other_serials = other_batch
    serial, proof = {
        "unknown_serial": ("CLONE-0001", tree.proof_for(GTIN, serials[0])),
        "proof_of_other_batch": (other_serials[0], other_tree.proof_for(GTIN, other_serials[0])),
        "no_proof": (serials[0], []),
    }[case]

    data = _verdict(custody, GTIN, LOT, serial, proof)

    assert data.batchExists is True
    assert data.commissioned is True
    assert data.inBatch is False


@pytest.mark.parametrize(
    "method,status", [("recall_batch", BatchStatus.RECALLED), ("withdraw_batch", BatchStatus.WITHDRAWN)]
)
def test_verdict_data__retired_batch(custody, resources, batch, regulator, method, status):
    _, tree, serials = batch
    getattr(resources, method)(GTIN, LOT, 2, REASON_CID, sender=regulator)

    data = _verdict(custody, GTIN, LOT, serials[0], tree.proof_for(GTIN, serials[0]))

    assert data.batchStatus == status
    assert data.batchReasonCode == 2
    assert data.inBatch is True


def test_verdict_data__expired(chain, custody, resources, short_batch):
    batch_id, tree, serials = short_batch
    expires = resources.batch_by_id(batch_id).expires
    chain.mine(timestamp=expires + 1)

    data = _verdict(custody, GTIN, "SHORT", serials[0], tree.proof_for(GTIN, serials[0]))

    assert data.expires == expires
    assert data.timestamp > data.expires
    assert data.timestamp == chain.blocks.head.timestamp
    assert data.batchStatus == BatchStatus.ACTIVE


def test_verdict_data__dispensed(custody, batch, stocked_pharmacy, decommission):
    _, tree, serials = batch
    tx = decommission(stocked_pharmacy, serial=serials[4], reason=DISPENSED)

    data = _verdict(custody, GTIN, LOT, serials[4], tree.proof_for(GTIN, serials[4]))

    assert data.inBatch is True
    assert data.unitReason == DISPENSED
    assert data.unitBy == stocked_pharmacy.address
    assert data.unitAt == tx.timestamp
    # Another unit of the batch is untouched.
    assert _verdict(custody, GTIN, LOT, serials[5], tree.proof_for(GTIN, serials[5])).unitReason == 0


def test_verdict_data__destroyed(custody, batch, active_manufacturer, decommission):
    _, tree, serials = batch
    tx = decommission(active_manufacturer, serial=serials[0], reason=DESTROYED)

    data = _verdict(custody, GTIN, LOT, serials[0], tree.proof_for(GTIN, serials[0]))

    assert (data.unitReason, data.unitBy, data.unitAt) == (DESTROYED, active_manufacturer.address, tx.timestamp)


def test_verdict_data__suspended_manufacturer(custody, batch, active_manufacturer, suspend):
    _, tree, serials = batch
    suspend(active_manufacturer)

    data = _verdict(custody, GTIN, LOT, serials[0], tree.proof_for(GTIN, serials[0]))

    assert data.productManufacturer == active_manufacturer.address
    assert data.manufacturerActive is False
    assert data.inBatch is True


@pytest.mark.parametrize(
    "scanner,held",
    [
        ("active_manufacturer", True),
        ("stocked_pharmacy", True),
        ("active_hospital", False),
        ("in_transit_distributor", False),
        ("stranger", False),
        ("zero", False),
    ],
)
def test_verdict_data__scanner_held(request, custody, batch, active_distributor, ship, scanner, held):
    _, tree, serials = batch
    ship(batch[0], active_distributor, 1)  # in transit: not held until received
    account = {
        "zero": ZERO_ADDRESS,
        "in_transit_distributor": active_distributor,
    }.get(scanner) or request.getfixturevalue(scanner)

    data = _verdict(custody, GTIN, LOT, serials[0], tree.proof_for(GTIN, serials[0]), account)

    assert data.scannerHeld is held


def test_verdict_data__scanner_held_other_batch_only(custody, batch, other_batch, active_pharmacy, create_shipment):
    shipment_id, record = create_shipment(other_batch[0], active_pharmacy, 1)
    custody.receiveShipment(shipment_id, record, sender=active_pharmacy)
    _, tree, serials = batch

    data = _verdict(custody, GTIN, LOT, serials[0], tree.proof_for(GTIN, serials[0]), active_pharmacy)

    assert data.scannerHeld is False


def test_verdict_data__batch_not_in_custody(custody, create_batch, active_manufacturer):
    tree = SerialTree.of(GTIN, ["A", "B", "C"])
    create_batch(lot=LOT, quantity=3, root=tree.root)

    data = _verdict(custody, GTIN, LOT, "B", tree.proof_for(GTIN, "B"), active_manufacturer)

    assert data.batchExists is True
    assert data.commissioned is False
    assert data.inBatch is True
    assert data.scannerHeld is False


def test_verdict_data__after_undo__back_in_circulation(custody, batch, stocked_pharmacy, decommission):
    batch_id, tree, serials = batch
    decommission(stocked_pharmacy, serial=serials[0], reason=DISPENSED)
    custody.undoDispense(batch_id, leaf_hash(GTIN, serials[0]), sender=stocked_pharmacy)

    data = _verdict(custody, GTIN, LOT, serials[0], tree.proof_for(GTIN, serials[0]))

    assert (data.unitReason, data.unitBy, data.unitAt) == (0, ZERO_ADDRESS, 0)


# --- a whole journey -------------------------------------------------------------------------


def test_journey__manufacturer_to_patient__conserved(
    custody, resources, batch, active_manufacturer, active_distributor, active_hospital, active_pharmacy, decommission,
    create_shipment,
):
    batch_id, _, serials = batch
    holders = [active_manufacturer, active_distributor, active_hospital, active_pharmacy]
    to_distributor = create_shipment(batch_id, active_distributor, 6)
    assert_conserved(custody, batch_id, holders)
    custody.receiveShipment(*to_distributor, sender=active_distributor)
    to_hospital = create_shipment(batch_id, active_hospital, 2, sender=active_distributor)
    to_pharmacy = create_shipment(batch_id, active_pharmacy, 3, sender=active_distributor)
    assert_conserved(custody, batch_id, holders)
    custody.receiveShipment(*to_hospital, sender=active_hospital)
    custody.reject(*to_pharmacy, REASON_CID, sender=active_pharmacy)
    decommission(active_hospital, serial=serials[0], reason=DISPENSED)
    decommission(active_distributor, serial=serials[1], reason=STOLEN)
    assert_conserved(custody, batch_id, holders)
    resources.recall_batch(GTIN, LOT, QUALITY_DEFECT, REASON_CID, sender=active_manufacturer)
    back = create_shipment(batch_id, active_manufacturer, 1, sender=active_hospital)
    assert_conserved(custody, batch_id, holders)
    custody.receiveShipment(*back, sender=active_manufacturer)
    assert_conserved(custody, batch_id, holders)

    assert [to_distributor[0], to_hospital[0], to_pharmacy[0], back[0]] == [1, 2, 3, 4]
    assert [custody.shipmentStatus(*s) for s in (to_distributor, to_hospital, to_pharmacy, back)] == [
        RECEIVED, RECEIVED, REJECTED, RECEIVED
    ]
    assert [custody.holding(batch_id, h).balance for h in holders] == [3, 3, 0, 0]
    assert [custody.holding(batch_id, h).decommissioned for h in holders] == [0, 1, 1, 0]
    assert [custody.holding(batch_id, h).everHeld for h in holders] == [True, True, True, False]
    assert_ledger(custody, batch_id, commissioned=8, in_transit=0, status=BatchStatus.RECALLED)


# --- settleUnanswered: no shipment stays in transit for ever ------------------------------------

RECEIPT_PERIOD = 20 * DAY
RECLAIMED = ShipmentStatus.RECLAIMED
# TenderAnswers.Answer
NOT_COUNTED, COUNTED, REVERTS, BURNS_GAS, HUGE_ANSWER, NOT_A_BOOL = range(6)


@pytest.fixture
def past_receipt_period(chain):
    """Move the next block just past a shipment's receipt period."""

    def past_receipt_period(record):
        chain.mine(timestamp=record[6] + RECEIPT_PERIOD + 1)

    return past_receipt_period


def test_receipt_period__twenty_days(custody):
    assert custody.RECEIPT_PERIOD() == RECEIPT_PERIOD


def test_settle_unanswered__plain_shipment__back_to_shipper(
    custody, batch_id, to_distributor, active_manufacturer, active_distributor, stranger, past_receipt_period
):
    shipment_id, record = to_distributor
    past_receipt_period(record)

    tx = custody.settleUnanswered(shipment_id, record, sender=stranger)

    logs = tx.decode_logs(custody.Reclaimed)
    assert len(logs) == 1
    assert logs[0].batchId == batch_id
    assert logs[0].shipmentId == shipment_id
    assert logs[0].shipper == active_manufacturer.address
    assert logs[0].consignee == active_distributor.address
    assert logs[0].quantity == 3
    assert tx.decode_logs(custody.Received) == []
    assert custody.shipmentStatus(shipment_id, record) == RECLAIMED
    assert_holding(custody, batch_id, active_manufacturer, balance=8, decommissioned=0, ever_held=True)
    assert_holding(custody, batch_id, active_distributor, balance=0, decommissioned=0, ever_held=False)
    assert_ledger(custody, batch_id, commissioned=8, in_transit=0)


def test_settle_unanswered__counted_tender_delivery__deemed_received(
    custody, batch_id, active_manufacturer, active_hospital, tender_answers, create_shipment, past_receipt_period
):
    shipment_id, record = create_shipment(batch_id, active_hospital, 2, tender_id=TENDER_ID, tenders=tender_answers)
    tender_answers.setAnswer(COUNTED, sender=active_manufacturer)
    past_receipt_period(record)

    tx = custody.settleUnanswered(shipment_id, record, sender=active_manufacturer)

    logs = tx.decode_logs(custody.Received)
    assert len(logs) == 1
    assert logs[0].batchId == batch_id
    assert logs[0].shipmentId == shipment_id
    assert logs[0].consignee == active_hospital.address
    assert logs[0].shipper == active_manufacturer.address
    assert logs[0].quantity == 2
    assert tx.decode_logs(custody.Reclaimed) == []
    assert custody.shipmentStatus(shipment_id, record) == RECEIVED
    assert_holding(custody, batch_id, active_hospital, balance=2, decommissioned=0, ever_held=True)
    assert_holding(custody, batch_id, active_manufacturer, balance=6, decommissioned=0, ever_held=True)
    assert_ledger(custody, batch_id, commissioned=8, in_transit=0)


@pytest.mark.parametrize("answer", [NOT_COUNTED, REVERTS, BURNS_GAS, HUGE_ANSWER, NOT_A_BOOL],
                         ids=["not_counted", "reverts", "burns_gas", "huge_answer", "not_a_bool"])
def test_settle_unanswered__tender_contract_not_counting_or_hostile__back_to_shipper(
    custody, batch_id, active_manufacturer, active_hospital, tender_answers, create_shipment, past_receipt_period,
    answer,
):
    # A hostile tender contract (named by the shipper itself) cannot keep the units in transit.
    shipment_id, record = create_shipment(batch_id, active_hospital, 2, tender_id=TENDER_ID, tenders=tender_answers)
    tender_answers.setAnswer(answer, sender=active_manufacturer)
    past_receipt_period(record)

    tx = custody.settleUnanswered(shipment_id, record, sender=active_manufacturer, gas_limit=3_000_000)

    assert len(tx.decode_logs(custody.Reclaimed)) == 1
    assert custody.shipmentStatus(shipment_id, record) == RECLAIMED
    assert_holding(custody, batch_id, active_manufacturer, balance=8, decommissioned=0, ever_held=True)
    assert_holding(custody, batch_id, active_hospital, balance=0, decommissioned=0, ever_held=False)


def test_settle_unanswered__within_receipt_period__reverts(custody, to_distributor, chain, active_manufacturer):
    shipment_id, record = to_distributor
    deadline = record[6] + RECEIPT_PERIOD
    chain.mine(timestamp=deadline - 1)  # the settlement's block is the deadline's second: too early

    with reverts_with(custody, "ReceiptPeriodNotOver", shipmentId=shipment_id, deadline=deadline):
        custody.settleUnanswered(shipment_id, record, sender=active_manufacturer)


@pytest.mark.parametrize("close,status", [("receive", RECEIVED), ("reject", REJECTED)])
def test_settle_unanswered__answered__reverts(
    custody, to_distributor, active_distributor, active_manufacturer, past_receipt_period, close, status
):
    shipment_id, record = to_distributor
    if close == "receive":
        custody.receiveShipment(shipment_id, record, sender=active_distributor)
    else:
        custody.reject(shipment_id, record, REASON_CID, sender=active_distributor)
    past_receipt_period(record)

    with reverts_with(custody, "ShipmentNotInTransit", shipmentId=shipment_id, status=status):
        custody.settleUnanswered(shipment_id, record, sender=active_manufacturer)


def test_settle_unanswered__twice__reverts(custody, to_distributor, active_manufacturer, past_receipt_period):
    shipment_id, record = to_distributor
    past_receipt_period(record)
    custody.settleUnanswered(shipment_id, record, sender=active_manufacturer)

    with reverts_with(custody, "ShipmentNotInTransit", shipmentId=shipment_id, status=RECLAIMED):
        custody.settleUnanswered(shipment_id, record, sender=active_manufacturer)


def test_settle_unanswered__unknown_shipment__reverts(custody, to_distributor, active_manufacturer, past_receipt_period):
    _, record = to_distributor
    past_receipt_period(record)

    with reverts_with(custody, "UnknownShipment", shipmentId=99):
        custody.settleUnanswered(99, record, sender=active_manufacturer)


@pytest.mark.parametrize("field,value", [("quantity", 30), ("shippedAt", 1), ("tenderId", TENDER_ID)])
def test_settle_unanswered__terms_differ__reverts(
    custody, to_distributor, active_manufacturer, past_receipt_period, field, value
):
    # An earlier shipping time would open the settlement early; another quantity would mint units.
    shipment_id, record = to_distributor
    past_receipt_period(record)

    with reverts_with(custody, "ShipmentMismatch", shipmentId=shipment_id):
        custody.settleUnanswered(shipment_id, altered(record, field, value), sender=active_manufacturer)


def test_receive__after_receipt_period__still_received(
    custody, batch_id, to_distributor, active_distributor, past_receipt_period
):
    shipment_id, record = to_distributor
    past_receipt_period(record)

    custody.receiveShipment(shipment_id, record, sender=active_distributor)

    assert custody.shipmentStatus(shipment_id, record) == RECEIVED
    assert custody.balanceOf(batch_id, active_distributor) == 3


def test_reject__after_receipt_period__reverts(custody, to_distributor, active_distributor, past_receipt_period):
    # A tender delivery may have been counted (paid) as unanswered by then: no rejection after.
    shipment_id, record = to_distributor
    past_receipt_period(record)

    with reverts_with(custody, "ReceiptPeriodOver", shipmentId=shipment_id, deadline=record[6] + RECEIPT_PERIOD):
        custody.reject(shipment_id, record, REASON_CID, sender=active_distributor)


# --- the attacker's decommissions: inner nodes and the root are no units -----------------------


@pytest.mark.parametrize("reason", [DESTROYED, STOLEN, EXPORTED, SAMPLE, DISPENSED])
def test_decommission__inner_node_or_root_as_unit__reverts(custody, batch, active_manufacturer, reason):
    # The holder tries to write off stock with no real pack: every inner node of the tree (the
    # root with an empty proof among them), passed with the rest of its path.
    batch_id, tree, serials = batch
    ghosts = inner_nodes(tree)
    assert ghosts[0] == (tree.root, [])

    for node, path in ghosts:
        with reverts_with(custody, "InvalidProof", batchId=batch_id, leaf=leaf_of_unit_hash(node)):
            custody.decommission(batch_id, node, path, reason, sender=active_manufacturer)

    assert_holding(custody, batch_id, active_manufacturer, balance=8, decommissioned=0, ever_held=True)


def test_decommission__unit_hash_in_calldata__serial_not_in_clear(custody, batch, stocked_pharmacy):
    batch_id, tree, serials = batch

    tx = custody.decommission(batch_id, unit_hash(GTIN, serials[0]), tree.proof_for(GTIN, serials[0]), DISPENSED,
                              sender=stocked_pharmacy)

    assert serials[0].encode() not in bytes(tx.transaction.data)
    assert tx.decode_logs(custody.Decommissioned)[0].leaf == leaf_hash(GTIN, serials[0])


# --- moveToSuccessor: a rotated key takes its stock along -----------------------------------------


def test_move_to_successor(custody, participants, regulator, batch, stocked_pharmacy, stranger, active_distributor):
    batch_id = batch[0]
    participants.move_to_successor(stocked_pharmacy, stranger, sender=regulator)

    # Anyone may call it: the units can only go to the recorded successor.
    tx = custody.moveToSuccessor(batch_id, stocked_pharmacy, sender=active_distributor)

    logs = tx.decode_logs(custody.MovedToSuccessor)
    assert len(logs) == 1
    assert logs[0].batchId == batch_id
    assert logs[0].predecessor == stocked_pharmacy.address
    assert logs[0].successor == stranger.address
    assert logs[0].quantity == 5
    assert_holding(custody, batch_id, stocked_pharmacy, balance=0, decommissioned=0, ever_held=True)
    assert_holding(custody, batch_id, stranger, balance=5, decommissioned=0, ever_held=True)
    # The old key can no longer move anything; the successor can.
    with reverts_with(custody, "ParticipantNotActive", account=stocked_pharmacy.address, roles=CUSTODY_ROLES):
        custody.ship(batch_id, active_distributor, 1, WAYBILL_CID, sender=stocked_pharmacy)
    custody.ship(batch_id, active_distributor, 1, WAYBILL_CID, sender=stranger)
    assert custody.balanceOf(batch_id, stranger) == 4


def test_move_to_successor__twice__nothing_more(custody, participants, regulator, batch, stocked_pharmacy, stranger):
    batch_id = batch[0]
    participants.move_to_successor(stocked_pharmacy, stranger, sender=regulator)
    custody.moveToSuccessor(batch_id, stocked_pharmacy, sender=stranger)

    tx = custody.moveToSuccessor(batch_id, stocked_pharmacy, sender=stranger)

    assert tx.decode_logs(custody.MovedToSuccessor)[0].quantity == 0
    assert custody.balanceOf(batch_id, stranger) == 5


def test_move_to_successor__no_successor__reverts(custody, batch, stocked_pharmacy, stranger):
    with reverts_with(custody, "NoSuccessor", holder=stocked_pharmacy.address):
        custody.moveToSuccessor(batch[0], stocked_pharmacy, sender=stranger)
