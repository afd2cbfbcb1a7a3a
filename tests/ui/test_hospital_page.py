"""The hospital's and pharmacy's workspace (AppTest) on the seeded demo chain, indexed into its data
folder's database: who may see it, the stock with its alerts and CSV, the quarterly turnover report
(table, chart, CSV, PDF), purchase planning and its tender link, receiving a delivery after
scanning its packs (a pack of another batch refused in words), dispensing a scanned pack (Verify
then says it was dispensed) and undoing it, a pack of a batch the organization does not hold
refused by the contract, Russian."""

import csv
import io
from urllib.parse import parse_qs

import pandas as pd
import pytest

from dapp.actions import custody
from dapp.chain.connection import deployment_at
from dapp.chain.reader import ChainReader
from dapp.chain.signers import RpcSigner, carry_out
from dapp.custody.deliveries import shipment_on_chain
from dapp.demo import world as demo
from dapp.i18n import _, use_language
from dapp.roles import ShipmentStatus
from dapp.reports.turnover import Quarter
from dapp.verification.merkle import leaf_hash
from dapp.verification.verdicts import Reason, Verifier, batch_id
from tests.ui.conftest import account_of, as_jpeg, catch_up


@pytest.fixture
def page(create_workspace):
    """page(key="gkb1", language="en") → the hospital page, signed in in dev mode as demo `key`."""
    def page(key: str | None = "gkb1", language: str = "en"):
        return create_workspace("hospital", key, language)

    return page


def texts(app) -> str:
    return " ".join(str(e.value) for e in [*app.info, *app.warning, *app.success, *app.error, *app.markdown])


def ok(app):
    assert not app.exception, [e.message for e in app.exception]
    return app


def click(app, key: str):
    app.button(key=key).click()
    return ok(app.run())


def code_of(gtin: str, lot: str, index: int) -> str:
    return f"(01){gtin}(21){demo.batch_serials(gtin, lot)[index]}(10){lot}"


def scan(app, where: str, text: str):
    """Types `text` into the scan form `where` ("delivery_scan" or "pack_scan") and submits it."""
    field = app.text_area(key=f"{where}_typed") if where == "delivery_scan" else app.text_input(key=f"{where}_typed")
    field.input(text)
    [submit] = [b for b in app.button if b.proto.form_id == f"{where}_form"]
    submit.click()
    return ok(app.run())


def reader_of(demo_chain) -> ChainReader:
    return ChainReader(deployment_at(demo_chain.url), demo_chain.url)


def ship_to(demo_chain, shipper: str, consignee: str, gtin: str, lot: str, quantity: int) -> int:
    """A shipment left in transit on the demo chain, indexed; its id."""
    deployment = deployment_at(demo_chain.url)
    sender = account_of(demo_chain, shipper)
    action = custody.ship(deployment, sender, batch_id(int(gtin), lot), account_of(demo_chain, consignee), quantity,
                          "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy")
    shipped = carry_out(action, RpcSigner(sender, demo_chain.url))
    catch_up(demo_chain)
    return int(shipped.shipmentId)


# --- access ------------------------------------------------------------------------------------


def test_no_one_signed_in__told_to_sign_in_and_nothing_else(page):
    app = page(key=None)
    assert any("Sign in with your wallet" in i.value for i in app.info)
    assert not app.dataframe and not app.main.button and not app.subheader


def test_manufacturer__refused_and_nothing_else(page):
    app = page("volga")
    assert any("This page is for organizations registered as: medical organization, pharmacy." in w.value
               for w in app.warning), [w.value for w in app.warning]
    assert not app.dataframe and not app.main.button and not app.subheader


# --- stock, turnover, planning -------------------------------------------------------------------


@pytest.mark.parametrize("key", ["gkb1", "pharmacy12"])
def test_stock__seeded_holdings_per_product_and_batch__csv(page, downloads, key):
    app = page(key)
    per_product = next(f.value for f in app.dataframe if "Usable" in f.value.columns and "Total" in f.value.columns)
    assert demo.METFORMIN in set(per_product["GTIN"])
    metformin = per_product[per_product["GTIN"] == demo.METFORMIN].iloc[0]
    assert metformin["Usable"] == (130 if key == "gkb1" else 55)  # received 80 + 60 (the completed tender) / 60, dispensed 10 / 5
    rows = list(csv.DictReader(io.StringIO(downloads["stock.csv"][0].decode("utf-8"))))
    assert {row["Lot"] for row in rows} >= {"MF2406"}
    assert sum(int(row["Units"]) for row in rows if row["Lot"] == "MF2406") == metformin["Usable"]


