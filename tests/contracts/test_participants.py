"""Participants: the registry of organizations, their roles and their lifecycle."""

import ape
import pytest

from dapp.roles import Role, Status
from tests.conftest import ORGANIZATION_CID, REASON_CID, REGULATOR_CID, govern

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
NEW_CID = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"
NOT_ACTIVE_REGULATOR = "participants: caller is not an active regulator"
ON_ITSELF = "participants: regulator acting on itself"
SINGLE_ROLES = list(Role)


# ---------------------------------------------------------------- helpers


def assert_organization(participants, account, status, roles, cid, updated_at):
    org = participants.organization(account)
    assert org.status == status
    assert org.roles == int(roles)
    assert org.metadata_cid == cid
    assert org.updated_at == updated_at


def single_event(tx, event_type):
    events = tx.decode_logs(event_type)
    assert len(events) == 1
    return events[0]


@pytest.fixture
def applied(participants, applicant):
    """`applicant` has applied and waits for a regulator."""
    participants.apply(ORGANIZATION_CID, sender=applicant)
    return applicant


@pytest.fixture
def active_regulator(create_organization, second_regulator):
    """A second regulator, approved by the first."""
    return create_organization(second_regulator, Role.REGULATOR)


@pytest.fixture
def three_regulators(create_regulators, regulator, second_regulator, third_regulator):
    """Three active regulators (a quorum is two): the second is the one acted on in tests."""
    create_regulators(third_regulator, second_regulator)
    return regulator, second_regulator, third_regulator


@pytest.fixture
def suspended_manufacturer(participants, regulator, active_manufacturer):
    participants.suspend(active_manufacturer, REASON_CID, sender=regulator)
    return active_manufacturer


@pytest.fixture
def revoked_manufacturer(participants, regulator, active_manufacturer):
    participants.revoke(active_manufacturer, REASON_CID, sender=regulator)
    return active_manufacturer


@pytest.fixture
def account_in_status(request, stranger, applied, active_manufacturer, participants, regulator):
    """An account in the status `request.param` (a manufacturer once approved)."""
    status = request.param
    if status == Status.NONE:
        return stranger
    if status == Status.APPLIED:
        return applied
    if status == Status.SUSPENDED:
        participants.suspend(active_manufacturer, REASON_CID, sender=regulator)
    elif status == Status.REVOKED:
        participants.revoke(active_manufacturer, REASON_CID, sender=regulator)
    return active_manufacturer


def in_status(*statuses):
    return pytest.mark.parametrize(
        "account_in_status", statuses, ids=[s.name.lower() for s in statuses], indirect=True
    )


UNAUTHORIZED = ["stranger", "applicant", "manufacturer", "suspended_regulator", "revoked_regulator", "demoted_regulator"]


@pytest.fixture(params=UNAUTHORIZED)
def unauthorized(
    request, participants, regulator, stranger, applied, active_manufacturer, second_regulator, third_regulator,
    create_regulators,
):
    """A caller that is not an active regulator, in each way one can fail to be."""
    kind = request.param
    if kind == "stranger":
        return stranger
    if kind == "applicant":
        return applied
    if kind == "manufacturer":
        return active_manufacturer
    # Acting on a regulator takes two of three: the first and a third one confirm.
    create_regulators(third_regulator, second_regulator)
    quorum = [regulator, third_regulator]
    if kind == "suspended_regulator":
        govern(participants.suspend, second_regulator, REASON_CID, by=quorum)
    elif kind == "revoked_regulator":
        govern(participants.revoke, second_regulator, REASON_CID, by=quorum)
    else:  # demoted_regulator: still active, but no longer a regulator
        govern(participants.set_roles, second_regulator, Role.MANUFACTURER, by=quorum)
    return second_regulator


@pytest.fixture
def active_distributor(create_organization, distributor):
    return create_organization(distributor, Role.DISTRIBUTOR)


