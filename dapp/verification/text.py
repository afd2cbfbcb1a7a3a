"""A verdict as text, for the command-line verifier and pharmacy scripts."""

from __future__ import annotations

from dapp.verification.verdicts import Verdict


def render_verdict(verdict: Verdict) -> str:
    code = verdict.code
    lines = [f"{verdict.status}  {code.gtin} / lot {code.lot or '?'} / serial {code.serial}"]
    for finding in verdict.findings:
        lines.append(f"  ! {finding.reason.value}: {finding.message}")
    if verdict.product:
        lines.append(f"Product:       {verdict.product['name']} ({verdict.product['dosage_form']})")
    if verdict.manufacturer:
        name = verdict.manufacturer.get("name", verdict.manufacturer["account"])
        lines.append(f"Manufacturer:  {name} ({verdict.manufacturer['account']})")
    if verdict.batch:
        batch = verdict.batch
        lines.append(f"Batch:         {batch['lot']}: {batch['status']}{' (' + batch['reason'] + ')' if batch['reason'] else ''}, "
                     f"made {batch['manufactured']}, expires {batch['expires']}, {batch['quantity']} units")
    if verdict.unit:
        lines.append(f"This pack:     {verdict.unit['state']}"
                     + (f" by {verdict.unit['by_name']} at {verdict.unit['at']}" if "by" in verdict.unit else ""))
    for document in verdict.documents:
        lines.append(f"Document:      {document.label}: {document.cid} ({document.status})")
    if verdict.history:
        lines.append("History:")
        lines += [f"  {event.time}  {event.description}" for event in verdict.history]
    return "\n".join(lines)
