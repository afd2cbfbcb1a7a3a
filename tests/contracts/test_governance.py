"""Governance (issue 12, finding 8): what one regulator key can do alone, the quorum of lasting
actions, reversible recalls, a hostile custody ledger, key rotation, a contract-wallet regulator."""

import ape
import pytest
from eth_abi import encode
from eth_utils import keccak

from dapp.roles import BatchStatus, Role, Status
from tests.conftest import (
    CERTIFICATE_CID,
    CHARACTERISTICS_CID,
    GTIN,
    OTHER_GTIN,
    ORGANIZATION_CID,
    REASON_CID,
    REGULATOR_CID,
    batch_id_of,
    govern,
)

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
LOT = "L001"
QUALITY_DEFECT = 1


def single_event(tx, event_type):
    events = tx.decode_logs(event_type)
    assert len(events) == 1
    return events[0]


def assert_confirmed(tx, contract, regulator, confirmations, required):
    event = single_event(tx, contract.ActionConfirmed)
    assert event.regulator == regulator.address
    assert event.confirmations == confirmations
    assert event.required == required
    return event.action


@pytest.fixture
def two_regulators(create_regulators, regulator, second_regulator):
    create_regulators(second_regulator)
    return regulator, second_regulator


@pytest.fixture
def three_regulators(create_regulators, regulator, second_regulator, third_regulator):
    create_regulators(second_regulator, third_regulator)
    return regulator, second_regulator, third_regulator


# ---------------------------------------------------------------- the quorum


@pytest.mark.parametrize("count,required", [(1, 1), (2, 2), (3, 2)])
def test_quorum__majority_of_active_regulators(participants, create_regulators, regulator, second_regulator,
                                               third_regulator, applicant, count, required):
    create_regulators(*[second_regulator, third_regulator][: count - 1])
    participants.apply(ORGANIZATION_CID, sender=applicant)

    tx = participants.revoke(applicant, REASON_CID, sender=regulator)

    assert_confirmed(tx, participants, regulator, 1, required)
    assert (participants.organization(applicant).status == Status.REVOKED) == (required == 1)


def test_quorum__action_id_names_function_arguments_and_round(participants, regulator, two_regulators, applicant):
    participants.apply(ORGANIZATION_CID, sender=applicant)
    selector = keccak(text="revoke(address,string)")[:4]
    request = keccak(encode(["bytes4", "address", "string"], [selector, applicant.address, REASON_CID]))
    expected = keccak(encode(["bytes32", "uint256"], [request, 0]))

    tx = participants.revoke(applicant, REASON_CID, sender=regulator)

    assert participants.action_id(request) == expected
    assert assert_confirmed(tx, participants, regulator, 1, 2) == expected
    assert participants.confirmers(expected) == [regulator.address]


def test_quorum__confirmed_twice__reverts(participants, two_regulators, regulator, applicant):
    participants.apply(ORGANIZATION_CID, sender=applicant)
    participants.revoke(applicant, REASON_CID, sender=regulator)
    with ape.reverts("participants: action already confirmed"):
        participants.revoke(applicant, REASON_CID, sender=regulator)


def test_quorum__confirmer_suspended_since__no_longer_counts(participants, three_regulators, applicant):
    first, second, third = three_regulators
    participants.apply(ORGANIZATION_CID, sender=applicant)
    participants.revoke(applicant, REASON_CID, sender=first)
    govern(participants.suspend, first, REASON_CID, by=[second, third])

    tx = participants.revoke(applicant, REASON_CID, sender=second)

    # Two active regulators: both needed, and the first's confirmation is void.
    assert_confirmed(tx, participants, second, 1, 2)
    assert participants.organization(applicant).status == Status.APPLIED


# ---------------------------------------------------------------- one regulator key alone