@pytest.fixture
def suspended_pharmacy(participants, regulator, create_organization, pharmacy):
    create_organization(pharmacy, Role.PHARMACY)
    participants.suspend(pharmacy, REASON_CID, sender=regulator)
    return pharmacy


# ---------------------------------------------------------------- constants


@pytest.mark.parametrize("status", list(Status), ids=lambda s: s.name)
def test_status_constants__match_status_enum(participants, status):
    assert getattr(participants, f"STATUS_{status.name}")() == status.value


# ---------------------------------------------------------------- constructor


def test_constructor__zero_address__reverts(project, deployer):
    with ape.reverts("participants: regulator is the zero address"):
        project.Participants.deploy(ZERO_ADDRESS, REGULATOR_CID, sender=deployer)


def test_constructor__empty_cid__reverts(project, deployer, regulator):
    with ape.reverts("participants: empty CID"):
        project.Participants.deploy(regulator, "", sender=deployer)


def test_constructor__first_regulator__active(chain, participants, regulator, deployer):
    tx = chain.get_receipt(participants.txn_hash)
    assert_organization(participants, regulator, Status.ACTIVE, Role.REGULATOR, REGULATOR_CID, tx.timestamp)
    assert participants.active_regulators() == 1
    assert participants.is_active(regulator, Role.REGULATOR)
    assert not participants.is_active(regulator, Role.MANUFACTURER)
    assert participants.organization(deployer).status == Status.NONE


def test_constructor__first_regulator__emits_applied_and_approved(chain, participants, regulator):
    tx = chain.get_receipt(participants.txn_hash)
    assert [log.event_name for log in tx.events] == ["Applied", "Approved"]
    applied = single_event(tx, participants.Applied)
    assert applied.account == regulator.address
    assert applied.metadata_cid == REGULATOR_CID
    approved = single_event(tx, participants.Approved)
    assert approved.account == regulator.address
    assert approved.regulator == regulator.address
    assert approved.roles == Role.REGULATOR


# ---------------------------------------------------------------- apply


def test_apply__new_account__registers_application(participants, applicant):
    tx = participants.apply(ORGANIZATION_CID, sender=applicant)
    assert_organization(participants, applicant, Status.APPLIED, 0, ORGANIZATION_CID, tx.timestamp)
    assert participants.active_regulators() == 1


def test_apply__new_account__emits_applied(participants, applicant):
    tx = participants.apply(ORGANIZATION_CID, sender=applicant)
    event = single_event(tx, participants.Applied)
    assert event.account == applicant.address
    assert event.metadata_cid == ORGANIZATION_CID


def test_apply__cid_of_max_length__registers(participants, applicant):
    cid = "b" * 100
    participants.apply(cid, sender=applicant)
    assert participants.organization(applicant).metadata_cid == cid


@in_status(Status.APPLIED, Status.ACTIVE, Status.SUSPENDED)
def test_apply__already_registered__reverts(participants, account_in_status):
    with ape.reverts("participants: already registered"):
        participants.apply(NEW_CID, sender=account_in_status)


def test_apply__first_regulator__reverts(participants, regulator):
    with ape.reverts("participants: already registered"):
        participants.apply(NEW_CID, sender=regulator)


def test_apply__revoked_account__reverts(participants, revoked_manufacturer):
    with ape.reverts("participants: already registered"):
        participants.apply(NEW_CID, sender=revoked_manufacturer)


def test_apply__empty_cid__reverts(participants, applicant):
    with ape.reverts("participants: empty CID"):
        participants.apply("", sender=applicant)


# ---------------------------------------------------------------- update_metadata


@in_status(Status.APPLIED)
def test_update_metadata__applied__replaces_cid_and_emits(participants, account_in_status):
    before = participants.organization(account_in_status)
    tx = participants.update_metadata(NEW_CID, sender=account_in_status)
    # Only the CID changes: neither the status nor the time of its last change.
    assert_organization(participants, account_in_status, before.status, before.roles, NEW_CID, before.updated_at)
    event = single_event(tx, participants.MetadataUpdated)
    assert event.account == account_in_status.address
    assert event.metadata_cid == NEW_CID


