"""The wallet in a real browser: Chromium with an EIP-1193 wallet injected before the page loads
and announced by EIP-6963; it forwards requests to the demo chain's anvil, whose unlocked dev
accounts sign (`personal_sign`, `eth_signTypedData_v4`, `eth_sendTransaction`). It starts on
another chain (1), so the dApp must notice and switch it."""

import json
import re

import pytest
import requests

from dapp.demo.world import ORGANIZATIONS
from dapp.i18n import _, use_language
from tests.fixtures.browser import screenshot
from tests.fixtures.demo_chain import start_dapp, stop_dapp

HOSPITAL = next(organization for organization in ORGANIZATIONS if organization.key == "gkb1")
TIMEOUT = 30_000

# One fake wallet per init script (several may be injected, each with its own `name` and `uuid`).
# window.__fakeWallet is the first one's state, window.__fakeWallets[name] each one's, and
# window.__calls every request any of them received: {wallet, method, params}, in order.
# Options: knownChains (chain ids it has, else any: switching elsewhere answers 4902 until
# wallet_addEthereumChain), signTypedAs (signs typed data with that account instead, as a faulty
# wallet would), hold (a method left pending until window.__fakeWallet.release()).
FAKE_WALLET = """
(() => {
  const config = Object.assign({reject: null, replay: null, lastSignIn: null, log: [], name: "Test Wallet",
                                uuid: "6d9c1f52-7c4e-4b1e-9a0e-000000000001", knownChains: null, added: [],
                                signTypedAs: null, hold: null, held: null}, CONFIG);
  window.__fakeWallet = window.__fakeWallet || config;
  (window.__fakeWallets = window.__fakeWallets || {})[config.name] = config;
  window.__calls = window.__calls || [];
  config.release = () => { if (config.held) { config.held(); config.held = null; } };
  const listeners = {};
  let ids = 0;
  async function forward(method, params) {
    const response = await fetch(config.rpc, {method: "POST", headers: {"content-type": "application/json"},
      body: JSON.stringify({jsonrpc: "2.0", id: ++ids, method, params})});
    const answer = await response.json();
    if (answer.error) {
      const error = new Error(answer.error.message);
      error.code = answer.error.code;
      error.data = answer.error.data;
      throw error;
    }
    return answer.result;
  }
  const provider = {
    on(event, listener) { (listeners[event] = listeners[event] || []).push(listener); },
    removeListener(event, listener) { listeners[event] = (listeners[event] || []).filter((l) => l !== listener); },
    emit(event, value) { for (const listener of listeners[event] || []) listener(value); },
    async request({method, params}) {
      params = params || [];
      config.log.push(method);
      window.__calls.push({wallet: config.name, method, params: JSON.parse(JSON.stringify(params))});
      if (config.hold === method) {
        config.hold = null;
        await new Promise((resolve) => { config.held = resolve; });
      }
      if (config.reject === method) {
        config.reject = null;
        const error = new Error("User rejected the request.");
        error.code = 4001;
        throw error;
      }
      switch (method) {
        case "eth_requestAccounts":
        case "eth_accounts":
          return [config.account];
        case "eth_chainId":
          return config.chainId;
        case "wallet_switchEthereumChain":
          if (config.knownChains && !config.knownChains.includes(params[0].chainId)) {
            const error = new Error(`Unrecognized chain ID "${params[0].chainId}".`);
            error.code = 4902;
            throw error;
          }
          config.chainId = params[0].chainId;
          provider.emit("chainChanged", config.chainId);
          return null;
        case "personal_sign": {
          if (config.replay) {  // a hostile browser hands back a message signed before
            params[0] = config.replay.hex;
            return config.replay.signature;
          }
          const signature = await forward(method, params);
          config.lastSignIn = {hex: params[0], signature};
          return signature;
        }
        case "wallet_addEthereumChain":
          config.added.push(params[0]);
          if (config.knownChains) config.knownChains.push(params[0].chainId);
          return null;
        case "eth_signTypedData_v4":
          return forward(method, config.signTypedAs ? [config.signTypedAs, params[1]] : params);
        default:
          return forward(method, params);
      }
    },
  };
  const info = Object.freeze({uuid: config.uuid, name: config.name,
                              icon: "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E",
                              rdns: config.rdns || "org.medchain.testwallet"});
  config.emit = (event, value) => provider.emit(event, value);
  const announce = () => window.dispatchEvent(new CustomEvent("eip6963:announceProvider",
                                                              {detail: Object.freeze({info, provider})}));
  window.addEventListener("eip6963:requestProvider", announce);
  announce();
})();
"""


def rpc(url: str, method: str, *params):
    answer = requests.post(url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)},
                           timeout=10).json()
    assert "error" not in answer, answer
    return answer["result"]


