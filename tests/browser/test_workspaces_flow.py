"""The workspaces end to end in a real browser (Chromium driven by Playwright), on the seeded demo
chain served by the dApp in dev mode and kept indexed while the browser works:

1. a new supplier (a dev account outside the demo world, signed in with the injected wallet)
   applies for registration on its account page, and the regulator approves it;
2. a manufacturer registers a product and commissions a batch from an uploaded serial list;
3. a hospital publishes a tender; a supplier bids by transaction, the new supplier signs a bid
   (no gas) that another account relays from its file; after the bid deadline each reveals from a
   fresh browser profile (the salt comes again from the wallet's signature); the hospital awards,
   the winner posts its security and ships, the hospital receives the delivery by scanning packs
   and accepts it, the winner withdraws (tests/browser/flows.py, shared with the benchmark);
4. a pharmacy dispenses a scanned pack, and the Verify page then says it was already dispensed.

Each step checks its effect on the chain (ChainReader) as well as what the page says, and keeps a
screenshot (`<name>-en.png` in the test artefacts). The tests share one chain and run in order."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from dapp.codes.gs1 import complete_gtin, gtin_to_int
from dapp.demo import world as demo
from dapp.roles import Role, Status
from dapp.tenders.client import TenderStage, TenderStatus
from dapp.verification.merkle import SerialTree
from dapp.verification.verdicts import Reason, Verifier
from tests.browser.flows import (
    DONE,
    Actor,
    Chain,
    TenderPlan,
    choose,
    close,
    code_of,
    fill,
    keyed,
    open_page,
    pick_many,
    tender_flow,
    transact,
)
from tests.fixtures.browser import screenshot
from tests.fixtures.demo_chain import start_dapp, stop_dapp

NEW_SUPPLIER_INDEX = 12  # a dev account of anvil's the demo world does not use
NEW_SUPPLIER = {"name": "ООО «ФармПоставка-Волга»", "city": "Казань", "inn": demo.inn10("165811223"),
                "ogrn": demo.ogrn("121160012345"), "licence": "Л042-01184-16/00999001"}
NEW_GTIN = complete_gtin("460700112077")  # under volga's company prefix
NEW_LOT = "E2E0001"
SERIALS = [f"E2E{i:08d}" for i in range(1, 21)]
DISPENSED_PACK = code_of(demo.METFORMIN, "MF2406", 130)  # pharmacy12 holds units of MF2406


@pytest.fixture(scope="module")
def flow_world(demo_chain, browser_for):
    """(browser, the dApp's base URL in dev mode, the Chain kept indexed, shared notes)."""
    chain = Chain(demo_chain.url, demo_chain.data)
    chain.sync_clock()
    chain.index()
    process, base = start_dapp(dict(demo_chain.env, MEDCHAIN_DEV_MODE="1"))
    try:
        with chain.indexing():
            yield browser_for(), base, chain, {}
    finally:
        stop_dapp(process)


@pytest.fixture(autouse=True)
def pages_left_open_are_kept(flow_world, request):
    """A step that failed leaves its page open: its screenshot is kept to show why."""
    yield
    browser = flow_world[0]
    for number, page in enumerate(p for context in browser.contexts for p in context.pages):
        screenshot(page, f"flow-failed-{request.node.name}-{number}")
        page.context.close()


def status_of(chain: Chain, account: str):
    found = chain.reader.one(chain.reader.call("Participants", "organization", account))
    return Status(int(found.status)), Role(int(found.roles))


def test_1_a_new_supplier_applies_and_the_regulator_approves_it(flow_world):
    browser, base, chain, notes = flow_world
    account = chain.accounts[NEW_SUPPLIER_INDEX]
    assert account not in {chain.account(o.key) for o in demo.ORGANIZATIONS}
    assert status_of(chain, account)[0] == Status.NONE
    supplier = Actor(NEW_SUPPLIER["name"], account, wallet=True)
    page = open_page(browser, base, "account", supplier, chain)
    keyed(page, "apply_name").wait_for()
    for field in ("name", "city", "inn", "ogrn", "licence"):
        fill(page, f"apply_{field}", NEW_SUPPLIER[field])
    pick_many(page, "apply_roles", "supplier")
    transact(page, "apply_go")
    page.get_by_text("The registry now lists your application").wait_for()
    assert status_of(chain, account)[0] == Status.APPLIED
    calls = [call["method"] for call in page.evaluate("window.__calls")]
    assert "personal_sign" in calls and "eth_sendTransaction" in calls  # signed in and applied by its wallet
    screenshot(page, "flow-1-apply-en")
    close(page)

    chain.index()  # the regulator's list of applications comes from the database
    # The regulator decides at once: in the same second as the application, too (the dev signer's
    # gas margin; an exact estimate ran out of gas then).
    page = open_page(browser, base, "regulator", Actor.demo(chain, "regulator"), chain)
    choose(page, "approve_who", NEW_SUPPLIER["name"])
    pick_many(page, "approve_roles", "supplier")
    transact(page, "approve_go")
    status, roles = status_of(chain, account)
    assert status == Status.ACTIVE and roles == Role.SUPPLIER
    screenshot(page, "flow-1-approved-en")
    close(page)
    notes["supplier"] = supplier


def test_2_a_manufacturer_registers_a_product_and_commissions_a_batch_from_its_serial_list(flow_world):
    browser, base, chain, notes = flow_world
    volga = Actor.demo(chain, "volga")
    page = open_page(browser, base, "supplier", volga, chain)
    page.get_by_text("Register a product").click()
    fill(page, "product_gtin", NEW_GTIN)
    fill(page, "product_name", "Метформин пролонгированный (Metformin XR)")
    fill(page, "product_form", "таблетки пролонгированного действия, 750 мг, № 30")
    fill(page, "product_certificate", "ЛП-009911")
    transact(page, "product_go")
    product = chain.reader.one(chain.reader.call("Resources", "product", gtin_to_int(NEW_GTIN)))
    assert product.manufacturer == volga.account and product.name.startswith("Метформин пролонгированный")
    screenshot(page, "flow-2-product-en")
    close(page)

    chain.index()  # the page lists the manufacturer's products from the database
    page = open_page(browser, base, "supplier", volga, chain)
    choose(page, "batch_product", f"— {NEW_GTIN}")
    fill(page, "batch_lot", NEW_LOT)
    keyed(page, "batch_serials").locator("input[type=file]").set_input_files(
        files=[{"name": "serials.txt", "mimeType": "text/plain", "buffer": "\n".join(SERIALS).encode()}])
    page.get_by_text(f"{len(SERIALS)} serials, all valid").wait_for()
    fill(page, "batch_quality", "QC-E2E-0001")
    transact(page, "commission_go")
    batch = chain.reader.one(chain.reader.call("Resources", "batch", gtin_to_int(NEW_GTIN), NEW_LOT))
    assert batch.manufacturer == volga.account and int(batch.quantity) == len(SERIALS)
    assert bytes(batch.serials_root) == SerialTree.of(gtin_to_int(NEW_GTIN), SERIALS).root
    screenshot(page, "flow-2-batch-en")
    close(page)


def test_3_a_tender_from_its_publication_to_the_winners_withdrawal(flow_world, tmp_path):
    browser, base, chain, notes = flow_world
    gasless = notes.get("supplier")
    if gasless is None:
        pytest.fail("the new supplier was not approved (test 1)")
    chain.mint(gasless.account, 1_000 * 100)  # its bid security, by permit
    hospital, winner = Actor.demo(chain, "gkb1"), Actor.demo(chain, "centrpharm")
    plan = TenderPlan(hospital=hospital, winner=winner, gasless=gasless, relayer=Actor.demo(chain, "rkb"),
                      downloads=tmp_path)
    client = chain.tenders
    before = int(client.tenders.tenderCount())
    owed = balance = None
    for step, page in tender_flow(browser, base, chain, plan):
        client = chain.tenders
        state = client.state(plan.tender_id)
        if step == "published":
            assert plan.tender_id == before + 1
            assert (state.hospital, state.gtin, state.quantity, state.max_price) == (
                hospital.account, gtin_to_int(plan.gtin), plan.quantity, plan.max_price)
            assert state.stage == TenderStage.BIDDING and state.held == plan.max_price
        elif step == "committed":
            bid = client.tenders.bid(plan.tender_id, winner.account)
            assert bid.sequence != 0 and not bid.revealed and state.commitments == 1
        elif step == "signed":
            assert plan.signed_bid["tender_id"] == plan.tender_id and plan.signed_bid["bidder"] == gasless.account
            assert client.tenders.bid(plan.tender_id, gasless.account).sequence == 0  # nothing sent yet
            calls = [call["method"] for call in page.evaluate("window.__calls")]
            assert "eth_sendTransaction" not in calls and calls.count("eth_signTypedData_v4") >= 3
            eth = int(chain.rpc("eth_getBalance", gasless.account, "latest"), 16)
        elif step == "relayed":
            assert client.tenders.bid(plan.tender_id, gasless.account).sequence != 0
            assert state.commitments == 2
            assert int(chain.rpc("eth_getBalance", gasless.account, "latest"), 16) == eth  # it paid no gas
        elif step == "revealed-by-transaction":
            bid = client.tenders.bid(plan.tender_id, winner.account)
            assert state.stage == TenderStage.REVEALING and bid.revealed and bid.price == plan.winning
        elif step == "revealed-gasless":
            bid = client.tenders.bid(plan.tender_id, gasless.account)
            assert bid.revealed and bid.price == plan.losing and state.leader == winner.account
            # a fresh profile: the wallet signed the sealing document again, nothing was kept in the browser
            assert "eth_signTypedData_v4" in [call["method"] for call in page.evaluate("window.__calls")]
        elif step == "awarded":
            assert state.status == TenderStatus.AWARDED and state.winner == winner.account
            assert state.price == plan.winning
        elif step == "secured":
            assert state.status == TenderStatus.CONTRACTED
        elif step == "delivered":
            [shipped] = client._logs(client.custody.Shipped, tenderId=plan.tender_id)
            assert shipped.quantity == plan.quantity and shipped.consignee == hospital.account
        elif step == "received":
            assert plan.shipment_id
            status = int(client.custody.shipmentStatus(plan.shipment_id, client.shipment(plan.shipment_id)))
            assert status == 2, status  # received into the hospital's custody
            assert state.delivered == 0  # not counted toward the tender yet
        elif step == "accepted":
            assert state.delivered == plan.quantity and state.status == TenderStatus.COMPLETED
            owed = int(client.tenders.owed(winner.account))
            balance = int(client.token.balanceOf(winner.account))
            assert owed >= plan.winning
        elif step == "withdrawn":
            assert int(client.tenders.owed(winner.account)) == 0
            assert int(client.token.balanceOf(winner.account)) == balance + owed
        assert page.get_by_text(DONE).count() or step in ("published", "signed", "revealed-gasless"), step
        screenshot(page, f"flow-3-{step}-en")
    assert step == "withdrawn"


def test_4_a_pharmacy_dispenses_a_pack_and_verify_then_says_it_was_dispensed(flow_world, monkeypatch):
    browser, base, chain, notes = flow_world
    monkeypatch.setenv("MEDCHAIN_DATA", str(chain.data))  # the Verifier reads the deployment record there
    assert Verifier.at(chain.url).verify_text(DISPENSED_PACK).genuine
    page = open_page(browser, base, "hospital", Actor.demo(chain, "pharmacy12"), chain)
    page.get_by_role("tab", name="Dispense or write off").click()
    fill(page, "pack_scan_typed", DISPENSED_PACK)
    form = page.get_by_test_id("stForm").filter(has=keyed(page, "pack_scan_typed"))
    form.get_by_role("button", name="Check").click()
    keyed(page, "pack_reason").wait_for()
    transact(page, "decommission_go")
    page.get_by_text("Dispensed by this organization: it can be undone until").wait_for()
    after = Verifier.at(chain.url).verify_text(DISPENSED_PACK)
    assert Reason.ALREADY_DISPENSED in after.reasons
    screenshot(page, "flow-4-dispensed-en")
    close(page)

    page = open_page(browser, base, f"verify?code={quote(DISPENSED_PACK)}", None, chain)
    verdict = page.locator(".medchain-verdict")
    verdict.wait_for()
    assert "SUSPECT" in verdict.inner_text()
    page.get_by_text(re.compile("already dispensed")).first.wait_for()
    screenshot(page, "flow-4-verify-dispensed-en")
    close(page)