def test_stock__reserves_against_the_norms(page):
    app = page("gkb1")
    [reserves] = [f.value for f in app.dataframe if "Norm (minimum balance)" in f.value.columns]
    levels = dict(zip(reserves["GTIN"], reserves["Level"]))
    assert levels[demo.METFORMIN] == "below the norm" and levels[demo.SYRINGE] == "ok"
    assert any(w.value.startswith("Under the norm:") for w in app.warning)


def test_stock__expired_batch__alert_in_red(page):
    app = page("rkb")  # holds the demo's expired paracetamol
    assert any("Expired, do not use, write off:" in e.value and "PC2312" in e.value for e in app.error), texts(app)
    batches = next(f.value for f in app.dataframe if "Alert" in f.value.columns)
    assert batches[batches["Lot"] == "PC2312"]["Alert"].iloc[0] == "expired"


def test_turnover__quarter_table_chart_csv_and_pdf(page, downloads):
    app = page("gkb1")
    table = next(f.value for f in app.dataframe if "97 %\u00a0rule" in f.value.columns)
    assert demo.METFORMIN in set(table["GTIN"])
    assert app.get("arrow_vega_lite_chart") or app.get("vega_lite_chart")
    [csv_name] = [name for name in downloads if name.startswith("turnover-") and name.endswith(".csv")]
    rows = list(csv.DictReader(io.StringIO(downloads[csv_name][0].decode("utf-8"))))
    assert {row["gtin"] for row in rows} == set(table["GTIN"])
    assert all(row["below_97_percent"] in ("yes", "no") for row in rows)
    [pdf_name] = [name for name in downloads if name.endswith(".pdf")]
    assert downloads[pdf_name][0].startswith(b"%PDF")
    flagged = table[table["97 %\u00a0rule"] == "BELOW"]
    assert set(flagged["GTIN"]) == {demo.METFORMIN, demo.INSULIN_GLARGINE}  # lowest 130 of 200, 0 of 20
    assert {row["gtin"] for row in rows if row["below_97_percent"] == "yes"} == set(flagged["GTIN"])
    assert any("Below the 97 %\u00a0rule" in e.value for e in app.error)


def test_turnover__another_quarter__chosen__its_report(page, downloads):
    app = page("gkb1")
    quarters = app.selectbox(key="turnover_quarter").options
    oldest = Quarter.parse(quarters[-1])
    downloads.clear()
    app.selectbox(key="turnover_quarter").set_value(oldest)
    ok(app.run())
    assert app.selectbox(key="turnover_quarter").value == oldest
    assert (f"turnover-{oldest.year}Q{oldest.number}.csv" in downloads
            or any(f"No movements and no norms in {oldest}" in i.value for i in app.info))


def test_planning__what_to_buy_with_price_or_why_not__csv_and_tender_link(page, downloads):
    app = page("gkb1")
    plan = next(f.value for f in app.dataframe if "Order (units)" in f.value.columns)
    metformin = plan[plan["GTIN"] == demo.METFORMIN].iloc[0]  # under its norm of 200; four price sources
    assert metformin["Order (units)"] > 0 and metformin["Maximum unit price (rubles)"] > 0
    assert "market-price method" in metformin["How the price was set"]
    glargine = plan[plan["GTIN"] == demo.INSULIN_GLARGINE].iloc[0]  # its delivery was rejected; two quotes
    assert pd.isna(glargine["Maximum unit price (rubles)"])
    assert "No maximum price: only 2 price sources" in texts(app)
    rows = list(csv.DictReader(io.StringIO(downloads["purchase-plan.csv"][0].decode("utf-8"))))
    assert [row["GTIN"] for row in rows] == list(plan["GTIN"])
    [link] = app.get("page_link")  # only the priced purchase can become a tender
    assert link.proto.page.endswith("tenders")
    query = parse_qs(link.proto.query_string)
    quantity = int(metformin["Order (units)"])
    assert query == {"gtin": [demo.METFORMIN], "quantity": [str(quantity)],
                     "max_price_kopecks": [str(round(metformin["Maximum unit price (rubles)"] * 100) * quantity)]}


