"""Shared fixtures: role-named accounts and factories of deployed, ready-to-use contracts."""

import os
from pathlib import Path

import pytest

from dapp.roles import Role


def pytest_configure(config):
    """Each pytest-xdist worker keeps its data (deployment records, proofs, sealed bids) in a
    folder of its own: two in-process chains share chain id and genesis hash.

    The tests read the platform's sentences in English whatever the machine's LANG: `LANGUAGE`
    comes first for dapp.i18n, here and in the processes the tests start (a test that wants
    Russian says so: `use_language("ru")`, or LANGUAGE=ru in a subprocess's environment)."""
    os.environ["LANGUAGE"] = "en"
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker and os.environ.get("MEDCHAIN_DATA"):
        folder = Path(os.environ["MEDCHAIN_DATA"]) / f"worker-{worker}"
        folder.mkdir(parents=True, exist_ok=True)
        os.environ["MEDCHAIN_DATA"] = str(folder)


# The longest files (each over a minute of one core: anvils and `ape run` processes, stateful
# property tests) go first, so that the two pytest-xdist workers finish together instead of
# one waiting for the other's last long file.
LONG_FIRST = ("tests/scripts/", "tests/records/test_indexer.py", "_invariants.py", "tests/demo/",
              "tests/contracts/test_custody.py", "tests/contracts/test_resources.py")


def pytest_collection_modifyitems(config, items):
    def weight(item) -> int:
        path = item.nodeid.split("::")[0]
        return next((rank for rank, part in enumerate(LONG_FIRST) if part in path), len(LONG_FIRST))

    items.sort(key=weight)  # stable: a file's tests stay together and in order


# Fixtures used across subjects: databases (SQLite and PostgreSQL) and a throwaway anvil.
pytest_plugins = ["tests.fixtures.databases", "tests.fixtures.anvil", "tests.fixtures.demo_chain", "tests.fixtures.browser"]

# Realistic CIDv1 strings (raw leaves, sha2-256), as the document store produces them.
REGULATOR_CID = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"
ORGANIZATION_CID = "bafkreie7q3iidccmpvszul7kudcvvuavuo7u6gzlbobczuk5nqk3b4akba"
CHARACTERISTICS_CID = "bafkreiduhx7qy7j5ljbd7vf2rz5ibqbm5o3j3rdz4jpm2yzhnlv5nfekzy"
CERTIFICATE_CID = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"
DOCUMENTS_CID = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"
REASON_CID = "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4"
WAYBILL_CID = "bafkreihaeqrsmdlqwavhcbuqzqmbyrqs7gclgm2myqhhtxjp6ycuikuzji"

# Valid GTIN-14s (GS1 check digit right) and one with a wrong check digit.
GTIN = 4601234567893
OTHER_GTIN = 4601234567800
BAD_GTIN = 4601234567890

DAY = 24 * 60 * 60

# The GS1 company prefix of GTIN and OTHER_GTIN (7 digits of their GTIN-13), assigned to the
# active manufacturer by the `resources` fixture: only the holder of a GTIN's prefix registers it.
COMPANY_PREFIX = 4601234
COMPANY_PREFIX_DIGITS = 7


def company_prefix_of(gtin, digits=COMPANY_PREFIX_DIGITS):
    """The first `digits` digits of the GTIN-13 inside a GTIN-14 (after the indicator digit)."""
    return (int(gtin) % 10**13) // 10 ** (13 - digits)


def assign_company_prefix(resources, manufacturer, gtin, regulator=None, digits=COMPANY_PREFIX_DIGITS):
    """Have the regulator (the session's first, accounts[1], unless given) assign `gtin`'s company
    prefix to `manufacturer` before it registers the product; nothing when it holds it already."""
    prefix = company_prefix_of(gtin, digits)
    if resources.prefix_owner(prefix, digits) != getattr(manufacturer, "address", manufacturer):
        if regulator is None:
            from ape import accounts

            regulator = accounts.test_accounts[1]
        resources.assign_prefix(prefix, digits, manufacturer, sender=regulator)