@in_status(Status.ACTIVE, Status.SUSPENDED)
def test_update_metadata__approved__submits_for_review_and_emits(participants, account_in_status):
    before = participants.organization(account_in_status)
    tx = participants.update_metadata(NEW_CID, sender=account_in_status)
    # The approved metadata stays until a regulator approves the new one.
    assert_organization(participants, account_in_status, before.status, before.roles, ORGANIZATION_CID, before.updated_at)
    assert participants.pending_metadata(account_in_status) == NEW_CID
    event = single_event(tx, participants.MetadataSubmitted)
    assert event.account == account_in_status.address
    assert event.metadata_cid == NEW_CID
    assert not tx.decode_logs(participants.MetadataUpdated)


def test_update_metadata__regulator__submits_for_review(participants, regulator):
    participants.update_metadata(NEW_CID, sender=regulator)
    assert participants.organization(regulator).metadata_cid == REGULATOR_CID
    assert participants.pending_metadata(regulator) == NEW_CID


def test_update_metadata__not_registered__reverts(participants, stranger):
    with ape.reverts("participants: not registered"):
        participants.update_metadata(NEW_CID, sender=stranger)


def test_update_metadata__revoked__reverts(participants, revoked_manufacturer):
    with ape.reverts("participants: revoked"):
        participants.update_metadata(NEW_CID, sender=revoked_manufacturer)


def test_update_metadata__empty_cid__reverts(participants, active_manufacturer):
    with ape.reverts("participants: empty CID"):
        participants.update_metadata("", sender=active_manufacturer)


# ---------------------------------------------------------------- approve


def test_approve__open_application__activates_with_roles(participants, regulator, applied):
    roles = Role.DISTRIBUTOR | Role.SUPPLIER
    tx = participants.approve(applied, roles, sender=regulator)
    assert_organization(participants, applied, Status.ACTIVE, roles, ORGANIZATION_CID, tx.timestamp)
    assert participants.is_active(applied, Role.DISTRIBUTOR)
    assert participants.is_active(applied, Role.SUPPLIER)


def test_approve__open_application__emits_approved(participants, regulator, applied):
    roles = Role.DISTRIBUTOR | Role.SUPPLIER
    tx = participants.approve(applied, roles, sender=regulator)
    event = single_event(tx, participants.Approved)
    assert event.account == applied.address
    assert event.regulator == regulator.address
    assert event.roles == roles


def test_approve__regulator_role__increments_active_regulators(participants, regulator, applied):
    participants.approve(applied, Role.REGULATOR | Role.SUPPLIER, sender=regulator)
    assert participants.active_regulators() == 2
    assert participants.is_active(applied, Role.REGULATOR)


def test_approve__other_roles__keeps_active_regulators(participants, regulator, applied):
    participants.approve(applied, Role.MANUFACTURER | Role.DISTRIBUTOR, sender=regulator)
    assert participants.active_regulators() == 1
    assert not participants.is_active(applied, Role.REGULATOR)


@in_status(Status.NONE, Status.ACTIVE, Status.SUSPENDED, Status.REVOKED)
def test_approve__not_open_application__reverts(participants, regulator, account_in_status):
    with ape.reverts("participants: not an open application"):
        participants.approve(account_in_status, Role.PHARMACY, sender=regulator)


def test_approve__first_regulator_itself__reverts(participants, regulator):
    with ape.reverts("participants: not an open application"):
        participants.approve(regulator, Role.MANUFACTURER, sender=regulator)


def test_approve__no_roles__reverts(participants, regulator, applied):
    with ape.reverts("participants: no roles"):
        participants.approve(applied, 0, sender=regulator)


