"""Content identifiers of documents (IPFS CIDv1).

A file up to 256 KiB added to IPFS with ``cid-version=1`` is a single raw block, so its
CID is ``base32(0x01 raw-codec sha2-256-multihash)``, computable without a node. The
platform's metadata, licences and reason documents are that small.
"""

import base64
import hashlib

from dapp.errors import PlatformError

RAW_BLOCK_LIMIT = 256 * 1024
_CIDV1_RAW_SHA256_PREFIX = bytes([0x01, 0x55, 0x12, 0x20])


def raw_cid(data: bytes) -> str:
    """The CIDv1 (base32) that IPFS gives `data` when it fits in one raw block."""
    if len(data) > RAW_BLOCK_LIMIT:
        raise PlatformError(
            f"a document of {len(data)} bytes is over the {RAW_BLOCK_LIMIT}-byte single-block limit; "
            "its CID needs the chunked UnixFS layout (store it through the document store instead)"
        )
    binary = _CIDV1_RAW_SHA256_PREFIX + hashlib.sha256(data).digest()
    return "b" + base64.b32encode(binary).decode("ascii").lower().rstrip("=")
