"""Brand protection (issue 12, finding 7): GTINs tied to the company prefixes a regulator assigned,
products reassigned by regulators, and metadata changes sent back to review; each attack played
as the attacker would."""

import ape
import pytest

from dapp.roles import BatchStatus, Category, Role, Status
from tests.conftest import (
    CERTIFICATE_CID,
    CHARACTERISTICS_CID,
    COMPANY_PREFIX,
    COMPANY_PREFIX_DIGITS,
    GTIN,
    ORGANIZATION_CID,
    OTHER_GTIN,
    REASON_CID,
    company_prefix_of,
)

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
NAME = "Метформин (Metformin)"
FORM = "tablets 500 mg"
LOT = "L001"
# Another brand's GTIN (a prefix of its own) and a metadata document naming the brand.
BRAND_GTIN = 4006381333931
BRAND_PREFIX = 4006381
BRAND_CID = "bafkreiabzo2lp3ye3zfhvwm3yuiphwzmgb2xj3tnjd5oc4oq5xzxu4nq7u"
SHELL_CID = "bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq"
NOT_REGULATOR = "resources: caller is not a regulator"


def register(resources, gtin, sender):
    return resources.register_product(gtin, Category.DRUG, NAME, FORM, CHARACTERISTICS_CID, CERTIFICATE_CID, sender=sender)


def single_event(tx, event_type):
    events = tx.decode_logs(event_type)
    assert len(events) == 1
    return events[0]


@pytest.fixture
def shell(create_organization, other_manufacturer):
    """A shell manufacturer: approved, active, holding no prefix of the brand's."""
    return create_organization(other_manufacturer, Role.MANUFACTURER)


@pytest.fixture
def second(create_regulators, second_regulator):
    """A second active regulator: lasting actions now need both."""
    create_regulators(second_regulator)
    return second_regulator


# ---------------------------------------------------------------- assign_prefix


def test_assign_prefix__regulator__records_and_emits(resources, regulator, shell):
    tx = resources.assign_prefix(BRAND_PREFIX, 7, shell, sender=regulator)

    assert resources.prefix_owner(BRAND_PREFIX, 7) == shell.address
    event = single_event(tx, resources.PrefixAssigned)
    assert event.prefix == BRAND_PREFIX
    assert event.manufacturer == shell.address
    assert event.regulator == regulator.address
    assert event.digits == 7
    assert event.previous_manufacturer == ZERO_ADDRESS
    assert not tx.decode_logs(resources.ActionConfirmed)


@pytest.mark.parametrize("digits", [5, 13, 0, 255])
def test_assign_prefix__length_out_of_range__reverts(resources, regulator, shell, digits):
    with ape.reverts("resources: prefix length out of range"):
        resources.assign_prefix(1, digits, shell, sender=regulator)


def test_assign_prefix__more_digits_than_said__reverts(resources, regulator, shell):
    with ape.reverts("resources: prefix longer than its digits"):
        resources.assign_prefix(10**7, 7, shell, sender=regulator)


@pytest.mark.parametrize("who", ["stranger", "distributor", "applicant"])
def test_assign_prefix__not_an_active_manufacturer__reverts(request, resources, regulator, create_organization, who):
    account = request.getfixturevalue(who)
    if who == "distributor":
        create_organization(account, Role.DISTRIBUTOR)
    with ape.reverts("resources: not an active manufacturer"):
        resources.assign_prefix(BRAND_PREFIX, 7, account, sender=regulator)


def test_assign_prefix__already_its_own__reverts(resources, regulator, active_manufacturer):
    with ape.reverts("resources: prefix already assigned to it"):
        resources.assign_prefix(COMPANY_PREFIX, COMPANY_PREFIX_DIGITS, active_manufacturer, sender=regulator)


@pytest.mark.parametrize("caller", ["stranger", "active_manufacturer"])
def test_assign_prefix__not_a_regulator__reverts(request, resources, shell, caller):
    with ape.reverts(NOT_REGULATOR):
        resources.assign_prefix(BRAND_PREFIX, 7, shell, sender=request.getfixturevalue(caller))


def test_assign_prefix__held_by_another__one_of_two_regulators__pending(
    resources, regulator, second, active_manufacturer, shell
):
    # A hostile regulator key gives the brand's prefix to a shell: it stays the brand's.
    tx = resources.assign_prefix(COMPANY_PREFIX, COMPANY_PREFIX_DIGITS, shell, sender=regulator)

    assert resources.prefix_owner(COMPANY_PREFIX, COMPANY_PREFIX_DIGITS) == active_manufacturer.address
    assert not tx.decode_logs(resources.PrefixAssigned)
    confirmed = single_event(tx, resources.ActionConfirmed)
    assert confirmed.regulator == regulator.address
    assert confirmed.confirmations == 1
    assert confirmed.required == 2
    assert resources.confirmers(confirmed.action) == [regulator.address]
    with ape.reverts("resources: company prefix of another manufacturer"):
        register(resources, GTIN, shell)


