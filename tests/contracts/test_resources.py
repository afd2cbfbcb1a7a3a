"""Resources: products keyed by GTIN, batches keyed by (GTIN, lot), recalls and withdrawals."""

import ape
import pytest
from eth_abi import encode
from eth_utils import keccak
from hypothesis import given, settings
from hypothesis import strategies as st

from dapp.codes import gs1
from dapp.roles import BatchStatus, Category, Role
from tests.conftest import (
    BAD_GTIN,
    CERTIFICATE_CID,
    CHARACTERISTICS_CID,
    DAY,
    DOCUMENTS_CID,
    GTIN,
    ORGANIZATION_CID,
    OTHER_GTIN,
    REASON_CID,
    REGULATOR_CID,
    COMPANY_PREFIX,
    COMPANY_PREFIX_DIGITS,
    assign_company_prefix,
    govern,
)
from tests.budget import examples

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
ZERO_BYTES32 = b"\x00" * 32

NAME = "Метформин (Metformin)"
FORM = "tablets 500 mg"
LOT = "L001"
ROOT = b"\x11" * 32
NEW_CHARACTERISTICS_CID = "bafkreiabzo2lp3ye3zfhvwm3yuiphwzmgb2xj3tnjd5oc4oq5xzxu4nq7u"
NEW_CERTIFICATE_CID = "bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq"
# A batch's published proof tree (its sorted leaf hashes, in the document store).
PROOF_TREE_CID = "bafkreid7qoywk77r7rj3slobqfekdvs57qwuwh5d2z3sqsw52iabe3mqne"

# Valid GTINs of each length, as the numbers the contract takes (shorter ones zero-padded).
GTIN_8 = 96385074
GTIN_12 = 614141000036
GTIN_13 = 4006381333931
GTIN_14 = 10614141000033
MAX_GTIN = 99999999999997

QUALITY_DEFECT = 1
FALSIFIED = 2

RETIREMENTS = [
    pytest.param("recall_batch", BatchStatus.RECALLED, id="recall"),
    pytest.param("withdraw_batch", BatchStatus.WITHDRAWN, id="withdraw"),
]


def python_batch_id(gtin, lot):
    return keccak(encode(["uint256", "string"], [gtin, lot]))


def assert_batch(batch, *, gtin, manufacturer, manufactured, expires, quantity, root, cid, status, reason_code):
    assert batch.gtin == gtin
    assert batch.manufacturer == manufacturer
    assert batch.manufactured == manufactured
    assert batch.expires == expires
    assert batch.quantity == quantity
    assert batch.serials_root == root
    assert batch.documents_cid_hash == (keccak(text=cid) if cid else ZERO_BYTES32)
    assert batch.status == status
    assert batch.reason_code == reason_code


def assert_same_batch_except_status(after, before):
    assert after.gtin == before.gtin
    assert after.manufacturer == before.manufacturer
    assert after.manufactured == before.manufactured
    assert after.expires == before.expires
    assert after.quantity == before.quantity
    assert after.serials_root == before.serials_root
    assert after.documents_cid_hash == before.documents_cid_hash


@pytest.fixture
def active_other_manufacturer(create_organization, other_manufacturer):
    return create_organization(other_manufacturer, Role.MANUFACTURER)


@pytest.fixture
def active_distributor(create_organization, distributor):
    return create_organization(distributor, Role.DISTRIBUTOR)


@pytest.fixture
def active_second_regulator(create_organization, second_regulator):
    return create_organization(second_regulator, Role.REGULATOR)


@pytest.fixture
def applied(participants, applicant):
    participants.apply(ORGANIZATION_CID, sender=applicant)
    return applicant


@pytest.fixture
def act_on_regulator(participants, regulator, active_second_regulator, third_regulator):
    """A governed action on the second regulator: a third one is approved (both confirming), then
    the first and the third, a quorum of three, confirm the action."""
    participants.apply(REGULATOR_CID, sender=third_regulator)
    govern(participants.approve, third_regulator, int(Role.REGULATOR), by=[regulator, active_second_regulator])

    def act_on_regulator(method, *args):
        return govern(method, *args, by=[regulator, third_regulator])

    return act_on_regulator


@pytest.fixture
def suspend(request, participants, regulator):
    def suspend(account):
        if participants.is_active(account, int(Role.REGULATOR)):
            request.getfixturevalue("act_on_regulator")(participants.suspend, account, REASON_CID)
        else:
            participants.suspend(account, REASON_CID, sender=regulator)
        return account

    return suspend


@pytest.fixture
def suspended_manufacturer(active_manufacturer, suspend):
    """The product's manufacturer, suspended (it may still recall its batches)."""
    return suspend(active_manufacturer)


@pytest.fixture
def regulator_and_manufacturer(create_organization, other_manufacturer):
    return create_organization(other_manufacturer, Role.REGULATOR | Role.MANUFACTURER)


@pytest.fixture
def suspended_regulator(participants, act_on_regulator, active_second_regulator):
    act_on_regulator(participants.suspend, active_second_regulator, REASON_CID)
    return active_second_regulator


@pytest.fixture
def revoked_regulator(participants, act_on_regulator, active_second_regulator):
    act_on_regulator(participants.revoke, active_second_regulator, REASON_CID)
    return active_second_regulator


@pytest.fixture
def demoted_regulator(participants, act_on_regulator, active_second_regulator):
    """Still active, but no longer a regulator."""
    act_on_regulator(participants.set_roles, active_second_regulator, int(Role.MANUFACTURER))
    return active_second_regulator


@pytest.fixture
def custody_ledger(project, deployer, participants, resources):
    """A Custody on these registries that Resources does not name (yet)."""
    return project.Custody.deploy(participants, resources, sender=deployer)


