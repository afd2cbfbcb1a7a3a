"""The Tenders page (AppTest) on the seeded demo chain: a tender's whole life through the page,
each step read back on chain (a hospital publishes it prefilled from the planning link, a supplier
bids from its wallet, another signs a bid that a third account relays, both reveal with the salt
their wallet's signature gives, the hospital awards, the winner posts its security and delivers
through Custody, the hospital accepts, the winner withdraws), the refusals (nobody signed in,
wrong role, a bid over the maximum price, a wrong price at the reveal, a relay after the bid
deadline refused by the contract with its reason), and the page in Russian.

The tests of this module share one demo chain and run in order: each step continues the tender
the first one published."""

import json

import pytest

from dapp.chain.deployment import read_record
from dapp.chain.reader import ChainReader
from dapp.demo import world as demo
from dapp.codes.gs1 import gtin_to_int
from dapp.i18n import _, format_rubles, use_language
from dapp.tenders.client import DAY, HOUR, TenderClient, TenderStage, TenderStatus
from tests.ui.conftest import account_of, catch_up

RUBLE = 100
GTIN = demo.IMMUNOGLOBULIN  # centrpharm holds units of its batch IG0424
QUANTITY = 10
MAX_PRICE = QUANTITY * 1_800 * RUBLE
WINNING = 16_000 * RUBLE
LOSING = 17_000 * RUBLE


def chain_client(demo_chain) -> TenderClient:
    deployment = read_record(int(demo_chain.rpc("eth_chainId"), 16),
                             demo_chain.rpc("eth_getBlockByNumber", "0x0", False)["hash"],
                             demo_chain.data / "deployments")
    return TenderClient.over_rpc(deployment, ChainReader(deployment, demo_chain.url))


def advance(demo_chain, seconds: int) -> None:
    """The chain's clock `seconds` forward, and a block mined at that time."""
    demo_chain.rpc("evm_increaseTime", seconds)
    demo_chain.rpc("evm_mine")


@pytest.fixture(scope="module")
def ours(indexed_demo):
    """The tender this module publishes: {"id": ...} once the first test has published it. The
    node's clock is first brought up to its last block (anvil restarted from a saved state starts
    from the wall clock, which the demo's moved clock is ahead of)."""
    latest = int(indexed_demo.rpc("eth_getBlockByNumber", "latest", False)["timestamp"], 16)
    pending = int(indexed_demo.rpc("eth_getBlockByNumber", "pending", False)["timestamp"], 16)
    if latest >= pending:
        advance(indexed_demo, latest - pending + 1)
    return {}


@pytest.fixture
def page(create_workspace, ours):
    def page(key: str | None, language: str = "en", **query):
        app = create_workspace("tenders", key, language)
        if query:
            for name, value in query.items():
                app.query_params[name] = str(value)
            app.run()
        assert not app.exception, [e.message for e in app.exception]
        return app

    return page


def texts(app) -> str:
    return " ".join(str(e.value) for e in [*app.info, *app.warning, *app.success, *app.error, *app.markdown,
                                          *app.caption])


def errors(app) -> str:
    return " ".join(str(e.value) for e in app.error)


def click(app, key: str):
    app.button(key=key).click()
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    return app


def pick(app, key: str, value):
    app.selectbox(key=key).set_value(value)
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    return app


# --- who sees what ---------------------------------------------------------------------------------


def test_no_one_signed_in__the_open_tenders_and_a_sign_in_note(page, demo_chain):
    app = page(None)
    assert any("Sign in with your wallet" in i.value for i in app.info)
    table = app.dataframe[0].value
    open_ids = [i for i in chain_client(demo_chain).tender_ids()
                if chain_client(demo_chain).state(i).stage == TenderStage.BIDDING]
    assert sorted(table["Tender"]) == sorted(open_ids) and open_ids
    assert not app.main.button  # no action for anyone not signed in


@pytest.mark.parametrize("key", ["pharmacy12", "regulator"])
def test_wrong_role__refused_with_the_public_list_only(page, key):
    app = page(key)
    assert any("This page is for organizations registered as: medical organization, supplier." in w.value
               for w in app.warning), [w.value for w in app.warning]
    assert not [b for b in app.main.button if b.key not in ("relay_go",)]
    assert len(app.dataframe) == 1  # the open tenders


# --- a tender's life ---------------------------------------------------------------------------------