def test_assign_prefix__held_by_another__quorum__moves_it(resources, regulator, second, active_manufacturer, shell):
    resources.assign_prefix(COMPANY_PREFIX, COMPANY_PREFIX_DIGITS, shell, sender=regulator)
    tx = resources.assign_prefix(COMPANY_PREFIX, COMPANY_PREFIX_DIGITS, shell, sender=second)

    assert resources.prefix_owner(COMPANY_PREFIX, COMPANY_PREFIX_DIGITS) == shell.address
    confirmed = single_event(tx, resources.ActionConfirmed)
    assert (confirmed.regulator, confirmed.confirmations, confirmed.required) == (second.address, 2, 2)
    event = single_event(tx, resources.PrefixAssigned)
    assert event.manufacturer == shell.address
    assert event.previous_manufacturer == active_manufacturer.address
    assert event.regulator == second.address
    assert resources.confirmers(confirmed.action) == []


def test_assign_prefix__part_of_a_held_prefix__governed(resources, regulator, second, active_manufacturer, shell):
    # A longer prefix inside the brand's (4601234 -> 46012345) would take part of its GTINs.
    tx = resources.assign_prefix(COMPANY_PREFIX * 10 + 5, COMPANY_PREFIX_DIGITS + 1, shell, sender=regulator)

    assert single_event(tx, resources.ActionConfirmed).required == 2
    assert resources.prefix_owner(COMPANY_PREFIX * 10 + 5, COMPANY_PREFIX_DIGITS + 1) == ZERO_ADDRESS


def test_assign_prefix__confirmed_twice__reverts(resources, regulator, second, shell):
    resources.assign_prefix(COMPANY_PREFIX, COMPANY_PREFIX_DIGITS, shell, sender=regulator)
    with ape.reverts("resources: action already confirmed"):
        resources.assign_prefix(COMPANY_PREFIX, COMPANY_PREFIX_DIGITS, shell, sender=regulator)


# ---------------------------------------------------------------- register_product and the prefix


def test_register_product__prefix_not_assigned__reverts(resources, active_manufacturer):
    with ape.reverts("resources: company prefix not assigned to the caller"):
        register(resources, BRAND_GTIN, active_manufacturer)


def test_register_product__prefix_of_another__reverts(resources, regulator, active_manufacturer, shell):
    # The shell manufacturer registers the brand's GTIN: refused, the brand holds the prefix.
    with ape.reverts("resources: company prefix of another manufacturer"):
        register(resources, GTIN, shell)
    assert resources.product(GTIN).manufacturer == ZERO_ADDRESS


def test_register_product__front_running__reverts(resources, active_manufacturer, shell):
    # The shell sees the brand's registration in the mempool and sends the same one first.
    with ape.reverts("resources: company prefix of another manufacturer"):
        register(resources, OTHER_GTIN, shell)
    register(resources, OTHER_GTIN, active_manufacturer)
    assert resources.product(OTHER_GTIN).manufacturer == active_manufacturer.address


@pytest.mark.parametrize("digits", range(6, 13))
def test_register_product__prefix_of_each_length__accepted(resources, regulator, shell, digits):
    resources.assign_prefix(company_prefix_of(BRAND_GTIN, digits), digits, shell, sender=regulator)
    register(resources, BRAND_GTIN, shell)
    assert resources.product(BRAND_GTIN).manufacturer == shell.address


def test_register_product__indicator_digit__not_part_of_the_prefix(resources, regulator, active_manufacturer):
    # GTIN-14 10614141000033: indicator 1, company prefix 0614141.
    resources.assign_prefix(614141, 7, active_manufacturer, sender=regulator)
    register(resources, 10614141000033, active_manufacturer)
    assert resources.product(10614141000033).manufacturer == active_manufacturer.address


def test_register_product__longest_prefix_decides(resources, regulator, active_manufacturer, shell):
    # The brand's 7-digit prefix, and a 9-digit one inside it the regulator gave the shell (two
    # manufacturers' prefixes never overlap in GS1; if they did, the longer is the more specific).
    resources.assign_prefix(company_prefix_of(BRAND_GTIN, 7), 7, active_manufacturer, sender=regulator)
    resources.assign_prefix(company_prefix_of(BRAND_GTIN, 9), 9, shell, sender=regulator)  # one regulator: at once

    with ape.reverts("resources: company prefix of another manufacturer"):
        register(resources, BRAND_GTIN, active_manufacturer)
    register(resources, BRAND_GTIN, shell)