@pytest.fixture
def commission(chain, resources, active_manufacturer):
    """Commission `lot` of an already registered product with explicit dates; returns (tx, dates)."""

    def commission(lot=LOT, gtin=GTIN, quantity=1000, root=ROOT, cid=DOCUMENTS_CID, tree_cid=PROOF_TREE_CID,
                   sender=None):
        now = chain.pending_timestamp
        manufactured, expires = now - 30 * DAY, now + 365 * DAY
        tx = resources.commission_batch(
            gtin, lot, manufactured, expires, quantity, root, cid, tree_cid, sender=sender or active_manufacturer
        )
        return tx, manufactured, expires

    return commission


@pytest.fixture(scope="module")
def pure_resources(project, accounts):
    """A Resources deployed once for the module, for its pure functions (no state is changed)."""
    participants = project.Participants.deploy(accounts[1], REGULATOR_CID, sender=accounts[0])
    return project.Resources.deploy(participants, sender=accounts[0])


# --- constructor and constants ---------------------------------------------------------------


def test_deploy__zero_participants__reverts(project, deployer):
    with ape.reverts("resources: participants is the zero address"):
        project.Resources.deploy(ZERO_ADDRESS, sender=deployer)


def test_deploy__participants__is_the_registry(project, deployer, participants):
    resources = project.Resources.deploy(participants, sender=deployer)

    assert resources.participants() == participants.address


def test_constants(resources):
    assert resources.CATEGORY_DRUG() == Category.DRUG == 1
    assert resources.CATEGORY_DEVICE() == Category.DEVICE == 2
    assert resources.CATEGORY_CONSUMABLE() == Category.CONSUMABLE == 3
    assert resources.BATCH_ACTIVE() == BatchStatus.ACTIVE == 1
    assert resources.BATCH_RECALLED() == BatchStatus.RECALLED == 2
    assert resources.BATCH_WITHDRAWN() == BatchStatus.WITHDRAWN == 3


# --- register_product ------------------------------------------------------------------------


def test_register_product(resources, active_manufacturer):
    tx = resources.register_product(
        GTIN, Category.DRUG, NAME, FORM, CHARACTERISTICS_CID, CERTIFICATE_CID, sender=active_manufacturer
    )

    logs = tx.decode_logs(resources.ProductRegistered)
    assert len(logs) == 1
    assert logs[0].gtin == GTIN
    assert logs[0].manufacturer == active_manufacturer.address
    assert logs[0].category == Category.DRUG
    assert logs[0].name == NAME
    assert logs[0].dosage_form == FORM
    assert logs[0].characteristics_cid == CHARACTERISTICS_CID
    assert logs[0].certificate_cid == CERTIFICATE_CID

    product = resources.product(GTIN)
    assert product.manufacturer == active_manufacturer.address
    assert product.category == Category.DRUG
    assert product.name == NAME
    assert product.dosage_form == FORM
    assert product.characteristics_cid == CHARACTERISTICS_CID
    assert product.certificate_cid == CERTIFICATE_CID


def test_product__unregistered__is_empty(resources, create_product):
    create_product(gtin=GTIN)

    product = resources.product(OTHER_GTIN)
    assert product.manufacturer == ZERO_ADDRESS
    assert product.category == 0
    assert product.name == ""
    assert product.dosage_form == ""
    assert product.characteristics_cid == ""
    assert product.certificate_cid == ""


@pytest.mark.parametrize("category", [Category.DRUG, Category.DEVICE, Category.CONSUMABLE])
def test_register_product__each_category__stored(resources, active_manufacturer, category):
    tx = resources.register_product(
        GTIN, category, NAME, FORM, CHARACTERISTICS_CID, CERTIFICATE_CID, sender=active_manufacturer
    )

    logs = tx.decode_logs(resources.ProductRegistered)
    assert len(logs) == 1
    assert logs[0].category == category
    assert resources.product(GTIN).category == category


def test_register_product__empty_dosage_form__accepted(resources, active_manufacturer):
    resources.register_product(GTIN, Category.DEVICE, NAME, "", CHARACTERISTICS_CID, CERTIFICATE_CID, sender=active_manufacturer)

    product = resources.product(GTIN)
    assert product.manufacturer == active_manufacturer.address
    assert product.dosage_form == ""


def test_register_product__longest_texts__stored(resources, active_manufacturer):
    name, form, cid = "N" * 256, "F" * 192, "b" * 100

    resources.register_product(GTIN, Category.DRUG, name, form, cid, cid, sender=active_manufacturer)

    product = resources.product(GTIN)
    assert product.name == name
    assert product.dosage_form == form
    assert product.characteristics_cid == cid
    assert product.certificate_cid == cid


@pytest.mark.parametrize(
    "gtin", [GTIN_8, GTIN_12, GTIN_13, GTIN_14, MAX_GTIN], ids=["gtin8", "gtin12", "gtin13", "gtin14", "max"]
)
def test_register_product__padded_gtin__accepted(resources, regulator, active_manufacturer, gtin):
    # The library pads the same way: a GTIN-8/12/13 is the GTIN-14 number with leading zeros.
    assert gs1.gtin_to_int(str(gtin)) == gtin
    assign_company_prefix(resources, active_manufacturer, gtin, regulator, digits=6)

    tx = resources.register_product(
        gtin, Category.DRUG, NAME, FORM, CHARACTERISTICS_CID, CERTIFICATE_CID, sender=active_manufacturer
    )

    logs = tx.decode_logs(resources.ProductRegistered)
    assert len(logs) == 1
    assert logs[0].gtin == gtin
    assert resources.product(gtin).manufacturer == active_manufacturer.address


def test_register_product__multi_role_manufacturer__accepted(
    resources, regulator, create_organization, other_manufacturer
):
    create_organization(other_manufacturer, Role.MANUFACTURER | Role.DISTRIBUTOR)
    assign_company_prefix(resources, other_manufacturer, GTIN_13, regulator)

    resources.register_product(
        GTIN_13, Category.DRUG, NAME, FORM, CHARACTERISTICS_CID, CERTIFICATE_CID, sender=other_manufacturer
    )

    assert resources.product(GTIN_13).manufacturer == other_manufacturer.address