def test_approve__not_active_regulator__reverts(participants, unauthorized, pharmacy):
    participants.apply(ORGANIZATION_CID, sender=pharmacy)
    with ape.reverts(NOT_ACTIVE_REGULATOR):
        participants.approve(pharmacy, Role.PHARMACY, sender=unauthorized)


# ---------------------------------------------------------------- set_roles


def test_set_roles__active_organization__replaces_roles_and_emits(participants, regulator, active_manufacturer):
    updated_at = participants.organization(active_manufacturer).updated_at
    roles = Role.MANUFACTURER | Role.DISTRIBUTOR
    tx = participants.set_roles(active_manufacturer, roles, sender=regulator)
    assert_organization(participants, active_manufacturer, Status.ACTIVE, roles, ORGANIZATION_CID, updated_at)
    assert participants.is_active(active_manufacturer, Role.DISTRIBUTOR)
    event = single_event(tx, participants.RolesChanged)
    assert event.account == active_manufacturer.address
    assert event.regulator == regulator.address
    assert event.previous_roles == Role.MANUFACTURER
    assert event.roles == roles


def test_set_roles__dropped_role__no_longer_active_for_it(participants, regulator, active_manufacturer):
    participants.set_roles(active_manufacturer, Role.PHARMACY, sender=regulator)
    assert not participants.is_active(active_manufacturer, Role.MANUFACTURER)
    assert participants.is_active(active_manufacturer, Role.PHARMACY)


def test_set_roles__suspended_organization__replaces_roles_stays_suspended(
    participants, regulator, suspended_manufacturer
):
    tx = participants.set_roles(suspended_manufacturer, Role.SUPPLIER, sender=regulator)
    org = participants.organization(suspended_manufacturer)
    assert org.status == Status.SUSPENDED
    assert org.roles == Role.SUPPLIER
    assert not participants.is_active(suspended_manufacturer, Role.SUPPLIER)
    assert single_event(tx, participants.RolesChanged).previous_roles == Role.MANUFACTURER


def test_set_roles__grant_regulator__increments_active_regulators(participants, regulator, active_manufacturer):
    participants.set_roles(active_manufacturer, Role.MANUFACTURER | Role.REGULATOR, sender=regulator)
    assert participants.active_regulators() == 2
    assert participants.is_active(active_manufacturer, Role.REGULATOR)


def test_set_roles__remove_regulator__decrements_active_regulators(participants, three_regulators):
    regulator, active_regulator, third = three_regulators
    govern(participants.set_roles, active_regulator, Role.MANUFACTURER, by=[regulator, third])
    assert participants.active_regulators() == 2
    assert not participants.is_active(active_regulator, Role.REGULATOR)


def test_set_roles__keep_regulator__keeps_active_regulators(participants, regulator, active_regulator):
    participants.set_roles(active_regulator, Role.REGULATOR | Role.MEDICAL_ORGANIZATION, sender=regulator)
    assert participants.active_regulators() == 2


def test_set_roles__suspended_regulator_demoted__counter_unchanged_until_reinstated(participants, three_regulators):
    regulator, active_regulator, third = three_regulators
    govern(participants.suspend, active_regulator, REASON_CID, by=[regulator, third])
    assert participants.active_regulators() == 2
    govern(participants.set_roles, active_regulator, Role.MANUFACTURER, by=[regulator, third])
    assert participants.active_regulators() == 2
    participants.reinstate(active_regulator, sender=regulator)  # no longer a regulator: at once
    assert participants.active_regulators() == 2
    assert not participants.is_active(active_regulator, Role.REGULATOR)


def test_set_roles__suspended_organization_promoted__counter_unchanged_until_reinstated(
    participants, regulator, suspended_manufacturer
):
    participants.set_roles(suspended_manufacturer, Role.REGULATOR, sender=regulator)
    assert participants.active_regulators() == 1
    participants.reinstate(suspended_manufacturer, sender=regulator)
    assert participants.active_regulators() == 2
    assert participants.is_active(suspended_manufacturer, Role.REGULATOR)


