"""The platform's documents: saved under their CID, and read back checked against it.

The deploy and seed scripts and the CLIs use these two functions; where the documents go
is the document store's choice (dapp.documents.store.open_store: an IPFS node when
MEDCHAIN_IPFS_API is set, else the documents folder).
"""

from __future__ import annotations

from dapp.documents.store import open_store


def save_document(data: bytes) -> str:
    """Keep `data` in the document store and return its CID."""
    return open_store().add(data)


def load_document(cid: str) -> bytes:
    """The document with `cid`; an error when it is missing or its bytes do not match the CID."""
    return open_store().get(cid)