@pytest.mark.parametrize("caller", ["stranger", "active_distributor", "regulator", "applied"])
def test_register_product__not_a_manufacturer__reverts(request, resources, caller):
    account = request.getfixturevalue(caller)

    with ape.reverts("resources: caller is not an active manufacturer"):
        resources.register_product(GTIN, Category.DRUG, NAME, FORM, CHARACTERISTICS_CID, CERTIFICATE_CID, sender=account)

    assert resources.product(GTIN).manufacturer == ZERO_ADDRESS


def test_register_product__suspended_manufacturer__reverts(resources, active_manufacturer, suspend):
    suspend(active_manufacturer)

    with ape.reverts("resources: caller is not an active manufacturer"):
        resources.register_product(
            GTIN, Category.DRUG, NAME, FORM, CHARACTERISTICS_CID, CERTIFICATE_CID, sender=active_manufacturer
        )


def test_register_product__reinstated_manufacturer__accepted(resources, participants, regulator, active_manufacturer, suspend):
    suspend(active_manufacturer)
    participants.reinstate(active_manufacturer, sender=regulator)

    resources.register_product(
        GTIN, Category.DRUG, NAME, FORM, CHARACTERISTICS_CID, CERTIFICATE_CID, sender=active_manufacturer
    )

    assert resources.product(GTIN).manufacturer == active_manufacturer.address


def test_register_product__revoked_manufacturer__reverts(resources, participants, regulator, active_manufacturer):
    participants.revoke(active_manufacturer, REASON_CID, sender=regulator)

    with ape.reverts("resources: caller is not an active manufacturer"):
        resources.register_product(
            GTIN, Category.DRUG, NAME, FORM, CHARACTERISTICS_CID, CERTIFICATE_CID, sender=active_manufacturer
        )


@pytest.mark.parametrize(
    "gtin",
    [BAD_GTIN, 0, 10**14, 10**14 + GTIN, 2**256 - 1, GTIN_13 + 1],
    ids=["wrong_check_digit", "zero", "limit", "fifteen_digits_right_check_digit", "max_uint", "gtin13_off_by_one"],
)
def test_register_product__invalid_gtin__reverts(resources, active_manufacturer, gtin):
    with ape.reverts("resources: invalid GTIN"):
        resources.register_product(
            gtin, Category.DRUG, NAME, FORM, CHARACTERISTICS_CID, CERTIFICATE_CID, sender=active_manufacturer
        )


def test_register_product__already_registered__reverts(resources, create_product, active_manufacturer):
    create_product(gtin=GTIN)

    with ape.reverts("resources: product already registered"):
        resources.register_product(
            GTIN, Category.DEVICE, "Other", FORM, CHARACTERISTICS_CID, CERTIFICATE_CID, sender=active_manufacturer
        )


def test_register_product__registered_by_other_manufacturer__reverts(
    resources, regulator, create_product, active_manufacturer, active_other_manufacturer
):
    create_product(gtin=GTIN)
    # Even once the prefix is the other manufacturer's (the only regulator moves it), a product
    # registered under it stays its manufacturer's.
    resources.assign_prefix(COMPANY_PREFIX, COMPANY_PREFIX_DIGITS, active_other_manufacturer, sender=regulator)

    with ape.reverts("resources: product already registered"):
        resources.register_product(
            GTIN, Category.DRUG, NAME, FORM, CHARACTERISTICS_CID, CERTIFICATE_CID, sender=active_other_manufacturer
        )

    assert resources.product(GTIN).manufacturer == active_manufacturer.address


@pytest.mark.parametrize("category", [0, 4, 255])
def test_register_product__unknown_category__reverts(resources, active_manufacturer, category):
    with ape.reverts("resources: unknown category"):
        resources.register_product(
            GTIN, category, NAME, FORM, CHARACTERISTICS_CID, CERTIFICATE_CID, sender=active_manufacturer
        )


def test_register_product__empty_name__reverts(resources, active_manufacturer):
    with ape.reverts("resources: empty name"):
        resources.register_product(
            GTIN, Category.DRUG, "", FORM, CHARACTERISTICS_CID, CERTIFICATE_CID, sender=active_manufacturer
        )


@pytest.mark.parametrize(
    "characteristics_cid,certificate_cid",
    [("", CERTIFICATE_CID), (CHARACTERISTICS_CID, ""), ("", "")],
    ids=["characteristics", "certificate", "both"],
)
def test_register_product__empty_cid__reverts(resources, active_manufacturer, characteristics_cid, certificate_cid):
    with ape.reverts("resources: empty CID"):
        resources.register_product(
            GTIN, Category.DRUG, NAME, FORM, characteristics_cid, certificate_cid, sender=active_manufacturer
        )


# --- update_product --------------------------------------------------------------------------


def test_update_product(resources, create_product, active_manufacturer):
    create_product(gtin=GTIN, category=Category.DEVICE, name=NAME, form=FORM)

    tx = resources.update_product(GTIN, NEW_CHARACTERISTICS_CID, NEW_CERTIFICATE_CID, sender=active_manufacturer)

    logs = tx.decode_logs(resources.ProductUpdated)
    assert len(logs) == 1
    assert logs[0].gtin == GTIN
    assert logs[0].manufacturer == active_manufacturer.address
    assert logs[0].characteristics_cid == NEW_CHARACTERISTICS_CID
    assert logs[0].certificate_cid == NEW_CERTIFICATE_CID
    assert len(tx.decode_logs(resources.ProductRegistered)) == 0

    product = resources.product(GTIN)
    assert product.manufacturer == active_manufacturer.address
    assert product.category == Category.DEVICE
    assert product.name == NAME
    assert product.dosage_form == FORM
    assert product.characteristics_cid == NEW_CHARACTERISTICS_CID
    assert product.certificate_cid == NEW_CERTIFICATE_CID


