"""A verdict as people read it: the words for its machine codes, in the current language.

The verdict keeps stable machine codes (reasons, batch status, document status, event kinds) for
the JSON and the tests; pages show these words instead.
"""

from __future__ import annotations

from dapp.i18n import N_, _, format_date, format_datetime, format_number
from dapp.verification.verdicts import Verdict

DOCUMENT_STATUS = {
    "verified": N_("verified: the bytes match the CID recorded on-chain"),
    "altered": N_("altered: the bytes do not match the CID recorded on-chain"),
    "missing": N_("missing: the document store does not have it"),
    "unreachable": N_("unreachable: the document store does not answer"),
}
BATCH_STATUS = {
    "active": N_("active"),
    "recalled": N_("recalled"),
    "withdrawn": N_("withdrawn from circulation"),
    "none": N_("not registered"),
}
CATEGORY = {"drug": N_("medicine"), "device": N_("medical device"), "consumable": N_("consumable")}
ORGANIZATION_STATUS = {0: N_("not registered"), 1: N_("applied"), 2: N_("active"), 3: N_("suspended"),
                       4: N_("revoked")}


def headline(verdict: Verdict) -> str:
    return _("GENUINE") if verdict.genuine else _("SUSPECT")


def summary(verdict: Verdict) -> str:
    """One sentence under the headline."""
    if verdict.genuine:
        return _("This pack's code is registered, in its batch, in circulation and in date.")
    count = len(verdict.findings)
    return _("Do not dispense or use this pack: {count} check(s) failed. Report it below.").format(count=count)


def document_status(status: str) -> str:
    return _(DOCUMENT_STATUS.get(status, status))


def batch_status(status: str) -> str:
    return _(BATCH_STATUS.get(status, status))


def category(name: str) -> str:
    return _(CATEGORY.get(name, name))


def organization_status(status: int) -> str:
    return _(ORGANIZATION_STATUS.get(status, str(status)))


def organization_name(organization: dict) -> str:
    return organization.get("name") or organization.get("account", "")


def facts(verdict: Verdict) -> list[tuple[str, str]]:
    """(label, value) rows: product, manufacturer, batch and its dates, this pack."""
    rows = []
    code = verdict.code
    if verdict.product:
        product = verdict.product
        rows.append((_("Product"), f"{product['name']} · {product['dosage_form']} · {category(product['category'])}"))
    rows.append((_("GTIN"), code.gtin))
    rows.append((_("Serial number"), code.serial))
    if verdict.manufacturer:
        manufacturer = verdict.manufacturer
        country = f" ({manufacturer['country']})" if manufacturer.get("country") else ""
        rows.append((_("Manufacturer"), organization_name(manufacturer) + country))
    if verdict.batch:
        batch = verdict.batch
        rows.append((_("Batch"), f"{batch['lot']} · {batch_status(batch['status'])}"))
        rows.append((_("Manufactured"), format_date(batch["manufactured"])))
        rows.append((_("Expires"), format_date(batch["expires"])))
        rows.append((_("Units in the batch"), format_number(batch["quantity"])))
    elif code.lot:
        rows.append((_("Batch"), code.lot))
    if verdict.block:
        rows.append((_("Read from the chain at"), _("block {number}, {time}").format(
            number=format_number(verdict.block["number"]), time=format_datetime(verdict.block["time"]))))
    return rows


def moment(iso_time: str) -> str:
    return format_datetime(iso_time)
