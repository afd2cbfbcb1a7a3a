"""A verdict as text, for the command-line verifier and pharmacy scripts (in the current language)."""

from __future__ import annotations

from dapp.i18n import _
from dapp.verification.verdicts import Verdict, document_status_word, status_word


def _status(verdict: Verdict) -> str:
    return _("GENUINE") if verdict.genuine else _("SUSPECT")


def render_verdict(verdict: Verdict) -> str:
    code = verdict.code
    lines = [_("{status}  {gtin} / lot {lot} / serial {serial}").format(
        status=_status(verdict), gtin=code.gtin, lot=code.lot or "?", serial=code.serial)]
    for finding in verdict.findings:
        lines.append(f"  ! {finding.reason.value}: {finding.message}")
    if verdict.product:
        lines.append(_("Product:       {name} ({dosage_form})").format(
            name=verdict.product["name"], dosage_form=verdict.product["dosage_form"]))
    if verdict.manufacturer:
        name = verdict.manufacturer.get("name", verdict.manufacturer["account"])
        lines.append(_("Manufacturer:  {name} ({account})").format(name=name, account=verdict.manufacturer["account"]))
    if verdict.batch:
        batch = verdict.batch
        status = status_word(batch["status"])
        if batch["reason"]:
            status = _("{status} ({reason})").format(status=status, reason=_(batch["reason"]))
        lines.append(_("Batch:         {lot}: {status}, made {manufactured}, expires {expires}, {quantity} units").format(
            lot=batch["lot"], status=status, manufactured=batch["manufactured"], expires=batch["expires"],
            quantity=batch["quantity"]))
    if verdict.unit:
        state = status_word(verdict.unit["state"])
        if "by" in verdict.unit:
            state = _("{state} by {by} at {at}").format(state=state, by=verdict.unit["by_name"], at=verdict.unit["at"])
        lines.append(_("This pack:     {state}").format(state=state))
    for document in verdict.documents:
        lines.append(_("Document:      {label}: {cid} ({status})").format(
            label=_(document.label), cid=document.cid, status=document_status_word(document.status)))
    if verdict.history:
        lines.append(_("History:"))
        lines += [f"  {event.time}  {event.description}" for event in verdict.history]
    return "\n".join(lines)