def test_update_product__other_product__unchanged(resources, create_product, active_manufacturer):
    create_product(gtin=GTIN)
    create_product(gtin=OTHER_GTIN)

    resources.update_product(GTIN, NEW_CHARACTERISTICS_CID, NEW_CERTIFICATE_CID, sender=active_manufacturer)

    other = resources.product(OTHER_GTIN)
    assert other.characteristics_cid == CHARACTERISTICS_CID
    assert other.certificate_cid == CERTIFICATE_CID


def test_update_product__not_owner__reverts(resources, create_product, active_other_manufacturer):
    create_product(gtin=GTIN)

    with ape.reverts("resources: caller is not the product's manufacturer"):
        resources.update_product(GTIN, NEW_CHARACTERISTICS_CID, NEW_CERTIFICATE_CID, sender=active_other_manufacturer)

    assert resources.product(GTIN).characteristics_cid == CHARACTERISTICS_CID


@pytest.mark.parametrize("caller", ["stranger", "regulator"])
def test_update_product__not_a_manufacturer__reverts(request, resources, create_product, caller):
    create_product(gtin=GTIN)

    with ape.reverts("resources: caller is not an active manufacturer"):
        resources.update_product(
            GTIN, NEW_CHARACTERISTICS_CID, NEW_CERTIFICATE_CID, sender=request.getfixturevalue(caller)
        )


def test_update_product__unknown_product__reverts(resources, active_manufacturer):
    with ape.reverts("resources: unknown product"):
        resources.update_product(GTIN, NEW_CHARACTERISTICS_CID, NEW_CERTIFICATE_CID, sender=active_manufacturer)


def test_update_product__suspended_manufacturer__reverts(resources, create_product, active_manufacturer, suspend):
    create_product(gtin=GTIN)
    suspend(active_manufacturer)

    with ape.reverts("resources: caller is not an active manufacturer"):
        resources.update_product(GTIN, NEW_CHARACTERISTICS_CID, NEW_CERTIFICATE_CID, sender=active_manufacturer)


@pytest.mark.parametrize(
    "characteristics_cid,certificate_cid",
    [("", NEW_CERTIFICATE_CID), (NEW_CHARACTERISTICS_CID, ""), ("", "")],
    ids=["characteristics", "certificate", "both"],
)
def test_update_product__empty_cid__reverts(
    resources, create_product, active_manufacturer, characteristics_cid, certificate_cid
):
    create_product(gtin=GTIN)

    with ape.reverts("resources: empty CID"):
        resources.update_product(GTIN, characteristics_cid, certificate_cid, sender=active_manufacturer)


# --- commission_batch ------------------------------------------------------------------------


def test_commission_batch(chain, resources, create_product, active_manufacturer):
    create_product(gtin=GTIN)
    now = chain.pending_timestamp
    manufactured, expires = now - 30 * DAY, now + 730 * DAY

    tx = resources.commission_batch(
        GTIN, LOT, manufactured, expires, 1000, ROOT, DOCUMENTS_CID, PROOF_TREE_CID, sender=active_manufacturer
    )

    expected_id = python_batch_id(GTIN, LOT)
    assert resources.batch_id(GTIN, LOT) == expected_id
    logs = tx.decode_logs(resources.BatchCommissioned)
    assert len(logs) == 1
    assert logs[0].batch_id == expected_id
    assert logs[0].gtin == GTIN
    assert logs[0].manufacturer == active_manufacturer.address
    assert logs[0].lot == LOT
    assert logs[0].manufactured == manufactured
    assert logs[0].expires == expires
    assert logs[0].quantity == 1000
    assert logs[0].serials_root == ROOT
    assert logs[0].documents_cid == DOCUMENTS_CID
    assert logs[0].proof_tree_cid == PROOF_TREE_CID
    assert set(logs[0].event_arguments) == {"batch_id", "gtin", "manufacturer", "lot", "manufactured", "expires",
                                            "quantity", "serials_root", "documents_cid", "proof_tree_cid"}

    expected = dict(
        gtin=GTIN,
        manufacturer=active_manufacturer.address,
        manufactured=manufactured,
        expires=expires,
        quantity=1000,
        root=ROOT,
        cid=DOCUMENTS_CID,
        status=BatchStatus.ACTIVE,
        reason_code=0,
    )
    assert_batch(resources.batch(GTIN, LOT), **expected)
    assert_batch(resources.batch_by_id(expected_id), **expected)


def test_batch__unknown__is_empty(resources, create_batch):
    create_batch(lot=LOT, gtin=GTIN)

    empty = dict(
        gtin=0, manufacturer=ZERO_ADDRESS, manufactured=0, expires=0, quantity=0, root=ZERO_BYTES32, cid=None,
        status=BatchStatus.NONE, reason_code=0,
    )
    assert_batch(resources.batch(GTIN, "L002"), **empty)
    assert_batch(resources.batch(OTHER_GTIN, LOT), **empty)
    assert_batch(resources.batch_by_id(python_batch_id(GTIN, "L002")), **empty)
    assert_batch(resources.batch_by_id(ZERO_BYTES32), **empty)


def test_commission_batch__extreme_values__round_trip(chain, resources, create_product, active_manufacturer):
    # The packed fields at their maximum (the manufacture date is bounded by now), next to
    # each other: no field may bleed into another.
    create_product(gtin=MAX_GTIN)
    lot = "Z" * 20
    root = b"\xff" * 32
    manufactured = chain.pending_timestamp - DAY

    resources.commission_batch(
        MAX_GTIN, lot, manufactured, 2**40 - 1, 2**64 - 1, root, DOCUMENTS_CID, PROOF_TREE_CID, sender=active_manufacturer
    )

    assert_batch(
        resources.batch(MAX_GTIN, lot),
        gtin=MAX_GTIN,
        manufacturer=active_manufacturer.address,
        manufactured=manufactured,
        expires=2**40 - 1,
        quantity=2**64 - 1,
        root=root,
        cid=DOCUMENTS_CID,
        status=BatchStatus.ACTIVE,
        reason_code=0,
    )