def allowance(demo_chain, owner: str) -> int:
    record = json.loads((demo_chain.data / "deployments" / "31337.json").read_text())
    token, tenders = record["contracts"]["PaymentToken"]["address"], record["contracts"]["Tenders"]["address"]
    data = "0xdd62ed3e" + owner.lower().removeprefix("0x").rjust(64, "0") + tenders.lower().removeprefix("0x").rjust(64, "0")
    return int(rpc(demo_chain.url, "eth_call", {"to": token, "data": data}, "latest"), 16)


def in_language(language: str, message: str) -> str:
    with use_language(language):
        return _(message)


@pytest.fixture(scope="module")
def browser(browser_for):
    return browser_for()


def open_page(browser, dapp_server, demo_chain, chain_id: str, account: str, wallet: bool = True,
              wallets: tuple[dict, ...] = ({},)):
    """The account page in a new context; `wallets`: one fake wallet per entry (its options)."""
    context = browser.new_context(locale="en-GB", viewport={"width": 1400, "height": 1000})
    for options in wallets if wallet else ():
        config = {"rpc": demo_chain.url, "account": account, "chainId": chain_id, **options}
        context.add_init_script(FAKE_WALLET.replace("CONFIG", json.dumps(config)))
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(f"{dapp_server}/account")
    # The page's first run is over (the heading comes after the sidebar): a click on "Connect
    # wallet" before it raced the run in CI, and the sign-in never came.
    page.get_by_role("heading", name="Your account").wait_for()
    return page


def sidebar(page):
    return page.locator("[data-testid='stSidebar']")


def connect(page):
    sidebar(page).get_by_test_id("wallet-connect").click()


def signed_in_as(page, name: str) -> None:
    """Waits for `name` in the sidebar; on a timeout, says what the sidebar showed instead."""
    try:
        sidebar(page).get_by_text(name).wait_for()
    except Exception as error:
        raise AssertionError(f"not signed in as {name}; the sidebar shows: {sidebar(page).inner_text()!r}; "
                             f"the wallet received: {[call['method'] for call in calls(page)]}") from error


def test_wallet__connect_switch_chain_sign_in_approve_permit_reject_replay(browser, dapp_server, demo_chain):
    account = demo_chain.accounts[HOSPITAL.account_index]
    page = open_page(browser, dapp_server, demo_chain, "0x1", account)
    page.get_by_text("Sign in with your wallet in the sidebar").wait_for()
    connect(page)
    # The wallet is on chain 1: said in words, and the component offers the switch.
    sidebar(page).get_by_text("Wrong network: the wallet is on chain 1").wait_for()
    screenshot(page, "wallet-wrong-chain-en")
    sidebar(page).get_by_test_id("wallet-switch").click()
    # Switched: the server issues a sign-in message, the wallet signs it, the sidebar shows who.
    signed_in_as(page, HOSPITAL.name)
    sidebar(page).get_by_text("Roles: medical organization").wait_for()
    assert page.evaluate("window.__fakeWallet.chainId") == "0x7a69"
    assert "personal_sign" in page.evaluate("window.__fakeWallet.log")
    page.get_by_role("heading", name=HOSPITAL.name).wait_for()
    screenshot(page, "wallet-signed-in-en")

    # A transaction: approve the tender contract for 1,000 rubles.
    before = allowance(demo_chain, account)
    page.get_by_role("button", name="Approve in the wallet").click()
    page.get_by_text("Done: transaction").first.wait_for()
    assert allowance(demo_chain, account) == 100_000 != before
    assert "eth_sendTransaction" in page.evaluate("window.__fakeWallet.log")

    # Typed data: an EIP-2612 permit for 500 rubles, signed and then sent.
    page.get_by_role("button", name="Sign the permit in the wallet").click()
    page.get_by_text("Done: transaction").nth(1).wait_for()
    assert "eth_signTypedData_v4" in page.evaluate("window.__fakeWallet.log")
    assert allowance(demo_chain, account) == 50_000
    screenshot(page, "wallet-approve-and-permit-en")

    # The user declines in the wallet: said in words, nothing sent.
    page.evaluate("window.__fakeWallet.reject = 'eth_sendTransaction'")
    page.get_by_role("button", name="Approve in the wallet").click()
    page.get_by_text("You declined the request in your wallet").wait_for()
    assert allowance(demo_chain, account) == 50_000
    screenshot(page, "wallet-rejected-en")

    # Signed out, a hostile browser replays the sign-in message signed before: refused.
    sidebar(page).get_by_role("button", name="Sign out").click()
    sidebar(page).get_by_test_id("wallet-connect").wait_for()
    page.evaluate("window.__fakeWallet.replay = window.__fakeWallet.lastSignIn")
    connect(page)
    sidebar(page).get_by_text("Sign-in refused: this sign-in message was already used").wait_for()
    assert sidebar(page).get_by_text(HOSPITAL.name).count() == 0
    screenshot(page, "wallet-replay-refused-en")
    page.context.close()


