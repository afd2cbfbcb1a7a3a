"""Live scanning, from the label appearing in the camera's video to the verdict on screen:
`browser_live_scan_to_verdict_p50_ms`, `browser_live_scan_to_verdict_p95_ms`.

Debian's Chromium (driven by Playwright) opens the Verify page of `python -m dapp.ui.serve` on
loopback, against an anvil loaded with the seeded demo world. Its fake camera plays a Y4M video
in a loop: 1.5 s of bare desk, then 1.5 s of the printed genuine demo label (15 frames a second,
tests/fixtures/camera.py). The page's live scanner decodes the frames with zxing-cpp as
WebAssembly and sends the text to the server, which verifies it against the chain; the page
reruns and shows the verdict.

Timed inside the page, on its own clock (`performance.now()`): a probe (an init script, not the
product) films the same camera stream on a clone of its track and notes when a frame first shows
the label (white paper in the middle of the picture, where the desk is grey), and the scanner
notes when the verdict of each read reaches the screen, over its video
(`window.__medchainScanner.verdictsShown`). Each scan: during the desk, "Scan the next pack"; then the
label appears, and the time from that frame to the banner is one sample. 3 scans to warm up,
then 30 timed. `browser_live_scan_frame_decode_p50_ms`: the scanner's own time to decode the frame
it read (zxing-wasm, 640x480), as it notes it.

    source tools/env.sh && python bench/browser_live_scan.py
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

WARM_UP = 3
SCANS = 30
VERDICT = ".medchain-verdict"

# The probe: label frames seen on a clone of the camera's track, verdict banners added.
PROBE = """
(() => {
  const probe = window.__liveProbe = {appeared: [], present: false};
  const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = async (constraints) => {
    const stream = await original(constraints);
    const video = document.createElement("video");
    video.muted = true;
    video.srcObject = new MediaStream(stream.getVideoTracks().map((track) => track.clone()));
    video.style.cssText = "position:fixed;left:0;top:0;width:2px;height:2px;opacity:0.01;pointer-events:none";
    document.documentElement.appendChild(video);
    video.play();
    const canvas = document.createElement("canvas");
    canvas.width = 64; canvas.height = 48;
    const context = canvas.getContext("2d", {willReadFrequently: true});
    setInterval(() => {
      if (video.readyState < 2) return;
      context.drawImage(video, 0, 0, 64, 48);
      const pixels = context.getImageData(16, 12, 32, 24).data;
      let paper = 0;  // the desk is mid-grey; the label's paper is white
      for (let i = 0; i < pixels.length; i += 4) if (pixels[i] > 210) paper += 1;
      const present = paper > 100;
      if (present && !probe.present) probe.appeared.push(performance.now());
      probe.present = present;
    }, 4);
    return stream;
  };
})();
"""


def time_scans(base: str, video: Path) -> list[float]:
    from playwright.sync_api import sync_playwright

    from tests.fixtures.browser import CHROMIUM, chromium_arguments

    timings, decodes = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=chromium_arguments(video))
        context = browser.new_context(locale="en-GB", viewport={"width": 420, "height": 900})
        context.add_init_script(PROBE)
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(f"{base}/verify")
        page.locator(VERDICT).wait_for()  # the first read, while the page was still loading: not timed
        for n in range(WARM_UP + SCANS):
            page.wait_for_function("() => !window.__liveProbe.present")  # the desk: no label in view
            before = page.evaluate("(window.__medchainScanner.verdictsShown || []).length")
            page.get_by_test_id("scanner-next").click()
            # The scanner notes when each read's verdict reaches its overlay (the page's verdict
            # below may be replaced in place when the read comes before "next" was handled).
            page.wait_for_function(f"() => (window.__medchainScanner.verdictsShown || []).length > {before}")
            assert "GENUINE" in page.get_by_test_id("scanner-banner").inner_text()
            appeared = page.evaluate("window.__liveProbe.appeared")
            latest = page.evaluate("window.__medchainScanner.verdictsShown.slice(-1)[0]")
            since = [moment for moment in appeared if moment <= latest]
            if n >= WARM_UP and since:
                timings.append(latest - since[-1])
                decodes.append(page.evaluate("window.__medchainScanner.lastRead.decodeMs"))
        browser.close()
    return timings, decodes


def bench_browser_live_scan(results: dict) -> None:
    from tests.fixtures.camera import Scene, scenes_video
    from tests.fixtures.demo_chain import serving_demo_world

    with serving_demo_world("bench-live-scan-") as (base, _env, data):
        video = scenes_video([Scene(None, 1.5), Scene(data / "labels" / "genuine.png", 1.5)], data / "live.y4m")
        timings, decodes = time_scans(base, video)
    results["browser_live_scan_to_verdict_p50_ms"] = round(statistics.median(timings), 1)
    results["browser_live_scan_frame_decode_p50_ms"] = round(statistics.median(decodes), 1)
    results["browser_live_scan_to_verdict_p95_ms"] = round(statistics.quantiles(timings, n=100)[94], 1)


def main() -> None:
    from alone import measure_alone

    measure_alone(bench_browser_live_scan, "browser_live")


if __name__ == "__main__":
    main()
