"""Tenders: `terminate` a contract not delivered in time (the supplier paid pro rata, rounded
down, the hospital the rest and the performance security), by the hospital or by the winner."""

import pytest

from tests.contracts.tenders.conftest import PRICES, drive_tender
from tests.contracts.tenders.helpers import (
    TERMINATION_DELAY,
    BID_SECURITY,
    MAX_PRICE,
    PERFORMANCE_SECURITY_BPS,
    QUANTITY,
    Stage,
    Status,
    assert_event,
    assert_tender,
    performance_security,
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
def overdue(chain, tenders):
    """Move past the time the hospital may terminate: the delivery deadline, the receipt period
    and the acceptance grace."""

    def overdue(tender_id):
        chain.pending_timestamp = tenders.tender(tender_id).deliveryDeadline + TERMINATION_DELAY + 1

    return overdue


# --- terminate -------------------------------------------------------------------------------


def test_terminate__part_delivered__paid_pro_rata(tenders, token, contracted, winner_stock, deliver, supplier, active_hospital, overdue):
    tenders.acceptDelivery(contracted, *deliver(contracted, winner_stock, 40), sender=active_hospital)
    overdue(contracted)
    balance = token.balanceOf(tenders)
    owed_hospital = tenders.owed(active_hospital)

    tx = tenders.terminate(contracted, sender=active_hospital)

    paid = PRICE * 40 // QUANTITY
    assert_event(
        tx, tenders.TenderTerminated, tenderId=contracted, delivered=40, paidToSupplier=paid, toHospital=PRICE - paid + SECURITY, securityForfeited=SECURITY
    )
    assert_tender(tenders, contracted, status=Status.TERMINATED, delivered=40)
    assert tenders.stage(contracted) == Stage.TERMINATED
    assert tenders.owed(supplier) == BID_SECURITY + paid
    assert tenders.owed(active_hospital) == owed_hospital + PRICE - paid + SECURITY
    assert tenders.held(contracted) == 2 * BID_SECURITY
    assert token.balanceOf(tenders) == balance


def test_terminate__payment_rounded_down(
    tenders, create_tender, suppliers, supplier, active_hospital, commit, to_reveal_period, after_reveal, stock, deliver, overdue
):
    price = 777_777
    tender_id = create_tender()
    salt = commit(tender_id, supplier, price)
    to_reveal_period(tender_id)
    tenders.revealBid(tender_id, supplier, price, salt, sender=supplier)
    after_reveal(tender_id)
    tenders.award(tender_id, sender=active_hospital)
    tenders.postPerformanceSecurity(tender_id, sender=supplier)
    tenders.acceptDelivery(tender_id, *deliver(tender_id, stock(supplier), 33), sender=active_hospital)
    overdue(tender_id)

    tx = tenders.terminate(tender_id, sender=active_hospital)

    event = tx.decode_logs(tenders.TenderTerminated)[0]
    security = performance_security(price)
    # 777,777 × 33 / 100 = 256,666.41: the supplier gets 256,666, the hospital the 0.41 with the rest.
    assert event.paidToSupplier == 256_666
    assert event.toHospital == price - 256_666 + security
    assert event.paidToSupplier + event.toHospital == price + security


def test_terminate__nothing_delivered(tenders, contracted, supplier, active_hospital, overdue):
    overdue(contracted)

    tx = tenders.terminate(contracted, sender=active_hospital)

    assert_event(tx, tenders.TenderTerminated, tenderId=contracted, delivered=0, paidToSupplier=0, toHospital=PRICE + SECURITY, securityForfeited=SECURITY)
    assert tenders.owed(supplier) == BID_SECURITY
    assert tenders.owed(active_hospital) == MAX_PRICE - PRICE + PRICE + SECURITY


@pytest.mark.parametrize("moment", ["before", "at deadline", "after deadline", "at the end of the grace"])
def test_terminate__by_hospital_before_deliveries_settled__reverts(chain, tenders, contracted, active_hospital, moment):
    """Deliveries shipped in time may still be received, or counted unanswered, for the receipt
    period and the acceptance grace after the delivery deadline: no termination before."""
    deadline = tenders.tender(contracted).deliveryDeadline
    until = deadline + TERMINATION_DELAY
    at = {"before": None, "at deadline": deadline, "after deadline": deadline + 1, "at the end of the grace": until}[moment]
    if at is not None:
        chain.pending_timestamp = at

    with reverts_with(tenders, "DeliveriesStillDue", tenderId=contracted, until=until):
        tenders.terminate(contracted, sender=active_hospital)


def test_terminate__by_the_winner(tenders, contracted, winner_stock, deliver, supplier, active_hospital, overdue):
    """A winner that gives up (or whose hospital never acts) terminates: the same shares as the
    hospital's termination, so its own payment for what it delivered is not locked."""
    tenders.acceptDelivery(contracted, *deliver(contracted, winner_stock, 40), sender=active_hospital)
    overdue(contracted)
    owed_hospital = tenders.owed(active_hospital)

    tx = tenders.terminate(contracted, sender=supplier)

    paid = PRICE * 40 // QUANTITY
    assert_event(
        tx, tenders.TenderTerminated, tenderId=contracted, delivered=40, paidToSupplier=paid, toHospital=PRICE - paid + SECURITY, securityForfeited=SECURITY
    )
    assert tenders.tender(contracted).status == Status.TERMINATED
    assert tenders.owed(supplier) == BID_SECURITY + paid
    assert tenders.owed(active_hospital) == owed_hospital + PRICE - paid + SECURITY


def test_terminate__by_the_winner_after_deadline(chain, tenders, contracted, supplier, active_hospital):
    """The winner giving up needs no grace: the delay protects its own deliveries."""
    chain.pending_timestamp = tenders.tender(contracted).deliveryDeadline + 1

    tx = tenders.terminate(contracted, sender=supplier)

    assert_event(tx, tenders.TenderTerminated, tenderId=contracted, delivered=0, paidToSupplier=0,
                 toHospital=PRICE + SECURITY, securityForfeited=SECURITY)


def test_terminate__by_the_winner_not_overdue__reverts(chain, tenders, contracted, supplier):
    deadline = tenders.tender(contracted).deliveryDeadline
    chain.pending_timestamp = deadline

    with reverts_with(tenders, "DeliveryNotOverdue", tenderId=contracted, deadline=deadline):
        tenders.terminate(contracted, sender=supplier)


@pytest.mark.parametrize("caller", ["second_supplier", "outsider", "regulator"])
def test_terminate__neither_hospital_nor_winner__reverts(request, tenders, contracted, overdue, caller):
    account = request.getfixturevalue(caller)
    overdue(contracted)

    with reverts_with(tenders, "NotHospitalOrWinner", tenderId=contracted, account=account):
        tenders.terminate(contracted, sender=account)


def test_terminate__awarded__reverts(tenders, awarded, active_hospital, overdue):
    overdue(awarded)

    with reverts_with(tenders, "WrongStatus", tenderId=awarded, status=Status.AWARDED):
        tenders.terminate(awarded, sender=active_hospital)


def test_terminate__completed__reverts(tenders, contracted, winner_stock, deliver, active_hospital, overdue):
    tenders.acceptDelivery(contracted, *deliver(contracted, winner_stock, QUANTITY), sender=active_hospital)
    overdue(contracted)

    with reverts_with(tenders, "WrongStatus", tenderId=contracted, status=Status.COMPLETED):
        tenders.terminate(contracted, sender=active_hospital)


def test_terminate__twice__reverts(tenders, contracted, active_hospital, overdue):
    overdue(contracted)
    tenders.terminate(contracted, sender=active_hospital)
    owed = tenders.owed(active_hospital)

    with reverts_with(tenders, "WrongStatus", tenderId=contracted, status=Status.TERMINATED):
        tenders.terminate(contracted, sender=active_hospital)

    assert tenders.owed(active_hospital) == owed


def test_terminate__then_no_delivery_counted(tenders, contracted, winner_stock, deliver, active_hospital, overdue):
    overdue(contracted)
    tenders.terminate(contracted, sender=active_hospital)
    shipment_id, record = deliver(contracted, winner_stock, 10)

    with reverts_with(tenders, "WrongStatus", tenderId=contracted, status=Status.TERMINATED):
        tenders.acceptDelivery(contracted, shipment_id, record, sender=active_hospital)


def test_terminate__unknown_tender__reverts(tenders, active_hospital):
    with reverts_with(tenders, "UnknownTender", tenderId=3):
        tenders.terminate(3, sender=active_hospital)
