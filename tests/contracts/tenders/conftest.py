"""Fixtures of the Tenders tests: a hospital and three suppliers, funded and having approved the
tender contract, and an outsider; registered products; tenders in each state of their life;
goods delivered through Custody.

The world every test starts from (the registries, Custody, the token and Tenders deployed, the
organizations approved, two products registered, everyone funded: about 25 transactions) is
built once for the package: Ape snapshots the chain before a package-scoped fixture and reverts
it after each test, so each test pays only for its own tender. The package fixtures below shadow
the function-scoped ones of tests/conftest.py of the same name and return the same things."""

from dataclasses import dataclass

import ape
import pytest

from dapp.custody import shipment_record
from dapp.roles import Role
from dapp.tender_typed_data import bid_commitment, new_salt
from tests.conftest import (
    CERTIFICATE_CID,
    CHARACTERISTICS_CID,
    DAY,
    GTIN,
    ORGANIZATION_CID,
    OTHER_GTIN,
    REGULATOR_CID,
    WAYBILL_CID,
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
)

# A third product (registered when a batch of it is made), for tenders that must refuse it.
THIRD_GTIN = 4601234567817

# The default bids: the first supplier wins at 8,000 rubles, the second bids 9,000, the third
# 9,500.
PRICES = (800_000, 900_000, 950_000)


def shared(function):
    """A package-scoped fixture that only hands out a part of the world (no transaction of its
    own): `chain_isolation=False` tells Ape it needs no chain snapshot of its own."""
    return ape.fixture(scope="package", chain_isolation=False)(function)


@shared
def second_supplier(accounts):
    return accounts[11]


@shared
def third_supplier(accounts):
    return accounts[3]


@shared
def outsider(stranger):
    """An account that is no organization at all."""
    return stranger


@dataclass(frozen=True)
class World:
    participants: object
    resources: object
    custody: object
    token: object
    tenders: object
    manufacturer: object
    hospital: object
    suppliers: list


@pytest.fixture(scope="package")
def world(
    project, deployer, regulator, manufacturer, hospital, supplier, second_supplier, third_supplier,
    pharmacy, applicant, stranger, distributor, second_regulator,
):  # fmt: skip
    """Everything deployed and everyone registered and funded, once for the package.

    It also asks for the session's other account fixtures (pharmacy, applicant, ...): Ape then
    knows them from the first test on. A session fixture first met in a later test makes Ape
    revert to before this world and build it again (its fixture "rebase")."""
    suppliers = [supplier, second_supplier, third_supplier]
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
    return World(participants, resources, custody, token, tenders, manufacturer, hospital, suppliers)


def _approve(participants, regulator, account, roles, cid=ORGANIZATION_CID):
    participants.apply(cid, sender=account)
    participants.approve(account, int(roles), sender=regulator)
    return account


def _register_product(resources, manufacturer, gtin, category=1, name="Метформин (Metformin)", form="tablets 500 mg"):
    return resources.register_product(gtin, category, name, form, CHARACTERISTICS_CID, CERTIFICATE_CID, sender=manufacturer)


def _fund(token, tenders, deployer, account, amount=FUNDS, allowance=FUNDS):
    token.mint(account, amount, sender=deployer)
    token.approve(tenders, allowance, sender=account)
    return account


@shared
def participants(world):
    return world.participants


@shared
def resources(world):
    return world.resources


@shared
def custody(world):
    """Custody, named by the regulator as the ledger `Resources` reports recalls to."""
    return world.custody


@shared
def token(world):
    return world.token


@shared
def tenders(world):
    return world.tenders


@shared
def active_manufacturer(world):
    return world.manufacturer


@shared
def active_hospital(world):
    return world.hospital


@shared
def suppliers(world):
    """Three active suppliers: `supplier`, `second_supplier`, `third_supplier`."""
    return list(world.suppliers)


@shared
def products(world):
    """GTIN and OTHER_GTIN registered by the manufacturer."""
    return GTIN, OTHER_GTIN


@shared
def create_organization(participants, regulator):
    """Apply with `account` and have the regulator approve it with `roles`."""

    def create_organization(account, roles, cid=ORGANIZATION_CID):
        return _approve(participants, regulator, account, roles, cid)

    return create_organization


