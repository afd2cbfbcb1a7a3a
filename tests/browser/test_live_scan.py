"""Live scanning on the Verify page in a real browser: Chromium's fake camera plays Y4M videos of
printed demo labels (QR with a Digital Link; a GS1 DataMatrix with a crypto tail, as on Russian
packs), the page decodes the frames with zxing-cpp as WebAssembly served by the dApp itself,
and the verdict comes from the chain. A camera the browser refuses, or none at all, leaves the
photo upload as the way in."""

from __future__ import annotations

import re

import pytest

from dapp.demo import world as demo
from dapp.demo.labels import demo_code_serial
from tests.fixtures.browser import CHROMIUM, screenshot
from tests.fixtures.camera import Scene, datamatrix_label, scenes_video

VERDICT = ".medchain-verdict"
WAIT_MS = 60_000
CRYPTO_KEY, CRYPTO_TAIL = "EE07", "dGhlIGNyeXB0byB0YWlsIG9mIGEgUnVzc2lhbiBwYWNrIQ"[:44]


def demo_code(case: str) -> demo.DemoCode:
    return next(code for code in demo.DEMO_CODES if code.case == case)


def russian_pack_datamatrix(case: str):
    """The pack of demo case `case` as Chestny ZNAK prints it: GTIN, serial, lot, then the
    crypto key (91) and tail (92)."""
    code = demo_code(case)
    serial = demo_code_serial(code)
    return datamatrix_label(f"(01){code.gtin}(21){serial}(10){code.lot}(91){CRYPTO_KEY}(92){CRYPTO_TAIL}",
                            [f"GTIN {code.gtin}", f"SN {serial}", f"LOT {code.lot}"])


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    return tmp_path_factory.mktemp("videos")


def open_verify(browser, dapp_server, viewport=(420, 900)):
    context = browser.new_context(locale="en-GB", viewport={"width": viewport[0], "height": viewport[1]})
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(f"{dapp_server}/verify")
    return page


def verdict_text(page) -> str:
    page.locator(VERDICT).first.wait_for()
    return page.locator(VERDICT).first.inner_text()


def test_live_scan__qr_packs_one_after_another__each_gets_its_verdict(browser_for, demo_chain, dapp_server, videos):
    scenes = [Scene(demo_chain.labels / "genuine.png", 2.0), Scene(None, 1.0),
              Scene(demo_chain.labels / "recalled.png", 2.0), Scene(None, 1.0)]
    page = open_verify(browser_for(scenes_video(scenes, videos / "two-packs.y4m")), dapp_server)
    first = verdict_text(page)
    # The overlay on the video says it too, where the person holding the phone looks.
    banner = page.get_by_test_id("scanner-banner")
    banner.wait_for()
    assert ("GENUINE" in first) == ("GENUINE" in banner.inner_text().upper())
    screenshot(page, "verify-live-first-pack-en")
    page.get_by_test_id("scanner-next").click()
    # The other pack's verdict replaces the first (when the next pack is read before the page
    # has cleared the first verdict, it replaces it in place).
    other = "SUSPECT" if "GENUINE" in first else "GENUINE"
    page.locator(VERDICT).filter(has_text=other).wait_for()
    second = verdict_text(page)
    # The other pack, not the first read again while it was still in view.
    assert {"GENUINE" in first, "GENUINE" in second} == {True, False}
    assert "SUSPECT" in (second if "GENUINE" in first else first)
    if "SUSPECT" in second:  # its finding under the banner names the recall
        page.get_by_text(re.compile("recall", re.I)).first.wait_for()
    screenshot(page, "verify-live-second-pack-en")
    # The decoder came from this server: the WebAssembly's URL is the dApp's own.
    wasm = [entry for entry in page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
            if entry.endswith(".wasm")]
    assert wasm and all(url.startswith(dapp_server + "/scanner/zxing-wasm/") for url in wasm)
    page.context.close()


def test_live_scan__moving_datamatrix_with_a_crypto_tail__genuine(browser_for, demo_chain, dapp_server, videos):
    video = scenes_video([Scene(russian_pack_datamatrix("genuine"), 4.0, moving=True, label_width=320)],
                         videos / "datamatrix.y4m")
    page = open_verify(browser_for(video), dapp_server)
    assert "GENUINE" in verdict_text(page)
    serial = demo_code_serial(demo_code("genuine"))
    assert page.get_by_text(serial).count() >= 1
    screenshot(page, "verify-live-datamatrix-en")
    page.context.close()


