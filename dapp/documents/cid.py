"""Content identifiers of documents (IPFS CIDv1), computed without a node.

`ipfs add --cid-version=1` (Kubo and js-ipfs alike) cuts a file into 262144-byte chunks,
stores each as a raw block (CIDv1 turns raw leaves on) and, when there is more than one
chunk, links them in a balanced tree of dag-pb nodes holding UnixFS "file" data, at most
174 links per node. A file of one chunk is its raw block: its CID is
``base32(0x01 raw-codec sha2-256-multihash)``. `file_cid` rebuilds that tree, so the folder
store and any node give a file the same CID, and every read can be checked against it.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass

from dapp.errors import PlatformError
from dapp.i18n import _

CHUNK_SIZE = 256 * 1024
RAW_BLOCK_LIMIT = CHUNK_SIZE
LINKS_PER_NODE = 174

_RAW_CODEC = 0x55
_DAG_PB_CODEC = 0x70
_SHA2_256 = 0x12
_UNIXFS_FILE = 2
# "b" (base32, lower case, no padding) then the CIDv1 bytes: version 1, a codec, sha2-256.
_CIDV1_BASE32 = re.compile(r"^b[a-z2-7]{58}$")


class InvalidCidError(PlatformError, ValueError):
    """A string that is not a CIDv1 of the kind the platform's document store gives."""


def raw_cid(data: bytes) -> str:
    """The CIDv1 (base32) that IPFS gives `data` when it fits in one raw block."""
    if len(data) > RAW_BLOCK_LIMIT:
        raise PlatformError(
            _("a document of {data} bytes is over the {raw_block_limit}-byte single-block limit; its "
              "CID needs the chunked UnixFS layout (use dapp.documents.cid.file_cid)").format(data=len(data), raw_block_limit=RAW_BLOCK_LIMIT)
        )
    return _cid(_RAW_CODEC, data)


def file_cid(data: bytes) -> str:
    """The CIDv1 that `ipfs add --cid-version=1` gives `data`, of any size."""
    if len(data) <= CHUNK_SIZE:
        return raw_cid(data)
    view = memoryview(data)
    level = [
        _Link(_cid_bytes(_RAW_CODEC, chunk), tree_size=len(chunk), file_size=len(chunk))
        for chunk in (view[i:i + CHUNK_SIZE] for i in range(0, len(data), CHUNK_SIZE))
    ]
    while len(level) > 1:
        level = [_file_node(level[i:i + LINKS_PER_NODE]) for i in range(0, len(level), LINKS_PER_NODE)]
    return _base32(level[0].cid)


def check_cid(cid: str) -> str:
    """`cid` if it has the form of a CIDv1 in base32 (sha2-256); else an InvalidCidError."""
    if not isinstance(cid, str) or not _CIDV1_BASE32.match(cid):
        raise InvalidCidError(
            _("{cid!r} is not a document CID: expected a CIDv1 in base32, like {example!r} (what `ipfs "
              "add --cid-version=1` prints)").format(cid=cid, example=raw_cid(b''))
        )
    binary = _unbase32(cid)
    if binary[0] != 1 or binary[1] not in (_RAW_CODEC, _DAG_PB_CODEC) or binary[2:4] != bytes([_SHA2_256, 32]):
        raise InvalidCidError(
            _("{cid!r} is not a document CID: only CIDv1 of raw or dag-pb blocks hashed with sha2-256 "
              "are used here").format(cid=cid)
        )
    return cid


@dataclass(frozen=True)
class _Link:
    cid: bytes  # binary CID of the child block
    tree_size: int  # bytes of the child block and of everything under it (the link's Tsize)
    file_size: int  # bytes of the file the child holds


def _file_node(children: list[_Link]) -> _Link:
    """A dag-pb node linking `children` in order, with UnixFS data of type file."""
    file_size = sum(child.file_size for child in children)
    unixfs = _varint_field(1, _UNIXFS_FILE) + _varint_field(3, file_size)
    unixfs += b"".join(_varint_field(4, child.file_size) for child in children)
    # dag-pb's canonical form: the links (field 2) before the data (field 1); each link is
    # Hash (1), an empty Name (2) and Tsize (3).
    node = b"".join(
        _bytes_field(2, _bytes_field(1, child.cid) + _bytes_field(2, b"") + _varint_field(3, child.tree_size))
        for child in children
    ) + _bytes_field(1, unixfs)
    return _Link(
        _cid_bytes(_DAG_PB_CODEC, node),
        tree_size=len(node) + sum(child.tree_size for child in children),
        file_size=file_size,
    )


def _cid_bytes(codec: int, block: bytes) -> bytes:
    return bytes([0x01, codec, _SHA2_256, 32]) + hashlib.sha256(block).digest()


def _cid(codec: int, block: bytes) -> str:
    return _base32(_cid_bytes(codec, block))


def _base32(binary: bytes) -> str:
    return "b" + base64.b32encode(binary).decode("ascii").lower().rstrip("=")


def _unbase32(cid: str) -> bytes:
    text = cid[1:].upper()
    return base64.b32decode(text + "=" * (-len(text) % 8))


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _varint_field(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value)


def _bytes_field(number: int, value: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(value)) + value