def test_set_roles__on_self__reverts(participants, regulator):
    with ape.reverts(ON_ITSELF):
        participants.set_roles(regulator, Role.REGULATOR | Role.MANUFACTURER, sender=regulator)


@in_status(Status.NONE, Status.APPLIED, Status.REVOKED)
def test_set_roles__not_approved__reverts(participants, regulator, account_in_status):
    with ape.reverts("participants: not approved"):
        participants.set_roles(account_in_status, Role.PHARMACY, sender=regulator)


def test_set_roles__no_roles__reverts(participants, regulator, active_manufacturer):
    with ape.reverts("participants: no roles"):
        participants.set_roles(active_manufacturer, 0, sender=regulator)


def test_set_roles__not_active_regulator__reverts(participants, unauthorized, active_distributor):
    with ape.reverts(NOT_ACTIVE_REGULATOR):
        participants.set_roles(active_distributor, Role.PHARMACY, sender=unauthorized)


# ---------------------------------------------------------------- suspend


def test_suspend__active_organization__suspends_keeping_roles(participants, regulator, active_manufacturer):
    tx = participants.suspend(active_manufacturer, REASON_CID, sender=regulator)
    assert_organization(
        participants, active_manufacturer, Status.SUSPENDED, Role.MANUFACTURER, ORGANIZATION_CID, tx.timestamp
    )
    assert not participants.is_active(active_manufacturer, Role.MANUFACTURER)
    assert participants.active_regulators() == 1


def test_suspend__active_organization__emits_suspended(participants, regulator, active_manufacturer):
    tx = participants.suspend(active_manufacturer, REASON_CID, sender=regulator)
    event = single_event(tx, participants.Suspended)
    assert event.account == active_manufacturer.address
    assert event.regulator == regulator.address
    assert event.reason_cid == REASON_CID


def test_suspend__active_regulator__decrements_active_regulators(participants, three_regulators):
    regulator, active_regulator, third = three_regulators
    govern(participants.suspend, active_regulator, REASON_CID, by=[regulator, third])
    assert participants.active_regulators() == 2
    assert not participants.is_active(active_regulator, Role.REGULATOR)


def test_suspend__self__reverts(participants, regulator):
    with ape.reverts(ON_ITSELF):
        participants.suspend(regulator, REASON_CID, sender=regulator)


@in_status(Status.NONE, Status.APPLIED, Status.SUSPENDED, Status.REVOKED)
def test_suspend__not_active__reverts(participants, regulator, account_in_status):
    with ape.reverts("participants: not active"):
        participants.suspend(account_in_status, REASON_CID, sender=regulator)


def test_suspend__empty_reason__reverts(participants, regulator, active_manufacturer):
    with ape.reverts("participants: empty CID"):
        participants.suspend(active_manufacturer, "", sender=regulator)


def test_suspend__not_active_regulator__reverts(participants, unauthorized, active_distributor):
    with ape.reverts(NOT_ACTIVE_REGULATOR):
        participants.suspend(active_distributor, REASON_CID, sender=unauthorized)


# ---------------------------------------------------------------- reinstate


def test_reinstate__suspended_organization__reactivates(participants, regulator, suspended_manufacturer):
    tx = participants.reinstate(suspended_manufacturer, sender=regulator)
    assert_organization(
        participants, suspended_manufacturer, Status.ACTIVE, Role.MANUFACTURER, ORGANIZATION_CID, tx.timestamp
    )
    assert participants.is_active(suspended_manufacturer, Role.MANUFACTURER)
    assert participants.active_regulators() == 1


def test_reinstate__suspended_organization__emits_reinstated(participants, regulator, suspended_manufacturer):
    tx = participants.reinstate(suspended_manufacturer, sender=regulator)
    event = single_event(tx, participants.Reinstated)
    assert event.account == suspended_manufacturer.address
    assert event.regulator == regulator.address


