"""From a camera photo to the verdict on screen, in a real browser:
`browser_photo_to_verdict_p50_ms`, `browser_photo_to_verdict_p95_ms`.

Debian's Chromium (driven by Playwright) opens the Verify page of `python -m dapp.ui.serve` on
loopback (its "Photo" way in: a still photo taken in the page), its fake camera filming a printed demo label (a Y4M video, tests/fixtures/camera.py),
against an anvil loaded with the seeded demo world. Each scan: click "Take Photo", and time until
the verdict banner is on screen (the photo's upload, decoding on the server, the chain's reads,
the page's rerun and its rendering); then "Clear photo" for the next pack. 5 scans to warm up,
then 50 timed.

    source tools/env.sh && python bench/browser_verify.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

WARM_UP = 5
SCANS = 50
VERDICT = ".medchain-verdict"


def time_scans(base: str, video: Path) -> list[float]:
    from playwright.sync_api import sync_playwright

    from tests.browser.test_verify_browser import camera_playing, choose_photo
    from tests.fixtures.browser import CHROMIUM, chromium_arguments

    timings = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=chromium_arguments(video))
        page = browser.new_context(locale="en-GB", viewport={"width": 420, "height": 900}).new_page()
        page.goto(f"{base}/verify")
        choose_photo(page)
        take = page.get_by_role("button", name="Take Photo")
        take.wait_for(timeout=60_000)
        page.wait_for_timeout(1000)
        for n in range(WARM_UP + SCANS):
            take.wait_for(timeout=60_000)
            camera_playing(page)  # after "Clear photo" the camera starts again
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
    from tests.fixtures.camera import label_video
    from tests.fixtures.demo_chain import serving_demo_world

    with serving_demo_world("bench-browser-") as (base, _env, data):
        timings = time_scans(base, label_video(data / "labels" / "genuine.png", data / "genuine.y4m"))
    results["browser_photo_to_verdict_p50_ms"] = round(statistics.median(timings), 1)
    results["browser_photo_to_verdict_p95_ms"] = round(statistics.quantiles(timings, n=100)[94], 1)


def main() -> None:
    from alone import measure_alone

    measure_alone(bench_browser_verify, "browser_photo")


if __name__ == "__main__":
    main()
