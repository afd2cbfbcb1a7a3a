"""The Verify page in a real browser: Chromium's fake camera showing printed demo labels, and a
label's link opened as a phone's camera app opens it; in English and Russian."""

import re
from urllib.parse import urlsplit

import pytest

from dapp.codes.qr import decode_codes
from tests.fixtures.browser import screenshot
from tests.fixtures.camera import label_video

VERDICT = ".medchain-verdict"
WAIT_MS = 60_000


@pytest.fixture(scope="module")
def camera_page(browser_for, demo_chain, dapp_server, tmp_path_factory):
    """open(case, language) → a page on /verify whose camera films the demo label of `case`."""
    videos = tmp_path_factory.mktemp("videos")

    def open_page(case: str, language: str = "en-GB", moving: bool = False):
        video = label_video(demo_chain.labels / f"{case}.png", videos / f"{case}-{moving}.y4m", moving=moving)
        context = browser_for(video).new_context(locale=language, viewport={"width": 420, "height": 900})
        page = context.new_page()
        page.goto(f"{dapp_server}/verify")
        choose_photo(page)
        return page

    return open_page


def choose_photo(page) -> None:
    """The "Photo" way in (a still photo taken in the page), not live scanning (the default)."""
    page.locator("[data-testid='stButtonGroup'] button").nth(1).click(timeout=WAIT_MS)
    page.locator("[data-testid='stCameraInput']").wait_for(timeout=WAIT_MS)


def camera_playing(page) -> None:
    """Waits until the camera's video plays frames: a photo taken before that is blank (after
    "Clear photo" the camera starts again, slower on a loaded machine)."""
    page.wait_for_function(
        "() => { const v = document.querySelector('video');"
        " return !!v && v.readyState >= 3 && v.videoWidth > 0 && !v.paused; }", timeout=WAIT_MS)
    page.wait_for_timeout(300)


def take_photo(page, name: str = "Take Photo"):
    button = page.get_by_role("button", name=name)
    button.wait_for(timeout=WAIT_MS)
    camera_playing(page)
    button.click()
    page.locator(VERDICT).wait_for(timeout=WAIT_MS)
    return page.locator(VERDICT).inner_text()


def test_camera__genuine_label__shows_genuine(camera_page):
    page = camera_page("genuine")
    assert "GENUINE" in take_photo(page)
    screenshot(page, "verify-camera-genuine-en")


def test_camera__cloned_label__shows_suspect_and_the_reason(camera_page):
    page = camera_page("already-dispensed-cloned-code", moving=True)
    assert "SUSPECT" in take_photo(page)
    assert page.get_by_text(re.compile("already dispensed")).count() == 1
    screenshot(page, "verify-camera-cloned-en")


def test_camera__next_pack__scans_after_clearing(camera_page):
    page = camera_page("recalled")
    assert "SUSPECT" in take_photo(page)
    page.get_by_role("button", name="Clear photo").click()
    page.locator(VERDICT).wait_for(state="detached", timeout=WAIT_MS)
    assert "SUSPECT" in take_photo(page)


def test_camera__russian__verdict_in_russian(camera_page):
    page = camera_page("genuine", language="ru-RU")
    page.get_by_text("Проверить упаковку").first.wait_for(timeout=WAIT_MS)
    text = take_photo(page, name=re.compile("Take Photo|Сделать|Снять"))
    assert re.search("[А-Яа-я]", text) and "GENUINE" not in text
    screenshot(page, "verify-camera-genuine-ru")


def test_label_link__opened_as_a_page__lands_on_its_verdict(browser_for, demo_chain, dapp_server):
    link = decode_codes(demo_chain.labels / "genuine.png")[0].text
    parts = urlsplit(link)
    page = browser_for().new_context(locale="en-GB", viewport={"width": 420, "height": 900}).new_page()
    page.goto(f"{dapp_server}{parts.path}{'?' + parts.query if parts.query else ''}")
    page.locator(VERDICT).wait_for(timeout=WAIT_MS)
    assert "/verify" in page.url
    assert "GENUINE" in page.locator(VERDICT).inner_text()
    screenshot(page, "verify-label-link-en")