# ---------------------------------------------------------------- reassign_product


def test_reassign_product__regulator__moves_product_and_batches(
    resources, regulator, create_batch, active_manufacturer, shell
):
    create_batch(lot=LOT)

    tx = resources.reassign_product(GTIN, shell, REASON_CID, sender=regulator)

    assert resources.product(GTIN).manufacturer == shell.address
    assert resources.batch(GTIN, LOT).manufacturer == shell.address
    event = single_event(tx, resources.ProductReassigned)
    assert event.gtin == GTIN
    assert event.previous_manufacturer == active_manufacturer.address
    assert event.manufacturer == shell.address
    assert event.reason_cid == REASON_CID
    # The new manufacturer acts on it; the old one no longer does.
    resources.update_product(GTIN, CHARACTERISTICS_CID, CERTIFICATE_CID, sender=shell)
    with ape.reverts("resources: caller is not the product's manufacturer"):
        resources.update_product(GTIN, CHARACTERISTICS_CID, CERTIFICATE_CID, sender=active_manufacturer)


def test_reassign_product__one_of_two_regulators__pending(resources, regulator, second, create_product, active_manufacturer, shell):
    create_product()

    tx = resources.reassign_product(GTIN, shell, REASON_CID, sender=regulator)

    assert resources.product(GTIN).manufacturer == active_manufacturer.address
    assert not tx.decode_logs(resources.ProductReassigned)
    confirmed = single_event(tx, resources.ActionConfirmed)
    assert (confirmed.regulator, confirmed.confirmations, confirmed.required) == (regulator.address, 1, 2)

    tx = resources.reassign_product(GTIN, shell, REASON_CID, sender=second)
    assert resources.product(GTIN).manufacturer == shell.address
    assert single_event(tx, resources.ProductReassigned).manufacturer == shell.address


def test_reassign_product__unknown_product__reverts(resources, regulator, shell):
    with ape.reverts("resources: unknown product"):
        resources.reassign_product(GTIN, shell, REASON_CID, sender=regulator)


def test_reassign_product__to_a_non_manufacturer__reverts(resources, regulator, create_product, stranger):
    create_product()
    with ape.reverts("resources: not an active manufacturer"):
        resources.reassign_product(GTIN, stranger, REASON_CID, sender=regulator)


def test_reassign_product__to_its_manufacturer__reverts(resources, regulator, create_product, active_manufacturer):
    create_product()
    with ape.reverts("resources: already the product's manufacturer"):
        resources.reassign_product(GTIN, active_manufacturer, REASON_CID, sender=regulator)


def test_reassign_product__empty_reason__reverts(resources, regulator, create_product, shell):
    create_product()
    with ape.reverts("resources: empty CID"):
        resources.reassign_product(GTIN, shell, "", sender=regulator)


@pytest.mark.parametrize("caller", ["stranger", "active_manufacturer", "shell"])
def test_reassign_product__not_a_regulator__reverts(request, resources, create_product, shell, caller):
    create_product()
    with ape.reverts(NOT_REGULATOR):
        resources.reassign_product(GTIN, shell, REASON_CID, sender=request.getfixturevalue(caller))


def test_reassign_product__manufacturer_revoked__new_one_carries_on(
    resources, participants, regulator, create_batch, active_manufacturer, shell
):
    create_batch(lot=LOT)
    participants.revoke(active_manufacturer, REASON_CID, sender=regulator)

    resources.reassign_product(GTIN, shell, REASON_CID, sender=regulator)

    resources.commission_batch(GTIN, "L002", 1, 2**39, 10, b"\x22" * 32, CHARACTERISTICS_CID, CHARACTERISTICS_CID,
                               sender=shell)
    assert resources.batch(GTIN, "L002").manufacturer == shell.address
    resources.recall_batch(GTIN, LOT, 1, REASON_CID, sender=shell)
    assert resources.batch(GTIN, LOT).status == BatchStatus.RECALLED
    # The revoked manufacturer can no longer recall what is no longer its product.
    with ape.reverts("resources: caller is neither the manufacturer nor a regulator"):
        resources.recall_batch(GTIN, "L002", 1, REASON_CID, sender=active_manufacturer)


# ---------------------------------------------------------------- metadata back to review