def test_hospital_publishes_a_tender_prefilled_from_the_planning_link(page, demo_chain, ours):
    client = chain_client(demo_chain)
    before = int(client.tenders.tenderCount())
    app = page("gkb1", gtin=GTIN, quantity=QUANTITY, max_price_kopecks=MAX_PRICE)
    assert app.text_input(key="create_gtin").value == GTIN
    assert app.number_input(key="create_quantity").value == QUANTITY
    assert app.number_input(key="create_max_price").value == MAX_PRICE / RUBLE
    click(app, "create_go")
    assert not app.error, errors(app)
    tender_id = before + 1
    assert f"Tender {tender_id} is published." in texts(app)
    state = client.state(tender_id)
    created = client._logs(client.tenders.TenderCreated, tenderId=tender_id)
    assert len(created) == 1 and created[0].hospital == account_of(demo_chain, "gkb1")
    assert (state.hospital, state.gtin, state.quantity, state.max_price) == (
        account_of(demo_chain, "gkb1"), gtin_to_int(GTIN), QUANTITY, MAX_PRICE)
    assert state.stage == TenderStage.BIDDING and state.held == MAX_PRICE
    assert state.bid_security == MAX_PRICE // 100 and state.performance_security_bps == 500
    assert state.bid_deadline - client.now() > 13 * DAY
    ours["id"] = tender_id


def test_a_bid_over_the_maximum_price__refused_in_words(page, demo_chain, ours):
    app = pick(page("centrpharm"), "bid_tender", ours["id"])
    app.number_input(key="bid_price").set_value(MAX_PRICE / RUBLE + 1)
    click(app, "commit_go")
    assert "at most the maximum price" in errors(app)
    assert chain_client(demo_chain).tenders.bid(ours["id"], account_of(demo_chain, "centrpharm")).sequence == 0


def test_supplier_bids_from_its_wallet(page, demo_chain, ours):
    app = pick(page("centrpharm"), "bid_tender", ours["id"])
    app.number_input(key="bid_price").set_value(WINNING / RUBLE)
    click(app, "commit_go")
    assert not app.error, errors(app)
    client = chain_client(demo_chain)
    bid = client.tenders.bid(ours["id"], account_of(demo_chain, "centrpharm"))
    assert bid.sequence != 0 and not bid.revealed
    assert client.state(ours["id"]).commitments == 1


def test_a_signed_bid_relayed_by_another_account(page, demo_chain, ours):
    supplier = account_of(demo_chain, "sibmed")
    app = pick(page("sibmed"), "bid_tender", ours["id"])
    app.number_input(key="bid_price").set_value(LOSING / RUBLE)
    click(app, "sign_go")
    assert not app.error, errors(app)
    signed = json.loads(app.code[0].value)
    assert signed["tender_id"] == ours["id"] and signed["bidder"] == supplier
    assert app.get("download_button")  # the signed bid as a file
    client = chain_client(demo_chain)
    assert client.tenders.bid(ours["id"], supplier).sequence == 0  # nothing sent yet
    relayer = account_of(demo_chain, "rkb")
    balance = int(demo_chain.rpc("eth_getBalance", supplier, "latest"), 16)
    app = page("rkb")
    app.text_area(key="relay_json").set_value(json.dumps(signed))
    click(app, "relay_go")
    assert not app.error, errors(app)
    assert client.tenders.bid(ours["id"], supplier).sequence != 0
    assert int(demo_chain.rpc("eth_getBalance", supplier, "latest"), 16) == balance  # the supplier paid no gas
    ours["signed"] = json.dumps(signed)
    assert relayer != supplier


def test_after_the_bid_deadline__relaying_again_refused_with_the_contracts_reason(page, demo_chain, ours):
    state = chain_client(demo_chain).state(ours["id"])
    advance(demo_chain, state.bid_deadline - chain_client(demo_chain).now() + HOUR)
    assert chain_client(demo_chain).state(ours["id"]).stage == TenderStage.REVEALING
    app = page("rkb")
    app.text_area(key="relay_json").set_value(ours["signed"])
    click(app, "relay_go")
    assert "refused by the contract" in errors(app), errors(app)


def test_reveal_with_a_wrong_price__refused_in_words(page, demo_chain, ours):
    app = pick(page("centrpharm"), "my_tender", ours["id"])
    app.number_input(key="reveal_price").set_value(WINNING / RUBLE + 1)
    click(app, "reveal_go")
    assert "does not open the bid" in errors(app), errors(app)
    assert not chain_client(demo_chain).tenders.bid(ours["id"], account_of(demo_chain, "centrpharm")).revealed


def test_both_reveal_with_the_salt_their_wallet_derives(page, demo_chain, ours):
    client = chain_client(demo_chain)
    for key, price in (("centrpharm", WINNING), ("sibmed", LOSING)):
        app = pick(page(key), "my_tender", ours["id"])
        app.number_input(key="reveal_price").set_value(price / RUBLE)
        click(app, "reveal_go")
        assert not app.error, errors(app)
        bid = client.tenders.bid(ours["id"], account_of(demo_chain, key))
        assert bid.revealed and bid.price == price
    assert client.state(ours["id"]).leader == account_of(demo_chain, "centrpharm")


