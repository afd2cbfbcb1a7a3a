"""The registry of products and batches (Resources): a manufacturer's products and batches, and
recalls and withdrawals by the manufacturer or a regulator."""

from __future__ import annotations

from dapp.chain.actions import ActionError, PreparedAction, action, address_of, prepare_call
from dapp.chain.deployment import Deployment
from dapp.codes.gs1 import parse_gtin
from dapp.roles import Category
from dapp.i18n import N_, _

# Resources' reason codes of a recall or withdrawal.
REASONS = {1: N_("quality defect"), 2: N_("falsified"), 3: N_("regulatory decision"), 4: N_("labelling error"),
           5: N_("other")}


def register_product(deployment: Deployment, manufacturer, gtin, category: Category, name: str, dosage_form: str,
                     characteristics_cid: str, certificate_cid: str) -> PreparedAction:
    gtin14 = parse_gtin(gtin)
    return action(manufacturer, _("register {gtin14}").format(gtin14=gtin14),
                  prepare_call(deployment, "Resources", "register_product",
                               [int(gtin14), int(Category(category)), name, dosage_form, characteristics_cid,
                                certificate_cid], _("register the product {gtin14} ({name})").format(gtin14=gtin14, name=name)))


def update_product(deployment: Deployment, manufacturer, gtin, characteristics_cid: str,
                   certificate_cid: str) -> PreparedAction:
    gtin14 = parse_gtin(gtin)
    return action(manufacturer, _("update {gtin14}").format(gtin14=gtin14),
                  prepare_call(deployment, "Resources", "update_product",
                               [int(gtin14), characteristics_cid, certificate_cid],
                               _("replace the documents of the product {gtin14}").format(gtin14=gtin14)))


def commission_batch(deployment: Deployment, manufacturer, gtin, lot: str, manufactured: int, expires: int,
                     quantity: int, serials_root: bytes, documents_cid: str, proof_tree_cid: str) -> PreparedAction:
    """Put a batch on the registry: its dates, quantity and the Merkle root of its serials, with the
    CIDs of its documents and of its published proof tree (`dapp.verification.proofs.publish_tree`)."""
    gtin14 = parse_gtin(gtin)
    if not expires > manufactured:
        raise ActionError(_("batch {gtin14}/{lot} must expire after it is manufactured").format(gtin14=gtin14, lot=lot))
    if quantity <= 0:
        raise ActionError(_("batch {gtin14}/{lot} needs at least one unit").format(gtin14=gtin14, lot=lot))
    if len(bytes(serials_root)) != 32:
        raise ActionError(_("the serials' Merkle root is 32 bytes"))
    if not proof_tree_cid:
        raise ActionError(_("batch {gtin14}/{lot} needs its proof tree published first (its CID goes on chain)").format(
            gtin14=gtin14, lot=lot))
    return action(manufacturer, _("commission {gtin14}/{lot}").format(gtin14=gtin14, lot=lot),
                  prepare_call(deployment, "Resources", "commission_batch",
                               [int(gtin14), lot, int(manufactured), int(expires), int(quantity), bytes(serials_root),
                                documents_cid, proof_tree_cid],
                               _("register batch {gtin14}/{lot} of {quantity} units, serials root {root}").format(
                                   gtin14=gtin14, lot=lot, quantity=quantity, root=f"0x{bytes(serials_root).hex()[:12]}…")))


def assign_prefix(deployment: Deployment, regulator, prefix: str, manufacturer) -> PreparedAction:
    """A regulator records a GS1 company prefix (6 to 12 digits, as written: leading zeros count)
    for a manufacturer: only it registers GTINs under it. Taking a prefix another manufacturer
    holds is governed (a quorum of regulators makes the same call)."""
    prefix = str(prefix).strip()
    if not prefix.isdigit() or not 6 <= len(prefix) <= 12:
        raise ActionError(_("a GS1 company prefix is 6 to 12 digits, not {prefix!r}").format(prefix=prefix))
    manufacturer = address_of(manufacturer)
    return action(regulator, _("assign the prefix {prefix} to {manufacturer}").format(prefix=prefix, manufacturer=manufacturer),
                  prepare_call(deployment, "Resources", "assign_prefix", [int(prefix), len(prefix), manufacturer],
                               _("assign the GS1 company prefix {prefix} to {manufacturer}").format(
                                   prefix=prefix, manufacturer=manufacturer)))