@shared
def create_product(resources, active_manufacturer):
    """Register a drug under `gtin` by `sender` (the active manufacturer by default)."""

    def create_product(gtin=GTIN, sender=None, category=1, name="Метформин (Metformin)", form="tablets 500 mg"):
        return _register_product(resources, sender or active_manufacturer, gtin, category, name, form)

    return create_product


@shared
def fund(token, tenders, deployer):
    """Mint FUNDS to `account` and have it approve FUNDS (a finite allowance, as a wallet
    gives: the token then writes it down at each transfer). The hospital and the suppliers
    are funded already."""

    def fund(account, amount=FUNDS, allowance=FUNDS):
        return _fund(token, tenders, deployer, account, amount, allowance)

    return fund


@shared
def funded(world, outsider):
    """The hospital and the suppliers funded (the outsider is not: fund it where a test needs
    it); returns (hospital, suppliers, outsider)."""
    return world.hospital, list(world.suppliers), outsider


@pytest.fixture
def tender_params(chain):
    """TenderParams as a dict: the defaults, deadlines counted from now, with overrides."""

    def tender_params(**overrides):
        now = chain.pending_timestamp
        params = {
            "gtin": GTIN,
            "specificationCid": "",
            "acceptedGtins": [],
            "quantity": QUANTITY,
            "maxPrice": MAX_PRICE,
            "bidDeadline": now + 3 * DAY,
            "revealDeadline": now + 5 * DAY,
            "deliveryDeadline": now + 60 * DAY,
            "bidSecurityBps": BID_SECURITY_BPS,
            "performanceSecurityBps": PERFORMANCE_SECURITY_BPS,
            "minResidualShelfLife": SHELF_LIFE,
            "securityWindow": SECURITY_WINDOW,
        }
        params.update(overrides)
        return params

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
        tenders.commitBid(tender_id, bid_commitment(tender_id, bidder, price, salt), sender=bidder)
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


@pytest.fixture
def stock(custody, create_custody_batch, active_manufacturer):
    """Commission a batch with the manufacturer and move it to `holder` through Custody;
    returns the batch id."""

    def stock(holder, lot="T001", gtin=GTIN, quantity=QUANTITY, expires_in=365 * DAY):
        batch_id, _, _ = create_custody_batch(lot=lot, gtin=gtin, quantity=quantity, expires_in=expires_in)
        ship_and_receive(custody, batch_id, active_manufacturer, holder, quantity, 0)
        return batch_id

    return stock


def ship_and_receive(custody, batch_id, shipper, consignee, quantity, tender_id, receive=True):
    """Ship through Custody (and receive unless told not to); returns (shipment_id, record)."""
    tx = custody.ship(batch_id, consignee, quantity, tender_id, WAYBILL_CID, sender=shipper)
    shipped = tx.decode_logs(custody.Shipped)[0]
    record = shipment_record(shipped)
    if receive:
        custody.receiveShipment(shipped.shipmentId, record, sender=consignee)
    return shipped.shipmentId, record


@pytest.fixture
def winner_stock(stock, supplier):
    """QUANTITY units of a batch of GTIN, with the winner (the first supplier)."""
    return stock(supplier)


@pytest.fixture
def deliver(custody, supplier, active_hospital):
    """The winner ships `quantity` of `batch_id` to the hospital for the tender, and the
    hospital receives it; returns (shipment_id, record)."""

    def deliver(tender_id, batch_id, quantity, shipper=None, consignee=None, receive=True, tag=None):
        return ship_and_receive(
            custody,
            batch_id,
            shipper or supplier,
            consignee or active_hospital,
            quantity,
            tender_id if tag is None else tag,
            receive=receive,
        )

    return deliver


@pytest.fixture
def sign_permit(chain, token, tenders):
    """An EIP-2612 permit by `owner` for the tender contract, signed in Python from
    `dapp.tender_typed_data`: the Permit tuple (deadline, v, r, s)."""
    from dapp.tender_typed_data import permit_typed_data, sign_typed_data

    def sign_permit(owner, value, deadline=None, nonce=None, spender=None, signer=None):
        deadline = chain.pending_timestamp + DAY if deadline is None else deadline
        nonce = token.nonces(owner) if nonce is None else nonce
        data = permit_typed_data(chain.chain_id, token, owner, spender or tenders, value, nonce, deadline)
        _, v, r, s = sign_typed_data((signer or owner).private_key, data)
        return (deadline, v, r, s)

    return sign_permit
