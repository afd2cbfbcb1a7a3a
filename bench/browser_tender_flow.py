"""A tender's life in a real browser, from its publication to the winner's withdrawal:
`browser_tender_flow_s`.

Debian's Chromium (driven by Playwright) on the pages of `python -m dapp.ui.serve` (dev mode) on
loopback, against an anvil loaded with the seeded demo world: the steps of
tests/browser/flows.py `tender_flow`, the same the end-to-end test takes. The hospital "gkb1"
publishes a tender for 10 units of immunoglobulin; "centrpharm" bids from its wallet (a
transaction); "sibmed", signed in with an injected browser wallet, signs a bid for relaying and
downloads it; "rkb" relays its file; each bidder reveals from a fresh browser profile; the
hospital awards; the winner posts its security and ships; the hospital scans two packs to receive
the delivery and accepts it; the winner withdraws. Each step opens a fresh browser context and
signs in (dev mode's "Act as", or the wallet's sign-in), waits for what the page shows, and
counts; the chain's waits (its clock moved past the bid and reveal deadlines, the indexer catching
up) are not counted.

    source tools/env.sh && python bench/browser_tender_flow.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def time_tender_flow(base: str, data: Path) -> float:
    """The browser's seconds of one tender's life (the chain's waits left out)."""
    from playwright.sync_api import sync_playwright

    from tests.browser.flows import Actor, Chain, Stopwatch, TenderPlan, tender_flow
    from tests.fixtures.browser import CHROMIUM, chromium_arguments

    chain = Chain(os.environ["MEDCHAIN_RPC_URL"], data)
    with tempfile.TemporaryDirectory(prefix="bench-tender-") as folder, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=chromium_arguments())
        sibmed = Actor.demo(chain, "sibmed")
        plan = TenderPlan(hospital=Actor.demo(chain, "gkb1"), winner=Actor.demo(chain, "centrpharm"),
                          gasless=Actor(sibmed.name, sibmed.account, wallet=True), relayer=Actor.demo(chain, "rkb"),
                          downloads=Path(folder))
        watch = Stopwatch()
        steps = [step for step, _page in tender_flow(browser, base, chain, plan, watch)]
        seconds = watch.browser_s
        browser.close()
    assert steps[-1] == "withdrawn", steps
    state = chain.tenders.state(plan.tender_id)
    assert state.delivered == plan.quantity and state.winner == plan.winner.account
    return seconds


def bench_browser_tender_flow(results: dict) -> None:
    from tests.fixtures.demo_chain import serving_demo_world

    previous = {name: os.environ.get(name) for name in ("MEDCHAIN_DEV_MODE", "MEDCHAIN_RPC_URL")}
    os.environ["MEDCHAIN_DEV_MODE"] = "1"  # the served dApp inherits it: "act as" a demo organization
    try:
        with serving_demo_world("bench-tender-flow-") as (base, env, data):
            os.environ["MEDCHAIN_RPC_URL"] = env["MEDCHAIN_RPC_URL"]
            seconds = time_tender_flow(base, data)
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    results["browser_tender_flow_s"] = round(seconds, 1)


def main() -> None:
    from alone import measure_alone

    measure_alone(bench_browser_tender_flow, "browser_tender")


if __name__ == "__main__":
    main()
