"""The supplier's and manufacturer's workspace (AppTest) on the seeded demo chain, indexed into
its data folder's database: who may see it, registering a product, commissioning a batch from an
uploaded serial list (and the report of a bad list, in Russian too), the label sheet, a shipment
sent and then received or rejected by its consignee, and refusals with the contract's reason."""

import pytest

from dapp.chain.connection import deployment_at
from dapp.chain.reader import ChainReader
from dapp.codes.gs1 import complete_gtin
from dapp.demo import world as demo
from dapp.i18n import _, use_language
from dapp.roles import BatchStatus, ShipmentStatus
from dapp.verification.merkle import SerialTree
from dapp.verification.proofs import ProofStore
from dapp.verification.verdicts import batch_id
from tests.ui.conftest import account_of, catch_up
from tests.ui.test_regulator_page import click, texts


@pytest.fixture
def page(create_workspace):
    """page(key="volga", language="en") → the supplier page, signed in in dev mode as demo `key`."""
    def page(key: str | None = "volga", language: str = "en"):
        return create_workspace("supplier", key, language)

    return page


def reader_of(demo_chain) -> ChainReader:
    return ChainReader(deployment_at(demo_chain.url), demo_chain.url)


def test_hospital__refused_and_nothing_else(page):
    app = page("gkb1")
    assert any("This page is for organizations registered as: manufacturer, distributor, supplier." in w.value
               for w in app.warning), texts(app)
    assert not app.dataframe and not app.main.button and not app.header


def test_distributor__shipments_only(page):
    app = page("centrpharm")
    assert [h.value for h in app.header] == ["Shipments"]


def test_register_product__on_chain(page, demo_chain):
    gtin = complete_gtin("460700112009")
    app = page()
    app.text_input(key="product_gtin").input(gtin)
    app.text_input(key="product_name").input("Лозартан (Losartan)")
    app.text_input(key="product_form").input("таблетки, 50 мг, № 30")
    app.text_area(key="product_characteristics").input("Хранить при температуре не выше 25 °C.")
    app.text_input(key="product_certificate").input("ЛП-009999")
    app.file_uploader(key="product_certificate_files").upload("certificate.pdf", b"%PDF-1.4 certificate", "application/pdf")
    app.run()
    click(app, "product_go")
    assert app.success, texts(app)
    reader = reader_of(demo_chain)
    product = reader.one(reader.call("Resources", "product", int(gtin)))
    assert product.manufacturer == account_of(demo_chain, "volga")
    assert product.name == "Лозартан (Losartan)" and product.certificate_cid
    catch_up(demo_chain)
    app = page()
    assert gtin in set(app.dataframe[0].value["GTIN"])


def test_register_product__another_makers_prefix__refused_with_the_contracts_reason(page, demo_chain):
    gtin = complete_gtin("570212345009")  # under Nordisk's prefix
    app = page()
    app.text_input(key="product_gtin").input(gtin)
    app.text_input(key="product_name").input("Not ours")
    app.text_input(key="product_form").input("tablets")
    app.text_input(key="product_certificate").input("X-1")
    app.run()
    click(app, "product_go")
    assert not app.success
    assert any("Refused by the contract" in e.value or "prefix" in e.value for e in app.error), texts(app)
    reader = reader_of(demo_chain)
    assert reader.one(reader.call("Resources", "product", int(gtin))).manufacturer == "0x" + "0" * 40


def serial_file(count: int, prefix: str) -> bytes:
    return "".join(f"{prefix}{i:08d}\n" for i in range(count)).encode()


def test_commission__a_batch_from_an_uploaded_list__on_chain_with_its_tree(page, demo_chain):
    gtin, lot = demo.METFORMIN, "MF2612T"
    serials = [f"MFT{i:08d}" for i in range(50)]
    app = page()
    app.selectbox(key="batch_product").set_value(gtin)
    app.text_input(key="batch_lot").input(lot)
    app.text_input(key="batch_quality").input("QC-2612/7")
    app.file_uploader(key="batch_serials").upload("serials.txt", serial_file(50, "MFT"), "text/plain")
    app.run()
    assert not app.exception
    root = SerialTree.of(int(gtin), serials).root
    assert any(f"0x{root.hex()}" in s.value and "50 serials, all valid" in s.value for s in app.success), texts(app)
    click(app, "commission_go")
    assert any("Done: transaction" in s.value for s in app.success), texts(app)
    reader = reader_of(demo_chain)
    batch = reader.one(reader.call("Resources", "batch", int(gtin), lot))
    assert BatchStatus(int(batch.status)) == BatchStatus.ACTIVE and int(batch.quantity) == 50
    assert bytes(batch.serials_root) == root
    identifier = batch_id(int(gtin), lot)
    assert int(reader.one(reader.call("Custody", "ledger", identifier)).commissioned) == 50
    assert ProofStore(demo_chain.data / "proofs").root(identifier) == root
    # the same lot again: refused before anything is sent or kept
    click(app, "commission_go")
    assert any("already on the registry" in e.value for e in app.error), texts(app)