@pytest.mark.parametrize("regulators", ["two_regulators", "three_regulators"])
@pytest.mark.parametrize("action", ["revoke", "suspend", "strip"])
def test_one_regulator__acts_on_another_regulator__pending(request, participants, regulator, second_regulator,
                                                          regulators, action):
    request.getfixturevalue(regulators)
    count = participants.active_regulators()
    call = {
        "revoke": lambda: participants.revoke(second_regulator, REASON_CID, sender=regulator),
        "suspend": lambda: participants.suspend(second_regulator, REASON_CID, sender=regulator),
        "strip": lambda: participants.set_roles(second_regulator, int(Role.MANUFACTURER), sender=regulator),
    }[action]

    tx = call()

    assert_confirmed(tx, participants, regulator, 1, count // 2 + 1)
    assert participants.is_active(second_regulator, int(Role.REGULATOR))
    assert participants.active_regulators() == count
    for event in (participants.Revoked, participants.Suspended, participants.RolesChanged):
        assert not tx.decode_logs(event)


def test_one_regulator__grants_regulator_role__pending(participants, two_regulators, applicant):
    first, second = two_regulators
    participants.apply(ORGANIZATION_CID, sender=applicant)

    tx = participants.approve(applicant, int(Role.REGULATOR), sender=first)

    assert_confirmed(tx, participants, first, 1, 2)
    assert participants.organization(applicant).status == Status.APPLIED
    tx = participants.approve(applicant, int(Role.REGULATOR), sender=second)
    assert single_event(tx, participants.Approved).regulator == second.address
    assert participants.active_regulators() == 3


def test_one_regulator__suspends_non_regulator__at_once(participants, two_regulators, active_manufacturer):
    first, _ = two_regulators
    tx = participants.suspend(active_manufacturer, REASON_CID, sender=first)
    assert not tx.decode_logs(participants.ActionConfirmed)
    assert participants.organization(active_manufacturer).status == Status.SUSPENDED
    participants.reinstate(active_manufacturer, sender=first)  # and reversible at once
    assert participants.is_active(active_manufacturer, int(Role.MANUFACTURER))


def test_one_regulator__recalls__at_once_and_lifting_is_pending(resources, two_regulators, create_batch):
    first, second = two_regulators
    create_batch(lot=LOT)

    resources.recall_batch(GTIN, LOT, QUALITY_DEFECT, REASON_CID, sender=first)
    assert resources.batch(GTIN, LOT).status == BatchStatus.RECALLED

    tx = resources.reinstate_batch(GTIN, LOT, REASON_CID, sender=first)
    assert_confirmed(tx, resources, first, 1, 2)
    assert resources.batch(GTIN, LOT).status == BatchStatus.RECALLED
    assert not tx.decode_logs(resources.BatchReinstated)

    resources.reinstate_batch(GTIN, LOT, REASON_CID, sender=second)
    assert resources.batch(GTIN, LOT).status == BatchStatus.ACTIVE


# ---------------------------------------------------------------- reinstate_batch


@pytest.mark.parametrize("retire,status", [("recall_batch", BatchStatus.RECALLED), ("withdraw_batch", BatchStatus.WITHDRAWN)])
def test_reinstate_batch__retired__active_again_and_custody_told(resources, regulator, custody, create_custody_batch,
                                                                 active_manufacturer, retire, status):
    batch_id, _, _ = create_custody_batch(lot=LOT)
    getattr(resources, retire)(GTIN, LOT, QUALITY_DEFECT, REASON_CID, sender=active_manufacturer)
    assert custody.ledger(batch_id).status == status

    tx = resources.reinstate_batch(GTIN, LOT, REASON_CID, sender=regulator)

    batch = resources.batch(GTIN, LOT)
    assert batch.status == BatchStatus.ACTIVE
    assert batch.reason_code == 0
    assert custody.ledger(batch_id).status == BatchStatus.ACTIVE
    event = single_event(tx, resources.BatchReinstated)
    assert event.batch_id == batch_id
    assert event.gtin == GTIN
    assert event.regulator == regulator.address
    assert event.lot == LOT
    assert event.previous_status == status
    assert event.reason_cid == REASON_CID


def test_reinstate_batch__same_action_again_later(resources, two_regulators, create_batch):
    first, second = two_regulators
    create_batch(lot=LOT)
    for _ in range(2):
        resources.recall_batch(GTIN, LOT, QUALITY_DEFECT, REASON_CID, sender=first)
        govern(resources.reinstate_batch, GTIN, LOT, REASON_CID, by=[first, second])
        assert resources.batch(GTIN, LOT).status == BatchStatus.ACTIVE


def test_reinstate_batch__active__reverts(resources, regulator, create_batch):
    create_batch(lot=LOT)
    with ape.reverts("resources: batch not retired"):
        resources.reinstate_batch(GTIN, LOT, REASON_CID, sender=regulator)


def test_reinstate_batch__unknown__reverts(resources, regulator):
    with ape.reverts("resources: unknown batch"):
        resources.reinstate_batch(GTIN, LOT, REASON_CID, sender=regulator)


def test_reinstate_batch__empty_reason__reverts(resources, regulator, create_batch):
    create_batch(lot=LOT)
    resources.recall_batch(GTIN, LOT, QUALITY_DEFECT, REASON_CID, sender=regulator)
    with ape.reverts("resources: empty CID"):
        resources.reinstate_batch(GTIN, LOT, "", sender=regulator)


@pytest.mark.parametrize("caller", ["active_manufacturer", "stranger"])
def test_reinstate_batch__not_a_regulator__reverts(request, resources, regulator, create_batch, caller):
    # Not even the manufacturer lifts a recall: regulators do, with a reason.
    create_batch(lot=LOT)
    resources.recall_batch(GTIN, LOT, QUALITY_DEFECT, REASON_CID, sender=regulator)
    with ape.reverts("resources: caller is not a regulator"):
        resources.reinstate_batch(GTIN, LOT, REASON_CID, sender=request.getfixturevalue(caller))


# ---------------------------------------------------------------- a hostile custody ledger


@pytest.mark.parametrize("mode", [1, 2], ids=["reverts", "burns_gas"])
def test_recall__hostile_custody__still_recalls(project, deployer, participants, resources, regulator, create_batch,
                                                active_manufacturer, mode):
    hostile = project.HostileCustody.deploy(resources, participants, mode, sender=deployer)
    resources.set_custody(hostile, sender=regulator)
    create_batch(lot=LOT)

    tx = resources.recall_batch(GTIN, LOT, QUALITY_DEFECT, REASON_CID, sender=active_manufacturer)

    assert resources.batch(GTIN, LOT).status == BatchStatus.RECALLED
    unreachable = single_event(tx, resources.CustodyUnreachable)
    assert unreachable.custody == hostile.address
    assert unreachable.batch_id == batch_id_of(GTIN, LOT)
    assert unreachable.status == BatchStatus.RECALLED
    assert single_event(tx, resources.BatchRetired).status == BatchStatus.RECALLED
    resources.reinstate_batch(GTIN, LOT, REASON_CID, sender=regulator)
    assert resources.batch(GTIN, LOT).status == BatchStatus.ACTIVE


def test_recall__too_little_gas_for_custody__reverts(resources, custody, create_batch, active_manufacturer):
    create_batch(lot=LOT)
    with ape.reverts("resources: too little gas to tell the custody ledger"):
        resources.recall_batch(GTIN, LOT, QUALITY_DEFECT, REASON_CID, sender=active_manufacturer, gas_limit=125_000)
    assert resources.batch(GTIN, LOT).status == BatchStatus.ACTIVE


def test_set_custody__wired_to_another_participants__reverts(project, deployer, regulator, resources):
    other_participants = project.Participants.deploy(regulator, REGULATOR_CID, sender=deployer)
    ledger = project.HostileCustody.deploy(resources, other_participants, 1, sender=deployer)
    with ape.reverts("resources: custody is for another participants registry"):
        resources.set_custody(ledger, sender=regulator)


def test_set_custody__wired_to_another_resources__reverts(project, deployer, regulator, participants, resources):
    ledger = project.HostileCustody.deploy(participants, participants, 1, sender=deployer)
    with ape.reverts("resources: custody is for another registry"):
        resources.set_custody(ledger, sender=regulator)


# ---------------------------------------------------------------- key rotation


@pytest.fixture
def new_key(stranger):
    """The organization's new key: an account never registered."""
    return stranger


def test_move_to_successor__regulator__successor_takes_over(participants, regulator, active_manufacturer, new_key):
    before = participants.organization(active_manufacturer)

    tx = participants.move_to_successor(active_manufacturer, new_key, sender=regulator)

    moved = participants.organization(new_key)
    assert (moved.status, moved.roles, moved.metadata_cid) == (Status.ACTIVE, before.roles, before.metadata_cid)
    assert moved.updated_at == tx.timestamp
    assert participants.is_active(new_key, int(Role.MANUFACTURER))
    assert participants.organization(active_manufacturer).status == Status.REVOKED
    assert not participants.is_active(active_manufacturer, int(Role.MANUFACTURER))
    assert participants.successor(active_manufacturer) == new_key.address
    event = single_event(tx, participants.MovedToSuccessor)
    assert (event.account, event.successor, event.regulator) == (
        active_manufacturer.address, new_key.address, regulator.address
    )


def test_move_to_successor__suspended__stays_suspended(participants, regulator, active_manufacturer, new_key):
    participants.suspend(active_manufacturer, REASON_CID, sender=regulator)
    participants.move_to_successor(active_manufacturer, new_key, sender=regulator)
    assert participants.organization(new_key).status == Status.SUSPENDED
    assert not participants.is_active(new_key, int(Role.MANUFACTURER))


def test_move_to_successor__regulator_moved__count_unchanged(participants, three_regulators, new_key):
    first, second, third = three_regulators
    govern(participants.move_to_successor, second, new_key, by=[first, third])
    assert participants.active_regulators() == 3
    assert participants.is_active(new_key, int(Role.REGULATOR))


def test_move_to_successor__one_of_two__pending(participants, two_regulators, active_manufacturer, new_key):
    first, _ = two_regulators
    tx = participants.move_to_successor(active_manufacturer, new_key, sender=first)
    assert_confirmed(tx, participants, first, 1, 2)
    assert participants.successor(active_manufacturer) == ZERO_ADDRESS


def test_move_to_successor__successor_registered__reverts(participants, regulator, active_manufacturer, applicant):
    participants.apply(ORGANIZATION_CID, sender=applicant)
    with ape.reverts("participants: successor already registered"):
        participants.move_to_successor(active_manufacturer, applicant, sender=regulator)


def test_move_to_successor__zero_address__reverts(participants, regulator, active_manufacturer):
    with ape.reverts("participants: successor is the zero address"):
        participants.move_to_successor(active_manufacturer, ZERO_ADDRESS, sender=regulator)


def test_move_to_successor__not_approved__reverts(participants, regulator, applicant, new_key):
    participants.apply(ORGANIZATION_CID, sender=applicant)
    with ape.reverts("participants: not approved"):
        participants.move_to_successor(applicant, new_key, sender=regulator)


def test_move_to_successor__self__reverts(participants, regulator, new_key):
    with ape.reverts("participants: regulator acting on itself"):
        participants.move_to_successor(regulator, new_key, sender=regulator)


def test_move_to_successor__not_a_regulator__reverts(participants, active_manufacturer, new_key):
    with ape.reverts("participants: caller is not an active regulator"):
        participants.move_to_successor(active_manufacturer, new_key, sender=active_manufacturer)


def test_key_rotation__end_to_end(participants, resources, regulator, create_batch, active_manufacturer, new_key):
    # The manufacturer's key is stolen: regulators move it to a new key.
    create_batch(lot=LOT)
    participants.move_to_successor(active_manufacturer, new_key, sender=regulator)

    # The stolen key can do nothing more.
    with ape.reverts("resources: caller is not an active manufacturer"):
        resources.register_product(OTHER_GTIN, 1, "X", "Y", CHARACTERISTICS_CID, CERTIFICATE_CID,
                                   sender=active_manufacturer)
    with ape.reverts("participants: revoked"):
        participants.update_metadata(REASON_CID, sender=active_manufacturer)

    # The new key claims the product, carries on with its batches, and registers under the prefix.
    tx = resources.claim_product(GTIN, sender=new_key)
    event = single_event(tx, resources.ProductReassigned)
    assert (event.gtin, event.previous_manufacturer, event.manufacturer, event.reason_cid) == (
        GTIN, active_manufacturer.address, new_key.address, ""
    )
    assert resources.batch(GTIN, LOT).manufacturer == new_key.address
    resources.recall_batch(GTIN, LOT, QUALITY_DEFECT, REASON_CID, sender=new_key)
    resources.register_product(OTHER_GTIN, 1, "X", "Y", CHARACTERISTICS_CID, CERTIFICATE_CID, sender=new_key)
    assert resources.product(OTHER_GTIN).manufacturer == new_key.address


def test_claim_product__not_the_successor__reverts(resources, create_product, create_organization, other_manufacturer):
    create_product()
    create_organization(other_manufacturer, Role.MANUFACTURER)
    with ape.reverts("resources: caller is not the manufacturer's successor"):
        resources.claim_product(GTIN, sender=other_manufacturer)


def test_claim_product__unknown__reverts(resources, participants, regulator, active_manufacturer, new_key):
    participants.move_to_successor(active_manufacturer, new_key, sender=regulator)
    with ape.reverts("resources: unknown product"):
        resources.claim_product(GTIN, sender=new_key)


def test_claim_product__not_a_manufacturer__reverts(resources, create_product, stranger):
    create_product()
    with ape.reverts("resources: caller is not an active manufacturer"):
        resources.claim_product(GTIN, sender=stranger)


def test_claim_product__successor_of_successor__claims(resources, participants, regulator, create_product,
                                                      active_manufacturer, new_key, applicant):
    create_product()
    participants.move_to_successor(active_manufacturer, new_key, sender=regulator)
    participants.move_to_successor(new_key, applicant, sender=regulator)
    resources.claim_product(GTIN, sender=applicant)
    assert resources.product(GTIN).manufacturer == applicant.address


# ---------------------------------------------------------------- a contract wallet as regulator


def test_regulator__contract_wallet__approves_an_organization(project, participants, regulator, stranger, applicant):
    wallet = project.ContractWallet.deploy(stranger, sender=stranger)
    wallet.execute(participants, participants.apply.encode_input(REGULATOR_CID), sender=stranger)
    participants.approve(wallet, int(Role.REGULATOR), sender=regulator)
    participants.apply(ORGANIZATION_CID, sender=applicant)

    tx = wallet.execute(participants, participants.approve.encode_input(applicant, int(Role.SUPPLIER)), sender=stranger)

    event = single_event(tx, participants.Approved)
    assert event.account == applicant.address
    assert event.regulator == wallet.address
    assert participants.is_active(applicant, int(Role.SUPPLIER))


def test_regulator__contract_wallet__confirms_a_governed_action(project, participants, regulator, stranger,
                                                              applicant):
    wallet = project.ContractWallet.deploy(stranger, sender=stranger)
    wallet.execute(participants, participants.apply.encode_input(REGULATOR_CID), sender=stranger)
    participants.approve(wallet, int(Role.REGULATOR), sender=regulator)
    participants.apply(ORGANIZATION_CID, sender=applicant)

    participants.revoke(applicant, REASON_CID, sender=regulator)
    wallet.execute(participants, participants.revoke.encode_input(applicant, REASON_CID), sender=stranger)

    assert participants.organization(applicant).status == Status.REVOKED
