"""The Verify page (AppTest) on the seeded demo chain: every input, every verdict reason, every error."""

import re

import pytest
from eth_utils import to_checksum_address

from dapp.codes.qr import decode_codes
from dapp.demo import world as demo
from dapp.i18n import _, use_language
from tests.scripts.test_verify_cli import EXPECTED
from tests.ui.conftest import as_jpeg

CYRILLIC = re.compile("[а-яА-ЯёЁ]")


def banner(app) -> str:
    """The verdict banner's text ("" when none is shown)."""
    return " ".join(m.value for m in app.markdown if "medchain-verdict " in m.value)


def reasons_shown(app) -> list[str]:
    return [e.value for e in app.error]


def label_text(demo_chain, case: str) -> str:
    return decode_codes(demo_chain.labels / f"{case}.png")[0].text


def choose_scanner(app, demo_chain, code) -> None:
    account = to_checksum_address(demo_chain.accounts[demo.organization(code.scanner).account_index])
    app.selectbox(key="verify_scanner").set_value(account)


def submit_text(app, text: str):
    app.segmented_control(key="verify_mode").set_value("text")
    app.run()
    app.text_input(key="verify_typed").input(text)
    app.button[0].click()  # the form's submit button
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    return app


@pytest.mark.parametrize("code", demo.DEMO_CODES, ids=lambda code: code.case)
def test_verify__typed_label_code__verdict_and_every_reason(create_app, demo_chain, code):
    app = create_app()
    if code.scanner:
        choose_scanner(app, demo_chain, code)
    submit_text(app, label_text(demo_chain, code.case))
    genuine = not EXPECTED[code.case]
    assert ("GENUINE" if genuine else "SUSPECT") in banner(app)
    shown = reasons_shown(app)
    assert len(shown) == len(EXPECTED[code.case])
    assert code.gtin in " ".join(str(t.value) for t in app.table)


def test_verify__link_code_in_url__verdict_on_first_load(create_app, demo_chain):
    app = create_app(code=label_text(demo_chain, "genuine"))
    assert "GENUINE" in banner(app)
    assert any("Custody history" in h.value for h in app.subheader)
    assert any("Check another pack" in h.value for h in app.subheader)  # the inputs, under the verdict


def test_verify__camera_photo__genuine(create_app, demo_chain):
    app = create_app()
    app.segmented_control(key="verify_mode").set_value("camera")
    app.run()
    app.camera_input(key="verify_camera").upload("label.jpg", as_jpeg(demo_chain.labels / "genuine.png"))
    app.run()
    assert "GENUINE" in banner(app)


def test_verify__uploaded_photo_of_a_cloned_code__suspect(create_app, demo_chain):
    app = create_app()
    app.segmented_control(key="verify_mode").set_value("photo")
    app.run()
    path = demo_chain.labels / "already-dispensed-cloned-code.png"
    app.file_uploader(key="verify_upload").upload("cloned.png", path.read_bytes(), "image/png")
    app.run()
    assert "SUSPECT" in banner(app)
    assert any("dispensed" in message for message in reasons_shown(app))


@pytest.mark.parametrize("typed", [
    "0104607001120018214iiWB3e0ZyOoy10MF2406",  # the scanner dropped the group separator
    "0104607001120018214iiWB3e0ZyOoy<GS>10MF2406",
    "0104607001120018214iiWB3e0ZyOoy{GS}10MF2406",
    "0104607001120018214iiWB3e0ZyOoy\x0410MF2406",  # another control character
    "0104607001120018214шшЦИ3у0ЯнЩщн\x1d10MF2406",  # typed with the Russian keyboard layout on
], ids=["no-separator", "visible-gs", "braced-gs", "control-character", "russian-layout"])
def test_verify__keyboard_wedge_spellings__read_as_the_pack(create_app, typed):
    app = submit_text(create_app(), typed)
    assert "SUSPECT" in banner(app)  # MF2406's 4iiWB3e0ZyOoy is the demo's dispensed (cloned) pack
    assert any("dispensed" in message for message in reasons_shown(app))


@pytest.mark.parametrize("typed, problem", [
    ("hello", "not a GS1 code"),
    ("0104607001120019214iiWB3e0ZyOoy", "check digit"),
    ("4607001120018", "bare GTIN"),
])
def test_verify__malformed_code__says_what_is_wrong(create_app, typed, problem):
    app = submit_text(create_app(), typed)
    assert banner(app) == ""
    assert any(problem in e.value for e in app.error), [e.value for e in app.error]


def test_verify__not_an_image__says_so(create_app):
    app = create_app()
    app.segmented_control(key="verify_mode").set_value("photo")
    app.run()
    app.file_uploader(key="verify_upload").upload("label.png", b"%PDF-1.7 not a picture", "image/png")
    app.run()
    assert banner(app) == "" and app.error
    assert "PDF" in app.error[0].value or "image" in app.error[0].value