@pytest.fixture
def brand(create_organization, manufacturer):
    return create_organization(manufacturer, Role.MANUFACTURER, BRAND_CID)


def test_metadata__changed_after_approval__organization_shows_approved(participants, brand, shell):
    # The shell, approved under its own name, renames itself after the brand.
    tx = participants.update_metadata(BRAND_CID, sender=shell)

    assert participants.organization(shell).metadata_cid == ORGANIZATION_CID
    assert participants.pending_metadata(shell) == BRAND_CID
    event = single_event(tx, participants.MetadataSubmitted)
    assert (event.account, event.metadata_cid) == (shell.address, BRAND_CID)


def test_approve_metadata__regulator__applies_and_emits(participants, regulator, shell):
    participants.update_metadata(SHELL_CID, sender=shell)

    tx = participants.approve_metadata(shell, sender=regulator)

    assert participants.organization(shell).metadata_cid == SHELL_CID
    assert participants.organization(shell).status == Status.ACTIVE
    assert participants.pending_metadata(shell) == ""
    event = single_event(tx, participants.MetadataUpdated)
    assert (event.account, event.metadata_cid) == (shell.address, SHELL_CID)


def test_approve_metadata__suspended_organization__applies(participants, regulator, shell):
    participants.suspend(shell, REASON_CID, sender=regulator)
    participants.update_metadata(SHELL_CID, sender=shell)
    participants.approve_metadata(shell, sender=regulator)
    assert participants.organization(shell).metadata_cid == SHELL_CID


def test_reject_metadata__regulator__keeps_approved_and_emits(participants, regulator, shell):
    participants.update_metadata(BRAND_CID, sender=shell)

    tx = participants.reject_metadata(shell, REASON_CID, sender=regulator)

    assert participants.organization(shell).metadata_cid == ORGANIZATION_CID
    assert participants.pending_metadata(shell) == ""
    event = single_event(tx, participants.MetadataRejected)
    assert event.account == shell.address
    assert event.regulator == regulator.address
    assert event.metadata_cid == BRAND_CID
    assert event.reason_cid == REASON_CID


@pytest.mark.parametrize("decide", ["approve_metadata", "reject_metadata"])
def test_review_metadata__nothing_submitted__reverts(participants, regulator, shell, decide):
    arguments = (shell,) if decide == "approve_metadata" else (shell, REASON_CID)
    with ape.reverts("participants: no metadata submitted"):
        getattr(participants, decide)(*arguments, sender=regulator)


@pytest.mark.parametrize("decide", ["approve_metadata", "reject_metadata"])
def test_review_metadata__not_approved__reverts(participants, regulator, applicant, stranger, decide):
    participants.apply(ORGANIZATION_CID, sender=applicant)
    participants.update_metadata(SHELL_CID, sender=applicant)  # under review: applied at once
    for account in (applicant, stranger):
        arguments = (account,) if decide == "approve_metadata" else (account, REASON_CID)
        with ape.reverts("participants: not approved"):
            getattr(participants, decide)(*arguments, sender=regulator)


@pytest.mark.parametrize("decide", ["approve_metadata", "reject_metadata"])
def test_review_metadata__own__reverts(participants, regulator, decide):
    participants.update_metadata(SHELL_CID, sender=regulator)
    arguments = (regulator,) if decide == "approve_metadata" else (regulator, REASON_CID)
    with ape.reverts("participants: regulator acting on itself"):
        getattr(participants, decide)(*arguments, sender=regulator)


@pytest.mark.parametrize("decide", ["approve_metadata", "reject_metadata"])
def test_review_metadata__not_a_regulator__reverts(participants, shell, active_manufacturer, decide):
    participants.update_metadata(SHELL_CID, sender=shell)
    arguments = (shell,) if decide == "approve_metadata" else (shell, REASON_CID)
    with ape.reverts("participants: caller is not an active regulator"):
        getattr(participants, decide)(*arguments, sender=active_manufacturer)


def test_reject_metadata__empty_reason__reverts(participants, regulator, shell):
    participants.update_metadata(SHELL_CID, sender=shell)
    with ape.reverts("participants: empty CID"):
        participants.reject_metadata(shell, "", sender=regulator)


def test_metadata__revoked_before_review__pending_dropped(participants, regulator, shell):
    participants.update_metadata(SHELL_CID, sender=shell)
    participants.revoke(shell, REASON_CID, sender=regulator)
    assert participants.pending_metadata(shell) == ""
    with ape.reverts("participants: not approved"):
        participants.approve_metadata(shell, sender=regulator)
