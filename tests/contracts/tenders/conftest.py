"""Fixtures of the Tenders tests: a hospital and three suppliers, funded and having approved the
tender contract, and an outsider; registered products; tenders in each state of their life;
goods delivered through Custody.

The world every test starts from (the registries, Custody, the token and Tenders deployed, the
organizations approved, two products registered, everyone funded, the first supplier holding a
batch: about 30 transactions) is built once for the package by `tender_world`: Ape snapshots
the chain before a package-scoped fixture and reverts to after it at the end of each test, so
each test pays only for its own tender. The fixtures that hand out its parts keep the names
(and return values) of tests/conftest.py's and stay function-scoped: Ape places a fixture in
the isolation order by every scope any fixture of that name has anywhere in the session, so a
name may be wider-scoped only if no other fixture has it (hence `tender_world`, and the
`module_*_tender` fixtures of the modules that share one tender)."""

from dataclasses import dataclass
from itertools import count

import pytest
from eth_utils import keccak

from dapp.actions.custody import shipment_record
from dapp.roles import Role
from dapp.tenders.typed_data import new_salt
from tests.conftest import (
    CERTIFICATE_CID,
    CHARACTERISTICS_CID,
    DAY,
    DOCUMENTS_CID,
    GTIN,
    ORGANIZATION_CID,
    OTHER_GTIN,
    REGULATOR_CID,
    WAYBILL_CID,
    batch_id_of,
)
from tests.contracts.tenders.helpers import (
    BID_SECURITY_BPS,
    FUNDS,
    MAX_PRICE,
    PERFORMANCE_SECURITY_BPS,
    QUANTITY,
    SECURITY_WINDOW,
    SHELF_LIFE,
    as_tuple,
    commitment_of,
)

# A third product (registered when a batch of it is made), for tenders that must refuse it.
THIRD_GTIN = 4601234567817

# The default bids: the first supplier wins at 8,000 rubles, the second bids 9,000, the third
# 9,500.
PRICES = (800_000, 900_000, 950_000)


@dataclass(frozen=True)
class World:
    chain: object
    participants: object
    resources: object
    custody: object
    token: object
    tenders: object
    manufacturer: object
    hospital: object
    suppliers: list
    winner_stock: bytes


@pytest.fixture(scope="package")
def tender_world(
    project, chain, deployer, regulator, manufacturer, hospital, supplier, accounts,
    pharmacy, applicant, stranger, distributor, second_regulator,
):  # fmt: skip
    """Everything deployed, everyone registered and funded, and the first supplier holding a
    batch of QUANTITY units of GTIN (lot "T001") in Custody: once for the package.

    It also asks for the session's other account fixtures (pharmacy, applicant, ...): Ape then
    knows them from the first test on. A session fixture first met in a later test makes Ape
    revert to before this world and build it again (its fixture "rebase")."""
    suppliers = [supplier, accounts[11], accounts[3]]
    participants = project.Participants.deploy(regulator, REGULATOR_CID, sender=deployer)
    for account, roles in ((manufacturer, Role.MANUFACTURER), (hospital, Role.MEDICAL_ORGANIZATION)):
        _approve(participants, regulator, account, roles)
    for account in suppliers:
        _approve(participants, regulator, account, Role.SUPPLIER)
    resources = project.Resources.deploy(participants, sender=deployer)
    custody = project.Custody.deploy(participants, resources, sender=deployer)
    resources.set_custody(custody, sender=regulator)
    token = project.PaymentToken.deploy(deployer, sender=deployer)
    tenders = project.Tenders.deploy(participants, resources, custody, token, sender=deployer)
    for gtin in (GTIN, OTHER_GTIN):
        _register_product(resources, manufacturer, gtin)
    for account in (hospital, *suppliers):
        _fund(token, tenders, deployer, account)
    winner_stock = _commission(chain, resources, custody, manufacturer, "T001", GTIN, QUANTITY, 365 * DAY)
    ship_and_receive(custody, winner_stock, manufacturer, supplier, QUANTITY, 0)
    return World(chain, participants, resources, custody, token, tenders, manufacturer, hospital, suppliers, winner_stock)


def _approve(participants, regulator, account, roles, cid=ORGANIZATION_CID):
    participants.apply(cid, sender=account)
    participants.approve(account, int(roles), sender=regulator)
    return account