def test_wallet__in_russian__sign_in_and_a_declined_signature(browser, dapp_server, demo_chain):
    account = demo_chain.accounts[HOSPITAL.account_index]
    page = open_page(browser, dapp_server, demo_chain, "0x7a69", account)
    page.get_by_text("Sign in with your wallet in the sidebar").wait_for()
    language = sidebar(page).get_by_test_id("stSelectbox").filter(has_text="Language")
    language.click()
    page.get_by_role("option", name="Русский").click()
    page.get_by_role("heading", name=in_language("ru", "Your account")).wait_for()
    sidebar(page).get_by_test_id("wallet-connect").click()
    signed_in_as(page, HOSPITAL.name)
    russian_role = in_language("ru", "medical organization")
    assert russian_role != "medical organization"  # the catalogue has it: the panel speaks Russian
    sidebar(page).get_by_text(russian_role).first.wait_for()
    page.evaluate("window.__fakeWallet.reject = 'eth_signTypedData_v4'")
    page.get_by_role("button", name=in_language("ru", "Sign the permit in the wallet")).click()
    page.get_by_text(in_language("ru", "You declined the request in your wallet; nothing was signed or sent.")).wait_for()
    screenshot(page, "wallet-declined-ru")
    page.context.close()


def test_wallet__another_account_in_the_wallet_ends_the_session(browser, dapp_server, demo_chain):
    accounts = demo_chain.accounts
    page = open_page(browser, dapp_server, demo_chain, "0x7a69", accounts[HOSPITAL.account_index])
    connect(page)
    signed_in_as(page, HOSPITAL.name)
    page.evaluate(f"window.__fakeWallet.account = '{accounts[5]}'; "
                  f"window.__fakeWallet.emit('accountsChanged', ['{accounts[5]}'])")
    sidebar(page).get_by_text("The wallet switched to another account: signed out").wait_for()
    sidebar(page).get_by_test_id("wallet-connect").wait_for()
    assert sidebar(page).get_by_text(HOSPITAL.name).count() == 0
    page.context.close()


def test_wallet__no_wallet_in_the_browser__said_in_words(browser, dapp_server, demo_chain):
    page = open_page(browser, dapp_server, demo_chain, "0x7a69", demo_chain.accounts[0], wallet=False)
    connect(page)
    sidebar(page).get_by_text("No wallet found in this browser").first.wait_for()
    screenshot(page, "wallet-none-en")
    page.context.close()


def test_dev_mode__act_as_a_demo_organization_without_a_wallet(browser, demo_chain):
    process, base = start_dapp(dict(demo_chain.env, MEDCHAIN_DEV_MODE="1"))
    try:
        account = demo_chain.accounts[HOSPITAL.account_index]
        page = open_page(browser, base, demo_chain, "0x7a69", account, wallet=False)
        sidebar(page).get_by_text("Dev mode: a local chain").wait_for()
        sidebar(page).get_by_test_id("stSelectbox").filter(has_text="Act as (dev mode)").click()
        page.get_by_role("option", name=HOSPITAL.name).click()
        sidebar(page).get_by_role("button", name="Act as this organization").click()
        sidebar(page).get_by_text("Roles: medical organization").wait_for()
        page.get_by_text("Dev mode: acting as").wait_for()  # the banner on the page itself
        page.get_by_label("Amount, rubles").first.fill("1234")
        page.get_by_role("button", name="Approve in the wallet").click()
        page.get_by_text("Done: transaction").first.wait_for()
        assert allowance(demo_chain, account) == 123_400
        screenshot(page, "wallet-dev-mode-en")
        page.context.close()
    finally:
        stop_dapp(process)


def calls(page, method: str | None = None, wallet: str | None = None) -> list[dict]:
    """The requests the fake wallets received (of `method`, to `wallet`)."""
    return [call for call in page.evaluate("window.__calls")
            if (method is None or call["method"] == method) and (wallet is None or call["wallet"] == wallet)]