def test_verify__photo_without_a_code__says_how_to_retake(create_app):
    from PIL import Image
    import io

    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 190, 180)).save(buffer, "JPEG")
    app = create_app()
    app.segmented_control(key="verify_mode").set_value("camera")
    app.run()
    app.camera_input(key="verify_camera").upload("blank.jpg", buffer.getvalue())
    app.run()
    assert banner(app) == ""
    assert "no QR or DataMatrix code" in app.error[0].value
    assert any("How to retake it" in m.value for m in app.markdown)


def test_verify__chain_unreachable__says_no_verdict_can_be_given(create_app, monkeypatch):
    from tests.fixtures.anvil import free_port

    monkeypatch.setenv("MEDCHAIN_RPC_URL", f"http://127.0.0.1:{free_port()}")
    app = submit_text(create_app(), "(01)04607001120018(21)4iiWB3e0ZyOoy(10)MF2406")
    assert banner(app) == ""
    assert any("cannot answer" in e.value for e in app.error)


def test_verify__russian__verdict_and_reasons_in_russian(create_app, demo_chain):
    app = create_app(language="ru", code=label_text(demo_chain, "recalled"))
    with use_language("ru"):
        suspect = _("SUSPECT")
    assert suspect != "SUSPECT" and suspect in banner(app)
    assert all(CYRILLIC.search(message) for message in reasons_shown(app))
    assert CYRILLIC.search(app.title[0].value)


def test_home__leads_each_kind_of_user__in_both_languages(create_app):
    english = create_app(page="home")
    assert len(english.subheader) >= 4
    russian = create_app(page="home", language="ru")
    assert CYRILLIC.search(russian.title[0].value)


# --- the live scanner (its events as the browser's component sends them) -------------------------


def scanner_sends(app, **event):
    """The live scanner's component sends `event` (as setStateValue("event", ...) does), and the page runs."""
    scanner_sends.seq = getattr(scanner_sends, "seq", 0) + 1
    app.session_state["verify_live"] = {"event": {"seq": f"test-{scanner_sends.seq}", **event}}
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    return app


def test_verify__live_scan_read__verdict_below_the_scanner(create_app, demo_chain):
    app = create_app()
    assert app.segmented_control(key="verify_mode").value == "live"
    scanner_sends(app, kind="read", text=label_text(demo_chain, "genuine"), format="QRCODE", decoder="zxing-wasm")
    assert "GENUINE" in banner(app)
    assert app.session_state["verify_live_overlay"]["genuine"] is True
    assert "GENUINE" in app.session_state["verify_live_overlay"]["title"]


def test_verify__live_scan_next_pack__last_verdict_cleared(create_app, demo_chain):
    app = scanner_sends(create_app(), kind="read", text=label_text(demo_chain, "recalled"), format="QRCODE")
    assert "SUSPECT" in banner(app)
    assert app.session_state["verify_live_overlay"]["genuine"] is False
    scanner_sends(app, kind="next")
    assert banner(app) == ""
    assert "verify_live_overlay" not in app.session_state


def test_verify__live_scan_of_a_malformed_code__said_in_words(create_app):
    app = scanner_sends(create_app(), kind="read", text="https://example.org/not-a-pack", format="QRCODE")
    assert banner(app) == ""
    assert any("not a pack's code" in e.value for e in app.error)
    assert app.session_state["verify_live_overlay"]["title"] == "Not verified: see the reason on the page"


@pytest.mark.parametrize(("reason", "says"), [
    ("refused", "The browser was not allowed to use the camera"),
    ("absent", "No camera was found on this device"),
    ("busy", "The camera is in use by another app"),
    ("insecure", "only to secure pages"),
    ("decoder", "decoder could not load"),
    ("something else", "The camera could not start"),
])
def test_verify__camera_problem__said_and_the_photo_upload_offered(create_app, demo_chain, reason, says):
    app = scanner_sends(create_app(), kind="camera_error", reason=reason, message="NotAllowedError")
    assert any(says in w.value for w in app.warning), [w.value for w in app.warning]
    app.file_uploader(key="verify_upload").upload("label.png", (demo_chain.labels / "genuine.png").read_bytes(),
                                                 "image/png")
    app.run()
    assert "GENUINE" in banner(app)


def test_verify__camera_works_again__problem_gone(create_app):
    app = scanner_sends(create_app(), kind="camera_error", reason="busy")
    assert app.warning
    scanner_sends(app, kind="camera_ready", decoder="zxing-wasm")
    assert not app.warning
    assert not app.file_uploader


def test_verify__another_way_in__the_last_verdict_goes(create_app, demo_chain):
    app = scanner_sends(create_app(), kind="read", text=label_text(demo_chain, "genuine"), format="QRCODE")
    assert "GENUINE" in banner(app)
    app.segmented_control(key="verify_mode").set_value("text")
    app.run()
    assert banner(app) == ""


def test_verify__live_scan_in_russian__overlay_in_russian(create_app, demo_chain):
    app = create_app(language="ru")
    with use_language("ru"):  # AppTest formats the page's widgets again in the test's own language
        scanner_sends(app, kind="read", text=label_text(demo_chain, "genuine"))
        assert _("GENUINE") in app.session_state["verify_live_overlay"]["title"]
    assert CYRILLIC.search(app.session_state["verify_live_overlay"]["title"])
