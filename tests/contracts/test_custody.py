"""Custody: commissioning into custody, shipments, decommissioning of units, undo of a dispense,
and the one-call verdict data."""

from contextlib import contextmanager

import ape
import pytest

from dapp.merkle import SerialTree, leaf_hash
from dapp.roles import BatchStatus, Role
from tests.conftest import (
    CERTIFICATE_CID,
    CHARACTERISTICS_CID,
    DAY,
    DOCUMENTS_CID,
    GTIN,
    ORGANIZATION_CID,
    OTHER_GTIN,
    REASON_CID,
    batch_id_of,
    serials_for,
)
from tests.contracts.test_payment_token import custom_error

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
ZERO_BYTES32 = b"\x00" * 32

CUSTODY_ROLES = 2 | 4 | 8 | 16 | 32
MANUFACTURER_ROLE = 2

DISPENSED, DESTROYED, STOLEN, EXPORTED, SAMPLE = 1, 2, 3, 4, 5
REASONS = [DISPENSED, DESTROYED, STOLEN, EXPORTED, SAMPLE]
OTHER_REASONS = [DESTROYED, STOLEN, EXPORTED, SAMPLE]
IN_TRANSIT, RECEIVED, REJECTED = 1, 2, 3
GRACE_PERIOD = 10 * DAY

LOT = "L001"
OTHER_LOT = "L002"
WAYBILL_CID = "bafkreihaeqrsmdlqwavhcbuqzqmbyrqs7gclgm2myqhhtxjp6ycuikuzji"
TENDER_ID = 42
QUALITY_DEFECT = 1


@contextmanager
def reverts_with(contract, name, **inputs):
    """Expect the custom error `name` with exactly these inputs (`ape.reverts` alone is loose)."""
    with ape.reverts(getattr(contract, name)) as info:
        yield info
    assert custom_error(info, contract) == (name, inputs)


# --- fixtures --------------------------------------------------------------------------------


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
    """Ship `quantity` units of `batch_id` from `sender` (the manufacturer) to `to`."""

    def ship(batch_id, to, quantity=3, sender=None, tender_id=0, cid=WAYBILL_CID):
        return custody.ship(batch_id, to, quantity, tender_id, cid, sender=sender or active_manufacturer)

    return ship


@pytest.fixture
def stocked_pharmacy(custody, batch, active_pharmacy, ship):
    """The pharmacy received 5 units of the batch from the manufacturer."""
    ship(batch[0], active_pharmacy, 5)
    custody.receiveShipment(custody.shipmentCount(), sender=active_pharmacy)
    return active_pharmacy


@pytest.fixture
def decommission(custody, batch):
    """Decommission `serial` of the batch (its own proof by default) by `sender`."""

    def decommission(sender, serial=None, reason=DISPENSED, batch_=None, proof=None):
        batch_id, tree, serials = batch_ or batch
        serial = serial if serial is not None else serials[0]
        leaf = leaf_hash(GTIN, serial)
        return custody.decommission(
            batch_id, leaf, tree.proof(leaf) if proof is None else proof, reason, sender=sender
        )

    return decommission


def assert_ledger(custody, batch_id, *, commissioned, in_transit, decommissioned, index=None):
    ledger = custody.ledger(batch_id)
    assert ledger.commissioned == commissioned
    assert ledger.inTransit == in_transit
    assert ledger.decommissioned == decommissioned
    if index is not None:
        assert ledger.index == index


def assert_conserved(custody, batch_id, holders):
    ledger = custody.ledger(batch_id)
    balances = sum(custody.balanceOf(batch_id, holder) for holder in holders)
    assert balances + ledger.inTransit + ledger.decommissioned == ledger.commissioned


# --- deployment, constants, interfaces -------------------------------------------------------


def test_deploy__wired_to_registries(custody, participants, resources):
    assert custody.participants() == participants.address
    assert custody.resources() == resources.address
    assert custody.shipmentCount() == 0