def _register_product(resources, manufacturer, gtin, category=1, name="Метформин (Metformin)", form="tablets 500 mg"):
    # Only the holder of the GTIN's company prefix registers it: the regulator assigns it first.
    from tests.conftest import assign_company_prefix

    assign_company_prefix(resources, manufacturer, gtin)
    return resources.register_product(gtin, category, name, form, CHARACTERISTICS_CID, CERTIFICATE_CID, sender=manufacturer)


def _fund(token, tenders, deployer, account, amount=FUNDS, allowance=FUNDS):
    token.mint(account, amount, sender=deployer)
    token.approve(tenders, allowance, sender=account)
    return account


# --- the parts of the world ---------------------------------------------------------------------


@pytest.fixture
def participants(tender_world):
    return tender_world.participants


@pytest.fixture
def resources(tender_world):
    return tender_world.resources


@pytest.fixture
def custody(tender_world):
    """Custody, named by the regulator as the ledger `Resources` reports recalls to."""
    return tender_world.custody


@pytest.fixture
def token(tender_world):
    return tender_world.token


@pytest.fixture
def tenders(tender_world):
    return tender_world.tenders


@pytest.fixture
def active_manufacturer(tender_world):
    return tender_world.manufacturer


@pytest.fixture
def active_hospital(tender_world):
    return tender_world.hospital


@pytest.fixture
def suppliers(tender_world):
    """Three active suppliers: `supplier`, `second_supplier`, `third_supplier`."""
    return list(tender_world.suppliers)


@pytest.fixture
def second_supplier(tender_world):
    return tender_world.suppliers[1]


@pytest.fixture
def third_supplier(tender_world):
    return tender_world.suppliers[2]


@pytest.fixture
def outsider(stranger):
    """An account that is no organization at all."""
    return stranger


@pytest.fixture
def products(tender_world):
    """GTIN and OTHER_GTIN registered by the manufacturer."""
    return GTIN, OTHER_GTIN


@pytest.fixture
def funded(tender_world, outsider):
    """The hospital and the suppliers funded (the outsider is not: fund it where a test needs
    it); returns (hospital, suppliers, outsider)."""
    return tender_world.hospital, list(tender_world.suppliers), outsider


@pytest.fixture
def create_organization(participants, regulator):
    """Apply with `account` and have the regulator approve it with `roles`."""

    def create_organization(account, roles, cid=ORGANIZATION_CID):
        return _approve(participants, regulator, account, roles, cid)

    return create_organization


@pytest.fixture
def create_product(resources, active_manufacturer):
    """Register a drug under `gtin` by `sender` (the active manufacturer by default)."""

    def create_product(gtin=GTIN, sender=None, category=1, name="Метформин (Metformin)", form="tablets 500 mg"):
        return _register_product(resources, sender or active_manufacturer, gtin, category, name, form)

    return create_product


@pytest.fixture
def fund(token, tenders, deployer):
    """Mint FUNDS to `account` and have it approve FUNDS (a finite allowance, as a wallet
    gives: the token then writes it down at each transfer). The hospital and the suppliers
    are funded already."""

    def fund(account, amount=FUNDS, allowance=FUNDS):
        return _fund(token, tenders, deployer, account, amount, allowance)

    return fund


# --- factories (no transaction until called) -------------------------------------------------


def default_terms(now, **overrides):
    """TenderParams as a dict: the defaults, deadlines counted from `now`, with overrides."""
    params = {
        "gtin": GTIN,
        "specificationCid": "",
        "acceptedGtins": [],
        "quantity": QUANTITY,
        "maxPrice": MAX_PRICE,
        "bidDeadline": now + 8 * DAY,
        "revealDeadline": now + 10 * DAY,
        "deliveryDeadline": now + 60 * DAY,
        "bidSecurityBps": BID_SECURITY_BPS,
        "performanceSecurityBps": PERFORMANCE_SECURITY_BPS,
        "minResidualShelfLife": SHELF_LIFE,
        "securityWindow": SECURITY_WINDOW,
    }
    params.update(overrides)
    return params


@pytest.fixture
def tender_params(chain):
    """TenderParams as a dict: the defaults, deadlines counted from now, with overrides."""

    def tender_params(**overrides):
        return default_terms(chain.pending_timestamp, **overrides)

    return tender_params


