"""`ape run custody ...` and `ape run products labels` on the seeded demo chain (one for the module):
each command once through to its effect on chain, read back; the refusals (a shipment to someone
else, a pack not of the shipment, a pack of a batch not held, a malformed code); the label sheet."""

import pytest

from dapp.actions import custody
from dapp.chain.connection import deployment_at
from dapp.chain.reader import ChainReader
from dapp.chain.signers import RpcSigner, carry_out
from dapp.custody.deliveries import shipment_on_chain
from dapp.demo import world as demo
from dapp.roles import ShipmentStatus
from dapp.verification.merkle import leaf_hash
from dapp.verification.verdicts import Reason, Verifier, batch_id
from tests.fixtures.anvil import ape_run
from tests.ui.conftest import account_of, catch_up


@pytest.fixture(scope="module", autouse=True)
def demo_data(demo_chain):
    """This process reads the demo chain's deployment record (its data folder) too."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MEDCHAIN_DATA", str(demo_chain.data))
        yield


def as_org(key: str) -> str:
    """The Ape test account of demo organization `key` (the same dev keys as anvil's)."""
    return f"TEST::{demo.organization(key).account_index}"


def code_of(gtin: str, lot: str, index: int) -> str:
    return f"(01){gtin}(21){demo.batch_serials(gtin, lot)[index]}(10){lot}"


def unit_reason(demo_chain, gtin: str, lot: str, index: int) -> int:
    reader = ChainReader(deployment_at(demo_chain.url), demo_chain.url)
    leaf = leaf_hash(int(gtin), demo.batch_serials(gtin, lot)[index])
    return int(reader.one(reader.call("Custody", "unit", batch_id(int(gtin), lot), leaf)).reason)


def status_of(demo_chain, shipment_id: int) -> ShipmentStatus:
    return shipment_on_chain(ChainReader(deployment_at(demo_chain.url), demo_chain.url), shipment_id).status


@pytest.fixture(scope="module")
def shipped(demo_chain, tmp_path_factory):
    """`ape run custody ship`: 4 units of IG0424 from centrpharm to gkb1, indexed; (shipment id, output)."""
    waybill = tmp_path_factory.mktemp("files") / "waybill.txt"
    waybill.write_text("ТН № 1207 от 01.07.2026")
    out = ape_run(["custody", "ship", "--gtin", demo.IMMUNOGLOBULIN, "--lot", "IG0424", "--to",
                   account_of(demo_chain, "gkb1"), "--quantity", "4", "--waybill", str(waybill)],
                  demo_chain.env, account=as_org("centrpharm"))
    catch_up(demo_chain)
    shipment_id = int(out.split("Shipment ")[1].split(":")[0])
    return shipment_id, out


def test_ship__in_transit_on_chain_with_its_terms(demo_chain, shipped):
    shipment_id, out = shipped
    shipment = shipment_on_chain(ChainReader(deployment_at(demo_chain.url), demo_chain.url), shipment_id)
    assert shipment.status == ShipmentStatus.IN_TRANSIT
    assert (shipment.batch_id, shipment.consignee, shipment.quantity) == (
        batch_id(int(demo.IMMUNOGLOBULIN), "IG0424"), account_of(demo_chain, "gkb1"), 4)
    assert f"`ape run custody receive {shipment_id}`" in out


def test_incoming__lists_the_shipment_from_the_index(demo_chain, shipped):
    shipment_id, _ = shipped
    out = ape_run(["custody", "incoming", "--database", f"sqlite:///{demo_chain.data / 'platform.db'}"],
                  demo_chain.env, account=as_org("gkb1"))
    [row] = [line for line in out.splitlines() if line.strip().startswith(f"{shipment_id} ")]
    assert demo.IMMUNOGLOBULIN in row and "IG0424" in row and " 4 " in row
    assert demo.organization("centrpharm").name in row


def test_receive__a_shipment_to_someone_else__refused_in_words(demo_chain, shipped):
    shipment_id, _ = shipped
    out = ape_run(["custody", "receive", str(shipment_id), "--scan", code_of(demo.IMMUNOGLOBULIN, "IG0424", 30)],
                  demo_chain.env, account=as_org("pharmacy12"), expect_success=False)
    assert (f"Error: shipment {shipment_id} is sent to {account_of(demo_chain, 'gkb1')}, not to "
            f"{account_of(demo_chain, 'pharmacy12')}") in out
    assert status_of(demo_chain, shipment_id) == ShipmentStatus.IN_TRANSIT


def test_receive__a_pack_of_another_batch__refused_nothing_sent(demo_chain, shipped):
    shipment_id, _ = shipped
    out = ape_run(["custody", "receive", str(shipment_id), "--scan", code_of(demo.IMMUNOGLOBULIN, "IG0424", 30),
                   "--scan", code_of(demo.SYRINGE, "SY24031", 250)],
                  demo_chain.env, account=as_org("gkb1"), expect_success=False)
    assert "genuine, of this shipment" in out
    assert f"the pack is of {demo.SYRINGE}/SY24031, the shipment of {demo.IMMUNOGLOBULIN}/IG0424" in out
    assert "1 of the scanned packs do not belong to this shipment" in out
    assert status_of(demo_chain, shipment_id) == ShipmentStatus.IN_TRANSIT


def test_receive__packs_of_the_shipment_scanned__received_on_chain(demo_chain, shipped):
    shipment_id, _ = shipped
    out = ape_run(["custody", "receive", str(shipment_id), "--scan", code_of(demo.IMMUNOGLOBULIN, "IG0424", 30),
                   "--scan", code_of(demo.IMMUNOGLOBULIN, "IG0424", 31)], demo_chain.env, account=as_org("gkb1"))
    assert out.count("genuine, of this shipment") == 2
    assert f"Shipment {shipment_id}: 4 units received by {account_of(demo_chain, 'gkb1')}" in out
    assert status_of(demo_chain, shipment_id) == ShipmentStatus.RECEIVED


def test_reject__with_a_reason__rejected_on_chain(demo_chain):
    deployment = deployment_at(demo_chain.url)
    sender = account_of(demo_chain, "centrpharm")
    sent = carry_out(custody.ship(deployment, sender, batch_id(int(demo.IMMUNOGLOBULIN), "IG0424"),
                                  account_of(demo_chain, "pharmacy12"), 2,
                                  "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"),
                     RpcSigner(sender, demo_chain.url))
    shipment_id = int(sent.shipmentId)
    out = ape_run(["custody", "reject", str(shipment_id), "--reason", "Packs of another product in the box."],
                  demo_chain.env, account=as_org("pharmacy12"))
    assert f"Shipment {shipment_id} rejected: its 2 units go back to {sender}" in out
    assert status_of(demo_chain, shipment_id) == ShipmentStatus.REJECTED


def test_ship__a_batch_not_held__the_contracts_reason(demo_chain, tmp_path):
    (tmp_path / "waybill.txt").write_text("ТН № 1")
    out = ape_run(["custody", "ship", "--gtin", demo.INSULIN_ASPART, "--lot", "NA5K221", "--to",
                   account_of(demo_chain, "rkb"), "--quantity", "1", "--waybill", str(tmp_path / "waybill.txt")],
                  demo_chain.env, account=as_org("gkb1"), expect_success=False)
    assert "refused by the contract" in out and "holds 0 units of the batch, 1 are needed" in out
    assert "Call trace" not in out


def test_dispense_then_undo__the_unit_out_of_circulation_then_back(demo_chain):
    gtin, lot, index = demo.METFORMIN, "MF2406", 60
    code = code_of(gtin, lot, index)
    out = ape_run(["custody", "dispense", code], demo_chain.env, account=as_org("gkb1"))
    assert f"Pack {gtin}/{lot}/{demo.batch_serials(gtin, lot)[index]}: GENUINE" in out
    assert "dispensed by" in out and "can be undone until" in out
    assert unit_reason(demo_chain, gtin, lot, index) == int(custody.Decommission.DISPENSED)
    assert Reason.ALREADY_DISPENSED in Verifier.at(demo_chain.url).verify_text(code).reasons

    out = ape_run(["custody", "undo-dispense", code], demo_chain.env, account=as_org("gkb1"))
    assert "is back in the stock of" in out
    assert unit_reason(demo_chain, gtin, lot, index) == 0
    assert Verifier.at(demo_chain.url).verify_text(code).genuine


def test_destroy__written_off_on_chain(demo_chain):
    gtin, lot, index = demo.SYRINGE, "SY24031", 41
    out = ape_run(["custody", "destroy", code_of(gtin, lot, index)], demo_chain.env, account=as_org("gkb1"))
    assert "destroyed by" in out
    assert unit_reason(demo_chain, gtin, lot, index) == int(custody.Decommission.DESTROYED)


def test_stolen__a_label_photo__reported_stolen_on_chain(demo_chain):
    genuine = next(c for c in demo.DEMO_CODES if c.case == "genuine")  # MF2406, held by pharmacy12
    out = ape_run(["custody", "stolen", str(demo_chain.labels / "genuine.png")], demo_chain.env,
                  account=as_org("pharmacy12"))
    assert "reported stolen by" in out
    assert unit_reason(demo_chain, genuine.gtin, genuine.lot, genuine.serial_index) == int(custody.Decommission.STOLEN)


def test_dispense__a_batch_not_held__the_contracts_reason_nothing_written(demo_chain):
    gtin, lot, index = demo.INSULIN_ASPART, "NA5K221", 12  # held by sibmed and rkb, never by gkb1
    out = ape_run(["custody", "dispense", code_of(gtin, lot, index)], demo_chain.env, account=as_org("gkb1"),
                  expect_success=False)
    assert "never held this batch" in out  # the verdict, printed first
    assert "holds 0 units of the batch, 1 are needed" in out
    assert unit_reason(demo_chain, gtin, lot, index) == 0


def test_dispense__a_malformed_code__said_in_words(demo_chain):
    out = ape_run(["custody", "dispense", "hello"], demo_chain.env, account=as_org("gkb1"), expect_success=False)
    assert "Error: not a GS1 code" in out


def test_products_labels__a_pdf_of_the_chosen_serials(demo_chain, tmp_path):
    sheet = tmp_path / "labels.pdf"
    out = ape_run(["products", "labels", "--gtin", demo.METFORMIN, "--lot", "MF2406", "--first", "3", "--count", "4",
                   "--pdf", str(sheet)], demo_chain.env, account=None)
    data = sheet.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert f"serials 3 to 6 of {len(demo.batch_serials(demo.METFORMIN, 'MF2406'))}" in out


def test_products_labels__a_serial_list_not_the_batchs__refused(demo_chain, tmp_path):
    (tmp_path / "serials.txt").write_text("A1\nB2\n")
    out = ape_run(["products", "labels", "--gtin", demo.METFORMIN, "--lot", "MF2406", "--serials",
                   str(tmp_path / "serials.txt"), "--pdf", str(tmp_path / "x.pdf")], demo_chain.env, account=None,
                  expect_success=False)
    assert "is not the serial list of batch" in out
    assert not (tmp_path / "x.pdf").exists()