def test_constants(custody):
    assert custody.GRACE_PERIOD() == GRACE_PERIOD == 864_000
    assert custody.MANUFACTURER_ROLE() == Role.MANUFACTURER
    assert custody.CUSTODY_ROLES() == int(
        Role.MANUFACTURER | Role.DISTRIBUTOR | Role.MEDICAL_ORGANIZATION | Role.PHARMACY | Role.SUPPLIER
    )
    assert custody.BATCH_ACTIVE() == BatchStatus.ACTIVE
    assert [custody.DISPENSED(), custody.DESTROYED(), custody.STOLEN(), custody.EXPORTED(), custody.SAMPLE()] == REASONS
    assert [custody.IN_TRANSIT(), custody.RECEIVED(), custody.REJECTED()] == [1, 2, 3]


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
    assert custody.ledger(batch_id).commissioned == 3


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
    assert_ledger(custody, expected_id, commissioned=8, in_transit=0, decommissioned=0, index=1)
    assert custody.balanceOf(expected_id, active_manufacturer) == 8
    assert custody.everHeld(expected_id, active_manufacturer) is True


def test_commission__batches_numbered_in_order(custody, create_custody_batch):
    first, _, _ = create_custody_batch(lot="A", quantity=2)
    second, _, _ = create_custody_batch(lot="B", quantity=3)
    third, _, _ = create_custody_batch(lot="A", gtin=OTHER_GTIN, quantity=1)

    assert_ledger(custody, first, commissioned=2, in_transit=0, decommissioned=0, index=1)
    assert_ledger(custody, second, commissioned=3, in_transit=0, decommissioned=0, index=2)
    assert_ledger(custody, third, commissioned=1, in_transit=0, decommissioned=0, index=3)


def test_commission__expired_batch__accepted(chain, custody, create_custody_batch, active_manufacturer):
    # Status ACTIVE is what counts: an expired batch still has to be tracked to its destruction.
    batch_id, _, _ = create_custody_batch(quantity=2, expires_in=DAY)
    chain.mine(timestamp=chain.pending_timestamp + 2 * DAY)

    assert custody.balanceOf(batch_id, active_manufacturer) == 2


def test_commission__largest_quantity__stored(custody, resources, create_batch, active_manufacturer):
    create_batch(lot=LOT, quantity=2**64 - 1)

    custody.commission(GTIN, LOT, sender=active_manufacturer)

    batch_id = batch_id_of(GTIN, LOT)
    assert custody.balanceOf(batch_id, active_manufacturer) == 2**64 - 1
    assert custody.ledger(batch_id).commissioned == 2**64 - 1


def test_commission__other_custody_untouched(custody, create_custody_batch, active_manufacturer):
    batch_id, _, _ = create_custody_batch(lot=LOT, quantity=2)

    assert custody.balanceOf(batch_id_of(GTIN, OTHER_LOT), active_manufacturer) == 0
    assert custody.everHeld(batch_id_of(GTIN, OTHER_LOT), active_manufacturer) is False
    assert_ledger(custody, batch_id_of(GTIN, OTHER_LOT), commissioned=0, in_transit=0, decommissioned=0, index=0)


def test_commission__twice__reverts(custody, batch_id, active_manufacturer):
    with reverts_with(custody, "BatchAlreadyCommissioned", batchId=batch_id):
        custody.commission(GTIN, LOT, sender=active_manufacturer)

    assert custody.balanceOf(batch_id, active_manufacturer) == 8


def test_commission__recalled_after_commissioning__still_already_commissioned(
    custody, resources, batch_id, active_manufacturer
):
    resources.recall_batch(GTIN, LOT, QUALITY_DEFECT, REASON_CID, sender=active_manufacturer)

    with reverts_with(custody, "BatchAlreadyCommissioned", batchId=batch_id):
        custody.commission(GTIN, LOT, sender=active_manufacturer)


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