def test_commission_batch__smallest_values__round_trip(resources, create_product, active_manufacturer):
    create_product(gtin=GTIN_8)

    resources.commission_batch(GTIN_8, "1", 0, 1, 1, b"\x00" * 31 + b"\x01", "c", "t", sender=active_manufacturer)

    assert_batch(
        resources.batch(GTIN_8, "1"),
        gtin=GTIN_8,
        manufacturer=active_manufacturer.address,
        manufactured=0,
        expires=1,
        quantity=1,
        root=b"\x00" * 31 + b"\x01",
        cid="c",
        status=BatchStatus.ACTIVE,
        reason_code=0,
    )


def test_commission_batch__manufactured_now__accepted(chain, resources, create_product, active_manufacturer):
    create_product(gtin=GTIN)
    timestamp = chain.pending_timestamp + 100
    chain.pending_timestamp = timestamp

    tx = resources.commission_batch(
        GTIN, LOT, timestamp, timestamp + DAY, 10, ROOT, DOCUMENTS_CID, PROOF_TREE_CID, sender=active_manufacturer
    )

    assert tx.timestamp == timestamp
    assert resources.batch(GTIN, LOT).manufactured == timestamp


def test_commission_batch__same_lot_other_gtin__accepted(resources, create_batch, active_manufacturer, commission):
    create_batch(lot=LOT, gtin=GTIN)
    resources.register_product(
        OTHER_GTIN, Category.DRUG, NAME, FORM, CHARACTERISTICS_CID, CERTIFICATE_CID, sender=active_manufacturer
    )

    tx, _, _ = commission(lot=LOT, gtin=OTHER_GTIN, quantity=7)

    logs = tx.decode_logs(resources.BatchCommissioned)
    assert len(logs) == 1
    assert logs[0].batch_id == python_batch_id(OTHER_GTIN, LOT)
    assert logs[0].batch_id != python_batch_id(GTIN, LOT)
    assert resources.batch(OTHER_GTIN, LOT).quantity == 7
    assert resources.batch(GTIN, LOT).quantity == 1000


def test_commission_batch__several_lots__independent(resources, create_batch):
    create_batch(lot="A", quantity=1)
    create_batch(lot="B", quantity=2)

    assert resources.batch(GTIN, "A").quantity == 1
    assert resources.batch(GTIN, "B").quantity == 2


@pytest.mark.parametrize("caller", ["stranger", "regulator", "active_distributor"])
def test_commission_batch__not_a_manufacturer__reverts(request, resources, create_product, commission, caller):
    create_product(gtin=GTIN)

    with ape.reverts("resources: caller is not an active manufacturer"):
        commission(sender=request.getfixturevalue(caller))


def test_commission_batch__suspended_manufacturer__reverts(resources, create_product, active_manufacturer, suspend, commission):
    create_product(gtin=GTIN)
    suspend(active_manufacturer)

    with ape.reverts("resources: caller is not an active manufacturer"):
        commission()


def test_commission_batch__other_manufacturers_product__reverts(
    resources, create_product, active_other_manufacturer, commission
):
    create_product(gtin=GTIN)

    with ape.reverts("resources: caller is not the product's manufacturer"):
        commission(sender=active_other_manufacturer)


def test_commission_batch__unknown_product__reverts(resources, commission):
    with ape.reverts("resources: unknown product"):
        commission(gtin=GTIN)


def test_commission_batch__empty_lot__reverts(resources, create_product, commission):
    create_product(gtin=GTIN)

    with ape.reverts("resources: empty lot"):
        commission(lot="")


def test_commission_batch__duplicate_lot__reverts(resources, create_batch, commission):
    create_batch(lot=LOT, quantity=1000)

    with ape.reverts("resources: batch already commissioned"):
        commission(lot=LOT, quantity=5)

    assert resources.batch(GTIN, LOT).quantity == 1000


def test_commission_batch__duplicate_lot_after_recall__reverts(resources, create_batch, active_manufacturer, commission):
    create_batch(lot=LOT)
    resources.recall_batch(GTIN, LOT, QUALITY_DEFECT, REASON_CID, sender=active_manufacturer)

    with ape.reverts("resources: batch already commissioned"):
        commission(lot=LOT)

    assert resources.batch(GTIN, LOT).status == BatchStatus.RECALLED


def test_commission_batch__manufactured_in_future__reverts(chain, resources, create_product, active_manufacturer):
    create_product(gtin=GTIN)
    future = chain.pending_timestamp + DAY

    with ape.reverts("resources: manufactured in the future"):
        resources.commission_batch(
            GTIN, LOT, future, future + 365 * DAY, 1000, ROOT, DOCUMENTS_CID, PROOF_TREE_CID, sender=active_manufacturer
        )


@pytest.mark.parametrize("expires_after", [0, -1], ids=["equal", "before"])
def test_commission_batch__expires_not_after_manufacture__reverts(
    chain, resources, create_product, active_manufacturer, expires_after
):
    create_product(gtin=GTIN)
    manufactured = chain.pending_timestamp - DAY

    with ape.reverts("resources: expires before manufacture"):
        resources.commission_batch(
            GTIN, LOT, manufactured, manufactured + expires_after, 1000, ROOT, DOCUMENTS_CID, PROOF_TREE_CID,
            sender=active_manufacturer
        )


@pytest.mark.parametrize("expires", [2**40, 2**41, 2**256 - 1])
def test_commission_batch__expires_out_of_range__reverts(chain, resources, create_product, active_manufacturer, expires):
    create_product(gtin=GTIN)

    with ape.reverts("resources: date out of range"):
        resources.commission_batch(
            GTIN, LOT, chain.pending_timestamp - DAY, expires, 1000, ROOT, DOCUMENTS_CID, PROOF_TREE_CID,
            sender=active_manufacturer
        )


def test_commission_batch__zero_quantity__reverts(resources, create_product, commission):
    create_product(gtin=GTIN)

    with ape.reverts("resources: zero quantity"):
        commission(quantity=0)


