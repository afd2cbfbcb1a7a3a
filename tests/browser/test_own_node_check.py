""""Check with my own node" on the Verify page, in Chromium: the fake wallet (tests/browser/
test_wallet.py's FAKE_WALLET, injected before the page loads) forwards the verdict's calls to a
node of its own: the demo chain itself (it agrees), or another anvil whose chain went another way
at the verdict's block (it does not, and the page says what differs)."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from dapp.codes.gs1 import DEFAULT_RESOLVER
from tests.browser.test_wallet import FAKE_WALLET, rpc
from tests.fixtures.anvil import free_port
from tests.fixtures.browser import screenshot
from tests.fixtures.demo_chain import _start_anvil, seeded_world
from tests.resolver.test_resolver_http import label_path

TIMEOUT = 60_000
ANYONE = "0x0000000000000000000000000000000000000001"


@pytest.fixture(scope="module")
def browser(browser_for):
    return browser_for()


@pytest.fixture(scope="module")
def diverged(demo_chain):
    """Another anvil loaded with the same demo world, whose next block differs from the demo
    chain's: the Custody contract's code is gone there. Both chains are then one block ahead."""
    process = _start_anvil(port := free_port(), "--load-state", str(seeded_world() / "anvil-state.json"))
    url = f"http://127.0.0.1:{port}"
    try:
        record = json.loads((demo_chain.data / "deployments" / "31337.json").read_text())
        custody = record["contracts"]["Custody"]["address"]
        assert rpc(url, "eth_blockNumber") == demo_chain.rpc("eth_blockNumber")
        rpc(url, "anvil_setCode", custody, "0x00")
        rpc(url, "evm_mine")
        demo_chain.rpc("evm_mine")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def open_verdict(browser, dapp_server, demo_chain, wallet_rpc: str, case: str, locale: str = "en-GB"):
    """The Verify page opened at demo label `case`'s link, a fake wallet forwarding to `wallet_rpc`."""
    context = browser.new_context(locale=locale, viewport={"width": 1200, "height": 1400})
    config = {"rpc": wallet_rpc, "account": ANYONE, "chainId": "0x7a69"}
    context.add_init_script(FAKE_WALLET.replace("CONFIG", json.dumps(config)))
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    code = DEFAULT_RESOLVER + label_path(demo_chain.labels, case)
    page.goto(f"{dapp_server}/verify?code={quote(code, safe='')}")
    page.locator(".medchain-verdict").wait_for()
    return page


def calls(page) -> list[dict]:
    return page.evaluate("window.__calls")


def test_own_node__same_chain__agrees(browser, dapp_server, demo_chain):
    page = open_verdict(browser, dapp_server, demo_chain, demo_chain.url, "genuine")
    page.get_by_role("button", name="Check with my own node").click()
    page.get_by_text("Your own node agrees: block").wait_for()
    made = calls(page)
    block = next(call for call in made if call["method"] == "eth_getBlockByNumber")["params"][0]
    eth_calls = [call for call in made if call["method"] == "eth_call"]
    assert len(eth_calls) >= 4 and all(call["params"][1] == block for call in eth_calls)
    assert block != "latest" and int(block, 16) > 0
    # a read only: nothing signed or sent, no account asked for
    assert not {"personal_sign", "eth_sendTransaction", "eth_requestAccounts"} & {call["method"] for call in made}
    screenshot(page, "verify-own-node-agrees-en")
    page.context.close()


def test_own_node__suspect_verdict__agrees_too(browser, dapp_server, demo_chain):
    page = open_verdict(browser, dapp_server, demo_chain, demo_chain.url, "recalled")
    assert "SUSPECT" in page.locator(".medchain-verdict").inner_text()
    page.get_by_role("button", name="Check with my own node").click()
    page.get_by_text("Your own node agrees: block").wait_for()
    page.context.close()


def test_own_node__diverged_chain__says_what_differs(browser, dapp_server, demo_chain, diverged):
    page = open_verdict(browser, dapp_server, demo_chain, diverged, "genuine")
    page.get_by_role("button", name="Check with my own node").click()
    page.get_by_text("Your own node does not agree with this verdict:").wait_for()
    text = page.locator("[data-testid='stMain']").inner_text()
    assert "on your node is 0x" in text and "the verdict's is 0x" in text  # the block's hash
    assert "Custody.verdictData gives 0x on your node" in text
    assert page.get_by_text("Your own node agrees").count() == 0
    screenshot(page, "verify-own-node-differs-en")
    page.context.close()


def test_own_node__no_wallet__said(browser, dapp_server, demo_chain):
    context = browser.new_context(locale="en-GB", viewport={"width": 1200, "height": 1400})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    code = DEFAULT_RESOLVER + label_path(demo_chain.labels, "genuine")
    page.goto(f"{dapp_server}/verify?code={quote(code, safe='')}")
    page.locator(".medchain-verdict").wait_for()
    page.get_by_role("button", name="Check with my own node").click()
    page.get_by_text("No wallet found in this browser").first.wait_for()
    context.close()