@pytest.mark.parametrize(
    "method,status", [("recall_batch", BatchStatus.RECALLED), ("withdraw_batch", BatchStatus.WITHDRAWN)]
)
def test_commission__retired_batch__reverts(custody, resources, create_batch, active_manufacturer, method, status):
    create_batch(lot=LOT)
    getattr(resources, method)(GTIN, LOT, QUALITY_DEFECT, REASON_CID, sender=active_manufacturer)

    with reverts_with(custody, "BatchNotActive", batchId=batch_id_of(GTIN, LOT), status=status):
        custody.commission(GTIN, LOT, sender=active_manufacturer)


# --- ship ------------------------------------------------------------------------------------


def test_ship(chain, custody, batch_id, active_manufacturer, active_distributor):
    tx = custody.ship(batch_id, active_distributor, 3, 0, WAYBILL_CID, sender=active_manufacturer)

    logs = tx.decode_logs(custody.Shipped)
    assert len(logs) == 1
    assert logs[0].batchId == batch_id
    assert logs[0].shipmentId == 1
    assert logs[0].tenderId == 0
    assert logs[0].consignee == active_distributor.address
    assert logs[0].shipper == active_manufacturer.address
    assert logs[0].quantity == 3
    assert logs[0].documentCid == WAYBILL_CID

    assert custody.shipmentCount() == 1
    shipment = custody.shipment(1)
    assert shipment.batchId == batch_id
    assert shipment.shipper == active_manufacturer.address
    assert shipment.consignee == active_distributor.address
    assert shipment.quantity == 3
    assert shipment.tenderId == 0
    assert shipment.status == IN_TRANSIT
    assert shipment.updatedAt == tx.timestamp
    assert custody.balanceOf(batch_id, active_manufacturer) == 5
    assert custody.balanceOf(batch_id, active_distributor) == 0
    assert custody.everHeld(batch_id, active_distributor) is False
    assert_ledger(custody, batch_id, commissioned=8, in_transit=3, decommissioned=0, index=1)


def test_ship__with_tender__tender_recorded(custody, batch_id, active_hospital, ship):
    tx = ship(batch_id, active_hospital, 2, tender_id=TENDER_ID)

    logs = tx.decode_logs(custody.Shipped)
    assert len(logs) == 1
    assert logs[0].tenderId == TENDER_ID
    assert custody.shipment(1).tenderId == TENDER_ID


def test_ship__largest_tender_id__recorded(custody, batch_id, active_hospital, ship):
    ship(batch_id, active_hospital, 1, tender_id=2**256 - 1)

    assert custody.shipment(1).tenderId == 2**256 - 1


def test_ship__ids_count_up_across_batches(custody, batch_id, other_batch, active_distributor, active_pharmacy, ship):
    other_id = other_batch[0]
    ship(batch_id, active_distributor, 1)
    ship(other_id, active_pharmacy, 2)
    ship(batch_id, active_pharmacy, 3, tender_id=7)

    assert custody.shipmentCount() == 3
    assert [custody.shipment(i).batchId for i in (1, 2, 3)] == [batch_id, other_id, batch_id]
    assert [custody.shipment(i).quantity for i in (1, 2, 3)] == [1, 2, 3]
    assert [custody.shipment(i).tenderId for i in (1, 2, 3)] == [0, 0, 7]
    assert_ledger(custody, batch_id, commissioned=8, in_transit=4, decommissioned=0)
    assert_ledger(custody, other_id, commissioned=4, in_transit=2, decommissioned=0)


def test_ship__whole_balance__leaves_zero(custody, batch_id, active_manufacturer, active_distributor, ship):
    ship(batch_id, active_distributor, 8)

    assert custody.balanceOf(batch_id, active_manufacturer) == 0
    assert_ledger(custody, batch_id, commissioned=8, in_transit=8, decommissioned=0)