def test_live_scan__russian_page__verdict_and_labels_in_russian(browser_for, demo_chain, dapp_server, videos):
    video = scenes_video([Scene(demo_chain.labels / "genuine.png", 3.0)], videos / "genuine.y4m")
    context = browser_for(video).new_context(locale="ru-RU", viewport={"width": 420, "height": 900})
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(f"{dapp_server}/verify")
    page.locator(VERDICT).first.wait_for()
    assert "ПОДЛИНН" in page.locator(VERDICT).first.inner_text().upper()
    assert page.get_by_test_id("scanner-next").inner_text() == "Сканировать следующую упаковку"
    context.close()


def launch_without(playwright_instance, *dropped: str):
    from tests.fixtures.browser import chromium_arguments

    arguments = [argument for argument in chromium_arguments() if argument not in dropped]
    return playwright_instance.chromium.launch(executable_path=CHROMIUM, args=arguments)


@pytest.mark.parametrize(("dropped", "problem"), [
    # No fake UI: the browser asks, and nobody allows it (a person tapping "Block").
    (("--use-fake-ui-for-media-stream",), "The browser was not allowed to use the camera"),
    # No fake device: this computer has no camera at all.
    (("--use-fake-device-for-media-stream",), "No camera was found on this device"),
])
def test_live_scan__no_camera__says_why_and_the_photo_upload_works(playwright_instance, demo_chain, dapp_server,
                                                                    dropped, problem):
    browser = launch_without(playwright_instance, *dropped)
    try:
        page = open_verify(browser, dapp_server)
        page.get_by_text(problem).first.wait_for()
        upload = page.locator("input[type='file']")
        upload.set_input_files(str(demo_chain.labels / "genuine.png"))
        assert "GENUINE" in verdict_text(page)
        screenshot(page, "verify-live-no-camera-en" if "device" in dropped[0] else "verify-live-refused-en")
    finally:
        browser.close()


# Chromium's fake camera has no torch: this makes its track say it has one (as a phone's rear
# camera does) and notes the constraints the page applies.
TORCH_DEVICE = """
(() => {
  window.__torch = [];
  const capabilities = MediaStreamTrack.prototype.getCapabilities;
  MediaStreamTrack.prototype.getCapabilities = function () { return {...capabilities.call(this), torch: true}; };
  const apply = MediaStreamTrack.prototype.applyConstraints;
  MediaStreamTrack.prototype.applyConstraints = function (constraints) {
    window.__torch.push(JSON.parse(JSON.stringify(constraints)));
    return constraints && constraints.advanced ? Promise.resolve() : apply.call(this, constraints);
  };
})();
"""


def test_live_scan__torch_and_stopping_the_camera(browser_for, dapp_server, videos):
    desk = scenes_video([Scene(None, 1.0)], videos / "desk.y4m")
    context = browser_for(desk).new_context(locale="en-GB", viewport={"width": 420, "height": 900})
    context.add_init_script(TORCH_DEVICE)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(f"{dapp_server}/verify")
    page.get_by_text("Point the camera at the pack's QR or DataMatrix code; hold it still").wait_for()
    page.get_by_test_id("scanner-torch").click()
    page.get_by_test_id("scanner-torch").filter(has_text="Light off").wait_for()
    page.get_by_test_id("scanner-torch").click()
    page.get_by_test_id("scanner-torch").filter(has_text="Light on").wait_for()
    assert page.evaluate("window.__torch") == [{"advanced": [{"torch": True}]}, {"advanced": [{"torch": False}]}]
    # Stopped: the camera is released (no live track), and can start again.
    page.get_by_test_id("scanner-stop").click()
    page.get_by_text("The camera is off.").wait_for()
    assert page.get_by_test_id("scanner-video").evaluate("video => video.srcObject") is None
    page.get_by_test_id("scanner-start").click()
    page.get_by_text("Point the camera at the pack's QR or DataMatrix code; hold it still").wait_for()
    assert page.get_by_test_id("scanner-video").evaluate("video => video.srcObject.active") is True
    context.close()