def test_planning__pharmacy__no_price_set_says_why(page):
    app = page("pharmacy12")
    plan = next(f.value for f in app.dataframe if "Order (units)" in f.value.columns)
    assert list(plan["GTIN"]) == [demo.AMOXICILLIN]
    assert "prices vary too much" in plan["How the price was set"].iloc[0]
    assert not app.get("page_link")


# --- receiving a delivery ------------------------------------------------------------------------


def test_delivery__matching_packs_scanned__received_on_chain(page, demo_chain):
    shipment_id = ship_to(demo_chain, "centrpharm", "gkb1", demo.IMMUNOGLOBULIN, "IG0424", 5)
    app = page("gkb1")
    [listed] = [f.value for f in app.dataframe if "Shipment" in f.value.columns]
    shown = listed[listed["Shipment"] == shipment_id].iloc[0]
    assert (shown["GTIN"], shown["Lot"], shown["Units"]) == (demo.IMMUNOGLOBULIN, "IG0424", 5)
    assert shown["From"] == demo.organization("centrpharm").name
    app.selectbox(key="delivery_shipment").set_value(shipment_id).run()
    click(app, "receive_go")  # nothing scanned yet: refused in words, nothing sent
    assert any("scan at least one pack" in e.value for e in app.error)
    scan(app, "delivery_scan", "\n".join(code_of(demo.IMMUNOGLOBULIN, "IG0424", i) for i in (30, 31)))
    assert sum("genuine, of this shipment" in s.value for s in app.success) == 2, texts(app)
    click(app, "receive_go")
    assert any("Done: transaction" in s.value for s in app.success), texts(app)
    assert shipment_on_chain(reader_of(demo_chain), shipment_id).status == ShipmentStatus.RECEIVED
    catch_up(demo_chain)
    app = page("gkb1")
    assert not any(shipment_id in set(f.value["Shipment"]) for f in app.dataframe if "Shipment" in f.value.columns)


def test_delivery__a_pack_of_another_batch__refused_in_words_then_rejected(page, demo_chain):
    shipment_id = ship_to(demo_chain, "centrpharm", "pharmacy12", demo.IMMUNOGLOBULIN, "IG0424", 3)
    app = page("pharmacy12")
    app.selectbox(key="delivery_shipment").set_value(shipment_id).run()
    scan(app, "delivery_scan", code_of(demo.SYRINGE, "SY24031", 250))
    assert any(f"the pack is of {demo.SYRINGE}/SY24031, the shipment of {demo.IMMUNOGLOBULIN}/IG0424" in e.value
               for e in app.error), texts(app)
    click(app, "receive_go")
    assert any("do not belong to this shipment" in e.value and "reject the delivery" in e.value for e in app.error)
    assert shipment_on_chain(reader_of(demo_chain), shipment_id).status == ShipmentStatus.IN_TRANSIT
    click(app, "reject_go")  # no reason given
    assert any("Give the reason" in e.value for e in app.error)
    app.text_input(key="reject_reason").input("Packs of another product in the box.").run()
    click(app, "reject_go")
    assert any("Done: transaction" in s.value for s in app.success), texts(app)
    assert shipment_on_chain(reader_of(demo_chain), shipment_id).status == ShipmentStatus.REJECTED


def test_delivery__a_stolen_pack_in_the_box__refused_in_words(page, demo_chain):
    shipment_id = ship_to(demo_chain, "centrpharm", "gkb1", demo.IMMUNOGLOBULIN, "IG0424", 2)
    app = page("gkb1")
    app.selectbox(key="delivery_shipment").set_value(shipment_id).run()
    scan(app, "delivery_scan", code_of(demo.IMMUNOGLOBULIN, "IG0424", 3))  # reported stolen in the demo
    assert any("does not belong to this shipment" in e.value and "stolen" in e.value
               for e in app.error), texts(app)


# --- dispensing, undoing, refusals ----------------------------------------------------------------


def test_dispense__scanned_pack__verify_says_dispensed__then_undone(page, demo_chain):
    code = code_of(demo.METFORMIN, "MF2406", 60)
    assert Verifier.at(demo_chain.url).verify_text(code).genuine
    app = page("gkb1")
    scan(app, "pack_scan", code)
    assert any("GENUINE" in s.value or "genuine" in s.value.lower() for s in app.success), texts(app)
    app.radio(key="pack_reason").set_value(custody.Decommission.DISPENSED).run()
    click(app, "decommission_go")
    assert any("Done: transaction" in s.value for s in app.success), texts(app)
    after = Verifier.at(demo_chain.url).verify_text(code)
    assert Reason.ALREADY_DISPENSED in after.reasons
    assert any("can be undone until" in i.value for i in app.info), texts(app)
    click(app, "undo_go")
    assert sum("Done: transaction" in s.value for s in app.success) == 2, texts(app)
    again = Verifier.at(demo_chain.url).verify_text(code)
    assert again.genuine and again.unit["state"] == "in circulation"


