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
from dapp.i18n import _

# abi.encode(uint256, string): the string's head is an offset of 0x40 (two words).
_STRING_OFFSET = (64).to_bytes(32, "big")
# Below this many serials, starting worker processes costs more than it saves.
_PARALLEL_FROM = 50_000


def unit_hash(gtin: int, serial: str) -> bytes:
    """The inner hash of one unit, keccak256(abi.encode(gtin, serial)): what `Custody.decommission`
    takes, so that the contract computes the leaf itself (an inner node of the tree can never be
    such a leaf) and the serial stays out of the calldata."""
    data = serial.encode("utf-8")
    padded = data + b"\0" * (-len(data) % 32)
    encoded = gtin.to_bytes(32, "big") + _STRING_OFFSET + len(data).to_bytes(32, "big") + padded
    return keccak_256(encoded).digest()


def leaf_of_unit_hash(unit: bytes) -> bytes:
    """The tree leaf of a unit hash: keccak256(bytes.concat(unit))."""
    return keccak_256(bytes(unit)).digest()


def leaf_hash(gtin: int, serial: str) -> bytes:
    """The tree leaf of one unit: keccak256(bytes.concat(keccak256(abi.encode(gtin, serial))))."""
    return leaf_of_unit_hash(unit_hash(gtin, serial))


def _leaf_hashes_blob(gtin: int, serials: Sequence[str]) -> bytes:
    """The leaves of `serials`, concatenated (one blob pickles far faster than many hashes)."""
    head = gtin.to_bytes(32, "big") + _STRING_OFFSET
    out = []
    for serial in serials:
        data = serial.encode("utf-8")
        encoded = head + len(data).to_bytes(32, "big") + data + b"\0" * (-len(data) % 32)
        out.append(keccak_256(keccak_256(encoded).digest()).digest())
    return b"".join(out)


def _parents_blob(children: bytes) -> bytes:
    """The parents of consecutive pairs of 32-byte children, concatenated."""
    out = []
    for i in range(0, len(children), 64):
        a = children[i : i + 32]
        b = children[i + 32 : i + 64]
        out.append(keccak_256(a + b).digest() if a < b else keccak_256(b + a).digest())
    return b"".join(out)


def _split(blob: bytes) -> list[bytes]:
    return [blob[i : i + 32] for i in range(0, len(blob), 32)]


class _Workers:
    """Runs blob -> blob functions over chunks on every core when the input is large.

    Processes are forked: they need nothing but this module and start in milliseconds.
    """

    def __init__(self, size: int):
        count = min(os.cpu_count() or 1, 8)
        self._pool = multiprocessing.get_context("fork").Pool(count) if size >= _PARALLEL_FROM and count > 1 else None
        self._count = count

    def __enter__(self) -> _Workers:
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.terminate()

    def map(self, function, items: Sequence, *, item_size: int = 1, extra: tuple = ()) -> bytes:
        """function(*extra, chunk) over chunks of `items` (cut at multiples of `item_size`), joined."""
        if self._pool is None or len(items) < _PARALLEL_FROM * item_size:
            return function(*extra, items)
        step = -(-len(items) // (self._count * item_size)) * item_size
        chunks = [items[i : i + step] for i in range(0, len(items), step)]
        return b"".join(self._pool.starmap(function, [(*extra, chunk) for chunk in chunks]))


def _check_gtin(gtin: int) -> None:
    if not 0 <= gtin < 2**256:
        raise InvalidCodeError(_("GTIN {gtin} does not fit a uint256").format(gtin=gtin))


def _node_hash(a: bytes, b: bytes) -> bytes:
    return keccak_256(a + b).digest() if a < b else keccak_256(b + a).digest()


def _build_nodes(ordered: list[bytes], workers: _Workers) -> list[bytes]:
    """The node array of the sorted leaves, parents computed one tree level at a time.

    Node i has children 2i+1 and 2i+2, so the parents on one level form one contiguous
    range whose children form another: a level is hashed from one blob, in parallel.
    """
    count = len(ordered)
    size = 2 * count - 1
    nodes: list[bytes] = [b""] * (size - count) + ordered[::-1]
    last_internal = count - 2
    level = last_internal.bit_length()  # the deepest level holding an internal node (index + 1 < 2**(level+1))
    while level >= 0:
        first = 2**level - 1
        last = min(2 ** (level + 1) - 2, last_internal)
        if first <= last:
            children = b"".join(nodes[2 * first + 1 : 2 * last + 3])
            nodes[first : last + 1] = _split(workers.map(_parents_blob, children, item_size=64))
        level -= 1
    return nodes


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
        serials = list(serials)
        _check_gtin(gtin)
        with _Workers(len(serials)) as workers:
            leaves = _split(workers.map(_leaf_hashes_blob, serials, extra=(gtin,)))
            return cls._build(leaves, workers)

    @classmethod
    def from_leaves(cls, leaves: Sequence[bytes]) -> SerialTree:
        """Build the tree from leaf hashes (as a proof store keeps them)."""
        with _Workers(len(leaves)) as workers:
            return cls._build(leaves, workers)

    @classmethod
    def _build(cls, leaves: Sequence[bytes], workers: _Workers) -> SerialTree:
        count = len(leaves)
        if count == 0:
            raise InvalidCodeError(_("a batch needs at least one serial number to build its tree"))
        ordered = sorted(leaves)
        for previous, current in zip(ordered, ordered[1:]):
            if previous == current:
                raise InvalidCodeError(
                    _("the serial list holds the same unit twice (leaf 0x{current}); every serial of a batch "
                      "must be unique").format(current=current.hex())
                )
        nodes = _build_nodes(ordered, workers)
        return cls(nodes, count)

    @property
    def root(self) -> bytes:
        return self._nodes[0]

    def __len__(self) -> int:
        return self._leaf_count

    def __contains__(self, leaf: bytes) -> bool:
        return leaf in self._leaf_index

    def to_bytes(self) -> bytes:
        """The node array, 32 bytes a node (root first, leaves last): what the proof store keeps."""
        return b"".join(self._nodes)

    @property
    def leaves(self) -> list[bytes]:
        """The leaf hashes, sorted."""
        return self._nodes[len(self._nodes) - self._leaf_count:][::-1]

    def proof(self, leaf: bytes) -> list[bytes]:
        """The sibling hashes from `leaf` up to the root.

        Raises InvalidCodeError when the leaf is not in this tree.
        """
        index = self._leaf_index.get(leaf)
        if index is None:
            raise InvalidCodeError(_("unit 0x{leaf} is not in this batch's serial list").format(leaf=leaf.hex()))
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
