"""The registry of products and batches (Resources): a manufacturer's products and batches, and
recalls and withdrawals by the manufacturer or a regulator."""

from __future__ import annotations

from dapp.chain.actions import ActionError, PreparedAction, action, address_of, prepare_call
from dapp.chain.deployment import Deployment
from dapp.codes.gs1 import parse_gtin
from dapp.roles import Category
from dapp.i18n import _

# Resources' reason codes of a recall or withdrawal.
REASONS = {1: "quality defect", 2: "falsified", 3: "regulatory decision", 4: "labelling error", 5: "other"}


def register_product(deployment: Deployment, manufacturer, gtin, category: Category, name: str, dosage_form: str,
                     characteristics_cid: str, certificate_cid: str) -> PreparedAction:
    gtin14 = parse_gtin(gtin)
    return action(manufacturer, f"register {gtin14}",
                  prepare_call(deployment, "Resources", "register_product",
                               [int(gtin14), int(Category(category)), name, dosage_form, characteristics_cid,
                                certificate_cid], f"register the product {gtin14} ({name})"))


def update_product(deployment: Deployment, manufacturer, gtin, characteristics_cid: str,
                   certificate_cid: str) -> PreparedAction:
    gtin14 = parse_gtin(gtin)
    return action(manufacturer, f"update {gtin14}",
                  prepare_call(deployment, "Resources", "update_product",
                               [int(gtin14), characteristics_cid, certificate_cid],
                               f"replace the documents of the product {gtin14}"))


def commission_batch(deployment: Deployment, manufacturer, gtin, lot: str, manufactured: int, expires: int,
                     quantity: int, serials_root: bytes, documents_cid: str) -> PreparedAction:
    """Put a batch on the registry: its dates, quantity and the Merkle root of its serials."""
    gtin14 = parse_gtin(gtin)
    if not expires > manufactured:
        raise ActionError(_("batch {gtin14}/{lot} must expire after it is manufactured").format(gtin14=gtin14, lot=lot))
    if quantity <= 0:
        raise ActionError(_("batch {gtin14}/{lot} needs at least one unit").format(gtin14=gtin14, lot=lot))
    if len(bytes(serials_root)) != 32:
        raise ActionError(_("the serials' Merkle root is 32 bytes"))
    return action(manufacturer, f"commission {gtin14}/{lot}",
                  prepare_call(deployment, "Resources", "commission_batch",
                               [int(gtin14), lot, int(manufactured), int(expires), int(quantity), bytes(serials_root),
                                documents_cid],
                               f"register batch {gtin14}/{lot} of {quantity} units, serials root "
                               f"0x{bytes(serials_root).hex()[:12]}…"))


def assign_prefix(deployment: Deployment, regulator, prefix: str, manufacturer) -> PreparedAction:
    """A regulator records a GS1 company prefix (6 to 12 digits, as written: leading zeros count)
    for a manufacturer: only it registers GTINs under it. Taking a prefix another manufacturer
    holds is governed (a quorum of regulators makes the same call)."""
    prefix = str(prefix).strip()
    if not prefix.isdigit() or not 6 <= len(prefix) <= 12:
        raise ActionError(_("a GS1 company prefix is 6 to 12 digits, not {prefix!r}").format(prefix=prefix))
    manufacturer = address_of(manufacturer)
    return action(regulator, f"assign the prefix {prefix} to {manufacturer}",
                  prepare_call(deployment, "Resources", "assign_prefix", [int(prefix), len(prefix), manufacturer],
                               f"assign the GS1 company prefix {prefix} to {manufacturer}"))


def reassign_product(deployment: Deployment, regulator, gtin, manufacturer, reason_cid: str) -> PreparedAction:
    """Regulators give a product (and its batches) to another manufacturer. Governed."""
    gtin14 = parse_gtin(gtin)
    manufacturer = address_of(manufacturer)
    if not reason_cid:
        raise ActionError(_("a decision document is required: store it first and give its CID"))
    return action(regulator, f"reassign {gtin14} to {manufacturer}",
                  prepare_call(deployment, "Resources", "reassign_product", [int(gtin14), manufacturer, reason_cid],
                               f"confirm giving the product {gtin14} to {manufacturer} (decision {reason_cid}; carried "
                               f"out when a quorum of regulators confirmed)"))


def claim_product(deployment: Deployment, successor, gtin) -> PreparedAction:
    """The successor of a product's manufacturer takes the product over."""
    gtin14 = parse_gtin(gtin)
    return action(successor, f"claim {gtin14}",
                  prepare_call(deployment, "Resources", "claim_product", [int(gtin14)],
                               f"take over the product {gtin14} as its manufacturer's successor"))


def reinstate_batch(deployment: Deployment, regulator, gtin, lot: str, reason_cid: str) -> PreparedAction:
    """Regulators lift a recall or withdrawal, with a reason. Governed."""
    gtin14 = parse_gtin(gtin)
    if not reason_cid:
        raise ActionError(_("a decision document is required: store it first and give its CID"))
    return action(regulator, f"lift the recall of {gtin14}/{lot}",
                  prepare_call(deployment, "Resources", "reinstate_batch", [int(gtin14), lot, reason_cid],
                               f"confirm lifting the recall or withdrawal of batch {gtin14}/{lot} (decision "
                               f"{reason_cid}; carried out when a quorum of regulators confirmed)"))


def set_custody(deployment: Deployment, regulator, custody) -> PreparedAction:
    """A regulator names the custody ledger Resources reports every recall to (once)."""
    custody = address_of(custody)
    return action(regulator, f"name {custody} as the custody ledger",
                  prepare_call(deployment, "Resources", "set_custody", [custody],
                               f"have Resources report every recall to Custody {custody}"))


def recall_batch(deployment: Deployment, sender, gtin, lot: str, reason_code: int, reason_cid: str) -> PreparedAction:
    return _retire(deployment, sender, gtin, lot, reason_code, reason_cid, "recall_batch", "recall")


def withdraw_batch(deployment: Deployment, sender, gtin, lot: str, reason_code: int,
                   reason_cid: str) -> PreparedAction:
    return _retire(deployment, sender, gtin, lot, reason_code, reason_cid, "withdraw_batch", "withdraw")


def _retire(deployment, sender, gtin, lot, reason_code, reason_cid, function, verb) -> PreparedAction:
    gtin14 = parse_gtin(gtin)
    return action(sender, f"{verb} {gtin14}/{lot}",
                  prepare_call(deployment, "Resources", function, [int(gtin14), lot, int(reason_code), reason_cid],
                               f"{verb} batch {gtin14}/{lot} ({REASONS.get(int(reason_code), 'reason ' + str(reason_code))}, decision {reason_cid})"))
