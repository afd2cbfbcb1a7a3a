"""Metadata waiting for a regulator's review: an approved organization's new metadata document
waits in the registry's `pending_metadata` (Participants) until a regulator approves or rejects
it; `organization(account).metadata_cid` keeps the approved one meanwhile.

`waiting_for_review` reads, in one round trip, which of the given accounts submitted metadata
that differs from their approved one; `document_text` shows a document (by CID, read back
checked against it) as a person reads it: JSON indented, other text as it is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from eth_utils import to_checksum_address

from dapp.chain.reader import ChainReader
from dapp.errors import PlatformError
from dapp.i18n import _
from dapp.roles import Role, Status


@dataclass(frozen=True)
class MetadataReview:
    """An organization whose submitted metadata waits for a regulator's decision."""

    account: str
    status: Status
    roles: Role
    approved_cid: str
    submitted_cid: str


def waiting_for_review(reader: ChainReader, accounts) -> list[MetadataReview]:
    """The accounts among `accounts` (active or suspended) whose submitted metadata differs from
    the approved one, in the order given."""
    accounts = list(dict.fromkeys(to_checksum_address(a) for a in accounts))
    if not accounts:
        return []
    requests_ = []
    for account in accounts:
        requests_ += [reader.call("Participants", "organization", account),
                      reader.call("Participants", "pending_metadata", account)]
    answers = reader.batch(requests_)
    waiting = []
    for index, account in enumerate(accounts):
        entry, submitted = answers[2 * index], str(answers[2 * index + 1] or "")
        status = Status(int(entry.status))
        if submitted and submitted != entry.metadata_cid and status in (Status.ACTIVE, Status.SUSPENDED):
            waiting.append(MetadataReview(account=account, status=status, roles=Role(int(entry.roles)),
                                          approved_cid=str(entry.metadata_cid), submitted_cid=submitted))
    return waiting


def document_text(cid: str) -> str:
    """The document `cid` as text: JSON indented (keys as written), else its UTF-8 text; a
    sentence saying why when it cannot be read or is not text."""
    from dapp.documents.default_store import load_document

    if not cid:
        return _("(no document)")
    try:
        data = load_document(cid)
    except PlatformError as error:
        return _("The document {cid} cannot be read: {error}").format(cid=cid, error=error)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return _("The document {cid} is not text ({size} bytes).").format(cid=cid, size=len(data))
    try:
        return json.dumps(json.loads(text), ensure_ascii=False, indent=2)
    except ValueError:
        return text


def document_name(cid: str) -> str:
    """The organization's name a metadata document gives, or ""."""
    from dapp.documents.default_store import load_document

    try:
        document = json.loads(load_document(cid)) if cid else {}
    except (PlatformError, ValueError, UnicodeDecodeError):
        return ""
    return str(document.get("name", "")) if isinstance(document, dict) else ""