def test_destroy__scanned_pack__written_off_on_chain(page, demo_chain):
    gtin, lot = demo.SYRINGE, "SY24031"
    code = code_of(gtin, lot, 40)
    app = page("gkb1")
    scan(app, "pack_scan", code)
    app.radio(key="pack_reason").set_value(custody.Decommission.DESTROYED).run()
    click(app, "decommission_go")
    assert any("Done: transaction" in s.value for s in app.success), texts(app)
    reader = reader_of(demo_chain)
    state = reader.one(reader.call("Custody", "unit", batch_id(int(gtin), lot), leaf_hash(int(gtin), demo.batch_serials(gtin, lot)[40])))
    assert int(state.reason) == int(custody.Decommission.DESTROYED)


def test_dispense__a_batch_not_held__refused_with_the_contracts_reason(page, demo_chain):
    code = code_of(demo.INSULIN_ASPART, "NA5K221", 12)  # held by sibmed and rkb, never by gkb1
    app = page("gkb1")
    scan(app, "pack_scan", code)
    assert any("never held this batch" in m.value for m in app.markdown), texts(app)
    click(app, "decommission_go")
    assert any("holds 0 units of the batch, 1 are needed" in e.value for e in app.error), texts(app)
    assert Verifier.at(demo_chain.url).verify_text(code).genuine


def test_undo__a_pack_not_dispensed__refused_with_the_contracts_reason(page):
    app = page("gkb1")
    scan(app, "pack_scan", code_of(demo.METFORMIN, "MF2406", 61))
    click(app, "undo_go")
    assert any("Refused" in e.value or "not dispensed" in e.value for e in app.error), texts(app)


def test_scan__not_a_code__said_in_words(page):
    app = page("gkb1")
    scan(app, "pack_scan", "hello")
    assert any("This is not a pack's code" in e.value for e in app.error)


def test_russian__the_page_and_a_refusal_in_russian(page, demo_chain):
    app = page("pharmacy12", language="ru")
    scan(app, "pack_scan", code_of(demo.INSULIN_ASPART, "NA5K221", 13))
    click(app, "decommission_go")
    with use_language("ru"):
        assert app.title[0].value == _("Hospital's workspace") != "Hospital's workspace"
        needed = _("{holder} holds {balance} units of the batch, {needed} are needed").format(
            holder=account_of(demo_chain, "pharmacy12"), balance=0, needed=1)
    assert needed != f"{account_of(demo_chain, 'pharmacy12')} holds 0 units of the batch, 1 are needed"
    assert any(needed in e.value for e in app.error), [e.value for e in app.error]


def test_photo__a_pack_to_dispense__its_verdict(page, demo_chain):
    app = page("pharmacy12")
    app.segmented_control(key="pack_scan_mode").set_value("photo").run()
    app.file_uploader(key="pack_scan_upload").upload("genuine.png", (demo_chain.labels / "genuine.png").read_bytes(),
                                                     "image/png")
    ok(app.run())
    genuine = next(c for c in demo.DEMO_CODES if c.case == "genuine")
    assert any(s.value.startswith("GENUINE") for s in app.success), texts(app)
    assert any(f"{genuine.gtin}/{genuine.lot}/" in c.value for c in app.caption)


def test_camera__a_stolen_pack_in_a_delivery__refused_in_words(page, demo_chain):
    shipment_id = ship_to(demo_chain, "centrpharm", "gkb1", demo.IMMUNOGLOBULIN, "IG0424", 1)
    app = page("gkb1")
    app.selectbox(key="delivery_shipment").set_value(shipment_id).run()
    app.segmented_control(key="delivery_scan_mode").set_value("camera").run()
    app.camera_input(key="delivery_scan_camera").upload("label.jpg", as_jpeg(demo_chain.labels / "stolen.png"))
    ok(app.run())
    assert any("does not belong to this shipment" in e.value and "stolen" in e.value for e in app.error), texts(app)
