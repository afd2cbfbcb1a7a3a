"""Commissioning a batch from its serial list, in one prepared action of two calls: the batch
registered with its serials' Merkle root (`Resources.commission_batch`), then its whole quantity
taken into the manufacturer's custody (`Custody.commission`), as `scripts/products.py` and the
demo seed do.

Before anything is sent the batch's files are kept: its proof tree (hashes only: what every
pack is verified with) and its serial list (the manufacturer's, for its label sheets). They are
written only for the product's own manufacturer and while the chain has no such batch, so a
second upload never replaces the tree of a batch already on chain, nor another maker's. The
tree is also published to the document store (its leaf hashes: `dapp.verification.proofs`), and
its CID goes on chain with the batch, so that anyone can fetch it and check it against the root.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

from dapp.actions import custody, resources
from dapp.chain.actions import ActionError, PreparedAction, action, address_of
from dapp.codes.gs1 import check_serial, parse_gtin
from dapp.i18n import _
from dapp.paths import serials_dir
from dapp.roles import BatchStatus
from dapp.verification.merkle import SerialTree
from dapp.verification.proofs import ProofStore, publish_tree
from dapp.verification.verdicts import batch_id as batch_id_of


def serial_list_path(gtin, lot: str) -> Path:
    """Where the manufacturer's serial list of a batch is kept (as the demo seed keeps it)."""
    return serials_dir() / f"{parse_gtin(gtin)}-{quote(lot, safe='')}.txt"


def build_tree(gtin, serials: list[str]) -> SerialTree:
    """The batch's Merkle tree (OpenZeppelin's layout; see `dapp.verification.merkle`)."""
    return SerialTree.of(int(parse_gtin(gtin)), serials)


def batch_on_chain(reader, gtin, lot: str) -> BatchStatus:
    return BatchStatus(int(reader.one(reader.call("Resources", "batch", int(parse_gtin(gtin)), lot)).status))


def commission_from_list(deployment, reader, manufacturer, gtin, lot: str, manufactured: int, expires: int,
                         serials: list[str], tree: SerialTree, documents_cid: str,
                         proofs: ProofStore | None = None) -> PreparedAction:
    """The prepared action that commissions batch `gtin`/`lot` of `serials` (whose tree is `tree`)
    and takes it into custody; the tree and the list are kept first (see the module's note)."""
    gtin14 = parse_gtin(gtin)
    lot = lot.strip()
    try:
        check_serial(lot)  # AI (10) has the same rules as AI (21)
    except Exception as error:  # noqa: BLE001 - InvalidCodeError, worded for a serial
        raise ActionError(_("the lot {lot!r} is not a GS1 lot: 1 to 20 characters of GS1 character set 82 ({error})")
                          .format(lot=lot, error=error)) from None
    if len(tree) != len(serials):
        raise ActionError(_("the tree was built from another list"))
    if not documents_cid:
        raise ActionError(_("a batch needs its documents (the quality certificate): upload them"))
    maker = reader.one(reader.call("Resources", "product", int(gtin14))).manufacturer
    if str(maker).lower() != str(address_of(manufacturer)).lower():
        raise ActionError(_("the product {gtin14} is not registered to you: only its manufacturer commissions its "
                            "batches").format(gtin14=gtin14))
    if batch_on_chain(reader, gtin14, lot) != BatchStatus.NONE:
        raise ActionError(_("batch {gtin14}/{lot} is already on the registry: a batch is commissioned once; "
                            "give the new batch its own lot").format(gtin14=gtin14, lot=lot))
    registered = resources.commission_batch(deployment, manufacturer, gtin14, lot, manufactured, expires,
                                            len(serials), tree.root, documents_cid, publish_tree(tree))
    taken = custody.commission(deployment, manufacturer, gtin14, lot)
    keep_batch_files(gtin14, lot, serials, tree, proofs)
    return action(manufacturer, _("commission {gtin14}/{lot} ({quantity} units) and take it into custody").format(
        gtin14=gtin14, lot=lot, quantity=len(serials)),
        *registered.calls, *(replace(call, after_previous=True) for call in taken.calls))


def keep_batch_files(gtin14: str, lot: str, serials: list[str], tree: SerialTree,
                     proofs: ProofStore | None = None) -> None:
    (proofs or ProofStore()).save(batch_id_of(int(gtin14), lot), tree)
    path = serial_list_path(gtin14, lot)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text("\n".join(serials) + "\n", encoding="utf-8")
    os.replace(temporary, path)


def kept_serials(gtin, lot: str) -> list[str] | None:
    """The kept serial list of a batch, or None when this server has none."""
    path = serial_list_path(gtin, lot)
    if not path.exists():
        return None
    return [line for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]