@pytest.fixture(scope="session")
def deployer(accounts):
    return accounts[0]


@pytest.fixture(scope="session")
def regulator(accounts):
    return accounts[1]


@pytest.fixture(scope="session")
def manufacturer(accounts):
    return accounts[2]


@pytest.fixture(scope="session")
def other_manufacturer(accounts):
    return accounts[3]


@pytest.fixture(scope="session")
def distributor(accounts):
    return accounts[4]


@pytest.fixture(scope="session")
def hospital(accounts):
    return accounts[5]


@pytest.fixture(scope="session")
def pharmacy(accounts):
    return accounts[6]


@pytest.fixture(scope="session")
def supplier(accounts):
    return accounts[7]


@pytest.fixture(scope="session")
def second_regulator(accounts):
    return accounts[8]


@pytest.fixture(scope="session")
def third_regulator(accounts):
    """A third regulator, for the quorum tests (the tender tests' third supplier: never both)."""
    return accounts[11]


@pytest.fixture(scope="session")
def applicant(accounts):
    """An organization that has applied and is waiting for a regulator."""
    return accounts[9]


@pytest.fixture(scope="session")
def stranger(accounts):
    """An account that never applied."""
    return accounts[10]


@pytest.fixture(scope="session")
def deployed_registries(project, deployer, regulator):
    """Participants, Resources and the payment token, deployed once per session: Ape snapshots the
    chain after a session fixture and reverts to that point at the end of every test, so each test
    starts from these fresh deployments without paying for them. Custody stays per test: naming
    it in Resources changes Resources. (The fixtures below keep their names function-scoped: Ape
    orders a fixture's snapshots by every scope its name has anywhere in the session.)"""
    participants = project.Participants.deploy(regulator, REGULATOR_CID, sender=deployer)
    resources = project.Resources.deploy(participants, sender=deployer)
    token = project.PaymentToken.deploy(deployer, sender=deployer)
    return participants, resources, token


@pytest.fixture
def participants(deployed_registries):
    return deployed_registries[0]


@pytest.fixture
def create_organization(participants, regulator):
    """Apply with `account` and have the regulator approve it with `roles`."""

    def create_organization(account, roles, cid=ORGANIZATION_CID):
        participants.apply(cid, sender=account)
        participants.approve(account, int(roles), sender=regulator)
        return account

    return create_organization


def govern(method, *args, by):
    """Call the governed `method(*args)` from each regulator of `by` in turn (a quorum of them:
    the last call carries it out); returns the receipts."""
    return [method(*args, sender=account) for account in by]