@pytest.mark.parametrize("quantity", [2**64, 2**256 - 1])
def test_commission_batch__quantity_out_of_range__reverts(resources, create_product, commission, quantity):
    create_product(gtin=GTIN)

    with ape.reverts("resources: quantity out of range"):
        commission(quantity=quantity)


def test_commission_batch__empty_serials_root__reverts(resources, create_product, commission):
    create_product(gtin=GTIN)

    with ape.reverts("resources: empty serials root"):
        commission(root=ZERO_BYTES32)


def test_commission_batch__empty_cid__reverts(resources, create_product, commission):
    create_product(gtin=GTIN)

    with ape.reverts("resources: empty CID"):
        commission(cid="")


def test_commission_batch__empty_proof_tree_cid__reverts(resources, create_product, commission):
    create_product(gtin=GTIN)

    with ape.reverts("resources: empty proof tree CID"):
        commission(tree_cid="")

    assert resources.batch(GTIN, LOT).status == BatchStatus.NONE


def test_commission_batch__longest_cids__in_the_event(resources, create_product, commission):
    create_product(gtin=GTIN)
    longest = "b" + "a" * 99  # MAX_CID_LENGTH

    tx, _, _ = commission(cid=longest, tree_cid=longest[::-1])

    [log] = tx.decode_logs(resources.BatchCommissioned)
    assert (log.documents_cid, log.proof_tree_cid) == (longest, longest[::-1])


# --- recall_batch and withdraw_batch ---------------------------------------------------------


def _assert_retired(resources, tx, before, *, by, status, reason_code, lot=LOT, gtin=GTIN, reason_cid=REASON_CID):
    logs = tx.decode_logs(resources.BatchRetired)
    assert len(logs) == 1
    assert logs[0].batch_id == python_batch_id(gtin, lot)
    assert logs[0].gtin == gtin
    assert logs[0].by == by.address
    assert logs[0].lot == lot
    assert logs[0].status == status
    assert logs[0].reason_code == reason_code
    assert logs[0].reason_cid == reason_cid

    for after in (resources.batch(gtin, lot), resources.batch_by_id(python_batch_id(gtin, lot))):
        assert after.status == status
        assert after.reason_code == reason_code
        assert_same_batch_except_status(after, before)


@pytest.mark.parametrize("method,status", RETIREMENTS)
def test_retire_batch__by_manufacturer(resources, create_batch, active_manufacturer, method, status):
    create_batch(lot=LOT)
    before = resources.batch(GTIN, LOT)
    assert before.status == BatchStatus.ACTIVE

    tx = getattr(resources, method)(GTIN, LOT, QUALITY_DEFECT, REASON_CID, sender=active_manufacturer)

    _assert_retired(resources, tx, before, by=active_manufacturer, status=status, reason_code=QUALITY_DEFECT)
    assert before.manufacturer == active_manufacturer.address


@pytest.mark.parametrize("method,status", RETIREMENTS)
def test_retire_batch__by_suspended_manufacturer(resources, create_batch, active_manufacturer, suspend, method, status):
    create_batch(lot=LOT)
    suspend(active_manufacturer)
    before = resources.batch(GTIN, LOT)

    tx = getattr(resources, method)(GTIN, LOT, FALSIFIED, REASON_CID, sender=active_manufacturer)

    _assert_retired(resources, tx, before, by=active_manufacturer, status=status, reason_code=FALSIFIED)


@pytest.mark.parametrize("regulator_name", ["regulator", "active_second_regulator"])
@pytest.mark.parametrize("method,status", RETIREMENTS)
def test_retire_batch__by_active_regulator(request, resources, create_batch, method, status, regulator_name):
    create_batch(lot=LOT)
    by = request.getfixturevalue(regulator_name)
    before = resources.batch(GTIN, LOT)

    tx = getattr(resources, method)(GTIN, LOT, 3, REASON_CID, sender=by)

    _assert_retired(resources, tx, before, by=by, status=status, reason_code=3)


@pytest.mark.parametrize("method,status", RETIREMENTS)
def test_retire_batch__largest_reason_code__stored(resources, create_batch, active_manufacturer, method, status):
    create_batch(lot=LOT)
    before = resources.batch(GTIN, LOT)

    tx = getattr(resources, method)(GTIN, LOT, 255, REASON_CID, sender=active_manufacturer)

    _assert_retired(resources, tx, before, by=active_manufacturer, status=status, reason_code=255)


@pytest.mark.parametrize("method,status", RETIREMENTS)
def test_retire_batch__other_batches__unchanged(resources, create_batch, active_manufacturer, method, status):
    create_batch(lot=LOT)
    create_batch(lot="L002")
    create_batch(lot=LOT, gtin=OTHER_GTIN)

    getattr(resources, method)(GTIN, LOT, QUALITY_DEFECT, REASON_CID, sender=active_manufacturer)

    assert resources.batch(GTIN, LOT).status == status
    for gtin, lot in ((GTIN, "L002"), (OTHER_GTIN, LOT)):
        other = resources.batch(gtin, lot)
        assert other.status == BatchStatus.ACTIVE
        assert other.reason_code == 0


@pytest.mark.parametrize("caller", ["stranger", "active_other_manufacturer", "active_distributor", "applied"])
@pytest.mark.parametrize("method,status", RETIREMENTS)
def test_retire_batch__not_manufacturer_nor_regulator__reverts(request, resources, create_batch, method, status, caller):
    create_batch(lot=LOT)

    with ape.reverts("resources: caller is neither the manufacturer nor a regulator"):
        getattr(resources, method)(GTIN, LOT, QUALITY_DEFECT, REASON_CID, sender=request.getfixturevalue(caller))

    assert resources.batch(GTIN, LOT).status == BatchStatus.ACTIVE