def test_reinstate__suspended_regulator__increments_active_regulators(participants, three_regulators):
    regulator, active_regulator, third = three_regulators
    govern(participants.suspend, active_regulator, REASON_CID, by=[regulator, third])
    govern(participants.reinstate, active_regulator, by=[regulator, third])
    assert participants.active_regulators() == 3
    assert participants.is_active(active_regulator, Role.REGULATOR)


def test_reinstate__suspended_regulator_on_self__reverts(participants, three_regulators):
    regulator, active_regulator, third = three_regulators
    govern(participants.suspend, active_regulator, REASON_CID, by=[regulator, third])
    with ape.reverts(NOT_ACTIVE_REGULATOR):
        participants.reinstate(active_regulator, sender=active_regulator)


@in_status(Status.NONE, Status.APPLIED, Status.ACTIVE, Status.REVOKED)
def test_reinstate__not_suspended__reverts(participants, regulator, account_in_status):
    with ape.reverts("participants: not suspended"):
        participants.reinstate(account_in_status, sender=regulator)


def test_reinstate__not_active_regulator__reverts(participants, unauthorized, suspended_pharmacy):
    with ape.reverts(NOT_ACTIVE_REGULATOR):
        participants.reinstate(suspended_pharmacy, sender=unauthorized)


# ---------------------------------------------------------------- revoke


def test_revoke__application__refuses_it_and_emits(participants, regulator, applied):
    tx = participants.revoke(applied, REASON_CID, sender=regulator)
    assert_organization(participants, applied, Status.REVOKED, 0, ORGANIZATION_CID, tx.timestamp)
    event = single_event(tx, participants.Revoked)
    assert event.account == applied.address
    assert event.regulator == regulator.address
    assert event.reason_cid == REASON_CID


def test_revoke__active_organization__revokes(participants, regulator, active_manufacturer):
    tx = participants.revoke(active_manufacturer, REASON_CID, sender=regulator)
    assert_organization(
        participants, active_manufacturer, Status.REVOKED, Role.MANUFACTURER, ORGANIZATION_CID, tx.timestamp
    )
    assert not participants.is_active(active_manufacturer, Role.MANUFACTURER)
    assert single_event(tx, participants.Revoked).account == active_manufacturer.address


def test_revoke__suspended_organization__revokes(participants, regulator, suspended_manufacturer):
    tx = participants.revoke(suspended_manufacturer, REASON_CID, sender=regulator)
    assert_organization(
        participants, suspended_manufacturer, Status.REVOKED, Role.MANUFACTURER, ORGANIZATION_CID, tx.timestamp
    )
    assert single_event(tx, participants.Revoked).account == suspended_manufacturer.address


def test_revoke__active_regulator__decrements_active_regulators(participants, three_regulators):
    regulator, active_regulator, third = three_regulators
    govern(participants.revoke, active_regulator, REASON_CID, by=[regulator, third])
    assert participants.active_regulators() == 2
    assert not participants.is_active(active_regulator, Role.REGULATOR)


def test_revoke__suspended_regulator__keeps_active_regulators(participants, three_regulators):
    regulator, active_regulator, third = three_regulators
    govern(participants.suspend, active_regulator, REASON_CID, by=[regulator, third])
    # Two active regulators now: both must confirm.
    govern(participants.revoke, active_regulator, REASON_CID, by=[regulator, third])
    assert participants.active_regulators() == 2


def test_revoke__revoked_organization__cannot_be_reinstated(participants, regulator, revoked_manufacturer):
    with ape.reverts("participants: not suspended"):
        participants.reinstate(revoked_manufacturer, sender=regulator)


def test_revoke__already_revoked__reverts(participants, regulator, revoked_manufacturer):
    with ape.reverts("participants: already revoked"):
        participants.revoke(revoked_manufacturer, REASON_CID, sender=regulator)


def test_revoke__not_registered__reverts(participants, regulator, stranger):
    with ape.reverts("participants: not registered"):
        participants.revoke(stranger, REASON_CID, sender=regulator)