@pytest.fixture
def create_tender(tenders, tender_params, funded, products, active_hospital):
    """Publish a tender (defaults with overrides) by the hospital; returns its id."""

    def create_tender(sender=None, **overrides):
        tx = tenders.createTender(as_tuple(tender_params(**overrides)), sender=sender or active_hospital)
        return tx.decode_logs(tenders.TenderCreated)[0].tenderId

    return create_tender


@pytest.fixture
def commit(tenders):
    """Commit `price` for `bidder` with a fresh (or given) salt; returns the salt."""

    def commit(tender_id, bidder, price, salt=None):
        salt = salt or new_salt()
        tenders.commitBid(tender_id, commitment_of(tenders, tender_id, bidder, price, salt), sender=bidder)
        return salt

    return commit


@pytest.fixture
def reveal(tenders):
    def reveal(tender_id, bidder, price, salt, sender=None):
        return tenders.revealBid(tender_id, bidder, price, salt, sender=sender or bidder)

    return reveal


@pytest.fixture
def to_reveal_period(chain, tenders):
    """Move the next block just past the tender's bid deadline."""

    def to_reveal_period(tender_id):
        chain.mine(timestamp=tenders.tender(tender_id).bidDeadline + 1)

    return to_reveal_period


@pytest.fixture
def after_reveal(chain, tenders):
    """Move the next block just past the tender's reveal deadline."""

    def after_reveal(tender_id):
        chain.mine(timestamp=tenders.tender(tender_id).revealDeadline + 1)

    return after_reveal


STATES = ("bidding", "revealed", "awarded", "contracted")


def drive_tender(world, state):
    """Publish a default tender, have the three suppliers bid PRICES and take it as far as
    `state` (one of STATES: every bid revealed from "revealed" on, awarded to the first
    supplier, its performance security posted); returns (tender id, {bidder: (price, salt)}).
    For module-scoped fixtures, which cannot use the function-scoped factories above."""
    chain, tenders, hospital, suppliers = world.chain, world.tenders, world.hospital, world.suppliers
    tx = tenders.createTender(as_tuple(default_terms(chain.pending_timestamp)), sender=hospital)
    tender_id = tx.decode_logs(tenders.TenderCreated)[0].tenderId
    bids = {}
    for bidder, price in zip(suppliers, PRICES):
        salt = new_salt()
        tenders.commitBid(tender_id, commitment_of(tenders, tender_id, bidder, price, salt), sender=bidder)
        bids[bidder] = (price, salt)
    if STATES.index(state) >= STATES.index("revealed"):
        chain.mine(timestamp=tenders.tender(tender_id).bidDeadline + 1)
        for bidder, (price, salt) in bids.items():
            tenders.revealBid(tender_id, bidder, price, salt, sender=bidder)
    if STATES.index(state) >= STATES.index("awarded"):
        chain.mine(timestamp=tenders.tender(tender_id).revealDeadline + 1)
        tenders.award(tender_id, sender=hospital)
    if state == "contracted":
        tenders.postPerformanceSecurity(tender_id, sender=suppliers[0])
    return tender_id, bids


# --- a tender in each state of its life ---------------------------------------------------------
# Function-scoped: each test makes its own. A module whose tests all start from one state makes
# it once in a module-scoped `module_awarded_tender` (or `module_contracted_tender`), built by
# `drive_tender`, and overrides `awarded` (or `contracted`) with a function-scoped fixture
# returning it.


@pytest.fixture
def tender_id(create_tender):
    """An open tender (bidding) with the default terms."""
    return create_tender()


@pytest.fixture
def bids(tender_id, suppliers, commit):
    """The three suppliers committed PRICES: {bidder: (price, salt)}."""
    return {bidder: (price, commit(tender_id, bidder, price)) for bidder, price in zip(suppliers, PRICES)}


@pytest.fixture
def revealed(tender_id, bids, reveal, to_reveal_period):
    """Every bid revealed; the first supplier leads."""
    to_reveal_period(tender_id)
    for bidder, (price, salt) in bids.items():
        reveal(tender_id, bidder, price, salt)
    return tender_id


