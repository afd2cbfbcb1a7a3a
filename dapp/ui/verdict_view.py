"""How the Verify page shows a check: the verdict, its reasons, the facts, documents, history."""

from __future__ import annotations

import hashlib
import html

import streamlit as st

from dapp.chain.reader import ChainUnreachable
from dapp.codes.qr import NoCodeFoundError, NotAnImageError
from dapp.errors import DeploymentError, InvalidCodeError, PlatformError
from dapp.i18n import _
from dapp.ui.text import plain
from dapp.verification import presentation
from dapp.verification.scanning import Check
from dapp.verification.service import VerificationService
from dapp.verification.verdicts import Verdict

DOCUMENT_ICON = {"verified": ":green[:material/verified:]", "altered": ":red[:material/gpp_bad:]",
                 "missing": ":orange[:material/help:]", "unreachable": ":orange[:material/cloud_off:]"}
_BANNER = """<div class="medchain-verdict medchain-{kind}" role="status" aria-live="polite">
<div class="medchain-verdict-status">{icon} {headline}</div><div class="medchain-verdict-summary">{summary}</div></div>"""
_STYLE = """<style>
.medchain-verdict {border-radius: 0.75rem; padding: 1.1rem 1.4rem; margin: 0.5rem 0 1rem; color: #fff;}
.medchain-genuine {background: #1b7f3b;} .medchain-suspect {background: #b3261e;}
.medchain-verdict-status {font-size: clamp(2rem, 8vw, 3.4rem); font-weight: 800; letter-spacing: 0.04em; line-height: 1.1;}
.medchain-verdict-summary {font-size: 1.1rem; margin-top: 0.35rem;}
</style>"""


def scanner_choice(service: VerificationService) -> str | None:
    """The optional "I am scanning at" organization (its account), kept for the session."""
    try:
        organizations = service.organizations()
    except PlatformError:
        organizations = {}
    options = [""] + [account for account, info in organizations.items() if info.get("status") == 2]
    with st.expander(_("I am scanning at… (optional: flags a batch your organization never held)")):
        chosen = st.selectbox(
            _("Organization"), options, key="verify_scanner",
            format_func=lambda account: _("— nobody in particular —") if not account
            else f"{presentation.organization_name(organizations[account])} ({account[:8]}…)")
    return chosen or None


def show_error(error: Exception) -> None:
    if isinstance(error, InvalidCodeError):
        st.error(_("This is not a pack's code: {problem}").format(problem=error), icon=":material/block:")
        st.caption(_("Check that you scanned the pack's 2D code (QR or DataMatrix), not its ordinary barcode, "
                     "and that nothing was cut off when it was typed."))
    elif isinstance(error, NoCodeFoundError):
        st.error(str(error), icon=":material/photo_camera:")
        st.markdown(_("How to retake it: fill about a third of the picture with the code · hold the phone parallel "
                      "to the pack · avoid glare from the foil (tilt slightly) · tap the screen to focus · keep "
                      "still for a second."))
    elif isinstance(error, NotAnImageError):
        st.error(str(error), icon=":material/broken_image:")
    elif isinstance(error, (ChainUnreachable, DeploymentError)):
        st.error(_("The blockchain cannot answer right now, so no verdict can be given: {problem}")
                 .format(problem=error), icon=":material/link_off:")
        st.caption(_("Nothing was lost: try again in a moment. Do not take a pack as genuine without a verdict."))
    elif isinstance(error, PlatformError):
        st.error(str(error), icon=":material/warning:")
    else:
        st.error(_("Something went wrong while checking ({kind}). Try again; if it persists, tell the operator.")
                 .format(kind=type(error).__name__), icon=":material/warning:")


def show_check(check: Check) -> None:
    st.markdown(_STYLE, unsafe_allow_html=True)
    for note in check.notes:
        st.info(note, icon=":material/info:")
    if len(check.verdicts) > 1:
        st.caption(_("The photo holds {count} codes; each has its verdict.").format(count=len(check.verdicts)))
    for verdict in check.verdicts:
        show_verdict(verdict)
        own_node_check(verdict)
    from dapp.ui.report_form import report_section

    report_section(check)


