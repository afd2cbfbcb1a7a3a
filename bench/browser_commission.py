"""Commissioning a batch of a million serials in a real browser: `browser_commission_1000000_s`
(from the serial list's upload to the transactions sent and mined), and
`browser_commission_check_1000000_s` (upload to the list checked and its Merkle root shown).

Debian's Chromium (driven by Playwright) opens the Supplier's workspace of `python -m dapp.ui.serve`
(dev mode) on loopback against an anvil loaded with the seeded demo world, acts as the demo
manufacturer "volga" (the world indexed first, as the platform's indexer keeps it), chooses its product, a new lot and a quality certificate number, then
uploads a text file of 1,000,000 serials (15 MB) and, once the page shows the list checked and its
root, clicks "Commission in the wallet" and waits for "Done: transaction". In dev mode the local
chain's dev account sends the two transactions (commission_batch, then Custody.commission), so the
time includes their dry runs and mining too.

    source tools/env.sh && python bench/browser_commission.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

SERIALS = 1_000_000
LOT = "BENCH1M"
TIMEOUT_MS = 300_000
SETUP_TIMEOUT_MS = 60_000


def write_serial_list(folder: Path) -> Path:
    path = folder / "serials-1000000.txt"
    path.write_text("".join(f"SN{i:012d}\n" for i in range(SERIALS)))
    return path


def time_commission(base: str, serials: Path) -> tuple[float, float]:
    """(seconds from upload to the list checked, seconds from upload to the transactions done)."""
    from playwright.sync_api import sync_playwright

    from dapp.demo import world as demo
    from tests.fixtures.browser import CHROMIUM, chromium_arguments

    volga = demo.organization("volga")
    product = next(p for p in demo.PRODUCTS if p.manufacturer == "volga")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=chromium_arguments())
        page = browser.new_context(locale="en-GB", viewport={"width": 1400, "height": 1000}).new_page()
        page.set_default_timeout(SETUP_TIMEOUT_MS)
        page.goto(f"{base}/supplier")
        sidebar = page.locator("[data-testid='stSidebar']")
        sidebar.get_by_test_id("stSelectbox").filter(has_text="Act as (dev mode)").click()
        page.get_by_role("option", name=volga.name).click()
        sidebar.get_by_role("button", name="Act as this organization").click()
        page.get_by_text("Commission a batch").first.wait_for()
        page.get_by_test_id("stSelectbox").filter(has_text="Product").first.click()
        page.get_by_role("option", name=f"{product.name} — {product.gtin}").click()
        page.get_by_label("Lot", exact=True).fill(LOT)
        page.get_by_label("Lot", exact=True).press("Enter")
        page.get_by_label("Quality certificate number").fill("QC-BENCH-1")
        page.get_by_label("Quality certificate number").press("Enter")
        page.wait_for_timeout(1500)  # the reruns of the inputs settle
        uploader = page.get_by_test_id("stFileUploader").filter(has_text="Serial list").locator("input[type=file]")
        start = time.perf_counter()
        uploader.set_input_files(str(serials))
        page.get_by_text("1000000 serials, all valid").wait_for(timeout=TIMEOUT_MS)
        checked = time.perf_counter() - start
        page.get_by_role("button", name="Commission in the wallet").click()
        page.get_by_text("Done: transaction").first.wait_for(timeout=TIMEOUT_MS)
        done = time.perf_counter() - start
        browser.close()
    return checked, done


def bench_browser_commission(results: dict) -> None:
    from tests.fixtures.demo_chain import DemoChain, serving_demo_world
    from tests.ui.conftest import catch_up

    previous = os.environ.get("MEDCHAIN_DEV_MODE")
    os.environ["MEDCHAIN_DEV_MODE"] = "1"  # the served dApp inherits it: "act as" a demo organization
    try:
        with tempfile.TemporaryDirectory(prefix="bench-serials-") as folder, \
                serving_demo_world("bench-commission-") as (base, env, data):
            catch_up(DemoChain(url=env["MEDCHAIN_RPC_URL"], data=data, env=env))  # the products the page lists
            checked, done = time_commission(base, write_serial_list(Path(folder)))
            assert (data / "serials").exists()
    finally:
        if previous is None:
            os.environ.pop("MEDCHAIN_DEV_MODE", None)
        else:
            os.environ["MEDCHAIN_DEV_MODE"] = previous
    results["browser_commission_check_1000000_s"] = round(checked, 2)
    results["browser_commission_1000000_s"] = round(done, 2)


def main() -> None:
    from alone import measure_alone

    measure_alone(bench_browser_commission, "browser_commission")


if __name__ == "__main__":
    main()
