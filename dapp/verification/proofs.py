"""The proof store: each commissioned batch's Merkle tree, kept off-chain as hashes only.

A pack is verified with a proof that its leaf is in its batch's tree. The manufacturer
writes the tree here when it commissions the batch; the file holds the tree's nodes (leaf
hashes and their parents), never a serial in clear, so it can be published or replicated
without revealing the serials. A proof is read straight from the file: the leaves are
stored sorted, so finding one is a binary search, and nothing is rebuilt (a batch of a
million units answers in well under a millisecond).

File layout (`<batch id hex>.tree`): the OpenZeppelin StandardMerkleTree node array,
32 bytes per node, node 0 the root, the n leaves at the end in descending order.

The tree is published too: at commissioning its leaf hashes (sorted ascending, 32 bytes each:
the tree is rebuilt from them) go to the document store, and their CID goes on chain in the
batch's `BatchCommissioned` event. A verifier without the tree fetches it by that CID
(`ProofStore.fetch`): the bytes are checked against the CID, the rebuilt root against the
serials root on chain, and only then is the tree kept here, which is the verifier's cache.
"""

from __future__ import annotations

import mmap
import os
from pathlib import Path

from dapp.errors import InvalidCodeError, PlatformError
from dapp.verification.merkle import SerialTree
from dapp.paths import data_dir
from dapp.i18n import _

NODE = 32


def proofs_dir() -> Path:
    return data_dir() / "proofs"


class ProofTreeUnavailable(PlatformError):
    """A batch's published proof tree could not be had: the document store does not answer or
    lacks it, its bytes do not match its CID, or its root is not the batch's root on chain."""


def tree_document(tree: SerialTree) -> bytes:
    """What is published of a batch's tree: its leaf hashes, sorted ascending, 32 bytes each
    (hashes of hashes of (GTIN, serial): no serial in clear)."""
    return b"".join(tree.leaves)


def tree_of_document(data: bytes) -> SerialTree:
    """The tree rebuilt from a published tree document (InvalidCodeError when it is not one:
    not whole 32-byte leaves, not sorted, or a leaf twice)."""
    if not data or len(data) % NODE:
        raise InvalidCodeError(_("{size} bytes are not a list of 32-byte leaf hashes").format(size=len(data)))
    leaves = [data[i:i + NODE] for i in range(0, len(data), NODE)]
    if any(a >= b for a, b in zip(leaves, leaves[1:])):
        raise InvalidCodeError(_("the leaf hashes are not in ascending order, each once"))
    return SerialTree.from_leaves(leaves)


def publish_tree(tree: SerialTree, store=None) -> str:
    """Keeps the tree's document in the document store (by default the configured one: an IPFS
    node or the documents folder) and returns its CID, which goes on chain with the batch."""
    if store is None:
        from dapp.documents.default_store import save_document

        return save_document(tree_document(tree))
    return store.add(tree_document(tree))


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

    def fetch(self, batch_id: bytes, cid: str, root: bytes, store=None) -> SerialTree:
        """Brings the batch's published tree (document `cid`) from the document store (by default
        the configured one) into this store, once checked: its bytes against `cid`, its rebuilt
        root against `root` (the serials root on chain). Raises ProofTreeUnavailable saying why not."""
        from dapp.documents.store import DocumentAlteredError, DocumentStoreError, open_store

        if not cid:
            raise ProofTreeUnavailable(_("batch 0x{batch_id} has no published proof tree on chain").format(
                batch_id=bytes(batch_id).hex()))
        try:
            data = (store or open_store()).get(cid)
        except DocumentAlteredError as error:
            raise ProofTreeUnavailable(_("proof tree {cid} refused: {error}").format(cid=cid, error=error)) from None
        except (DocumentStoreError, PlatformError) as error:
            raise ProofTreeUnavailable(_("proof tree {cid} unreachable: {error}").format(cid=cid, error=error)) from None
        try:
            tree = tree_of_document(data)
        except InvalidCodeError as error:
            raise ProofTreeUnavailable(_("proof tree {cid} refused: it is not a proof tree ({error})").format(
                cid=cid, error=error)) from None
        if tree.root != bytes(root):
            raise ProofTreeUnavailable(
                _("proof tree {cid} refused: its root 0x{tree_root} is not the batch's serials root on chain "
                  "0x{root}").format(cid=cid, tree_root=tree.root.hex(), root=bytes(root).hex()))
        self.save(batch_id, tree)
        return tree

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
