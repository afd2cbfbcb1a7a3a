"""Tenders: deliveries proved on Custody (`acceptDelivery`): a received shipment of the tender,
from its winner to its hospital, of an accepted product with enough shelf life left, counted
once and never beyond the quantity; the last one completes the contract."""

import pytest

from tests.conftest import DAY, GTIN, OTHER_GTIN, REASON_CID
from tests.contracts.tenders.conftest import PRICES, THIRD_GTIN, drive_tender
from tests.contracts.tenders.helpers import (
    BID_SECURITY,
    PERFORMANCE_SECURITY_BPS,
    QUANTITY,
    SHELF_LIFE,
    SPEC_CID,
    Stage,
    Status,
    assert_event,
    assert_no_event,
    assert_tender,
    reverts_with,
)

PRICE = PRICES[0]
SECURITY = PRICE * PERFORMANCE_SECURITY_BPS // 10_000


@pytest.fixture(scope="module", autouse=True)
def module_contracted_tender(tender_world):
    """Tender 1, under contract with the first supplier: made once for the module."""
    tender_id, _ = drive_tender(tender_world, "contracted")
    return tender_id


@pytest.fixture
def contracted(module_contracted_tender):
    return module_contracted_tender


@pytest.fixture
def contracted_spec(tenders, create_tender, suppliers, supplier, active_hospital, commit, to_reveal_period, after_reveal):
    """A tender of a specification accepting GTIN and OTHER_GTIN, contracted with the first
    supplier."""
    tender_id = create_tender(gtin=0, specificationCid=SPEC_CID, acceptedGtins=[GTIN, OTHER_GTIN])
    salt = commit(tender_id, supplier, PRICE)
    to_reveal_period(tender_id)
    tenders.revealBid(tender_id, supplier, PRICE, salt, sender=supplier)
    after_reveal(tender_id)
    tenders.award(tender_id, sender=active_hospital)
    tenders.postPerformanceSecurity(tender_id, sender=supplier)
    return tender_id


@pytest.mark.parametrize("caller", ["active_hospital", "supplier"], ids=["by hospital", "by winner"])
def test_accept_delivery(request, tenders, contracted, winner_stock, deliver, caller):
    account = request.getfixturevalue(caller)
    shipment_id, record = deliver(contracted, winner_stock, 30)

    tx = tenders.acceptDelivery(contracted, shipment_id, record, sender=account)

    assert_event(tx, tenders.DeliveryAccepted, tenderId=contracted, shipmentId=shipment_id, batchId=winner_stock, counted=30, delivered=30)
    assert_no_event(tx, tenders.TenderCompleted)
    assert_tender(tenders, contracted, status=Status.CONTRACTED, delivered=30)
    assert tenders.isDeliveryCounted(contracted, shipment_id)
    assert not tenders.isDeliveryCounted(contracted + 1, shipment_id)


def test_accept_delivery__last_one__completes(tenders, token, contracted, winner_stock, deliver, suppliers, supplier, active_hospital):
    first = deliver(contracted, winner_stock, 40)
    tenders.acceptDelivery(contracted, *first, sender=active_hospital)
    shipment_id, record = deliver(contracted, winner_stock, QUANTITY - 40)
    balance = token.balanceOf(tenders)

    tx = tenders.acceptDelivery(contracted, shipment_id, record, sender=supplier)

    assert_event(
        tx, tenders.DeliveryAccepted, tenderId=contracted, shipmentId=shipment_id, batchId=winner_stock, counted=QUANTITY - 40, delivered=QUANTITY
    )
    assert_event(tx, tenders.TenderCompleted, tenderId=contracted, winner=supplier, paid=PRICE, securityReturned=SECURITY)
    assert_tender(tenders, contracted, status=Status.COMPLETED, delivered=QUANTITY)
    assert tenders.stage(contracted) == Stage.COMPLETED
    # Its bid security (returned when it posted the performance security), the price, the security.
    assert tenders.owed(supplier) == BID_SECURITY + PRICE + SECURITY
    assert tenders.held(contracted) == 2 * BID_SECURITY
    assert token.balanceOf(tenders) == balance