def reassign_product(deployment: Deployment, regulator, gtin, manufacturer, reason_cid: str) -> PreparedAction:
    """Regulators give a product (and its batches) to another manufacturer. Governed."""
    gtin14 = parse_gtin(gtin)
    manufacturer = address_of(manufacturer)
    if not reason_cid:
        raise ActionError(_("a decision document is required: store it first and give its CID"))
    return action(regulator, _("reassign {gtin14} to {manufacturer}").format(gtin14=gtin14, manufacturer=manufacturer),
                  prepare_call(deployment, "Resources", "reassign_product", [int(gtin14), manufacturer, reason_cid],
                               _("confirm giving the product {gtin14} to {manufacturer} (decision {reason_cid}; carried "
                                 "out when a quorum of regulators confirmed)").format(
                                   gtin14=gtin14, manufacturer=manufacturer, reason_cid=reason_cid)))


def claim_product(deployment: Deployment, successor, gtin) -> PreparedAction:
    """The successor of a product's manufacturer takes the product over."""
    gtin14 = parse_gtin(gtin)
    return action(successor, _("claim {gtin14}").format(gtin14=gtin14),
                  prepare_call(deployment, "Resources", "claim_product", [int(gtin14)],
                               _("take over the product {gtin14} as its manufacturer's successor").format(gtin14=gtin14)))


def reinstate_batch(deployment: Deployment, regulator, gtin, lot: str, reason_cid: str) -> PreparedAction:
    """Regulators lift a recall or withdrawal, with a reason. Governed."""
    gtin14 = parse_gtin(gtin)
    if not reason_cid:
        raise ActionError(_("a decision document is required: store it first and give its CID"))
    return action(regulator, _("lift the recall of {gtin14}/{lot}").format(gtin14=gtin14, lot=lot),
                  prepare_call(deployment, "Resources", "reinstate_batch", [int(gtin14), lot, reason_cid],
                               _("confirm lifting the recall or withdrawal of batch {gtin14}/{lot} (decision "
                                 "{reason_cid}; carried out when a quorum of regulators confirmed)").format(
                                   gtin14=gtin14, lot=lot, reason_cid=reason_cid)))


def set_custody(deployment: Deployment, regulator, custody) -> PreparedAction:
    """A regulator names the custody ledger Resources reports every recall to (once)."""
    custody = address_of(custody)
    return action(regulator, _("name {custody} as the custody ledger").format(custody=custody),
                  prepare_call(deployment, "Resources", "set_custody", [custody],
                               _("have Resources report every recall to Custody {custody}").format(custody=custody)))


def recall_batch(deployment: Deployment, sender, gtin, lot: str, reason_code: int, reason_cid: str) -> PreparedAction:
    return _retire(deployment, sender, gtin, lot, reason_code, reason_cid, "recall_batch",
                   N_("recall {gtin14}/{lot}"), N_("recall batch {gtin14}/{lot} ({reason}, decision {reason_cid})"))


def withdraw_batch(deployment: Deployment, sender, gtin, lot: str, reason_code: int,
                   reason_cid: str) -> PreparedAction:
    return _retire(deployment, sender, gtin, lot, reason_code, reason_cid, "withdraw_batch",
                   N_("withdraw {gtin14}/{lot}"), N_("withdraw batch {gtin14}/{lot} ({reason}, decision {reason_cid})"))


def _retire(deployment, sender, gtin, lot, reason_code, reason_cid, function, short, sentence) -> PreparedAction:
    """`short` and `sentence`: the action's and its call's sentences (marked with N_)."""
    gtin14 = parse_gtin(gtin)
    reason_code = int(reason_code)
    reason = (_(REASONS[reason_code]) if reason_code in REASONS
              else _("reason {reason_code}").format(reason_code=reason_code))
    return action(sender, _(short).format(gtin14=gtin14, lot=lot),
                  prepare_call(deployment, "Resources", function, [int(gtin14), lot, reason_code, reason_cid],
                               _(sentence).format(gtin14=gtin14, lot=lot, reason=reason, reason_cid=reason_cid)))