@pytest.mark.parametrize("language", ["en", "ru"])
def test_commission__a_bad_list__every_bad_line_reported_and_nothing_sent(page, demo_chain, downloads, language):
    bad = b"GOOD0001\nBAD 0002\n\nGOOD0001\n" + b"X" * 21 + b"\nGOOD0003\n"
    app = page(language=language)
    app.selectbox(key="batch_product").set_value(demo.METFORMIN)
    app.text_input(key="batch_lot").input("MFBAD1")
    app.file_uploader(key="batch_serials").upload("serials.txt", bad, "text/plain")
    app.run()
    assert not app.exception
    [report] = [frame.value for frame in app.dataframe if len(frame.value) == 3]
    assert list(report.iloc[:, 0]) == [2, 4, 5]
    with use_language(language):
        from dapp.codes.gs1 import check_serial
        from dapp.errors import InvalidCodeError

        with pytest.raises(InvalidCodeError) as space:
            check_serial("BAD 0002")
        assert report.iloc[0, 2] == str(space.value)
        assert report.iloc[1, 2] == _("the serial repeats line {first}").format(first=1)
    if language == "ru":
        assert "символ" in report.iloc[0, 2] or "набор" in report.iloc[0, 2], report.iloc[0, 2]
    csv, _mime = downloads["serial-list-problems.csv"]
    assert csv.decode("utf-8-sig").count("\n") == 4  # header + 3 bad lines
    click(app, "commission_go")
    reader = reader_of(demo_chain)
    assert int(reader.one(reader.call("Resources", "batch", int(demo.METFORMIN), "MFBAD1")).status) == 0


def test_label_sheet__a_demo_batch__a_pdf(page, downloads):
    app = page()
    app.selectbox(key="labels_batch").set_value(f"{demo.METFORMIN}/MF2406")
    app.number_input(key="labels_count").set_value(4)
    app.run()
    click(app, "labels_go")
    [button] = [b for b in app.get("download_button") if b.proto.label == "Download the label sheet (PDF)"]
    data, mime = downloads[f"labels-{demo.METFORMIN}-MF2406.pdf"]
    assert mime == "application/pdf" and data.startswith(b"%PDF")


def ship(page, consignee: str, quantity: int, lot: str = "MF2501"):
    app = page("volga")
    identifier = "0x" + batch_id(int(demo.METFORMIN), lot).hex()
    app.selectbox(key="ship_batch").set_value(identifier)
    app.selectbox(key="ship_to").set_value(consignee)
    app.number_input(key="ship_quantity").set_value(quantity)
    app.text_input(key="ship_waybill").input("ТН-2612-01")
    app.run()
    return click(app, "ship_go")


def shipment_status(demo_chain, shipment_id: int) -> ShipmentStatus:
    from dapp.batches.ledger import shipment_terms

    reader = reader_of(demo_chain)
    record = shipment_terms(reader, shipment_id)
    return ShipmentStatus(int(reader.one(reader.call("Custody", "shipmentStatus", shipment_id, record))))


def test_shipment__sent_then_received_by_the_consignee(page, demo_chain):
    centrpharm = account_of(demo_chain, "centrpharm")
    app = ship(page, centrpharm, 7)
    assert any("Done: transaction" in s.value for s in app.success), texts(app)
    catch_up(demo_chain)
    app = page("volga")
    assert "In transit" in texts(app)
    app = page("centrpharm")
    shipment_id = int(app.selectbox(key="incoming_shipment").value)
    assert shipment_status(demo_chain, shipment_id) == ShipmentStatus.IN_TRANSIT
    click(app, "receive_go")
    assert any("Done: transaction" in s.value for s in app.success), texts(app)
    assert shipment_status(demo_chain, shipment_id) == ShipmentStatus.RECEIVED
    catch_up(demo_chain)
    app = page("volga")
    assert "Received" in texts(app)


def test_shipment__rejected_by_the_consignee_with_a_reason(page, demo_chain):
    sibmed = account_of(demo_chain, "sibmed")
    ship(page, sibmed, 3)
    catch_up(demo_chain)
    app = page("sibmed")
    shipment_id = int(app.selectbox(key="incoming_shipment").value)
    click(app, "reject_go")  # no reason: refused in words, nothing sent
    assert any("Say why" in e.value for e in app.error)
    assert shipment_status(demo_chain, shipment_id) == ShipmentStatus.IN_TRANSIT
    app.text_area(key="reject_reason").input("Нарушен температурный режим при перевозке.").run()
    click(app, "reject_go")
    assert any("Done: transaction" in s.value for s in app.success), texts(app)
    assert shipment_status(demo_chain, shipment_id) == ShipmentStatus.REJECTED


def test_shipment__more_than_held__refused_with_the_contracts_reason(page, demo_chain):
    app = ship(page, account_of(demo_chain, "centrpharm"), 100_000)
    assert not app.success
    assert any("refused by the contract" in e.value and "100000 are needed" in e.value for e in app.error), texts(app)


def test_commission__another_makers_product__refused_and_no_tree_kept(page, demo_chain, monkeypatch):
    """The product select lists only one's own products; the library checks it too."""
    from dapp.batches.commissioning import commission_from_list

    reader = reader_of(demo_chain)
    serials = ["A1", "A2"]
    tree = SerialTree.of(int(demo.INSULIN_ASPART), serials)
    monkeypatch.setenv("MEDCHAIN_DATA", str(demo_chain.data))
    with pytest.raises(Exception, match="not registered to you"):
        commission_from_list(reader.deployment, reader, account_of(demo_chain, "volga"), demo.INSULIN_ASPART, "NOTOURS",
                             1, 2, serials, tree, "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku")
    assert not ProofStore(demo_chain.data / "proofs").has(batch_id(int(demo.INSULIN_ASPART), "NOTOURS"))