def test_revoke__self__reverts(participants, regulator):
    with ape.reverts(ON_ITSELF):
        participants.revoke(regulator, REASON_CID, sender=regulator)


def test_revoke__empty_reason__reverts(participants, regulator, active_manufacturer):
    with ape.reverts("participants: empty CID"):
        participants.revoke(active_manufacturer, "", sender=regulator)


def test_revoke__not_active_regulator__reverts(participants, unauthorized, active_distributor):
    with ape.reverts(NOT_ACTIVE_REGULATOR):
        participants.revoke(active_distributor, REASON_CID, sender=unauthorized)


# ---------------------------------------------------------------- is_active


@pytest.mark.parametrize("role", SINGLE_ROLES, ids=lambda r: r.name)
def test_is_active__single_role__only_that_role(participants, create_organization, hospital, role):
    create_organization(hospital, role)
    for other in SINGLE_ROLES:
        assert participants.is_active(hospital, other) == (other == role)


def test_is_active__multi_role_organization__any_held_role(participants, create_organization, hospital):
    create_organization(hospital, Role.MEDICAL_ORGANIZATION | Role.PHARMACY)
    assert participants.is_active(hospital, Role.MEDICAL_ORGANIZATION)
    assert participants.is_active(hospital, Role.PHARMACY)
    assert participants.is_active(hospital, Role.PHARMACY | Role.DISTRIBUTOR)
    assert not participants.is_active(hospital, Role.DISTRIBUTOR)
    assert not participants.is_active(hospital, Role.REGULATOR | Role.SUPPLIER)
    assert not participants.is_active(hospital, 0)


@in_status(Status.NONE, Status.APPLIED, Status.SUSPENDED, Status.REVOKED)
def test_is_active__not_active__false_for_every_role(participants, account_in_status):
    assert not participants.is_active(account_in_status, sum(SINGLE_ROLES))


# ---------------------------------------------------------------- organization, active_regulators


def test_organization__never_applied__all_zero(participants, stranger):
    assert_organization(participants, stranger, Status.NONE, 0, "", 0)


def test_organization__lifecycle__updated_at_follows_status_changes(chain, participants, regulator, applicant):
    applied_at = participants.apply(ORGANIZATION_CID, sender=applicant).timestamp
    chain.pending_timestamp = applied_at + 100
    approved_at = participants.approve(applicant, Role.SUPPLIER, sender=regulator).timestamp
    assert approved_at > applied_at
    assert participants.organization(applicant).updated_at == approved_at
    chain.pending_timestamp = approved_at + 100
    participants.update_metadata(NEW_CID, sender=applicant)
    assert participants.organization(applicant).updated_at == approved_at


def test_active_regulators__follows_approvals_suspensions_and_revocations(
    participants, regulator, active_regulator, supplier
):
    participants.apply(ORGANIZATION_CID, sender=supplier)
    govern(participants.approve, supplier, Role.REGULATOR | Role.SUPPLIER, by=[regulator, active_regulator])
    assert participants.active_regulators() == 3
    govern(participants.suspend, active_regulator, REASON_CID, by=[regulator, supplier])
    assert participants.active_regulators() == 2
    # The suspended regulator can no longer confirm: the two still active must.
    govern(participants.revoke, supplier, REASON_CID, by=[regulator])
    assert participants.active_regulators() == 2
    participants.reinstate(active_regulator, sender=regulator)  # pending: a regulator's reinstatement
    govern(participants.reinstate, active_regulator, by=[supplier])
    assert participants.active_regulators() == 3
    govern(participants.revoke, supplier, REASON_CID, by=[active_regulator])
    assert participants.active_regulators() == 2


# ---------------------------------------------------------------- several regulators


