"""Custody.reportSuspectPack: an active organization of any role puts a report of a suspect
pack on the record (an event, nothing stored), keyed by the batch id so that the verifier's
per-batch log query finds it; the serial travels only as the unit hash."""

from contextlib import contextmanager

import ape
import pytest
from eth_utils import keccak, to_checksum_address

from dapp.roles import Role
from dapp.verification.merkle import unit_hash
from tests.conftest import GTIN, REASON_CID, batch_id_of
from tests.contracts.test_payment_token import custom_error

REPORT_CID = "bafkreif6a5ngzd3bfmw3oqy7xxw2w47tysdh5p7auqfefyinkq5d2opdqe"
PARTICIPANT_ROLES = 1 | 2 | 4 | 8 | 16 | 32
LOT = "L001"
SERIAL = "L001-000003"
SUSPECT_TOPIC = keccak(text="SuspectPackReported(bytes32,address,bytes32,string)")
GAS_CEILING = 35_000  # a 59-character CID: 21,000 base + calldata + one staticcall + the log


@contextmanager
def reverts_with(contract, name, **inputs):
    """Expect the custom error `name` with exactly these inputs (`ape.reverts` alone is loose)."""
    with ape.reverts(getattr(contract, name)) as info:
        yield info
    assert custom_error(info, contract) == (name, inputs)


@pytest.fixture
def report(custody):
    """Report the pack (GTIN, LOT, SERIAL) from `sender`; returns the receipt."""

    def report(sender, batch_id=None, unit=None, cid=REPORT_CID):
        batch_id = batch_id_of(GTIN, LOT) if batch_id is None else batch_id
        unit = unit_hash(GTIN, SERIAL) if unit is None else unit
        return custody.reportSuspectPack(batch_id, unit, cid, sender=sender)

    return report


# --- who may report ----------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role), ids=[role.name.lower() for role in Role])
def test_report__active_organization_of_each_role__event_with_every_field(custody, create_organization, pharmacy,
                                                                           report, role):
    reporter = create_organization(pharmacy, role)

    tx = report(reporter)

    events = tx.decode_logs(custody.SuspectPackReported)
    assert len(events) == 1
    event = events[0]
    assert bytes(event.batchId) == batch_id_of(GTIN, LOT)
    assert event.reporter == reporter.address
    assert bytes(event.unitHash) == unit_hash(GTIN, SERIAL)
    assert event.reportCid == REPORT_CID


def test_report__topics__batch_first_then_reporter(custody, create_organization, hospital, report):
    """The batch id is the first indexed topic, as on every Custody event: one topic filter
    returns a batch's whole history, reports included."""
    reporter = create_organization(hospital, Role.MEDICAL_ORGANIZATION)

    tx = report(reporter)

    [log] = [log for log in tx.logs if bytes(log["topics"][0]) == SUSPECT_TOPIC]
    assert to_checksum_address(log["address"]) == custody.address
    assert bytes(log["topics"][1]) == batch_id_of(GTIN, LOT)
    assert bytes(log["topics"][2]) == bytes(12) + bytes.fromhex(reporter.address[2:])
    assert len(log["topics"]) == 3


def test_report__reporter_is_the_caller(custody, create_organization, hospital, pharmacy, report):
    """Nobody reports in another's name: the reporter is the sender, not an argument."""
    create_organization(hospital, Role.MEDICAL_ORGANIZATION)
    reporter = create_organization(pharmacy, Role.PHARMACY)

    tx = report(reporter)

    assert [event.reporter for event in tx.decode_logs(custody.SuspectPackReported)] == [reporter.address]


def test_report__stranger__reverts(custody, stranger, report):
    with reverts_with(custody, "ParticipantNotActive", account=stranger.address, roles=PARTICIPANT_ROLES):
        report(stranger)


def test_report__applied_not_approved__reverts(custody, participants, applicant, report):
    applied = applicant
    participants.apply(REASON_CID, sender=applied)

    with reverts_with(custody, "ParticipantNotActive", account=applied.address, roles=PARTICIPANT_ROLES):
        report(applied)


