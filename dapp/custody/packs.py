"""A scanned pack, and the custody actions on it: dispense, destroy, report stolen, undo a dispense.

    packs = scanned_packs(check)                      # from dapp.verification.scanning.check_text/check_photo
    action = prepare_decommission(deployment, holder, packs[0], Decommission.DISPENSED)
    action = prepare_undo_dispense(deployment, holder, packs[0])

A pack is known by its GTIN, lot and serial as scanned (the lot found from the proof store when
the code has none, as the verifier does). Its unit hash goes on-chain, never the serial; its proof
comes from the proof store the manufacturer wrote at commissioning. What the contract would
refuse (a batch the holder does not hold, a pack already dispensed, a dispense past its grace
period) is left to the contract: the wallet's dry run shows its decoded reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from dapp.actions import custody
from dapp.actions.custody import Decommission
from dapp.chain.actions import PreparedAction
from dapp.chain.deployment import Deployment
from dapp.errors import PlatformError
from dapp.i18n import _
from dapp.verification.merkle import leaf_of_unit_hash, unit_hash
from dapp.verification.proofs import ProofStore
from dapp.verification.scanning import Check
from dapp.verification.verdicts import Verdict, batch_id

# The decommissioning reasons a hospital or pharmacy gives from its workspace.
HOSPITAL_REASONS = (Decommission.DISPENSED, Decommission.DESTROYED, Decommission.STOLEN)


class PackError(PlatformError):
    """A pack that cannot be acted on as asked; the message says why."""


@dataclass(frozen=True)
class ScannedPack:
    """One pack as scanned, and its verdict read from the chain."""

    reading: str  # the code as it was read (after a scanner's clean-up)
    verdict: Verdict

    @property
    def gtin(self) -> str:
        return self.verdict.code.gtin

    @property
    def serial(self) -> str:
        return self.verdict.code.serial

    @property
    def lot(self) -> str | None:
        """The lot printed on the code, else the one whose serials hold the pack (None: unknown)."""
        return self.verdict.code.lot if self.verdict.code.lot is not None else self.verdict.batch.get("lot")

    @property
    def batch_id(self) -> bytes | None:
        return batch_id(int(self.gtin), self.lot) if self.lot is not None else None

    @property
    def unit_hash(self) -> bytes:
        return unit_hash(int(self.gtin), self.serial)

    @property
    def leaf(self) -> bytes:
        return leaf_of_unit_hash(self.unit_hash)

    @property
    def label(self) -> str:
        """GTIN/lot/serial, as a person reads it."""
        return f"{self.gtin}/{self.lot if self.lot is not None else '?'}/{self.serial}"


def scanned_packs(check: Check) -> list[ScannedPack]:
    """The packs of a check (one for a typed code, one per code in a photo)."""
    return [ScannedPack(reading, verdict) for reading, verdict in zip(check.texts, check.verdicts, strict=True)]


def _batch_of(pack: ScannedPack) -> bytes:
    if pack.lot is None:
        raise PackError(_("the code of {gtin}/{serial} has no lot, and no batch's serial list holds it: its batch "
                          "is not known").format(gtin=pack.gtin, serial=pack.serial))
    return pack.batch_id


def proof_of(pack: ScannedPack, proofs: ProofStore | None = None) -> list[bytes]:
    """The pack's Merkle proof in its batch's tree (raises PackError when the serial is not one of the
    batch's, or the store has no tree for the batch)."""
    identifier = _batch_of(pack)
    proof = (proofs or ProofStore()).proof(identifier, pack.leaf)
    if proof is None:
        raise PackError(_("serial {serial} is not one of batch {gtin}/{lot}'s serials: a made-up code, it cannot "
                          "be written off").format(serial=pack.serial, gtin=pack.gtin, lot=pack.lot))
    return proof


def prepare_decommission(deployment: Deployment, holder: str, pack: ScannedPack, reason: Decommission,
                         proofs: ProofStore | None = None) -> PreparedAction:
    """Take the scanned pack out of circulation as `reason` (dispensed, destroyed, stolen, ...)."""
    return custody.decommission(deployment, holder, _batch_of(pack), pack.unit_hash, proof_of(pack, proofs),
                                Decommission(int(reason)))


def prepare_undo_dispense(deployment: Deployment, holder: str, pack: ScannedPack) -> PreparedAction:
    """Put a pack `holder` dispensed back in stock (within Custody's grace period)."""
    return custody.undo_dispense(deployment, holder, _batch_of(pack), pack.leaf)


def undo_deadline(reader, pack: ScannedPack) -> tuple[int, str, int] | None:
    """(reason code, by whom, until when a dispense can be undone), read from the chain; None when
    the pack is in circulation."""
    identifier = _batch_of(pack)
    state, grace = reader.batch([reader.call("Custody", "unit", identifier, pack.leaf),
                                 reader.call("Custody", "GRACE_PERIOD")])
    if int(state.reason) == 0:
        return None
    return int(state.reason), state.by, int(state.at) + int(grace)
