"""The Merkle tree of a batch's serial numbers.

Laid out exactly like OpenZeppelin's StandardMerkleTree (npm `@openzeppelin/merkle-tree`)
with leaf encoding ``["uint256", "string"]`` for (GTIN, serial):

- a leaf is ``keccak256(keccak256(abi.encode(gtin, serial)))``;
- leaves are sorted by hash and stored at the end of one array of ``2n - 1`` nodes;
- a parent is ``keccak256(min(a, b) ++ max(a, b))``.

So OpenZeppelin's ``MerkleProof.verify`` accepts our proofs on-chain, and the JavaScript
library computes the same root. Only the root goes on-chain; serials stay off it.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable, Sequence

from sha3 import keccak_256  # safe-pysha3: a C keccak, several times faster than pycryptodome's

from dapp.errors import InvalidCodeError

# abi.encode(uint256, string): the string's head is an offset of 0x40 (two words).
_STRING_OFFSET = (64).to_bytes(32, "big")
# Below this many serials, starting worker processes costs more than it saves.
_PARALLEL_FROM = 50_000


def keccak(data: bytes) -> bytes:
    return keccak_256(data).digest()


def leaf_hash(gtin: int, serial: str) -> bytes:
    """The tree leaf of one unit: keccak256(bytes.concat(keccak256(abi.encode(gtin, serial))))."""
    data = serial.encode("utf-8")
    padded = data + b"\0" * (-len(data) % 32)
    encoded = gtin.to_bytes(32, "big") + _STRING_OFFSET + len(data).to_bytes(32, "big") + padded
    return keccak_256(keccak_256(encoded).digest()).digest()


def _leaf_hashes_blob(gtin: int, serials: Sequence[str]) -> bytes:
    """The leaves of `serials`, concatenated (one blob pickles far faster than many hashes)."""
    head = gtin.to_bytes(32, "big") + _STRING_OFFSET
    out = []
    for serial in serials:
        data = serial.encode("utf-8")
        encoded = head + len(data).to_bytes(32, "big") + data + b"\0" * (-len(data) % 32)
        out.append(keccak_256(keccak_256(encoded).digest()).digest())
    return b"".join(out)


def leaf_hashes(gtin: int, serials: Sequence[str]) -> list[bytes]:
    """The leaves of many units; large lists are hashed on every core."""
    if not 0 <= gtin < 2**256:
        raise InvalidCodeError(f"GTIN {gtin} does not fit a uint256")
    workers = min(os.cpu_count() or 1, 8)
    if len(serials) < _PARALLEL_FROM or workers == 1:
        blob = _leaf_hashes_blob(gtin, serials)
    else:
        step = -(-len(serials) // workers)
        chunks = [serials[i : i + step] for i in range(0, len(serials), step)]
        # fork: the workers need nothing but this module, and start in milliseconds.
        with multiprocessing.get_context("fork").Pool(len(chunks)) as pool:
            blob = b"".join(pool.starmap(_leaf_hashes_blob, [(gtin, chunk) for chunk in chunks]))
    return [blob[i : i + 32] for i in range(0, len(blob), 32)]


def _node_hash(a: bytes, b: bytes) -> bytes:
    return keccak_256(a + b).digest() if a < b else keccak_256(b + a).digest()


class SerialTree:
    """A batch's serial tree: its root, and a proof for any of its units.

    Build it with :meth:`of`; it holds hashes only, never the serials themselves.
    """

    def __init__(self, nodes: list[bytes], leaf_count: int):
        self._nodes = nodes
        self._leaf_count = leaf_count
        self._index: dict[bytes, int] | None = None

    @property
    def _leaf_index(self) -> dict[bytes, int]:
        """Where each leaf sits in the node array (built on first use: proofs, not roots)."""
        if self._index is None:
            first_leaf = len(self._nodes) - self._leaf_count
            self._index = {self._nodes[i]: i for i in range(first_leaf, len(self._nodes))}
        return self._index

    @classmethod
    def of(cls, gtin: int, serials: Iterable[str]) -> SerialTree:
        """Build the tree of `serials` of the product `gtin`.

        Raises InvalidCodeError when the list is empty or holds a serial twice.
        """
        return cls.from_leaves(leaf_hashes(gtin, list(serials)))

    @classmethod
    def from_leaves(cls, leaves: Sequence[bytes]) -> SerialTree:
        """Build the tree from leaf hashes (as a proof store keeps them)."""
        count = len(leaves)
        if count == 0:
            raise InvalidCodeError("a batch needs at least one serial number to build its tree")
        ordered = sorted(leaves)
        for previous, current in zip(ordered, ordered[1:]):
            if previous == current:
                raise InvalidCodeError(
                    f"the serial list holds the same unit twice (leaf 0x{current.hex()}); "
                    "every serial of a batch must be unique"
                )
        size = 2 * count - 1
        # The sorted leaves go at the end of the array, in reverse order (as in the JS library).
        nodes: list[bytes] = [b""] * (size - count) + ordered[::-1]
        for i in range(size - count - 1, -1, -1):
            a = nodes[2 * i + 1]
            b = nodes[2 * i + 2]
            nodes[i] = keccak_256(a + b).digest() if a < b else keccak_256(b + a).digest()
        return cls(nodes, count)

    @property
    def root(self) -> bytes:
        return self._nodes[0]

    def __len__(self) -> int:
        return self._leaf_count

    def __contains__(self, leaf: bytes) -> bool:
        return leaf in self._leaf_index

    @property
    def leaves(self) -> list[bytes]:
        """The leaf hashes, sorted."""
        return self._nodes[: len(self._nodes) - self._leaf_count - 1 : -1]

    def proof(self, leaf: bytes) -> list[bytes]:
        """The sibling hashes from `leaf` up to the root.

        Raises InvalidCodeError when the leaf is not in this tree.
        """
        index = self._leaf_index.get(leaf)
        if index is None:
            raise InvalidCodeError(f"unit 0x{leaf.hex()} is not in this batch's serial list")
        proof = []
        while index > 0:
            sibling = index + 1 if index % 2 == 1 else index - 1
            proof.append(self._nodes[sibling])
            index = (index - 1) // 2
        return proof

    def proof_for(self, gtin: int, serial: str) -> list[bytes]:
        """The proof of the unit (gtin, serial)."""
        return self.proof(leaf_hash(gtin, serial))


def verify(proof: Sequence[bytes], root: bytes, leaf: bytes) -> bool:
    """OpenZeppelin MerkleProof.verify, in Python: whether `leaf` is in the tree of `root`."""
    computed = leaf
    for sibling in proof:
        computed = _node_hash(computed, sibling)
    return computed == root
