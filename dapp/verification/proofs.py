"""The proof store: each commissioned batch's Merkle tree, kept off-chain as hashes only.

A pack is verified with a proof that its leaf is in its batch's tree. The manufacturer
writes the tree here when it commissions the batch; the file holds the tree's nodes (leaf
hashes and their parents), never a serial in clear, so it can be published or replicated
without revealing the serials. A proof is read straight from the file: the leaves are
stored sorted, so finding one is a binary search, and nothing is rebuilt (a batch of a
million units answers in well under a millisecond).

File layout (`<batch id hex>.tree`): the OpenZeppelin StandardMerkleTree node array,
32 bytes per node, node 0 the root, the n leaves at the end in descending order.
"""

from __future__ import annotations

import mmap
import os
from pathlib import Path

from dapp.errors import PlatformError
from dapp.verification.merkle import SerialTree
from dapp.paths import data_dir
from dapp.i18n import _

NODE = 32


def proofs_dir() -> Path:
    return data_dir() / "proofs"


class ProofStore:
    def __init__(self, folder: Path | None = None):
        self.folder = folder or proofs_dir()

    def _path(self, batch_id: bytes) -> Path:
        return self.folder / f"{bytes(batch_id).hex()}.tree"

    def save(self, batch_id: bytes, tree: SerialTree) -> Path:
        """Keep the batch's tree (atomically: a reader never sees half a file)."""
        path = self._path(batch_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(tree.to_bytes())
        os.replace(temporary, path)
        return path

    def has(self, batch_id: bytes) -> bool:
        return self._path(batch_id).exists()

    def root(self, batch_id: bytes) -> bytes | None:
        path = self._path(batch_id)
        if not path.exists():
            return None
        with path.open("rb") as file:
            return file.read(NODE)

    def proof(self, batch_id: bytes, leaf: bytes) -> list[bytes] | None:
        """The proof of `leaf` in the batch's tree; None when the leaf is not in it.

        Raises PlatformError when the store has no tree for the batch or its file is damaged.
        """
        path = self._path(batch_id)
        if not path.exists():
            raise PlatformError(
                _("the proof store has no tree for batch 0x{batch_id}; its manufacturer writes it when "
                  "commissioning (expected {path})").format(batch_id=bytes(batch_id).hex(), path=path)
            )
        size = path.stat().st_size
        if size == 0 or size % NODE or (size // NODE) % 2 == 0:
            raise PlatformError(_("the proof store's file {path} is damaged ({size} bytes is not a tree)").format(path=path, size=size))
        with path.open("rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as nodes:
            return _proof(nodes, size // NODE, bytes(leaf))


def _proof(nodes, node_count: int, leaf: bytes) -> list[bytes] | None:
    leaf_count = (node_count + 1) // 2
    first_leaf = node_count - leaf_count

    def node(i: int) -> bytes:
        return nodes[i * NODE : (i + 1) * NODE]

    # Leaves descend from first_leaf to the end: binary search for `leaf`.
    low, high = first_leaf, node_count - 1
    index = None
    while low <= high:
        middle = (low + high) // 2
        value = node(middle)
        if value == leaf:
            index = middle
            break
        if value > leaf:
            low = middle + 1
        else:
            high = middle - 1
    if index is None:
        return None
    proof = []
    while index > 0:
        proof.append(node(index + 1 if index % 2 == 1 else index - 1))
        index = (index - 1) // 2
    return proof
