"""From a camera photo to the verdict on screen, in a real browser:
`browser_photo_to_verdict_p50_ms`, `browser_photo_to_verdict_p95_ms`.

Debian's Chromium (driven by Playwright) opens the Verify page of `python -m dapp.ui.serve` on
loopback, its fake camera filming a printed demo label (a Y4M video, tests/fixtures/camera.py),
against an anvil loaded with the seeded demo world. Each scan: click "Take Photo", and time until
the verdict banner is on screen (the photo's upload, decoding on the server, the chain's reads,
the page's rerun and its rendering); then "Clear photo" for the next pack. 5 scans to warm up,
then 50 timed.

    source tools/env.sh && python bench/browser_verify.py
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

WARM_UP = 5
SCANS = 50
VERDICT = ".medchain-verdict"


def time_scans(base: str, video: Path) -> list[float]:
    from playwright.sync_api import sync_playwright

    from tests.fixtures.browser import CHROMIUM, chromium_arguments

    timings = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=chromium_arguments(video))
        page = browser.new_context(locale="en-GB", viewport={"width": 420, "height": 900}).new_page()
        page.goto(f"{base}/verify")
        take = page.get_by_role("button", name="Take Photo")
        take.wait_for(timeout=60_000)
        page.wait_for_timeout(1000)
        for n in range(WARM_UP + SCANS):
            take.wait_for(timeout=60_000)
            start = time.perf_counter()
            take.click()
            page.locator(VERDICT).wait_for(timeout=60_000)
            elapsed = (time.perf_counter() - start) * 1000
            assert "GENUINE" in page.locator(VERDICT).inner_text()
            if n >= WARM_UP:
                timings.append(elapsed)
            page.get_by_role("button", name="Clear photo").click()
            page.locator(VERDICT).wait_for(state="detached", timeout=60_000)
        browser.close()
    return timings


def bench_browser_verify(results: dict) -> None:
    from tests.fixtures.anvil import free_port
    from tests.fixtures.camera import label_video
    from tests.fixtures.demo_chain import _start_anvil, seeded_world, start_dapp, stop_dapp

    world = seeded_world()
    folder = Path(tempfile.mkdtemp(prefix="bench-browser-"))
    shutil.copytree(world / "data", folder / "data")
    rpc = free_port()
    anvil = _start_anvil(rpc, "--load-state", str(world / "anvil-state.json"))
    env = dict(os.environ, MEDCHAIN_RPC_URL=f"http://127.0.0.1:{rpc}", MEDCHAIN_DATA=str(folder / "data"))
    env.pop("MEDCHAIN_IPFS_API", None)
    server = None
    try:
        server, base = start_dapp(env)
        video = label_video(folder / "data" / "labels" / "genuine.png", folder / "genuine.y4m")
        timings = time_scans(base, video)
    finally:
        if server is not None:
            stop_dapp(server)
        anvil.terminate()
        anvil.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)
    results["browser_photo_to_verdict_p50_ms"] = round(statistics.median(timings), 1)
    results["browser_photo_to_verdict_p95_ms"] = round(statistics.quantiles(timings, n=100)[94], 1)


def main() -> None:
    """Measures alone and merges the figures into the last full run's results."""
    sys.path.insert(0, str(HERE))
    from run import write_report

    path = HERE / "results.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    bench_browser_verify(results)
    write_report(results)
    print(json.dumps({k: v for k, v in results.items() if k.startswith("browser_")}, indent=2))


if __name__ == "__main__":
    main()
