"""The Verify page's "Report a suspect pack": filed for the regulator, and anchored on-chain
through the reporter's wallet when a participant is signed in."""

from __future__ import annotations

import streamlit as st

from dapp.errors import PlatformError
from dapp.i18n import _, current_language
from dapp.ui import clients
from dapp.ui.account import chain_context, signed_in, standing
from dapp.ui.wallet import carry_out_in_browser, show_outcome
from dapp.verification.scanning import Check
from dapp.verification.suspect_reports import file_report, record_anchor

ANCHOR_TASK = "report-anchor"
MAX_CONTACT = 200


def report_section(check: Check) -> None:
    """The report form under a check's verdicts; after sending, what was recorded and where."""
    filed = st.session_state.get("report_filed")
    if filed is not None and filed[0] != check.reference:
        filed = None  # a report of an earlier check
    with st.expander(_("Report a suspect pack to the regulator"), expanded=not check.genuine,
                     icon=":material/report:"):
        if filed is None:
            _form(check)
        else:
            _sent(filed[1])
    # Every run: the wallet task advances until it is done (see dapp.ui.wallet).
    outcome = carry_out_in_browser(None, key=ANCHOR_TASK)
    if outcome is not None and filed is not None:
        report = filed[1].report
        if outcome.ok and outcome.transaction_hashes and not st.session_state.get("report_anchor_noted"):
            st.session_state["report_anchor_noted"] = True
            record_anchor(clients.database(), report.reference, outcome.transaction_hashes[0], outcome.block)
        show_outcome(outcome)


def _form(check: Check) -> None:
    st.write(_("If the verdict is SUSPECT, or the pack looks wrong (packaging, print, seal, contents), tell the "
               "regulator. The report keeps the code as scanned, the verdict, the photo's fingerprint (never the "
               "photo) and the time."))
    identity = signed_in()
    if identity:
        st.caption(_("You are signed in as {account}: your wallet will also put the report on the blockchain, "
                     "where it cannot be dropped.").format(account=identity.account))
    else:
        st.caption(_("Sign in with a participant's wallet to also put the report on the blockchain."))
    index = 0
    if len(check.verdicts) > 1:
        index = st.selectbox(_("Which code"), range(len(check.verdicts)),
                             format_func=lambda i: f"{check.verdicts[i].code.gtin} / {check.verdicts[i].code.serial}",
                             key="report_which")
    with st.form("suspect_report", border=False):
        contact = st.text_input(_("Your phone or e-mail, if the regulator may contact you (optional)"),
                                max_chars=MAX_CONTACT, key="report_contact")
        sent = st.form_submit_button(_("Send the report"), type="primary", icon=":material/send:")
    if sent:
        _file(check, index, contact.strip() or None)


def _file(check: Check, index: int, contact: str | None) -> None:
    from dapp.ui.account import _session_id

    verdict = check.verdicts[index]
    identity = signed_in()
    reporter, deployment = (identity.account if identity else None), None
    try:
        clients.report_limiter().take(_session_id())
        if reporter is not None:
            found = standing(reporter)
            if found is not None and found.active:
                deployment = chain_context().deployment
        filed = file_report(clients.database(), check.texts[index], status=verdict.status, reasons=verdict.reasons,
                            photo_sha256=check.photo_sha256, contact=contact, reporter=reporter,
                            language=current_language(), deployment=deployment)
    except PlatformError as error:
        st.error(str(error), icon=":material/error:")
        return
    st.session_state["report_filed"] = (check.reference, filed)
    st.session_state["report_anchor_noted"] = False
    if filed.anchor is not None:
        carry_out_in_browser(filed.anchor, key=ANCHOR_TASK)
    st.rerun()


def _sent(filed) -> None:
    report = filed.report
    st.success(_("Report {reference} sent to the regulator. Its public record: {cid}.").format(
        reference=report.reference[:8], cid=report.report_cid), icon=":material/task_alt:")
    if filed.anchor is None:
        st.caption(_("It is kept by this platform's operator for the regulator; a participant's wallet can also put "
                     "reports on the blockchain."))
