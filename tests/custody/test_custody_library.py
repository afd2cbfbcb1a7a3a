"""dapp.custody on the seeded demo chain: a scanned pack's batch and proof, decommissioning it and
undoing the dispense through the signing seam, and receiving or rejecting a delivery checked pack
by pack (the list from the indexed database, the terms and status from the chain)."""

import pytest

from dapp.actions.custody import Decommission
from dapp.chain.connection import deployment_at
from dapp.chain.reader import ChainReader
from dapp.chain.signers import RpcSigner, carry_out
from dapp.custody import deliveries, packs
from dapp.demo import world as demo
from dapp.errors import TransactionRefused
from dapp.records.engine import open_database
from dapp.roles import ShipmentStatus
from dapp.verification.merkle import leaf_hash
from dapp.verification.scanning import check_text
from dapp.verification.service import VerificationService
from dapp.verification.verdicts import Reason, batch_id
from tests.ui.conftest import account_of, catch_up

WAYBILL = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"


@pytest.fixture
def demo_platform(demo_chain, monkeypatch):
    """(deployment, reader, verification service, database) of the demo chain, indexed."""
    monkeypatch.setenv("MEDCHAIN_DATA", str(demo_chain.data))
    catch_up(demo_chain)
    deployment = deployment_at(demo_chain.url)
    engine = open_database(f"sqlite:///{demo_chain.data / 'platform.db'}")
    yield deployment, ChainReader(deployment, demo_chain.url), VerificationService(demo_chain.url), engine
    engine.dispose()


def pack_of(service, text: str, scanner: str | None = None) -> packs.ScannedPack:
    [pack] = packs.scanned_packs(check_text(service, text, scanner))
    return pack


def code_of(gtin: str, lot: str, index: int, with_lot: bool = True) -> str:
    serial = demo.batch_serials(gtin, lot)[index]
    return f"(01){gtin}(21){serial}" + (f"(10){lot}" if with_lot else "")


def test_scanned_pack__batch_unit_and_leaf(demo_platform):
    _deployment, _reader, service, _engine = demo_platform
    pack = pack_of(service, code_of(demo.METFORMIN, "MF2406", 70))
    serial = demo.batch_serials(demo.METFORMIN, "MF2406")[70]
    assert pack.label == f"{demo.METFORMIN}/MF2406/{serial}"
    assert pack.batch_id == batch_id(int(demo.METFORMIN), "MF2406")
    assert pack.leaf == leaf_hash(int(demo.METFORMIN), serial)


def test_scanned_pack__code_without_lot__lot_found_from_the_proof_store(demo_platform):
    _deployment, _reader, service, _engine = demo_platform
    pack = pack_of(service, code_of(demo.METFORMIN, "MF2406", 71, with_lot=False))
    assert pack.verdict.code.lot is None and pack.lot == "MF2406"


def test_decommission__made_up_serial__refused_before_the_chain(demo_platform, demo_chain):
    deployment, _reader, service, _engine = demo_platform
    pack = pack_of(service, f"(01){demo.METFORMIN}(21)FAKE0000001XY(10)MF2406")
    with pytest.raises(packs.PackError, match="not one of batch .*MF2406's serials: a made-up code"):
        packs.prepare_decommission(deployment, account_of(demo_chain, "gkb1"), pack, Decommission.DISPENSED)


def test_decommission_then_undo__through_the_signing_seam(demo_platform, demo_chain):
    deployment, reader, service, _engine = demo_platform
    hospital = account_of(demo_chain, "gkb1")
    signer = RpcSigner(hospital, demo_chain.url)
    pack = pack_of(service, code_of(demo.METFORMIN, "MF2406", 72), hospital)
    assert pack.verdict.genuine and packs.undo_deadline(reader, pack) is None
    carry_out(packs.prepare_decommission(deployment, hospital, pack, Decommission.DISPENSED), signer)
    reason, by, until = packs.undo_deadline(reader, pack)
    at = int(reader.one(reader.call("Custody", "unit", pack.batch_id, pack.leaf)).at)
    assert (reason, by, until) == (Decommission.DISPENSED, hospital, at + 10 * 24 * 3600)
    assert Reason.ALREADY_DISPENSED in pack_of(service, pack.reading).verdict.reasons
    with pytest.raises(TransactionRefused, match="already"):
        carry_out(packs.prepare_decommission(deployment, hospital, pack, Decommission.DESTROYED), signer)
    carry_out(packs.prepare_undo_dispense(deployment, hospital, pack), signer)
    assert packs.undo_deadline(reader, pack) is None
    assert pack_of(service, pack.reading).verdict.genuine


