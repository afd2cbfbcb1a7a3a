"""Storing the documents an organization hands over (uploaded files) with an index document
that names them: what goes on chain is the index's CID."""

from __future__ import annotations

import json
from collections.abc import Sequence

from dapp.errors import PlatformError
from dapp.i18n import _

# (file name, bytes) of an uploaded document
Upload = tuple[str, bytes]


def store_files(files: Sequence[Upload]) -> list[dict]:
    """Each file stored by its CID: [{"name", "cid", "size"}]."""
    from dapp.documents.default_store import save_document

    stored = []
    for name, data in files:
        if not data:
            raise PlatformError(_("the document {name} is empty").format(name=name))
        stored.append({"name": str(name), "cid": _save(save_document, data), "size": len(data)})
    return stored


def store_json(document: dict) -> str:
    """A JSON document (UTF-8, keys sorted: the same content always has the same CID) stored; its CID."""
    from dapp.documents.default_store import save_document

    return _save(save_document, json.dumps(document, ensure_ascii=False, sort_keys=True).encode("utf-8"))


def store_with_index(index: dict, files: Sequence[Upload]) -> str:
    """The files stored, then `index` with their list under "documents"; the index's CID."""
    return store_json({**index, "documents": store_files(files)})


def _save(save, data: bytes) -> str:
    try:
        return save(data)
    except OSError as error:
        raise PlatformError(_("the document could not be stored: {error}").format(error=error)) from None