def test_report__suspended_organization__reverts(custody, create_organization, participants, regulator, pharmacy,
                                                report):
    reporter = create_organization(pharmacy, Role.PHARMACY)
    participants.suspend(reporter, REASON_CID, sender=regulator)

    with reverts_with(custody, "ParticipantNotActive", account=reporter.address, roles=PARTICIPANT_ROLES):
        report(reporter)


def test_report__reinstated_organization__accepted(custody, create_organization, participants, regulator, pharmacy,
                                                  report):
    reporter = create_organization(pharmacy, Role.PHARMACY)
    participants.suspend(reporter, REASON_CID, sender=regulator)
    participants.reinstate(reporter, sender=regulator)

    tx = report(reporter)

    assert len(tx.decode_logs(custody.SuspectPackReported)) == 1


def test_report__revoked_organization__reverts(custody, create_organization, participants, regulator, pharmacy,
                                              report):
    reporter = create_organization(pharmacy, Role.PHARMACY)
    participants.revoke(reporter, REASON_CID, sender=regulator)

    with reverts_with(custody, "ParticipantNotActive", account=reporter.address, roles=PARTICIPANT_ROLES):
        report(reporter)


# --- what is reported --------------------------------------------------------------------


def test_report__empty_cid__reverts(custody, create_organization, pharmacy, report):
    reporter = create_organization(pharmacy, Role.PHARMACY)

    with reverts_with(custody, "EmptyCid"):
        report(reporter, cid="")


def test_report__empty_cid_from_a_stranger__empty_cid_first(custody, stranger, report):
    """The cheap argument check comes before the registry is asked."""
    with reverts_with(custody, "EmptyCid"):
        report(stranger, cid="")


def test_report__code_of_no_known_batch__accepted(custody, create_organization, pharmacy, report):
    """A falsified pack often carries a code nobody registered: its report still goes on record,
    under keccak256(abi.encode(gtin, "")) when the code has no lot."""
    reporter = create_organization(pharmacy, Role.PHARMACY)
    unknown_batch = batch_id_of(GTIN, "")

    tx = report(reporter, batch_id=unknown_batch)

    [event] = tx.decode_logs(custody.SuspectPackReported)
    assert bytes(event.batchId) == unknown_batch
    assert custody.ledger(unknown_batch).commissioned == 0


def test_report__committed_batch__its_ledger_untouched(custody, create_custody_batch, active_manufacturer,
                                                      create_organization, pharmacy, report):
    batch_id, _, serials = create_custody_batch(lot=LOT)
    reporter = create_organization(pharmacy, Role.PHARMACY)
    before = (custody.ledger(batch_id), custody.holding(batch_id, active_manufacturer))

    report(reporter, batch_id=batch_id, unit=unit_hash(GTIN, serials[3]))

    assert (custody.ledger(batch_id), custody.holding(batch_id, active_manufacturer)) == before


def test_report__serial_never_in_the_calldata(custody, create_organization, pharmacy, report):
    reporter = create_organization(pharmacy, Role.PHARMACY)

    tx = report(reporter)

    assert SERIAL.encode() not in bytes(tx.transaction.data)
    assert unit_hash(GTIN, SERIAL) in bytes(tx.transaction.data)


def test_report__same_pack_twice__two_reports(custody, create_organization, hospital, pharmacy, report):
    """Nothing is stored, so nothing refuses a second report: two witnesses, two events."""
    first = create_organization(pharmacy, Role.PHARMACY)
    second = create_organization(hospital, Role.MEDICAL_ORGANIZATION)

    reporters = [report(account).decode_logs(custody.SuspectPackReported)[0].reporter for account in (first, second)]

    assert reporters == [first.address, second.address]


def test_report__gas__one_log_and_one_registry_call(custody, create_organization, pharmacy, report):
    reporter = create_organization(pharmacy, Role.PHARMACY)

    tx = report(reporter)

    print(f"reportSuspectPack gas: {tx.gas_used}")
    assert tx.gas_used < GAS_CEILING