@pytest.mark.parametrize(
    "consignee",
    ["active_distributor", "active_hospital", "active_pharmacy", "active_supplier", "active_other_manufacturer"],
)
def test_ship__to_each_custody_role__accepted(request, custody, batch_id, ship, consignee):
    account = request.getfixturevalue(consignee)

    ship(batch_id, account, 1)
    custody.receiveShipment(1, sender=account)

    assert custody.balanceOf(batch_id, account) == 1


def test_ship__onward_by_a_consignee(custody, batch_id, active_manufacturer, active_distributor, active_hospital, ship):
    ship(batch_id, active_distributor, 5)
    custody.receiveShipment(1, sender=active_distributor)

    tx = ship(batch_id, active_hospital, 2, sender=active_distributor)

    logs = tx.decode_logs(custody.Shipped)
    assert logs[0].shipper == active_distributor.address
    assert logs[0].consignee == active_hospital.address
    assert custody.balanceOf(batch_id, active_distributor) == 3
    assert_conserved(custody, batch_id, [active_manufacturer, active_distributor, active_hospital])


@pytest.mark.parametrize("method", ["recall_batch", "withdraw_batch"])
def test_ship__retired_batch__accepted(custody, resources, batch_id, active_manufacturer, stocked_pharmacy, ship, method):
    # Recalled units must travel back to the manufacturer.
    getattr(resources, method)(GTIN, LOT, QUALITY_DEFECT, REASON_CID, sender=active_manufacturer)

    ship(batch_id, active_manufacturer, 5, sender=stocked_pharmacy)
    custody.receiveShipment(2, sender=active_manufacturer)

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


# --- receiveShipment -------------------------------------------------------------------------


def test_receive(custody, batch_id, active_manufacturer, active_distributor, ship):
    ship(batch_id, active_distributor, 3)

    tx = custody.receiveShipment(1, sender=active_distributor)

    logs = tx.decode_logs(custody.Received)
    assert len(logs) == 1
    assert logs[0].batchId == batch_id
    assert logs[0].shipmentId == 1
    assert logs[0].consignee == active_distributor.address
    assert logs[0].shipper == active_manufacturer.address
    assert logs[0].quantity == 3
    shipment = custody.shipment(1)
    assert shipment.status == RECEIVED
    assert shipment.updatedAt == tx.timestamp
    assert shipment.batchId == batch_id
    assert shipment.quantity == 3
    assert custody.balanceOf(batch_id, active_distributor) == 3
    assert custody.balanceOf(batch_id, active_manufacturer) == 5
    assert custody.everHeld(batch_id, active_distributor) is True
    assert_ledger(custody, batch_id, commissioned=8, in_transit=0, decommissioned=0)


def test_receive__adds_to_balance(custody, batch_id, active_distributor, ship):
    ship(batch_id, active_distributor, 3)
    ship(batch_id, active_distributor, 4)

    custody.receiveShipment(2, sender=active_distributor)
    custody.receiveShipment(1, sender=active_distributor)

    assert custody.balanceOf(batch_id, active_distributor) == 7


def test_receive__back_to_manufacturer__still_held(custody, batch_id, active_manufacturer, stocked_pharmacy, ship):
    ship(batch_id, active_manufacturer, 2, sender=stocked_pharmacy)

    custody.receiveShipment(2, sender=active_manufacturer)

    assert custody.balanceOf(batch_id, active_manufacturer) == 5
    assert custody.balanceOf(batch_id, stocked_pharmacy) == 3
    assert custody.everHeld(batch_id, active_manufacturer) is True
    assert custody.everHeld(batch_id, stocked_pharmacy) is True


@pytest.mark.parametrize("shipment_id", [0, 2, 2**256 - 1])
def test_receive__unknown_shipment__reverts(custody, batch_id, active_distributor, ship, shipment_id):
    ship(batch_id, active_distributor, 1)

    with reverts_with(custody, "UnknownShipment", shipmentId=shipment_id):
        custody.receiveShipment(shipment_id, sender=active_distributor)


