"""The workspaces driven in a real browser (Playwright over Debian's Chromium): the steps of the
platform's flows as a person does them on the pages, shared by the end-to-end test
(tests/browser/test_workspaces_flow.py) and the benchmark (bench/browser_tender_flow.py) so the two
cannot drift apart.

Actors act either in dev mode ("Act as" a demo organization in the sidebar; the dApp must run with
MEDCHAIN_DEV_MODE=1 on the local chain) or through the fake EIP-1193 wallet injected into the page
(tests/browser/test_wallet.py FAKE_WALLET), whose requests anvil's unlocked dev accounts answer
(`eth_signTypedData_v4` signs deterministically, so a bid's salt comes back the same from a fresh
browser profile). Every step waits for what the page shows, never for a fixed time.

The chain's waits (moving its clock past a deadline, waiting for the indexer) are `Chain` methods
run under `Stopwatch.paused()`: the benchmark counts the browser's seconds only.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import requests
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from eth_utils import keccak, to_checksum_address

from dapp.chain.deployment import read_record
from dapp.chain.reader import ChainReader
from dapp.demo import world as demo
from dapp.tenders.client import HOUR, TenderClient

TIMEOUT_MS = 180_000  # a step on a busy machine: a page's run, a dry run, a transaction mined
CHAIN_ID = "0x7a69"
DONE = re.compile(r"Done: transaction 0x[0-9a-fA-F]{64} in block \d+")
RUBLE = 100


# --- the chain ---------------------------------------------------------------------------------


@dataclass
class Chain:
    """The demo chain the dApp serves: its node, its data folder (the indexed database the pages
    read is `<data>/platform.db`), and the waits that are the chain's, not the browser's."""

    url: str
    data: Path
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def rpc(self, method: str, *params):
        answer = requests.post(self.url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)},
                               timeout=30).json()
        assert "error" not in answer, answer
        return answer["result"]

    @property
    def accounts(self) -> list[str]:
        return [to_checksum_address(a) for a in self.rpc("eth_accounts")]

    def account(self, key: str) -> str:
        """The account of demo organization `key`."""
        return self.accounts[demo.organization(key).account_index]

    @cached_property
    def deployment(self):
        return read_record(int(self.rpc("eth_chainId"), 16), self.rpc("eth_getBlockByNumber", "0x0", False)["hash"],
                           self.data / "deployments")

    @property
    def reader(self) -> ChainReader:
        return ChainReader(self.deployment, self.url)

    @property
    def tenders(self) -> TenderClient:
        return TenderClient.over_rpc(self.deployment, self.reader)

    def index(self) -> None:
        """Indexes the chain up to its head into `<data>/platform.db` (what the pages list)."""
        from tests.ui.conftest import catch_up

        with self._lock:
            catch_up(self)

    @contextlib.contextmanager
    def indexing(self, every: float = 0.5):
        """Keeps the database indexed while the browser works (as `make run`'s indexer does)."""
        stop = threading.Event()

        def run():
            while not stop.wait(every):
                try:
                    self.index()
                except Exception:  # noqa: BLE001 - the next round tries again; `index()` waits are explicit
                    pass

        thread = threading.Thread(target=run, name="indexer", daemon=True)
        thread.start()
        try:
            yield self
        finally:
            stop.set()
            thread.join(timeout=60)

    def sync_clock(self) -> None:
        """An anvil restarted from a saved state starts from the wall clock, behind the demo's moved
        clock: the next block's time is brought after the last block's."""
        latest = int(self.rpc("eth_getBlockByNumber", "latest", False)["timestamp"], 16)
        pending = int(self.rpc("eth_getBlockByNumber", "pending", False)["timestamp"], 16)
        if latest >= pending:
            self.advance(latest - pending + 1)

    def advance(self, seconds: int) -> None:
        self.rpc("evm_increaseTime", int(seconds))
        self.rpc("evm_mine")

    def advance_past(self, timestamp: int) -> None:
        """The chain's clock moved an hour past `timestamp`, and a block mined then."""
        self.advance(max(1, timestamp - self.tenders.now() + HOUR))

    def mint(self, to: str, kopecks: int) -> None:
        """Payment tokens for `to`, minted by the token's owner (the demo's regulator deployed it)."""
        token = self.deployment.address("PaymentToken")
        data = "0x" + keccak(text="mint(address,uint256)")[:4].hex() + to.lower().removeprefix("0x").rjust(64, "0") \
            + f"{kopecks:064x}"
        sent = self.rpc("eth_sendTransaction", {"from": self.account("regulator"), "to": token, "data": data})
        deadline = time.monotonic() + 30
        while (receipt := self.rpc("eth_getTransactionReceipt", sent)) is None and time.monotonic() < deadline:
            time.sleep(0.1)  # mined at once, but a busy node may answer before it has the receipt
        assert receipt and int(receipt["status"], 16) == 1, receipt


class Stopwatch:
    """Wall time less the paused parts (the chain's waits)."""

    def __init__(self):
        self.started = time.perf_counter()
        self.paused_s = 0.0

    @contextlib.contextmanager
    def paused(self):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.paused_s += time.perf_counter() - start

    @property
    def browser_s(self) -> float:
        return time.perf_counter() - self.started - self.paused_s


# --- the browser ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    """Who acts: a demo organization in dev mode (`name` as the sidebar lists it), or an account
    holding the injected wallet (`wallet`)."""

    name: str
    account: str
    wallet: bool = False

    @classmethod
    def demo(cls, chain: Chain, key: str) -> Actor:
        return cls(demo.organization(key).name, chain.account(key))


def open_page(browser, base: str, path: str, actor: Actor | None, chain: Chain, locale: str = "en-GB"):
    """`path` of the dApp in a new browser context (a fresh profile), signed in as `actor`."""
    from tests.browser.test_wallet import FAKE_WALLET

    context = browser.new_context(locale=locale, viewport={"width": 1400, "height": 1100}, accept_downloads=True)
    if actor is not None and actor.wallet:
        config = {"rpc": chain.url, "account": actor.account, "chainId": CHAIN_ID, "name": "Test Wallet"}
        context.add_init_script(FAKE_WALLET.replace("CONFIG", json.dumps(config)))
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{base}/{path.lstrip('/')}")
    if actor is not None:
        sign_in(page, actor)
    return page


def sidebar(page):
    return page.locator("[data-testid='stSidebar']")


def sign_in(page, actor: Actor) -> None:
    side = sidebar(page)
    # The page's first run is over (its title comes after the sidebar): a click on "Connect
    # wallet" before it raced the run on a loaded machine, and the sign-in never came.
    page.locator("h1").first.wait_for()
    if actor.wallet:
        side.get_by_test_id("wallet-connect").click()
    else:
        side.get_by_test_id("stSelectbox").filter(has_text="Act as (dev mode)").click()
        page.get_by_role("option", name=actor.name, exact=True).click()
        side.get_by_role("button", name="Act as this organization").click()
        page.get_by_text("Dev mode: acting as").first.wait_for()
    side.locator(".st-key-sign_out").wait_for()


def keyed(page, key: str):
    """The element Streamlit renders for widget `key` (its CSS class st-key-<key>)."""
    return page.locator(f".st-key-{key}")


def fill(page, key: str, value) -> None:
    """Types into a text or number input (or a text area) and leaves it, which commits it."""
    box = keyed(page, key).locator("input, textarea").first
    box.fill(str(value))
    box.press("Tab")


def choose(page, key: str, option: str | re.Pattern) -> None:
    """Picks the option of selectbox `key` whose text matches, and waits until the box shows it."""
    item = open_options(page, key, option)
    text = item.inner_text().strip()
    try:
        item.click(timeout=10_000)
    except PlaywrightTimeout:
        # The list opened past the window's edge (a long page, a busy browser): walk it with the
        # keyboard, as a person would, and take the option when it has the focus.
        focused = page.locator("[role=option][data-focused='true']").first
        for _ in range(100):
            if focused.count() and focused.inner_text().strip() == text:
                page.keyboard.press("Enter")
                break
            page.keyboard.press("ArrowDown")
        else:
            raise AssertionError(f"option {text!r} of {key} could not be reached with the keyboard")
    shows(page, key, text)


def pick_many(page, key: str, option: str) -> None:
    """Adds `option` to multiselect `key`."""
    open_options(page, key, re.compile(rf"^{re.escape(option)}$")).click()
    page.keyboard.press("Escape")
    keyed(page, key).get_by_text(option, exact=True).wait_for()


def open_options(page, key: str, option: str | re.Pattern):
    """Opens the options of select `key` (again, if a rerun of the page closed them) until
    `option` is listed; that option."""
    item = page.get_by_role("option").filter(has_text=option).first
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while True:
        keyed(page, key).locator("input").first.click()
        try:
            item.wait_for(timeout=5_000)
            return item
        except PlaywrightTimeout:
            if time.monotonic() > deadline:
                raise
            page.keyboard.press("Escape")


def shows(page, key: str, text: str) -> None:
    """Waits until widget `key` shows `text` (in its text or in one of its inputs' values)."""
    page.wait_for_function(
        """([key, text]) => { const box = document.querySelector(`.st-key-${key}`);
             if (!box) return false;
             const values = [...box.querySelectorAll("input")].map((i) => i.value);
             return [box.innerText, ...values].some((t) => t && t.includes(text)); }""",
        arg=[key, text], timeout=TIMEOUT_MS)


def alerts(page, kind: str) -> list[str]:
    """The texts of the page's alerts of `kind` (Success, Error, Info, Warning)."""
    return page.locator(f"[data-testid='stAlertContent{kind}']").all_inner_texts()


def settle(page) -> None:
    """Waits until the page's script is not running (its status widget gone)."""
    page.wait_for_function("() => !document.querySelector(\"[data-testid='stStatusWidget']\")", timeout=TIMEOUT_MS)


def click_and_wait(page, key: str, until, what: str = "") -> None:
    """Clicks button `key` and waits until `until()` is true; a new error alert fails the step
    with its words."""
    errors_before = alerts(page, "Error")
    keyed(page, key).locator("button").click()
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        if until():
            return
        new = [text for text in alerts(page, "Error") if text not in errors_before]
        if new:
            raise AssertionError(f"{what or key}: the page says {new}")
        page.wait_for_timeout(200)
    raise AssertionError(f"{what or key}: not done within {TIMEOUT_MS / 1000:.0f} s")


def transact(page, key: str) -> str:
    """Clicks `key` (a wallet action) and waits for a new "Done: transaction …" on the page, or for
    the button to go (the tenders page hides the outcome of a step the wallet finished on a later
    run once the chain says it is done: a reveal, an award); the outcome's text, or ""."""
    done = page.get_by_text(DONE)
    before = done.count()
    button = keyed(page, key)
    click_and_wait(page, key, lambda: done.count() > before or button.count() == 0)
    return done.nth(before).inner_text() if done.count() > before else ""


def close(page) -> None:
    if page is not None:
        page.context.close()


# --- the tender flow -------------------------------------------------------------------------------


@dataclass
class TenderPlan:
    """A tender's life: `hospital` publishes it for `quantity` units of `gtin`; `winner` bids
    `winning` from its wallet (a transaction), `gasless` signs a bid of `losing` that `relayer`
    relays; the winner delivers `quantity` units of its lot `lot`, the hospital scans `packs` (serial
    indexes of the lot) to receive them. Prices in kopecks."""

    hospital: Actor
    winner: Actor
    gasless: Actor
    relayer: Actor
    gtin: str = demo.IMMUNOGLOBULIN
    lot: str = "IG0424"  # centrpharm holds units of it in the demo world
    quantity: int = 10
    max_price: int = 10 * 1_800 * RUBLE
    winning: int = 16_000 * RUBLE
    losing: int = 17_000 * RUBLE
    packs: tuple[int, ...] = (40, 41)
    downloads: Path = Path("/tmp")
    tender_id: int = 0
    shipment_id: int = 0
    signed_bid: dict = field(default_factory=dict)


def code_of(gtin: str, lot: str, index: int) -> str:
    """The element string of serial `index` of demo batch `gtin`/`lot` (what a scanner types)."""
    return f"(01){gtin}(21){demo.batch_serials(gtin, lot)[index]}(10){lot}"


def rubles(kopecks: int) -> str:
    return f"{kopecks / RUBLE:.2f}"


def tender_flow(browser, base: str, chain: Chain, plan: TenderPlan, watch: Stopwatch | None = None):
    """A tender from its publication to the winner's withdrawal, step by step: yields
    (step name, the page it was done on) after each, the page left open until the next step
    (the test checks the chain and keeps a screenshot there; the benchmark just goes on)."""
    watch = watch or Stopwatch()
    page = None

    def step(path: str, actor: Actor):
        nonlocal page
        close(page)
        page = open_page(browser, base, path, actor, chain)
        return page

    with watch.paused():
        chain.sync_clock()
        chain.index()

    # The hospital publishes.
    page = step("tenders", plan.hospital)
    fill(page, "create_gtin", plan.gtin)
    fill(page, "create_quantity", plan.quantity)
    fill(page, "create_max_price", rubles(plan.max_price))
    published = page.get_by_text(re.compile(r"Tender \d+ is published\."))
    click_and_wait(page, "create_go", lambda: published.count() > 0, "publish")
    plan.tender_id = int(re.search(r"Tender (\d+)", published.first.inner_text()).group(1))
    yield "published", page

    # The winner bids from its wallet (a transaction).
    page = step("tenders", plan.winner)
    choose(page, "bid_tender", re.compile(rf"^{plan.tender_id}: "))
    fill(page, "bid_price", rubles(plan.winning))
    transact(page, "commit_go")
    yield "committed", page

    # Another supplier signs its bid, paying no gas, and downloads it.
    page = step("tenders", plan.gasless)
    choose(page, "bid_tender", re.compile(rf"^{plan.tender_id}: "))
    fill(page, "bid_price", rubles(plan.losing))
    download = keyed(page, "signed_bid_download")
    click_and_wait(page, "sign_go", lambda: download.count() > 0, "sign a bid")
    with page.expect_download() as downloading:
        download.locator("button").click()
    signed_file = plan.downloads / f"signed-bid-{plan.tender_id}.json"
    downloading.value.save_as(signed_file)
    plan.signed_bid = json.loads(signed_file.read_text())
    yield "signed", page

    # A third account relays the signed bid's file.
    page = step("tenders", plan.relayer)
    page.get_by_text("Relay a signed bid").click()
    keyed(page, "relay_file").locator("input[type=file]").set_input_files(str(signed_file))
    keyed(page, "relay_file").get_by_text(signed_file.name).wait_for()
    transact(page, "relay_go")
    yield "relayed", page

    with watch.paused():
        chain.advance_past(chain.tenders.state(plan.tender_id).bid_deadline)

    # Each bidder reveals from a fresh browser profile: its wallet signs the sealing document again.
    for name, bidder, price in (("revealed-by-transaction", plan.winner, plan.winning),
                                ("revealed-gasless", plan.gasless, plan.losing)):
        page = step("tenders", bidder)
        choose(page, "my_tender", re.compile(rf"^{plan.tender_id}: "))
        fill(page, "reveal_price", rubles(price))
        transact(page, "reveal_go")
        yield name, page

    with watch.paused():
        chain.advance_past(chain.tenders.state(plan.tender_id).reveal_deadline)

    # The hospital awards.
    page = step("tenders", plan.hospital)
    choose(page, "my_tender", re.compile(rf"^{plan.tender_id}: "))
    transact(page, "award_go")
    yield "awarded", page

    # The winner posts its performance security, then ships through Custody.
    page = step("tenders", plan.winner)
    choose(page, "my_tender", re.compile(rf"^{plan.tender_id}: "))
    transact(page, "security_go")
    yield "secured", page
    page = step("tenders", plan.winner)  # the page shows the delivery once it reads the contract concluded
    choose(page, "my_tender", re.compile(rf"^{plan.tender_id}: "))
    choose(page, "deliver_batch", re.compile(re.escape(f"/{plan.lot}:")))
    fill(page, "deliver_quantity", plan.quantity)
    fill(page, "deliver_waybill", f"Waybill TN-{plan.tender_id}: {plan.quantity} units of {plan.gtin}/{plan.lot}")
    transact(page, "deliver_go")
    yield "delivered", page

    with watch.paused():
        client = chain.tenders
        [shipped] = client._logs(client.custody.Shipped, tenderId=plan.tender_id)
        plan.shipment_id = int(shipped.shipmentId)
        chain.index()  # the hospital page lists the shipments in transit from the database

    # The hospital scans a few packs of the delivery and receives it.
    page = step("hospital", plan.hospital)
    page.get_by_role("tab", name="Receive a delivery").click()
    choose(page, "delivery_shipment", re.compile(rf"^{plan.shipment_id}: "))
    fill(page, "delivery_scan_typed", "\n".join(code_of(plan.gtin, plan.lot, i) for i in plan.packs))
    genuine = page.get_by_text(re.compile(r": genuine, of this shipment\."))
    form = page.get_by_test_id("stForm").filter(has=keyed(page, "delivery_scan_typed"))
    form.get_by_role("button", name="Check").click()
    genuine.nth(len(plan.packs) - 1).wait_for()
    transact(page, "receive_go")
    yield "received", page

    # The hospital counts the delivery toward the tender, which completes it and pays the winner.
    page = step("tenders", plan.hospital)
    choose(page, "my_tender", re.compile(rf"^{plan.tender_id}: "))
    shows(page, "accept_shipment", f"shipment {plan.shipment_id}:")
    transact(page, "accept_go")
    yield "accepted", page

    # The winner withdraws what the tender contract owes it.
    page = step("tenders", plan.winner)
    transact(page, "withdraw_go")
    yield "withdrawn", page
    close(page)
