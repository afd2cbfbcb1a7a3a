"""Whether a pack is genuine: the Merkle tree of a batch's serials, the proof store, the
verifier that reads the chain and gives a verdict, and the verdict in words.
"""


from dapp.verification.merkle import SerialTree, leaf_hash
from dapp.verification.proofs import ProofStore
from dapp.verification.verdicts import Reason, Verdict, Verifier

__all__ = ["ProofStore", "Reason", "SerialTree", "Verdict", "Verifier", "leaf_hash"]