@pytest.fixture
def awarded(tenders, revealed, after_reveal, active_hospital):
    """Awarded to the first supplier at PRICES[0]."""
    after_reveal(revealed)
    tenders.award(revealed, sender=active_hospital)
    return revealed


@pytest.fixture
def contracted(tenders, awarded, supplier):
    """The winner posted its performance security."""
    tenders.postPerformanceSecurity(awarded, sender=supplier)
    return awarded


# --- goods through Custody --------------------------------------------------------------------


def ship_and_receive(custody, batch_id, shipper, consignee, quantity, tender_id=0, receive=True, tenders=None):
    """Ship through Custody (for the tender `tender_id` of `tenders` when given: its
    `shipForTender`), and receive unless told not to; returns (shipment_id, record)."""
    if tender_id:
        assert tenders is not None, "a tender delivery names its tender contract"
        tx = custody.shipForTender(batch_id, consignee, quantity, tenders, tender_id, WAYBILL_CID, sender=shipper)
    else:
        tx = custody.ship(batch_id, consignee, quantity, WAYBILL_CID, sender=shipper)
    shipped = tx.decode_logs(custody.Shipped)[0]
    record = shipment_record(shipped)
    if receive:
        custody.receiveShipment(shipped.shipmentId, record, sender=consignee)
    return shipped.shipmentId, record


def _commission(chain, resources, custody, manufacturer, lot, gtin, quantity, expires_in):
    """A batch of `quantity` units commissioned in Resources and in Custody (held by the
    manufacturer); returns its id."""
    if resources.product(gtin).manufacturer == "0x0000000000000000000000000000000000000000":
        _register_product(resources, manufacturer, gtin)
    now = chain.pending_timestamp
    serial_root = keccak(lot.encode())  # any root: no unit of these batches is decommissioned
    resources.commission_batch(gtin, lot, now - 30 * DAY, now + expires_in, quantity, serial_root, DOCUMENTS_CID, DOCUMENTS_CID,
                               sender=manufacturer)
    custody.commission(gtin, lot, sender=manufacturer)
    return batch_id_of(gtin, lot)


@pytest.fixture
def stock(chain, resources, custody, active_manufacturer):
    """Commission a batch with the manufacturer and move it to `holder` through Custody;
    returns the batch id. Lots are numbered unless given."""
    lots = count(1)

    def stock(holder, lot=None, gtin=GTIN, quantity=QUANTITY, expires_in=365 * DAY):
        lot = lot or f"S{next(lots):03d}"
        batch_id = _commission(chain, resources, custody, active_manufacturer, lot, gtin, quantity, expires_in)
        ship_and_receive(custody, batch_id, active_manufacturer, holder, quantity, 0)
        return batch_id

    return stock


@pytest.fixture
def winner_stock(tender_world):
    """QUANTITY units of the batch GTIN/"T001", with the winner (the first supplier): part of
    the world."""
    return tender_world.winner_stock


@pytest.fixture
def deliver(custody, tenders, supplier, active_hospital):
    """The winner ships `quantity` of `batch_id` to the hospital for the tender, and the
    hospital receives it; returns (shipment_id, record). `tag` ships it for another tender id (0:
    a plain shipment), `tagged_for` names another tender contract."""

    def deliver(tender_id, batch_id, quantity, shipper=None, consignee=None, receive=True, tag=None, tagged_for=None):
        return ship_and_receive(
            custody,
            batch_id,
            shipper or supplier,
            consignee or active_hospital,
            quantity,
            tender_id if tag is None else tag,
            receive=receive,
            tenders=tagged_for or tenders,
        )

    return deliver


@pytest.fixture
def sign_permit(chain, token, tenders):
    """An EIP-2612 permit by `owner` for the tender contract, signed in Python from
    `dapp.tenders.typed_data`: the Permit tuple (deadline, v, r, s)."""
    from dapp.tenders.typed_data import permit_typed_data, sign_typed_data

    def sign_permit(owner, value, deadline=None, nonce=None, spender=None, signer=None):
        deadline = chain.pending_timestamp + DAY if deadline is None else deadline
        nonce = token.nonces(owner) if nonce is None else nonce
        data = permit_typed_data(chain.chain_id, token, owner, spender or tenders, value, nonce, deadline)
        _, v, r, s = sign_typed_data((signer or owner).private_key, data)
        return (deadline, v, r, s)

    return sign_permit