@pytest.fixture
def create_regulators(participants, regulator):
    """Approve each account as a regulator in turn, a quorum of the regulators active at that
    moment (the first one, then the ones approved before) confirming each approval."""

    def create_regulators(*accounts):
        active = [regulator]
        for account in accounts:
            participants.apply(REGULATOR_CID, sender=account)
            govern(participants.approve, account, int(Role.REGULATOR), by=active[: len(active) // 2 + 1])
            active.append(account)
        return accounts

    return create_regulators


@pytest.fixture
def active_manufacturer(create_organization, manufacturer):
    return create_organization(manufacturer, Role.MANUFACTURER)


@pytest.fixture
def resources(deployed_registries, active_manufacturer, regulator):
    """Resources, with the company prefix of GTIN and OTHER_GTIN assigned to the active manufacturer."""
    resources = deployed_registries[1]
    resources.assign_prefix(COMPANY_PREFIX, COMPANY_PREFIX_DIGITS, active_manufacturer, sender=regulator)
    return resources


@pytest.fixture
def create_product(resources, active_manufacturer, regulator):
    """Register a drug under `gtin` by `sender` (the active manufacturer by default), the regulator
    assigning it the GTIN's company prefix first when it does not hold it."""

    def create_product(gtin=GTIN, sender=None, category=1, name="Метформин (Metformin)", form="tablets 500 mg"):
        sender = sender or active_manufacturer
        assign_company_prefix(resources, sender, gtin, regulator)
        return resources.register_product(gtin, category, name, form, CHARACTERISTICS_CID, CERTIFICATE_CID, sender=sender)

    return create_product


@pytest.fixture
def create_batch(chain, resources, create_product, active_manufacturer):
    """Commission a batch `lot` of the product `gtin` (registered first when needed)."""

    def create_batch(lot="L001", gtin=GTIN, quantity=1000, root=b"\x11" * 32, sender=None, expires_in=365 * DAY):
        if resources.product(gtin).manufacturer == "0x0000000000000000000000000000000000000000":
            create_product(gtin=gtin, sender=sender)
        now = chain.pending_timestamp
        return resources.commission_batch(
            gtin, lot, now - 30 * DAY, now + expires_in, quantity, root, DOCUMENTS_CID, DOCUMENTS_CID,
            sender=sender or active_manufacturer,
        )

    return create_batch


@pytest.fixture
def token(deployed_registries):
    return deployed_registries[2]


@pytest.fixture
def merkle_harness(project, deployer):
    return project.MerkleProofHarness.deploy(sender=deployer)


# --- Custody ---------------------------------------------------------------------------------


def batch_id_of(gtin, lot):
    """The batch id, as Resources.batch_id and Custody compute it: keccak256(abi.encode(gtin, lot))."""
    from eth_abi import encode
    from eth_utils import keccak

    return keccak(encode(["uint256", "string"], [gtin, lot]))


def serials_for(lot, count):
    """`count` distinct serial numbers for the lot (GS1 character set 82, at most 20 characters)."""
    return [f"{lot}-{i:06d}" for i in range(count)]


@pytest.fixture
def custody(project, deployer, regulator, participants, resources):
    """Custody, named by the (first) regulator as the ledger `Resources` reports recalls to:
    without that no batch may enter it."""
    custody = project.Custody.deploy(participants, resources, sender=deployer)
    resources.set_custody(custody, sender=regulator)
    return custody


@pytest.fixture
def create_custody_batch(custody, create_batch, active_manufacturer):
    """Commission the batch `lot` (of `quantity` units with a real serial tree) in Resources,
    then in Custody; returns (batch_id, tree, serials)."""
    from dapp.verification.merkle import SerialTree

    def create_custody_batch(lot="L001", gtin=GTIN, quantity=8, expires_in=365 * DAY, sender=None, serials=None):
        serials = list(serials) if serials is not None else serials_for(lot, quantity)
        tree = SerialTree.of(gtin, serials)
        create_batch(lot=lot, gtin=gtin, quantity=len(serials), root=tree.root, sender=sender, expires_in=expires_in)
        custody.commission(gtin, lot, sender=sender or active_manufacturer)
        return batch_id_of(gtin, lot), tree, serials

    return create_custody_batch


@pytest.fixture
def create_shipment(custody, active_manufacturer):
    """Ship `quantity` units of `batch_id` from `sender` (the manufacturer by default) to `to`;
    returns (shipment_id, record), the record being the terms `receiveShipment` and `reject`
    take back, built from the `Shipped` log as the dapp builds it."""
    from dapp.actions.custody import shipment_record

    def create_shipment(batch_id, to, quantity=3, sender=None, tender_id=0, cid=WAYBILL_CID, tenders=None):
        if tender_id:
            tx = custody.shipForTender(batch_id, to, quantity, tenders, tender_id, cid, sender=sender or active_manufacturer)
        else:
            tx = custody.ship(batch_id, to, quantity, cid, sender=sender or active_manufacturer)
        shipped = tx.decode_logs(custody.Shipped)
        assert len(shipped) == 1
        return shipped[0].shipmentId, shipment_record(shipped[0])

    return create_shipment
