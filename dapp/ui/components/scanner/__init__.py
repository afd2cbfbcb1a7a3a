"""The live scanner (Streamlit components v2: in the page, no iframe): the camera films, the
browser decodes each frame (its own BarcodeDetector, else zxing-cpp as WebAssembly served by
this server, see `assets`), and only the text of the first code read comes back.

    event = waiting_event("verify_live")           # before mounting: handle a read first, then
    event = live_scanner(key="verify_live", verdict=...)   # mount with its verdict (or None)
    # {"kind": "read", "text", "format", "decoder", "seq"} once per code read, then the scanner
    # waits for the user's "Scan the next pack" ({"kind": "next"}); {"kind": "camera_error",
    # "reason", "message"}; {"kind": "camera_ready", "decoder"}. None when nothing new happened.

`verdict` ({"seq": the read's seq, "title", "genuine"}) is shown over the video, where a person
holding the phone looks. The JavaScript is `scanner.js` beside this file, read at import.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dapp.i18n import _
from dapp.ui.components.events import fresh
from dapp.ui.components.scanner.assets import decoder_urls

HERE = Path(__file__).resolve().parent

_mount = st.components.v2.component(
    "medchain_scanner", html='<div class="medchain-scanner-host"></div>',
    css=(HERE / "scanner.css").read_text(encoding="utf-8"), js=(HERE / "scanner.js").read_text(encoding="utf-8"))


def labels() -> dict[str, str]:
    """The sentences the scanner shows, in the session's language."""
    return {
        "starting": _("Starting the camera…"),
        "aim": _("Point the camera at the pack's QR or DataMatrix code; hold it still, about a hand's width away."),
        "read": _("Code read: checking it…"),
        "details": _("The details are below."),
        "next": _("Scan the next pack"),
        "stop": _("Stop the camera"),
        "start": _("Start the camera"),
        "retry": _("Try the camera again"),
        "stopped": _("The camera is off."),
        "torch_on": _("Light on"),
        "torch_off": _("Light off"),
        **{f"error_{reason}": sentence for reason, sentence in camera_problems().items()},
    }


def camera_problems() -> dict[str, str]:
    """Why the camera cannot scan, by the reason the browser gives, in words."""
    return {
        "refused": _("The browser was not allowed to use the camera. Allow the camera for this site (the icon "
                     "beside the address), then try again; or upload a photo of the code below."),
        "absent": _("No camera was found on this device. Upload a photo of the code below, or type the code."),
        "busy": _("The camera is in use by another app or tab. Close it and try again, or upload a photo below."),
        "insecure": _("The browser gives the camera only to secure pages (https, or this computer itself). "
                      "Open the platform over https, or upload a photo of the code below."),
        "decoder": _("The scanner's decoder could not load in this browser. Upload a photo of the code below; "
                     "the server reads it."),
        "failed": _("The camera could not start. Try again, or upload a photo of the code below."),
    }


def waiting_event(key: str) -> dict | None:
    """The scanner's newest event not handled yet, read from the session before the scanner is
    mounted: the page handles a read first and mounts the scanner with its verdict in the same
    run (no second run of the page before the verdict shows)."""
    try:
        state = st.session_state.get(key)
        value = state.get("event") if state is not None else None
    except (AttributeError, KeyError, TypeError):
        return None
    return fresh(value if isinstance(value, dict) else None, key)


def live_scanner(*, key: str, verdict: dict | None = None) -> dict | None:
    """Mounts the scanner; its newest event not handled yet in this session, or None."""
    result = _mount(key=key, data={"decoder": decoder_urls(), "verdict": verdict, "labels": labels()},
                    default={"event": None}, on_event_change=lambda: None, height="content")
    value = getattr(result, "event", None)
    return fresh(value if isinstance(value, dict) else None, key)
