"""The supplier's and manufacturer's workspace (AppTest) on the seeded demo chain, indexed into
its data folder's database: who may see it, registering a product, commissioning a batch from an
uploaded serial list (and the report of a bad list, in Russian too), the label sheet, a shipment
sent and then received or rejected by its consignee, and refusals with the contract's reason."""

import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from dapp.chain.connection import deployment_at
from dapp.chain.reader import ChainReader
from dapp.codes.gs1 import complete_gtin
from dapp.demo import world as demo
from dapp.i18n import _, use_language
from dapp.roles import BatchStatus, Role, ShipmentStatus
from dapp.verification.merkle import SerialTree
from dapp.verification.proofs import ProofStore
from dapp.verification.verdicts import batch_id
from tests.ui.conftest import account_of, catch_up


@pytest.fixture
def page(create_workspace):
    """page(key="volga", language="en") → the supplier page, signed in in dev mode as demo `key`."""
    def page(key: str | None = "volga", language: str = "en"):
        return create_workspace("supplier", key, language)

    return page


@pytest.fixture
def downloads(monkeypatch):
    """What the page handed to download buttons: [(bytes, mimetype, filename)]."""
    kept = []
    original = MemoryMediaFileStorage.load_and_get_id

    def keep(self, path_or_data, mimetype, kind, filename=None):
        kept.append((path_or_data, mimetype, filename))
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", keep)
    return kept


def reader_of(demo_chain) -> ChainReader:
    return ChainReader(deployment_at(demo_chain.url), demo_chain.url)


def texts(app) -> str:
    return " ".join(str(e.value) for e in [*app.info, *app.warning, *app.success, *app.error, *app.markdown])


def click(app, key: str):
    app.button(key=key).click()
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    return app


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