@pytest.mark.parametrize("method,status", RETIREMENTS)
def test_retire_batch__suspended_regulator__reverts(resources, create_batch, active_second_regulator, suspend, method, status):
    create_batch(lot=LOT)
    suspend(active_second_regulator)

    with ape.reverts("resources: caller is neither the manufacturer nor a regulator"):
        getattr(resources, method)(GTIN, LOT, QUALITY_DEFECT, REASON_CID, sender=active_second_regulator)

    assert resources.batch(GTIN, LOT).status == BatchStatus.ACTIVE


@pytest.mark.parametrize("method,status", RETIREMENTS)
def test_retire_batch__unknown_batch__reverts(resources, create_batch, active_manufacturer, regulator, method, status):
    create_batch(lot=LOT)

    with ape.reverts("resources: unknown batch"):
        getattr(resources, method)(GTIN, "L002", QUALITY_DEFECT, REASON_CID, sender=active_manufacturer)
    with ape.reverts("resources: unknown batch"):
        getattr(resources, method)(OTHER_GTIN, LOT, QUALITY_DEFECT, REASON_CID, sender=regulator)


@pytest.mark.parametrize("first", ["recall_batch", "withdraw_batch"])
@pytest.mark.parametrize("second", ["recall_batch", "withdraw_batch"])
def test_retire_batch__already_retired__reverts(resources, create_batch, active_manufacturer, regulator, first, second):
    create_batch(lot=LOT)
    getattr(resources, first)(GTIN, LOT, QUALITY_DEFECT, REASON_CID, sender=active_manufacturer)
    before = resources.batch(GTIN, LOT)

    with ape.reverts("resources: batch not active"):
        getattr(resources, second)(GTIN, LOT, FALSIFIED, REASON_CID, sender=regulator)

    after = resources.batch(GTIN, LOT)
    assert after.status == before.status
    assert after.reason_code == QUALITY_DEFECT


@pytest.mark.parametrize("method,status", RETIREMENTS)
def test_retire_batch__zero_reason_code__reverts(resources, create_batch, active_manufacturer, method, status):
    create_batch(lot=LOT)

    with ape.reverts("resources: no reason code"):
        getattr(resources, method)(GTIN, LOT, 0, REASON_CID, sender=active_manufacturer)


@pytest.mark.parametrize("method,status", RETIREMENTS)
def test_retire_batch__empty_cid__reverts(resources, create_batch, regulator, method, status):
    create_batch(lot=LOT)

    with ape.reverts("resources: empty CID"):
        getattr(resources, method)(GTIN, LOT, QUALITY_DEFECT, "", sender=regulator)


@pytest.mark.parametrize("by", ["active_manufacturer", "regulator", "suspended_manufacturer"])
@pytest.mark.parametrize("method,status", RETIREMENTS)
def test_retire_batch__custody_set__custody_ledger_told(
    request, resources, custody, create_custody_batch, method, status, by
):
    batch_id, _, _ = create_custody_batch(lot=LOT)
    caller = request.getfixturevalue(by)
    before = resources.batch(GTIN, LOT)
    ledger = custody.ledger(batch_id)
    assert ledger.status == BatchStatus.ACTIVE

    tx = getattr(resources, method)(GTIN, LOT, QUALITY_DEFECT, REASON_CID, sender=caller)

    _assert_retired(resources, tx, before, by=caller, status=status, reason_code=QUALITY_DEFECT)
    after = custody.ledger(batch_id)
    assert after.status == status
    assert (after.commissioned, after.inTransit, after.expires) == (ledger.commissioned, ledger.inTransit, ledger.expires)


@pytest.mark.parametrize("method,status", RETIREMENTS)
def test_retire_batch__custody_set__other_batches_untouched_in_custody(
    resources, custody, create_custody_batch, active_manufacturer, method, status
):
    retired, _, _ = create_custody_batch(lot=LOT)
    other, _, _ = create_custody_batch(lot="L002")

    getattr(resources, method)(GTIN, LOT, QUALITY_DEFECT, REASON_CID, sender=active_manufacturer)

    assert custody.ledger(retired).status == status
    assert custody.ledger(other).status == BatchStatus.ACTIVE


@pytest.mark.parametrize("method,status", RETIREMENTS)
def test_retire_batch__custody_set_batch_not_in_custody__accepted(
    resources, custody, create_batch, active_manufacturer, method, status
):
    create_batch(lot=LOT)
    before = resources.batch(GTIN, LOT)

    tx = getattr(resources, method)(GTIN, LOT, QUALITY_DEFECT, REASON_CID, sender=active_manufacturer)

    _assert_retired(resources, tx, before, by=active_manufacturer, status=status, reason_code=QUALITY_DEFECT)
    ledger = custody.ledger(python_batch_id(GTIN, LOT))
    assert (ledger.commissioned, ledger.inTransit, ledger.expires, ledger.status) == (0, 0, 0, 0)


@pytest.mark.parametrize("method,status", RETIREMENTS)
def test_retire_batch__no_custody_set__accepted(
    resources, custody_ledger, create_batch, active_manufacturer, method, status
):
    # A ledger exists but Resources names none: the recall calls no one (a call to the zero
    # address would revert) and stands.
    create_batch(lot=LOT)
    before = resources.batch(GTIN, LOT)
    assert resources.custody() == ZERO_ADDRESS

    tx = getattr(resources, method)(GTIN, LOT, QUALITY_DEFECT, REASON_CID, sender=active_manufacturer)

    _assert_retired(resources, tx, before, by=active_manufacturer, status=status, reason_code=QUALITY_DEFECT)
    assert custody_ledger.ledger(python_batch_id(GTIN, LOT)).status == 0


# --- set_custody -----------------------------------------------------------------------------


def test_custody__none_at_deployment(resources):
    assert resources.custody() == ZERO_ADDRESS


@pytest.mark.parametrize("by", ["regulator", "active_second_regulator", "regulator_and_manufacturer"])
def test_set_custody(request, resources, custody_ledger, by):
    caller = request.getfixturevalue(by)

    tx = resources.set_custody(custody_ledger, sender=caller)

    logs = tx.decode_logs(resources.CustodySet)
    assert len(logs) == 1
    assert logs[0].custody == custody_ledger.address
    assert logs[0].regulator == caller.address
    assert resources.custody() == custody_ledger.address