def test_accept_delivery__more_than_due__counts_the_remainder(tenders, contracted, stock, deliver, supplier, active_hospital):
    batch_id = stock(supplier, quantity=150)
    first = deliver(contracted, batch_id, 70)
    tenders.acceptDelivery(contracted, *first, sender=active_hospital)
    shipment_id, record = deliver(contracted, batch_id, 70)

    tx = tenders.acceptDelivery(contracted, shipment_id, record, sender=active_hospital)

    event = tx.decode_logs(tenders.DeliveryAccepted)[0]
    assert (event.counted, event.delivered) == (QUANTITY - 70, QUANTITY)
    assert tenders.tender(contracted).status == Status.COMPLETED


def test_accept_delivery__one_shipment_beyond_quantity__completes(tenders, contracted, stock, deliver, supplier, active_hospital):
    batch_id = stock(supplier, quantity=QUANTITY * 3)
    shipment_id, record = deliver(contracted, batch_id, QUANTITY * 3)

    tx = tenders.acceptDelivery(contracted, shipment_id, record, sender=active_hospital)

    event = tx.decode_logs(tenders.DeliveryAccepted)[0]
    assert (event.counted, event.delivered) == (QUANTITY, QUANTITY)
    assert tx.decode_logs(tenders.TenderCompleted)[0].paid == PRICE


def test_accept_delivery__after_delivery_deadline__still_counted(chain, tenders, contracted, winner_stock, deliver, active_hospital):
    """Late goods count until the hospital terminates."""
    chain.pending_timestamp = tenders.tender(contracted).deliveryDeadline + DAY
    shipment_id, record = deliver(contracted, winner_stock, QUANTITY)

    tenders.acceptDelivery(contracted, shipment_id, record, sender=active_hospital)

    assert tenders.tender(contracted).status == Status.COMPLETED


def test_accept_delivery__specification__each_accepted_product(tenders, contracted_spec, stock, deliver, supplier, active_hospital):
    first_batch = stock(supplier, lot="A1", gtin=GTIN, quantity=50)
    second_batch = stock(supplier, lot="B1", gtin=OTHER_GTIN, quantity=50)

    for batch_id in (first_batch, second_batch):
        shipment_id, record = deliver(contracted_spec, batch_id, 50)
        tenders.acceptDelivery(contracted_spec, shipment_id, record, sender=active_hospital)

    assert_tender(tenders, contracted_spec, status=Status.COMPLETED, delivered=QUANTITY)


@pytest.mark.parametrize("tender_kind", ["gtin", "specification"])
def test_accept_delivery__product_not_accepted__reverts(
    request, tenders, stock, deliver, supplier, active_hospital, tender_kind
):
    tender_id = request.getfixturevalue("contracted" if tender_kind == "gtin" else "contracted_spec")
    gtin = OTHER_GTIN if tender_kind == "gtin" else THIRD_GTIN
    batch_id = stock(supplier, lot="X1", gtin=gtin)
    shipment_id, record = deliver(tender_id, batch_id, 10)

    with reverts_with(tenders, "ProductNotAccepted", tenderId=tender_id, gtin=gtin):
        tenders.acceptDelivery(tender_id, shipment_id, record, sender=active_hospital)


def test_accept_delivery__shelf_life_too_short__reverts(chain, tenders, resources, contracted, stock, deliver, supplier, active_hospital):
    batch_id = stock(supplier, lot="S1", expires_in=SHELF_LIFE + 10 * DAY)
    expires = resources.batch_by_id(batch_id).expires
    enough = deliver(contracted, batch_id, 10)
    short = deliver(contracted, batch_id, 10)

    # Exactly the shelf life left is enough; a second less is not.
    chain.pending_timestamp = expires - SHELF_LIFE
    tenders.acceptDelivery(contracted, *enough, sender=active_hospital)
    chain.pending_timestamp = expires - SHELF_LIFE + 1
    with reverts_with(tenders, "ShelfLifeTooShort", tenderId=contracted, expires=expires, required=expires + 1):
        tenders.acceptDelivery(contracted, *short, sender=active_hospital)

    assert tenders.tender(contracted).delivered == 10


@pytest.mark.parametrize("method,status", [("recall_batch", 2), ("withdraw_batch", 3)])
def test_accept_delivery__batch_retired__reverts(tenders, resources, regulator, contracted, winner_stock, deliver, active_hospital, method, status):
    shipment_id, record = deliver(contracted, winner_stock, 10)
    getattr(resources, method)(GTIN, "T001", 1, REASON_CID, sender=regulator)

    with reverts_with(tenders, "BatchNotActive", tenderId=contracted, batchId=winner_stock, status=status):
        tenders.acceptDelivery(contracted, shipment_id, record, sender=active_hospital)