def show_verdict(verdict: Verdict) -> None:
    kind = "genuine" if verdict.genuine else "suspect"
    st.markdown(_BANNER.format(kind=kind, icon="✔" if verdict.genuine else "✖",
                               headline=html.escape(presentation.headline(verdict)),
                               summary=html.escape(presentation.summary(verdict))), unsafe_allow_html=True)
    for finding in verdict.findings:
        st.error(plain(finding.message), icon=":material/error:")
    facts, documents = st.columns([3, 2])
    with facts:
        st.subheader(_("The pack"))
        st.table({_("What"): [label for label, _value in presentation.facts(verdict)],
                  _("Value"): [value for _label, value in presentation.facts(verdict)]})
    with documents:
        st.subheader(_("Documents"))
        if not verdict.documents:
            st.caption(_("No documents are recorded for this code."))
        for document in verdict.documents:
            st.markdown(f"{DOCUMENT_ICON.get(document.status, '')} **{plain(_(document.label))}**  \n"
                        f"{plain(presentation.document_status(document.status))}  \n`{plain(document.cid)}`")
    if verdict.history:
        st.subheader(_("Custody history"))
        for event in verdict.history:
            st.markdown(f"**{plain(presentation.moment(event.time))}** · {plain(event.description)}")
            st.caption(_("block {number} · transaction {transaction}").format(
                number=event.block, transaction=event.transaction[:18] + "…"))


def own_node_check(verdict: Verdict) -> None:
    """"Check with my own node": the verdict's calls run again through the browser wallet's own
    provider, at the verdict's block, and the answers compared with its receipt here."""
    from dapp.ui.components.wallet import chain_parameters, new_request, wallet_component
    from dapp.verification.receipts import compare_wallet_answer, wallet_recheck_request

    receipt = getattr(verdict, "receipt", None)
    if not receipt or not receipt.get("calls"):
        return
    ident = hashlib.sha256(repr((receipt["block"], [c["calldata"] for c in receipt["calls"]])).encode()).hexdigest()[:12]
    checks = st.session_state.setdefault("own_node_checks", {})
    st.subheader(_("Check with my own node"))
    st.caption(_("Your browser wallet's own connection to the blockchain runs the {count} calls this verdict rests "
                 "on again, at block {number}, and the page compares the answers. Nothing is signed or sent; no "
                 "sign-in is needed.").format(count=len(receipt["calls"]), number=receipt["block"]["number"]))
    if st.button(_("Check with my own node"), key=f"own-node-button-{ident}", icon=":material/fact_check:"):
        checks[ident] = {"request": new_request("recheck", None, **wallet_recheck_request(receipt)), "answer": None}
    entry = checks.get(ident)
    if entry is None:
        return
    deployment = receipt.get("deployment") or {}
    result = wallet_component(key=f"own-node-{ident}", mode="task",
                              chain=chain_parameters(deployment.get("chain_id", 0), ""), request=entry["request"])
    if result and result.get("id") == entry["request"]["id"]:
        entry["answer"] = result
    answer = entry["answer"]
    if answer is None:
        st.caption(_("Asking your wallet's node…"))
    elif not answer.get("ok"):
        reason = answer.get("reason")
        st.warning(_("No wallet found in this browser: install one (a browser extension) and reload the page.")
                   if reason == "no_wallet" else
                   _("Your wallet could not run the check: {problem}").format(problem=plain(answer.get("message") or reason)),
                   icon=":material/account_balance_wallet:")
    else:
        differences = compare_wallet_answer(receipt, answer)
        if not differences:
            st.success(_("Your own node agrees: block {number} has the same hash and all {count} calls gave the same "
                         "answers.").format(number=receipt["block"]["number"], count=len(receipt["calls"])),
                       icon=":material/verified:")
        else:
            st.error(_("Your own node does not agree with this verdict:"), icon=":material/gpp_bad:")
            for difference in differences:
                st.markdown(f"- {plain(difference)}")