def test_set_custody__ledger_then_takes_batches(resources, regulator, custody_ledger, create_batch, active_manufacturer):
    create_batch(lot=LOT)
    resources.set_custody(custody_ledger, sender=regulator)

    custody_ledger.commission(GTIN, LOT, sender=active_manufacturer)

    assert custody_ledger.balanceOf(python_batch_id(GTIN, LOT), active_manufacturer) == 1000


@pytest.mark.parametrize(
    "caller",
    [
        "stranger",
        "deployer",
        "applied",
        "active_manufacturer",
        "active_distributor",
        "suspended_regulator",
        "revoked_regulator",
        "demoted_regulator",
    ],
)
def test_set_custody__not_a_regulator__reverts(request, resources, custody_ledger, caller):
    account = request.getfixturevalue(caller)

    with ape.reverts("resources: caller is not a regulator"):
        resources.set_custody(custody_ledger, sender=account)

    assert resources.custody() == ZERO_ADDRESS


def test_set_custody__not_a_regulator__checked_first(resources, stranger):
    with ape.reverts("resources: caller is not a regulator"):
        resources.set_custody(ZERO_ADDRESS, sender=stranger)


@pytest.mark.parametrize("second_by", ["regulator", "active_second_regulator"])
@pytest.mark.parametrize("again", ["same", "other"])
def test_set_custody__already_set__reverts(
    request, project, deployer, participants, resources, regulator, custody_ledger, second_by, again
):
    resources.set_custody(custody_ledger, sender=regulator)
    target = custody_ledger if again == "same" else project.Custody.deploy(participants, resources, sender=deployer)

    with ape.reverts("resources: custody already set"):
        resources.set_custody(target, sender=request.getfixturevalue(second_by))

    assert resources.custody() == custody_ledger.address


@pytest.mark.parametrize("target", ["stranger", "regulator", "zero"])
def test_set_custody__not_a_contract__reverts(request, resources, regulator, target):
    address = ZERO_ADDRESS if target == "zero" else request.getfixturevalue(target).address

    with ape.reverts("resources: custody is not a contract"):
        resources.set_custody(address, sender=regulator)

    assert resources.custody() == ZERO_ADDRESS


@pytest.mark.parametrize("target", ["custody_of_another_registry", "token"])
def test_set_custody__not_built_on_this_registry__reverts(project, deployer, participants, resources, regulator, target):
    # A ledger that is not this registry's would refuse `onBatchRetired` (or lack it): every
    # recall would then revert, with no way to name another ledger.
    if target == "token":
        address = project.PaymentToken.deploy(deployer, sender=deployer).address
        with ape.reverts():
            resources.set_custody(address, sender=regulator)
    else:
        other_registry = project.Resources.deploy(participants, sender=deployer)
        address = project.Custody.deploy(participants, other_registry, sender=deployer).address
        with ape.reverts("resources: custody is for another registry"):
            resources.set_custody(address, sender=regulator)

    assert resources.custody() == ZERO_ADDRESS


# --- is_valid_gtin ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "gtin",
    [GTIN, OTHER_GTIN, GTIN_8, GTIN_12, GTIN_13, GTIN_14, MAX_GTIN, 17, 10000000000007, 90000000000003],
)
def test_is_valid_gtin__valid(pure_resources, gtin):
    assert gs1.is_valid_gtin(gtin)
    assert pure_resources.is_valid_gtin(gtin) is True


@pytest.mark.parametrize(
    "gtin",
    [0, 1, 10, 18, BAD_GTIN, GTIN + 1, GTIN - 1, GTIN_8 + 1, MAX_GTIN - 1, 10**14 - 1, 10**14, 10**14 + GTIN, 2**256 - 1],
)
def test_is_valid_gtin__invalid(pure_resources, gtin):
    assert pure_resources.is_valid_gtin(gtin) is False


@given(gtin=st.integers(0, 10**15))
@settings(max_examples=examples(200), deadline=None)
def test_is_valid_gtin__matches_library(pure_resources, gtin):
    assert pure_resources.is_valid_gtin(gtin) is gs1.is_valid_gtin(gtin)


@given(body=st.integers(1, 10**13 - 1))
@settings(max_examples=examples(100), deadline=None)
def test_is_valid_gtin__library_completed__valid(pure_resources, body):
    # Valid GTINs are sparse among random integers: build them with the library's check digit.
    gtin = int(gs1.complete_gtin(str(body)))

    assert pure_resources.is_valid_gtin(gtin) is True
    assert pure_resources.is_valid_gtin(gtin - gtin % 10 + (gtin + 1) % 10) is False


# --- batch_id --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "gtin,lot",
    [(GTIN, LOT), (GTIN, ""), (0, ""), (OTHER_GTIN, LOT), (MAX_GTIN, "Z" * 20), (GTIN, "Серия-1"), (2**256 - 1, "x")],
)
def test_batch_id(pure_resources, gtin, lot):
    assert pure_resources.batch_id(gtin, lot) == python_batch_id(gtin, lot)


def test_batch_id__distinct_keys__distinct_ids(pure_resources):
    ids = {
        pure_resources.batch_id(GTIN, LOT),
        pure_resources.batch_id(OTHER_GTIN, LOT),
        pure_resources.batch_id(GTIN, "L002"),
        pure_resources.batch_id(GTIN, LOT + " "),
    }

    assert len(ids) == 4


def test_commission_batch__gas__within_the_target_with_the_proof_tree_cid(resources, create_product, commission):
    # bench/run.py's gas_commission_batch_1000000 target: at most 150,000 gas, CIDs of real length.
    create_product(gtin=GTIN)

    tx, _, _ = commission(cid=DOCUMENTS_CID, tree_cid=PROOF_TREE_CID)

    assert len(PROOF_TREE_CID) == 59
    assert tx.gas_used <= 150_000, tx.gas_used