def test_second_regulator__approved_by_first__can_act(
    participants, regulator, active_regulator, applied, active_manufacturer
):
    tx = participants.approve(applied, Role.SUPPLIER, sender=active_regulator)
    assert single_event(tx, participants.Approved).regulator == active_regulator.address
    tx = participants.suspend(active_manufacturer, REASON_CID, sender=active_regulator)
    assert single_event(tx, participants.Suspended).regulator == active_regulator.address
    tx = participants.reinstate(active_manufacturer, sender=active_regulator)
    assert single_event(tx, participants.Reinstated).regulator == active_regulator.address
    tx = participants.set_roles(active_manufacturer, Role.DISTRIBUTOR, sender=active_regulator)
    assert single_event(tx, participants.RolesChanged).regulator == active_regulator.address
    # Revoking is governed: of two regulators, both confirm; the event names the last.
    participants.revoke(applied, REASON_CID, sender=regulator)
    tx = participants.revoke(applied, REASON_CID, sender=active_regulator)
    assert single_event(tx, participants.Revoked).regulator == active_regulator.address


def test_second_regulator__suspends_first__first_can_no_longer_act(
    participants, regulator, three_regulators, active_manufacturer
):
    _, active_regulator, third = three_regulators
    govern(participants.suspend, regulator, REASON_CID, by=[active_regulator, third])
    assert participants.active_regulators() == 2
    with ape.reverts(NOT_ACTIVE_REGULATOR):
        participants.suspend(active_regulator, REASON_CID, sender=regulator)
    with ape.reverts(NOT_ACTIVE_REGULATOR):
        participants.reinstate(regulator, sender=regulator)
    assert participants.is_active(active_regulator, Role.REGULATOR)


def test_last_regulator__cannot_remove_itself__one_always_remains(participants, regulator):
    with ape.reverts(ON_ITSELF):
        participants.suspend(regulator, REASON_CID, sender=regulator)
    with ape.reverts(ON_ITSELF):
        participants.revoke(regulator, REASON_CID, sender=regulator)
    with ape.reverts(ON_ITSELF):
        participants.set_roles(regulator, Role.MANUFACTURER, sender=regulator)
    assert participants.active_regulators() == 1
    assert participants.is_active(regulator, Role.REGULATOR)


# ---------------------------------------------------------------- is_active follows every change


def assert_active_roles(participants, account, roles):
    """`is_active` is true for exactly the flags of `roles` (none when `roles` is 0)."""
    for flag in SINGLE_ROLES:
        assert participants.is_active(account, flag) == bool(flag & roles), flag


def test_is_active__follows_each_lifecycle_step(participants, regulator, applicant):
    assert_active_roles(participants, applicant, 0)
    participants.apply(ORGANIZATION_CID, sender=applicant)
    assert_active_roles(participants, applicant, 0)
    participants.approve(applicant, Role.DISTRIBUTOR | Role.SUPPLIER, sender=regulator)
    assert_active_roles(participants, applicant, Role.DISTRIBUTOR | Role.SUPPLIER)
    participants.set_roles(applicant, Role.PHARMACY, sender=regulator)
    assert_active_roles(participants, applicant, Role.PHARMACY)
    participants.suspend(applicant, REASON_CID, sender=regulator)
    assert_active_roles(participants, applicant, 0)
    # Roles changed while suspended take effect on reinstatement only.
    participants.set_roles(applicant, Role.MANUFACTURER | Role.SUPPLIER, sender=regulator)
    assert_active_roles(participants, applicant, 0)
    participants.reinstate(applicant, sender=regulator)
    assert_active_roles(participants, applicant, Role.MANUFACTURER | Role.SUPPLIER)
    participants.revoke(applicant, REASON_CID, sender=regulator)
    assert_active_roles(participants, applicant, 0)
    assert participants.organization(applicant).roles == Role.MANUFACTURER | Role.SUPPLIER


def test_is_active__refused_application__never_active(participants, regulator, applied):
    participants.revoke(applied, REASON_CID, sender=regulator)
    assert_active_roles(participants, applied, 0)