@pytest.mark.parametrize("caller", ["active_manufacturer", "active_hospital", "stranger", "regulator"])
def test_receive__not_the_consignee__reverts(request, custody, batch_id, active_distributor, ship, caller):
    ship(batch_id, active_distributor, 3)
    account = request.getfixturevalue(caller)

    with reverts_with(custody, "NotConsignee", shipmentId=1, account=account.address):
        custody.receiveShipment(1, sender=account)

    assert custody.shipment(1).status == IN_TRANSIT
    assert custody.balanceOf(batch_id, active_distributor) == 0


def test_receive__twice__reverts(custody, batch_id, active_distributor, ship):
    ship(batch_id, active_distributor, 3)
    custody.receiveShipment(1, sender=active_distributor)

    with reverts_with(custody, "ShipmentNotInTransit", shipmentId=1, status=RECEIVED):
        custody.receiveShipment(1, sender=active_distributor)

    assert custody.balanceOf(batch_id, active_distributor) == 3


def test_receive__rejected__reverts(custody, batch_id, active_distributor, ship):
    ship(batch_id, active_distributor, 3)
    custody.reject(1, REASON_CID, sender=active_distributor)

    with reverts_with(custody, "ShipmentNotInTransit", shipmentId=1, status=REJECTED):
        custody.receiveShipment(1, sender=active_distributor)

    assert custody.balanceOf(batch_id, active_distributor) == 0


def test_receive__suspended_consignee__reverts(custody, batch_id, active_distributor, suspend, ship):
    ship(batch_id, active_distributor, 3)
    suspend(active_distributor)

    with reverts_with(custody, "ParticipantNotActive", account=active_distributor.address, roles=CUSTODY_ROLES):
        custody.receiveShipment(1, sender=active_distributor)

    assert custody.shipment(1).status == IN_TRANSIT
    assert custody.everHeld(batch_id, active_distributor) is False


def test_receive__consignee_left_with_regulator_role_only__reverts(
    custody, participants, regulator, batch_id, active_distributor, ship
):
    ship(batch_id, active_distributor, 3)
    participants.set_roles(active_distributor, int(Role.REGULATOR), sender=regulator)

    with reverts_with(custody, "ParticipantNotActive", account=active_distributor.address, roles=CUSTODY_ROLES):
        custody.receiveShipment(1, sender=active_distributor)


def test_receive__after_reinstatement__accepted(custody, participants, regulator, batch_id, active_distributor, suspend, ship):
    ship(batch_id, active_distributor, 3)
    suspend(active_distributor)
    participants.reinstate(active_distributor, sender=regulator)

    custody.receiveShipment(1, sender=active_distributor)

    assert custody.balanceOf(batch_id, active_distributor) == 3


def test_receive__suspended_shipper__accepted(custody, batch_id, active_manufacturer, active_distributor, suspend, ship):
    # The shipper's later suspension does not strand goods already on their way.
    ship(batch_id, active_distributor, 3)
    suspend(active_manufacturer)

    custody.receiveShipment(1, sender=active_distributor)

    assert custody.balanceOf(batch_id, active_distributor) == 3


# --- reject ----------------------------------------------------------------------------------


def test_reject(custody, batch_id, active_manufacturer, active_distributor, ship):
    ship(batch_id, active_distributor, 3)

    tx = custody.reject(1, REASON_CID, sender=active_distributor)

    logs = tx.decode_logs(custody.Rejected)
    assert len(logs) == 1
    assert logs[0].batchId == batch_id
    assert logs[0].shipmentId == 1
    assert logs[0].consignee == active_distributor.address
    assert logs[0].shipper == active_manufacturer.address
    assert logs[0].quantity == 3
    assert logs[0].reasonCid == REASON_CID
    assert len(tx.decode_logs(custody.Received)) == 0
    shipment = custody.shipment(1)
    assert shipment.status == REJECTED
    assert shipment.updatedAt == tx.timestamp
    assert custody.balanceOf(batch_id, active_manufacturer) == 8
    assert custody.balanceOf(batch_id, active_distributor) == 0
    assert custody.everHeld(batch_id, active_distributor) is False
    assert_ledger(custody, batch_id, commissioned=8, in_transit=0, decommissioned=0)