def test_decommission__batch_not_held__the_contracts_refusal(demo_platform, demo_chain):
    deployment, _reader, service, _engine = demo_platform
    pharmacy = account_of(demo_chain, "pharmacy12")
    pack = pack_of(service, code_of(demo.INSULIN_ASPART, "NA5K221", 20))
    with pytest.raises(TransactionRefused, match="holds 0 units of the batch, 1 are needed"):
        carry_out(packs.prepare_decommission(deployment, pharmacy, pack, Decommission.STOLEN),
                  RpcSigner(pharmacy, demo_chain.url))


def ship(demo_chain, deployment, quantity: int, consignee: str = "gkb1") -> int:
    from dapp.actions import custody

    shipper = account_of(demo_chain, "centrpharm")
    shipped = carry_out(custody.ship(deployment, shipper, batch_id(int(demo.IMMUNOGLOBULIN), "IG0424"),
                                     account_of(demo_chain, consignee), quantity, WAYBILL),
                        RpcSigner(shipper, demo_chain.url))
    catch_up(demo_chain)
    return int(shipped.shipmentId)


def test_delivery__listed_checked_received__then_no_longer_answerable(demo_platform, demo_chain):
    deployment, reader, service, engine = demo_platform
    hospital = account_of(demo_chain, "gkb1")
    shipment_id = ship(demo_chain, deployment, 4)
    [incoming] = [s for s in deliveries.incoming_shipments(engine, hospital) if s.shipment_id == shipment_id]
    assert (incoming.gtin, incoming.lot, incoming.quantity) == (demo.IMMUNOGLOBULIN, "IG0424", 4)
    assert incoming.shipper == account_of(demo_chain, "centrpharm")
    shipment = deliveries.shipment_on_chain(reader, shipment_id)
    assert shipment.status == ShipmentStatus.IN_TRANSIT and shipment.quantity == 4 and shipment.consignee == hospital
    good = pack_of(service, code_of(demo.IMMUNOGLOBULIN, "IG0424", 33))
    other = pack_of(service, code_of(demo.METFORMIN, "MF2406", 73))
    stolen = pack_of(service, code_of(demo.IMMUNOGLOBULIN, "IG0424", 3))
    assert deliveries.pack_problems(good, shipment, incoming.gtin, incoming.lot) == []
    assert deliveries.pack_problems(other, shipment, incoming.gtin, incoming.lot) == [
        f"the pack is of {demo.METFORMIN}/MF2406, the shipment of {demo.IMMUNOGLOBULIN}/IG0424"]
    assert any("stolen" in problem for problem in deliveries.pack_problems(stolen, shipment, incoming.gtin, incoming.lot))
    with pytest.raises(deliveries.DeliveryError, match="scan at least one pack"):
        deliveries.prepare_receive(deployment, hospital, shipment, [])
    with pytest.raises(deliveries.DeliveryError, match="1 of the scanned packs do not belong"):
        deliveries.prepare_receive(deployment, hospital, shipment, [(good, []), (other, ["another batch"])])
    with pytest.raises(deliveries.DeliveryError, match="is sent to"):
        deliveries.prepare_receive(deployment, account_of(demo_chain, "rkb"), shipment, [(good, [])])
    carry_out(deliveries.prepare_receive(deployment, hospital, shipment, [(good, [])]),
              RpcSigner(hospital, demo_chain.url))
    received = deliveries.shipment_on_chain(reader, shipment_id)
    assert received.status == ShipmentStatus.RECEIVED
    with pytest.raises(deliveries.DeliveryError, match="is received, no longer in transit"):
        deliveries.prepare_reject(deployment, hospital, received, WAYBILL)
    catch_up(demo_chain)
    assert shipment_id not in {s.shipment_id for s in deliveries.incoming_shipments(engine, hospital)}


def test_delivery__rejected_with_a_reason__back_to_the_shipper(demo_platform, demo_chain):
    deployment, reader, _service, _engine = demo_platform
    pharmacy = account_of(demo_chain, "pharmacy12")
    shipment = deliveries.shipment_on_chain(reader, ship(demo_chain, deployment, 2, "pharmacy12"))
    with pytest.raises(deliveries.DeliveryError, match="give the reason"):
        deliveries.prepare_reject(deployment, pharmacy, shipment, "")
    carry_out(deliveries.prepare_reject(deployment, pharmacy, shipment, WAYBILL), RpcSigner(pharmacy, demo_chain.url))
    assert deliveries.shipment_on_chain(reader, shipment.shipment_id).status == ShipmentStatus.REJECTED


def test_shipment_on_chain__no_such_shipment__said(demo_platform):
    _deployment, reader, _service, _engine = demo_platform
    with pytest.raises(deliveries.DeliveryError, match="there is no shipment 99999"):
        deliveries.shipment_on_chain(reader, 99999)