def test_award__the_hospital_only_until_the_window_ends(page, demo_chain, ours):
    client = chain_client(demo_chain)
    advance(demo_chain, client.state(ours["id"]).reveal_deadline - client.now() + HOUR)
    app = pick(page("centrpharm"), "my_tender", ours["id"])
    assert not [b for b in app.main.button if b.key == "award_go"]  # the customer's turn
    assert "The customer awards until" in texts(app)
    app = pick(page("gkb1"), "my_tender", ours["id"])
    click(app, "award_go")
    assert not app.error, errors(app)
    state = client.state(ours["id"])
    assert state.status == TenderStatus.AWARDED and state.winner == account_of(demo_chain, "centrpharm")
    assert state.price == WINNING


def test_the_winner_posts_its_security(page, demo_chain, ours):
    app = pick(page("centrpharm"), "my_tender", ours["id"])
    click(app, "security_go")
    assert not app.error, errors(app)
    state = chain_client(demo_chain).state(ours["id"])
    assert state.status == TenderStatus.CONTRACTED and state.stage == TenderStage.CONTRACTED


def test_the_winner_delivers_through_custody_and_the_hospital_accepts(page, demo_chain, ours):
    client = chain_client(demo_chain)
    app = pick(page("centrpharm"), "my_tender", ours["id"])
    batches = app.selectbox(key="deliver_batch").options
    assert batches and all(option.startswith("Иммуноглобулин") or "IG0424" in option for option in batches)
    app.number_input(key="deliver_quantity").set_value(QUANTITY)
    click(app, "deliver_go")
    assert not app.error, errors(app)
    shipped = client._logs(client.custody.Shipped, tenderId=ours["id"])
    assert len(shipped) == 1 and shipped[0].quantity == QUANTITY
    assert shipped[0].consignee == account_of(demo_chain, "gkb1")
    catch_up(demo_chain)
    app = pick(page("gkb1"), "my_tender", ours["id"])
    assert app.selectbox(key="accept_shipment").value == int(shipped[0].shipmentId)
    click(app, "accept_go")
    assert not app.error, errors(app)
    state = client.state(ours["id"])
    assert state.delivered == QUANTITY and state.status == TenderStatus.COMPLETED


def test_the_winner_withdraws_what_it_is_owed(page, demo_chain, ours):
    client = chain_client(demo_chain)
    supplier = account_of(demo_chain, "centrpharm")
    owed, balance = int(client.tenders.owed(supplier)), int(client.token.balanceOf(supplier))
    assert owed >= WINNING
    app = page("centrpharm")
    assert format_rubles(owed) in texts(app)
    click(app, "withdraw_go")
    assert not app.error, errors(app)
    assert int(client.tenders.owed(supplier)) == 0
    assert int(client.token.balanceOf(supplier)) == balance + owed


# --- Russian -----------------------------------------------------------------------------------------


def test_russian__amounts_in_rubles_the_russian_way(page, demo_chain):
    app = page("rkb", language="ru")
    with use_language("ru"):
        column = _("Maximum price (НМЦК)")
        title = _("Tenders")
    assert app.title[0].value == title
    prices = list(app.dataframe[0].value[column])
    assert prices and all(price.endswith("₽") and "," in price for price in prices)


# --- cancellation ------------------------------------------------------------------------------------


def test_hospital_cancels_while_bids_are_taken__escrow_owed_back__bid_security_taken_back(page, demo_chain):
    client = chain_client(demo_chain)
    hospital, supplier = account_of(demo_chain, "gkb1"), account_of(demo_chain, "centrpharm")
    tender_id = int(client.tenders.tenderCount()) + 1
    click(page("gkb1", gtin=GTIN, quantity=5, max_price_kopecks=MAX_PRICE), "create_go")
    app = pick(page("centrpharm"), "bid_tender", tender_id)
    click(app, "commit_go")
    assert client.tenders.bid(tender_id, supplier).sequence != 0
    owed = int(client.tenders.owed(hospital))
    app = pick(page("gkb1"), "my_tender", tender_id)
    click(app, "cancel_go")
    assert not app.error, errors(app)
    assert client.state(tender_id).status == TenderStatus.CANCELLED
    assert int(client.tenders.owed(hospital)) == owed + MAX_PRICE  # the escrow, owed back
    balance = int(client.token.balanceOf(supplier))
    app = pick(page("centrpharm"), "my_tender", tender_id)
    click(app, "claim_go")
    assert not app.error, errors(app)
    assert client.tenders.bid(tender_id, supplier).securityReleased
    assert int(client.token.balanceOf(supplier)) + int(client.tenders.owed(supplier)) > balance