def test_reject__goods_back_to_intermediate_shipper(custody, batch_id, stocked_pharmacy, active_hospital, ship):
    ship(batch_id, active_hospital, 2, sender=stocked_pharmacy)

    custody.reject(2, REASON_CID, sender=active_hospital)

    assert custody.balanceOf(batch_id, stocked_pharmacy) == 5
    assert custody.balanceOf(batch_id, active_hospital) == 0


def test_reject__suspended_shipper__goods_still_returned(custody, batch_id, active_manufacturer, active_distributor, suspend, ship):
    ship(batch_id, active_distributor, 3)
    suspend(active_manufacturer)

    custody.reject(1, REASON_CID, sender=active_distributor)

    assert custody.balanceOf(batch_id, active_manufacturer) == 8


def test_reject__empty_reason__reverts(custody, batch_id, active_distributor, ship):
    ship(batch_id, active_distributor, 3)

    with reverts_with(custody, "EmptyCid"):
        custody.reject(1, "", sender=active_distributor)


def test_reject__unknown_shipment__reverts(custody, batch_id, active_distributor):
    with reverts_with(custody, "UnknownShipment", shipmentId=1):
        custody.reject(1, REASON_CID, sender=active_distributor)


@pytest.mark.parametrize("caller", ["active_manufacturer", "active_hospital", "stranger"])
def test_reject__not_the_consignee__reverts(request, custody, batch_id, active_distributor, ship, caller):
    ship(batch_id, active_distributor, 3)
    account = request.getfixturevalue(caller)

    with reverts_with(custody, "NotConsignee", shipmentId=1, account=account.address):
        custody.reject(1, REASON_CID, sender=account)

    assert custody.shipment(1).status == IN_TRANSIT


@pytest.mark.parametrize("first", ["receive", "reject"])
def test_reject__closed_shipment__reverts(custody, batch_id, active_distributor, ship, first):
    ship(batch_id, active_distributor, 3)
    if first == "receive":
        custody.receiveShipment(1, sender=active_distributor)
    else:
        custody.reject(1, REASON_CID, sender=active_distributor)

    with reverts_with(custody, "ShipmentNotInTransit", shipmentId=1, status=RECEIVED if first == "receive" else REJECTED):
        custody.reject(1, REASON_CID, sender=active_distributor)


def test_reject__suspended_consignee__reverts(custody, batch_id, active_distributor, suspend, ship):
    ship(batch_id, active_distributor, 3)
    suspend(active_distributor)

    with reverts_with(custody, "ParticipantNotActive", account=active_distributor.address, roles=CUSTODY_ROLES):
        custody.reject(1, REASON_CID, sender=active_distributor)

    assert custody.shipment(1).status == IN_TRANSIT


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
    assert custody.balanceOf(batch_id, stocked_pharmacy) == 4
    assert_ledger(custody, batch_id, commissioned=8, in_transit=0, decommissioned=1)
    assert_conserved(custody, batch_id, [active_manufacturer, stocked_pharmacy])


def test_decommission__by_manufacturer(custody, batch_id, active_manufacturer, decommission):
    decommission(active_manufacturer, reason=SAMPLE)

    assert custody.balanceOf(batch_id, active_manufacturer) == 7


def test_decommission__every_unit__balance_zero(custody, batch, active_manufacturer, decommission):
    batch_id, _, serials = batch
    for serial in serials:
        decommission(active_manufacturer, serial=serial, reason=DESTROYED)

    assert custody.balanceOf(batch_id, active_manufacturer) == 0
    assert_ledger(custody, batch_id, commissioned=8, in_transit=0, decommissioned=8)