def test_accept_delivery__counted_twice__reverts(tenders, contracted, winner_stock, deliver, supplier, active_hospital):
    shipment_id, record = deliver(contracted, winner_stock, 10)
    tenders.acceptDelivery(contracted, shipment_id, record, sender=active_hospital)

    with reverts_with(tenders, "DeliveryAlreadyCounted", tenderId=contracted, shipmentId=shipment_id):
        tenders.acceptDelivery(contracted, shipment_id, record, sender=supplier)

    assert tenders.tender(contracted).delivered == 10


@pytest.mark.parametrize(
    "case",
    ["untagged", "other tender", "in transit", "rejected", "altered quantity", "altered tender", "other shipper", "other consignee", "unknown shipment"],
)
def test_accept_delivery__not_a_delivery_of_the_tender__reverts(
    tenders, custody, contracted, winner_stock, stock, deliver, supplier, second_supplier, active_hospital, create_organization, pharmacy, case
):
    if case == "untagged":
        shipment_id, record = deliver(contracted, winner_stock, 10, tag=0)
    elif case == "other tender":
        shipment_id, record = deliver(contracted, winner_stock, 10, tag=contracted + 1)
    elif case == "in transit":
        shipment_id, record = deliver(contracted, winner_stock, 10, receive=False)
    elif case == "rejected":
        shipment_id, record = deliver(contracted, winner_stock, 10, receive=False)
        custody.reject(shipment_id, record, REASON_CID, sender=active_hospital)
    elif case == "altered quantity":
        shipment_id, record = deliver(contracted, winner_stock, 10)
        record = record[:3] + (QUANTITY,) + record[4:]
    elif case == "altered tender":
        # A shipment of another tender claimed for this one.
        shipment_id, record = deliver(contracted, winner_stock, 10, tag=contracted + 1)
        record = record[:5] + (contracted,) + record[6:]
    elif case == "other shipper":
        # The goods came from a loser of the tender, tagged with it.
        batch_id = stock(second_supplier, lot="O1")
        shipment_id, record = deliver(contracted, batch_id, 10, shipper=second_supplier)
    elif case == "other consignee":
        other = create_organization(pharmacy, 8)
        shipment_id, record = deliver(contracted, winner_stock, 10, consignee=other)
    else:
        shipment_id, record = deliver(contracted, winner_stock, 10)
        shipment_id += 1

    with reverts_with(tenders, "NotATenderDelivery", tenderId=contracted, shipmentId=shipment_id):
        tenders.acceptDelivery(contracted, shipment_id, record, sender=active_hospital)


@pytest.mark.parametrize("caller", ["second_supplier", "outsider", "active_manufacturer"])
def test_accept_delivery__neither_hospital_nor_winner__reverts(request, tenders, contracted, winner_stock, deliver, caller):
    account = request.getfixturevalue(caller)
    shipment_id, record = deliver(contracted, winner_stock, 10)

    with reverts_with(tenders, "NotHospitalOrWinner", tenderId=contracted, account=account):
        tenders.acceptDelivery(contracted, shipment_id, record, sender=account)


def test_accept_delivery__before_security_posted__reverts(tenders, awarded, winner_stock, deliver, active_hospital):
    shipment_id, record = deliver(awarded, winner_stock, 10)

    with reverts_with(tenders, "WrongStatus", tenderId=awarded, status=Status.AWARDED):
        tenders.acceptDelivery(awarded, shipment_id, record, sender=active_hospital)


def test_accept_delivery__completed__reverts(tenders, contracted, stock, deliver, supplier, active_hospital):
    batch_id = stock(supplier, quantity=QUANTITY + 10)
    tenders.acceptDelivery(contracted, *deliver(contracted, batch_id, QUANTITY), sender=active_hospital)
    shipment_id, record = deliver(contracted, batch_id, 10)

    with reverts_with(tenders, "WrongStatus", tenderId=contracted, status=Status.COMPLETED):
        tenders.acceptDelivery(contracted, shipment_id, record, sender=active_hospital)


def test_accept_delivery__unknown_tender__reverts(tenders, contracted, winner_stock, deliver, active_hospital):
    shipment_id, record = deliver(contracted, winner_stock, 10)

    with reverts_with(tenders, "UnknownTender", tenderId=contracted + 1):
        tenders.acceptDelivery(contracted + 1, shipment_id, record, sender=active_hospital)
