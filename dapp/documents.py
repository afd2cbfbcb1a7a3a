"""The local document folder: documents saved under their CID, and read back checked against it.

Used by the deploy and seed scripts for small documents (metadata, decisions). The full
document store (IPFS node or embedded store, chunked files) replaces it behind the same
two functions.
"""

from __future__ import annotations

from dapp.cid import raw_cid
from dapp.errors import PlatformError
from dapp.paths import documents_dir


def save_document(data: bytes) -> str:
    """Keep `data` in the documents folder and return its CID."""
    cid = raw_cid(data)
    path = documents_dir() / cid
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return cid


def load_document(cid: str) -> bytes:
    """The document with `cid`; an error when it is missing or its bytes do not match the CID."""
    path = documents_dir() / cid
    if not path.exists():
        raise PlatformError(f"document {cid} is not in {documents_dir()}")
    data = path.read_bytes()
    if raw_cid(data) != cid:
        raise PlatformError(f"document {cid} in {path} has been altered: its bytes no longer match its CID")
    return data