def test_decommission__batch_of_one__empty_proof(custody, create_custody_batch, active_manufacturer):
    batch_id, tree, serials = create_custody_batch(lot="ONE", serials=["ONLY"])
    leaf = leaf_hash(GTIN, "ONLY")
    assert tree.proof(leaf) == []

    custody.decommission(batch_id, leaf, [], DISPENSED, sender=active_manufacturer)

    assert custody.unit(batch_id, leaf).reason == DISPENSED


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

    assert custody.balanceOf(batch_id, stocked_pharmacy) == 5


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
    assert_ledger(custody, batch_id, commissioned=8, in_transit=0, decommissioned=1)


@pytest.mark.parametrize("reason", [DISPENSED, DESTROYED])
def test_decommission__proof_from_another_batch__reverts(custody, batch, other_batch, active_manufacturer, reason):
    batch_id = batch[0]
    _, other_tree, other_serials = other_batch
    leaf = leaf_hash(GTIN, other_serials[0])

    with reverts_with(custody, "InvalidProof", batchId=batch_id, leaf=leaf):
        custody.decommission(batch_id, leaf, other_tree.proof(leaf), reason, sender=active_manufacturer)

    assert custody.unit(batch_id, leaf).reason == 0
    assert custody.balanceOf(batch_id, active_manufacturer) == 8


@pytest.mark.parametrize("reason", [DISPENSED, EXPORTED])
def test_decommission__leaf_of_this_batch_with_other_proof__reverts(custody, batch, active_manufacturer, reason):
    batch_id, tree, serials = batch
    leaf = leaf_hash(GTIN, serials[0])

    with reverts_with(custody, "InvalidProof", batchId=batch_id, leaf=leaf):
        custody.decommission(batch_id, leaf, tree.proof_for(GTIN, serials[1]), reason, sender=active_manufacturer)


@pytest.mark.parametrize(
    "make_leaf,make_proof",
    [
        pytest.param(lambda s: leaf_hash(GTIN, "NOT-IN-BATCH"), lambda t, s: t.proof_for(GTIN, s[0]), id="unknown_serial"),
        pytest.param(lambda s: leaf_hash(OTHER_GTIN, s[0]), lambda t, s: t.proof_for(GTIN, s[0]), id="other_gtin"),
        pytest.param(lambda s: leaf_hash(GTIN, s[0]), lambda t, s: [], id="empty_proof"),
        pytest.param(lambda s: leaf_hash(GTIN, s[0]), lambda t, s: t.proof_for(GTIN, s[0])[:-1], id="short_proof"),
        pytest.param(
            lambda s: leaf_hash(GTIN, s[0]), lambda t, s: [b"\x01" * 32] + t.proof_for(GTIN, s[0])[1:], id="tampered"
        ),
    ],
)
def test_decommission__invalid_proof__reverts(custody, batch, active_manufacturer, make_leaf, make_proof):
    batch_id, tree, serials = batch
    leaf = make_leaf(serials)

    with reverts_with(custody, "InvalidProof", batchId=batch_id, leaf=leaf):
        custody.decommission(batch_id, leaf, make_proof(tree, serials), DESTROYED, sender=active_manufacturer)


def test_decommission__batch_not_in_custody__reverts(custody, create_batch, active_manufacturer):
    tree = SerialTree.of(GTIN, ["A", "B"])
    create_batch(lot=LOT, quantity=2, root=tree.root)
    batch_id = batch_id_of(GTIN, LOT)

    with reverts_with(
        custody, "InsufficientBalance", batchId=batch_id, holder=active_manufacturer.address, balance=0, needed=1
    ):
        custody.decommission(batch_id, leaf_hash(GTIN, "A"), tree.proof_for(GTIN, "A"), DESTROYED, sender=active_manufacturer)


@pytest.mark.parametrize(
    "method,status", [("recall_batch", BatchStatus.RECALLED), ("withdraw_batch", BatchStatus.WITHDRAWN)]
)
def test_decommission__dispense_of_retired_batch__reverts(
    custody, resources, batch_id, stocked_pharmacy, active_manufacturer, decommission, method, status
):
    getattr(resources, method)(GTIN, LOT, QUALITY_DEFECT, REASON_CID, sender=active_manufacturer)

    with reverts_with(custody, "BatchNotActive", batchId=batch_id, status=status):
        decommission(stocked_pharmacy, reason=DISPENSED)

    assert custody.balanceOf(batch_id, stocked_pharmacy) == 5


