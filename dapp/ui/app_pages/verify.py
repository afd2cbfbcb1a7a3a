"""Verify a pack: live scanning with the camera, a photo (taken or uploaded), a typed or scanned
code, or a label's link (?code=)."""

from __future__ import annotations

import streamlit as st

from dapp.i18n import _
from dapp.ui import clients
from dapp.ui.components.scanner import camera_problems, live_scanner, waiting_event
from dapp.ui.verdict_view import scanner_choice, show_check, show_error
from dapp.verification import presentation
from dapp.verification.scanning import check_photo, check_text

st.title(_("Verify a pack"))
# Its verdicts carry their receipts ("Check with my own node" runs them again in the wallet).
service = clients.verification()
# The verdict goes above the inputs (a phone opening a label's link sees it first); the inputs
# below are read first, so this run's input already has its verdict there.
verdict_area = st.container()

inputs_heading = st.empty()  # "Check another pack" once a verdict is above
st.caption(_("Point the camera at the pack's QR or DataMatrix code, take or upload a photo of it, or type the code. "
             "The answer comes from the blockchain, not from this website's operator."))
scanner = scanner_choice(service)


def run_check(kind: str, payload) -> None:
    """Checks the input and keeps the result (or the error) for this session."""
    try:
        if kind in ("camera", "photo"):
            st.session_state["verify_result"] = check_photo(service, payload, scanner, source=kind)
        else:  # "live" (the text the browser's scanner read), "text", "link"
            st.session_state["verify_result"] = check_text(service, payload, scanner, source=kind)
    except Exception as error:  # noqa: BLE001 - every failure is shown in words (show_error)
        st.session_state["verify_result"] = error


linked_code = st.query_params.get("code")
if linked_code and st.session_state.get("verify_linked") != (linked_code, scanner):
    st.session_state["verify_linked"] = (linked_code, scanner)
    run_check("link", linked_code)

MODES = {"live": ":material/qr_code_scanner: " + _("Scan"), "camera": ":material/photo_camera: " + _("Photo"),
         "photo": ":material/image: " + _("Upload"), "text": ":material/keyboard: " + _("Type or scan")}
mode = st.segmented_control(_("How"), list(MODES), format_func=MODES.__getitem__, key="verify_mode",
                            default="text" if linked_code else "live", label_visibility="collapsed")
if st.session_state.get("verify_mode_before", mode) != mode:
    # Another way in: the verdict of the last pack read the other way is not this one's.
    st.session_state["verify_result"] = None
    st.session_state.pop("verify_live_overlay", None)
st.session_state["verify_mode_before"] = mode


def upload_photo(label: str) -> None:
    upload = st.file_uploader(label, key="verify_upload",
                              type=["png", "jpg", "jpeg", "webp", "bmp", "gif", "tif", "tiff"])
    if upload is not None and st.session_state.get("verify_upload_seen") != upload.file_id:
        st.session_state["verify_upload_seen"] = upload.file_id
        run_check("photo", upload.getvalue())


def overlay_of(result, read: str) -> dict:
    """What the scanner shows over the video for the check of its read `read`."""
    if isinstance(result, Exception):
        return {"seq": read, "title": _("Not verified: see the reason on the page"), "genuine": False}
    headline = "; ".join(presentation.headline(verdict) for verdict in result.verdicts)
    return {"seq": read, "title": ("✔ " if result.genuine else "✖ ") + headline, "genuine": result.genuine}


def handle_scanner(event: dict | None) -> None:
    kind = event.get("kind") if event else None
    if kind == "read":
        st.session_state.pop("verify_live_problem", None)
        run_check("live", str(event.get("text", "")))
        st.session_state["verify_live_overlay"] = overlay_of(st.session_state["verify_result"], event["seq"])
    elif kind == "next":
        st.session_state["verify_result"] = None  # that pack is done: the next one's verdict comes alone
        st.session_state.pop("verify_live_overlay", None)
    elif kind == "camera_error":
        st.session_state["verify_live_problem"] = event.get("reason") or "failed"
    elif kind == "camera_ready":
        st.session_state.pop("verify_live_problem", None)


if mode == "live":
    handle_scanner(waiting_event("verify_live"))
    late = live_scanner(key="verify_live", verdict=st.session_state.get("verify_live_overlay"))
    handle_scanner(late)
    if late and late.get("kind") == "read":
        st.rerun()  # not seen before mounting (a first run): the overlay needs its verdict
    problem = st.session_state.get("verify_live_problem")
    if problem:
        problems = camera_problems()
        st.warning(problems.get(problem, problems["failed"]), icon=":material/no_photography:")
        upload_photo(_("A photo of the pack's code"))
elif mode == "camera":
    shot = st.camera_input(_("Hold the code flat, filling about a third of the picture, in good light without glare."),
                           key="verify_camera")
    if shot is not None and st.session_state.get("verify_camera_seen") != shot.file_id:
        st.session_state["verify_camera_seen"] = shot.file_id
        run_check("camera", shot.getvalue())
    elif shot is None and getattr(st.session_state.get("verify_result"), "source", None) == "camera":
        st.session_state["verify_result"] = None  # the photo was cleared: ready for the next pack
elif mode == "photo":
    upload_photo(_("A photo of the pack's code"))
else:
    with st.form("verify_text", border=False):
        typed = st.text_input(
            _("The code"), key="verify_typed", placeholder="(01)04607001120018(21)4iiWB3e0ZyOoy(10)MF2406",
            help=_("A Digital Link (https://…/01/…), an element string with brackets, or what a scanner types "
                   "(group separators as nothing, <GS> or a control character are all read)."))
        if st.form_submit_button(_("Verify"), type="primary"):
            if typed.strip():
                run_check("text", typed)
            else:
                st.session_state["verify_result"] = None
                st.warning(_("Type or scan a code first."))

result = st.session_state.get("verify_result")
if result is not None and mode != "live":
    inputs_heading.subheader(_("Check another pack"))
# Scanning live, the camera stays on top (the verdict is over its video too) and the details
# follow below it; otherwise the verdict comes first.
with verdict_area if mode != "live" else st.container():
    if isinstance(result, Exception):
        show_error(result)
    elif result is not None:
        show_check(result)
