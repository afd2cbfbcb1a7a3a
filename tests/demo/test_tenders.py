"""The demo tenders (dapp.demo.world.TENDERS) fit the demo world and the contract's rules."""

from dapp.demo import world as demo
from dapp.roles import Role

PRODUCTS = {p.gtin: p for p in demo.PRODUCTS}


def batch_of(gtin, lot):
    return next(b for b in PRODUCTS[gtin].batches if b.lot == lot)


def test_one_tender_in_each_state__open_one_last():
    assert [t.state for t in demo.TENDERS] == list(demo.TENDER_STATES)
    assert sorted(demo.TENDER_STATES) == sorted(
        ["open", "reveal", "awarded", "delivering", "completed", "failed", "terminated", "cancelled"])
    assert demo.TENDERS[-1].state == "open"


def test_tenders__by_demo_hospitals__bid_by_demo_suppliers():
    for tender in demo.TENDERS:
        assert Role.MEDICAL_ORGANIZATION in demo.organization(tender.hospital).roles
        for bid in tender.bids:
            supplier = demo.organization(bid.supplier)
            assert Role.SUPPLIER in supplier.roles and supplier.approved and not supplier.suspended
        assert len({bid.supplier for bid in tender.bids}) == len(tender.bids)


def test_tenders__terms_within_the_contracts_rules():
    for tender in demo.TENDERS:
        assert bool(tender.gtin) != bool(tender.specification), tender.state
        for gtin in (tender.gtin,) if tender.gtin else tender.accepted:
            assert gtin in PRODUCTS
        assert 50 <= tender.bid_security_bps <= 500 and 0 <= tender.performance_security_bps <= 3_000
        assert all(0 < bid.price <= tender.max_price for bid in tender.bids)
        assert tender.funding in ("approve", "permit")
        assert len({bid.price for bid in tender.bids}) == len(tender.bids)  # a clear winner


def test_tenders__show_the_anti_dumping_rule_and_both_ways_of_bidding():
    awarded = demo.tender("awarded")
    assert min(b.price for b in awarded.bids) * 4 <= awarded.max_price * 3  # 25 %+ below: 1.5 times security
    assert any(b.signed for t in demo.TENDERS for b in t.bids)
    assert any(not b.revealed for b in demo.tender("reveal").bids)
    assert {t.funding for t in demo.TENDERS} == {"approve", "permit"}


def test_deliveries__from_the_winners_stock_of_an_accepted_product_with_enough_shelf_life():
    held = {}  # (supplier, lot) -> units, after the demo shipments and decommissions
    for shipment in demo.SHIPMENTS:
        if shipment.outcome == "rejected":
            continue  # back with its shipper
        held[(shipment.shipper, shipment.lot)] = held.get((shipment.shipper, shipment.lot), 0) - shipment.quantity
        if shipment.outcome == "received":
            held[(shipment.consignee, shipment.lot)] = held.get((shipment.consignee, shipment.lot), 0) + shipment.quantity
    for item in demo.DECOMMISSIONS:
        held[(item.holder, item.lot)] -= 1
    for tender in demo.TENDERS:
        if not tender.deliveries:
            continue
        winner = min(tender.bids, key=lambda b: b.price).supplier
        gtin = tender.gtin or tender.accepted[0]
        assert sum(d.quantity for d in tender.deliveries) <= tender.quantity
        for delivery in tender.deliveries:
            batch = batch_of(gtin, delivery.lot)
            assert not batch.retired and batch.expires_in_days() > tender.min_shelf_life_days
            held[(winner, delivery.lot)] -= delivery.quantity
            assert held[(winner, delivery.lot)] >= 0, (tender.state, delivery)


def test_deliveries__leave_the_demo_verdicts_alone():
    """A hospital that receives a batch has held it: no tender may deliver the batch a demo code
    shows as never held by its scanner."""
    never_held = {(c.scanner, c.lot) for c in demo.DEMO_CODES if c.case == "never-held-by-scanner"}
    for tender in demo.TENDERS:
        for delivery in tender.deliveries:
            assert (tender.hospital, delivery.lot) not in never_held