def test_wallet__several_wallets__the_one_the_user_picks_connects_and_signs(browser, dapp_server, demo_chain):
    account = demo_chain.accounts[HOSPITAL.account_index]
    page = open_page(browser, dapp_server, demo_chain, "0x7a69", account, wallets=(
        {"name": "Wallet One", "uuid": "6d9c1f52-7c4e-4b1e-9a0e-00000000000a", "rdns": "org.medchain.one",
         "account": demo_chain.accounts[0]},
        {"name": "Wallet Two", "uuid": "6d9c1f52-7c4e-4b1e-9a0e-00000000000b", "rdns": "org.medchain.two"}))
    page.get_by_text("Sign in with your wallet in the sidebar").wait_for()
    choice = sidebar(page).get_by_test_id("wallet-choice")
    choice.wait_for()
    assert choice.locator("option").all_inner_texts() == ["Wallet One", "Wallet Two"]
    screenshot(page, "wallet-several-en")
    choice.select_option(label="Wallet Two")
    # The wallets announce again (as a wallet loading late makes them): the panel renders again, the pick stays.
    page.evaluate("window.dispatchEvent(new Event('eip6963:requestProvider'))")
    page.wait_for_timeout(500)
    assert choice.input_value() == "6d9c1f52-7c4e-4b1e-9a0e-00000000000b"
    connect(page)
    # Wallet Two holds the hospital's account; Wallet One another: the sidebar names who signed.
    signed_in_as(page, HOSPITAL.name)
    assert calls(page, "eth_requestAccounts", "Wallet Two") and calls(page, "personal_sign", "Wallet Two")
    assert calls(page, wallet="Wallet One") == []
    page.context.close()


def test_wallet__a_chain_the_wallet_does_not_know__added_with_the_platforms_parameters(browser, dapp_server, demo_chain):
    account = demo_chain.accounts[HOSPITAL.account_index]
    page = open_page(browser, dapp_server, demo_chain, "0x1", account, wallets=({"knownChains": ["0x1"]},))
    connect(page)
    sidebar(page).get_by_text("Wrong network: the wallet is on chain 1").wait_for()
    sidebar(page).get_by_test_id("wallet-switch").click()
    signed_in_as(page, HOSPITAL.name)
    sidebar(page).get_by_text("Roles: medical organization").wait_for()
    # The first switch answered 4902; the component added the chain, then switched.
    assert [call["method"] for call in calls(page) if call["method"].startswith("wallet_")] == [
        "wallet_switchEthereumChain", "wallet_addEthereumChain", "wallet_switchEthereumChain"]
    [added] = page.evaluate("window.__fakeWallet.added")
    assert added["chainId"] == "0x7a69"
    assert added["rpcUrls"] == [demo_chain.url]
    assert added["chainName"] and added["nativeCurrency"]["decimals"] == 18
    assert page.evaluate("window.__fakeWallet.chainId") == "0x7a69"
    page.context.close()


def test_wallet__a_refusal_is_shown_before_the_wallet_sends(browser, dapp_server, demo_chain):
    """The permit comes back signed by another account (a faulty wallet): the dry run of `permit`
    is refused by the token (ERC2612InvalidSigner), the reason is shown, and the wallet is never
    asked to send."""
    account, other = demo_chain.accounts[HOSPITAL.account_index], demo_chain.accounts[6]
    page = open_page(browser, dapp_server, demo_chain, "0x7a69", account, wallets=({"signTypedAs": other},))
    connect(page)
    signed_in_as(page, HOSPITAL.name)
    page.get_by_role("heading", name=HOSPITAL.name).wait_for()
    before = allowance(demo_chain, account)
    page.get_by_role("button", name="Sign the permit in the wallet").click()
    page.get_by_text(re.compile(f"the permit is signed by {other}, not by {account}", re.IGNORECASE)).wait_for()
    screenshot(page, "wallet-refused-before-sending-en")
    assert calls(page, "eth_signTypedData_v4")
    assert calls(page, "eth_sendTransaction") == []
    assert allowance(demo_chain, account) == before
    page.context.close()


def test_wallet__no_connect_button_while_the_wallet_signs_in(browser, dapp_server, demo_chain):
    account = demo_chain.accounts[HOSPITAL.account_index]
    page = open_page(browser, dapp_server, demo_chain, "0x7a69", account, wallets=({"hold": "personal_sign"},))
    connect(page)
    # Connected; the sign-in message is in the wallet, not signed yet.
    sidebar(page).get_by_text("Sign the sign-in message in your wallet").wait_for()
    page.wait_for_function("window.__fakeWallet.held !== null")
    page.wait_for_timeout(1000)  # the late render of the component too
    assert sidebar(page).get_by_test_id("wallet-connect").count() == 0
    assert sidebar(page).get_by_text("No wallet connected").count() == 0
    screenshot(page, "wallet-signing-in-en")
    page.evaluate("window.__fakeWallet.release()")
    signed_in_as(page, HOSPITAL.name)
    assert sidebar(page).get_by_test_id("wallet-connect").count() == 0
    page.context.close()