@pytest.mark.parametrize("reason", OTHER_REASONS)
@pytest.mark.parametrize("method", ["recall_batch", "withdraw_batch"])
def test_decommission__other_reasons_of_retired_batch__accepted(
    custody, resources, batch_id, stocked_pharmacy, active_manufacturer, decommission, method, reason
):
    getattr(resources, method)(GTIN, LOT, QUALITY_DEFECT, REASON_CID, sender=active_manufacturer)

    decommission(stocked_pharmacy, reason=reason)

    assert custody.balanceOf(batch_id, stocked_pharmacy) == 4


@pytest.fixture
def short_batch(create_custody_batch):
    """A batch of 4 units expiring in 10 days: (batch_id, tree, serials)."""
    return create_custody_batch(lot="SHORT", quantity=4, expires_in=10 * DAY)


def test_decommission__dispense_on_expiry_day__accepted(chain, custody, resources, short_batch, active_manufacturer, decommission):
    expires = resources.batch_by_id(short_batch[0]).expires
    chain.pending_timestamp = expires

    tx = decommission(active_manufacturer, serial=short_batch[2][0], reason=DISPENSED, batch_=short_batch)

    assert tx.timestamp == expires
    assert custody.unit(short_batch[0], leaf_hash(GTIN, short_batch[2][0])).reason == DISPENSED


def test_decommission__dispense_after_expiry__reverts(chain, custody, resources, short_batch, active_manufacturer, decommission):
    batch_id = short_batch[0]
    expires = resources.batch_by_id(batch_id).expires
    chain.mine(timestamp=expires + 1)

    with reverts_with(custody, "BatchExpired", batchId=batch_id, expires=expires):
        decommission(active_manufacturer, serial=short_batch[2][0], reason=DISPENSED, batch_=short_batch)

    assert custody.balanceOf(batch_id, active_manufacturer) == 4


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
    assert custody.balanceOf(batch_id, stocked_pharmacy) == 5
    assert_ledger(custody, batch_id, commissioned=8, in_transit=0, decommissioned=0)
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


def test_verdict_data__scanner_held_other_batch_only(custody, batch, other_batch, active_pharmacy, ship):
    ship(other_batch[0], active_pharmacy, 1)
    custody.receiveShipment(1, sender=active_pharmacy)
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
    custody, batch, active_manufacturer, active_distributor, active_hospital, active_pharmacy, decommission
):
    batch_id, _, serials = batch
    holders = [active_manufacturer, active_distributor, active_hospital, active_pharmacy]
    custody.ship(batch_id, active_distributor, 6, 0, WAYBILL_CID, sender=active_manufacturer)
    assert_conserved(custody, batch_id, holders)
    custody.receiveShipment(1, sender=active_distributor)
    custody.ship(batch_id, active_hospital, 2, TENDER_ID, WAYBILL_CID, sender=active_distributor)
    custody.ship(batch_id, active_pharmacy, 3, 0, WAYBILL_CID, sender=active_distributor)
    assert_conserved(custody, batch_id, holders)
    custody.receiveShipment(2, sender=active_hospital)
    custody.reject(3, REASON_CID, sender=active_pharmacy)
    decommission(active_hospital, serial=serials[0], reason=DISPENSED)
    decommission(active_distributor, serial=serials[1], reason=STOLEN)
    assert_conserved(custody, batch_id, holders)

    assert [custody.balanceOf(batch_id, h) for h in holders] == [2, 3, 1, 0]
    assert_ledger(custody, batch_id, commissioned=8, in_transit=0, decommissioned=2)
    assert [custody.everHeld(batch_id, h) for h in holders] == [True, True, True, False]
