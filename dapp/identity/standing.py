"""An account's standing in the registry: its organization's name (from its metadata document,
read back checked against its CID), status and roles, and its payment-token balance."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache

from eth_utils import to_checksum_address

from dapp.chain.reader import ChainReader
from dapp.errors import PlatformError
from dapp.i18n import N_, _
from dapp.roles import Role, Status

STATUS_NAMES = {Status.NONE: N_("not registered"), Status.APPLIED: N_("applied, awaiting approval"),
                Status.ACTIVE: N_("active"), Status.SUSPENDED: N_("suspended"), Status.REVOKED: N_("revoked")}
ROLE_NAMES = {Role.REGULATOR: N_("regulator"), Role.MANUFACTURER: N_("manufacturer"),
              Role.DISTRIBUTOR: N_("distributor"), Role.MEDICAL_ORGANIZATION: N_("medical organization"),
              Role.PHARMACY: N_("pharmacy"), Role.SUPPLIER: N_("supplier")}


@dataclass(frozen=True)
class Standing:
    """What the registry says of an account now."""

    account: str
    status: Status
    roles: Role
    name: str = ""
    metadata_cid: str = ""
    metadata: dict = field(default_factory=dict, compare=False)
    token_balance: int | None = None  # kopecks of the payment token

    @property
    def registered(self) -> bool:
        return self.status != Status.NONE

    @property
    def active(self) -> bool:
        return self.status == Status.ACTIVE

    def has_role(self, role: Role) -> bool:
        """Whether the organization is active in `role` (what every contract asks)."""
        return self.active and bool(self.roles & role)

    @property
    def role_names(self) -> list[str]:
        """The roles in the reader's language."""
        return [_(ROLE_NAMES[role]) for role in Role if role in self.roles]

    @property
    def status_name(self) -> str:
        return _(STATUS_NAMES[self.status])

    @property
    def display_name(self) -> str:
        return self.name or (_("an organization without a readable name") if self.registered
                             else _("no organization registered"))


def standing_of(reader: ChainReader, account: str, *, with_balance: bool = True) -> Standing:
    """The registry entry of `account` (and its token balance), in one round trip."""
    account = to_checksum_address(account)
    requests_ = [reader.call("Participants", "organization", account)]
    if with_balance and "PaymentToken" in reader.deployment.contracts:
        requests_.append(reader.call("PaymentToken", "balanceOf", account))
    answers = reader.batch(requests_)
    entry = answers[0]
    metadata = _metadata(entry.metadata_cid) if entry.metadata_cid else {}
    return Standing(account=account, status=Status(int(entry.status)), roles=Role(int(entry.roles)),
                    name=str(metadata.get("name", "")), metadata_cid=entry.metadata_cid, metadata=metadata,
                    token_balance=int(answers[1]) if len(answers) > 1 else None)


@lru_cache(maxsize=256)
def _metadata(cid: str) -> dict:
    from dapp.documents.default_store import load_document

    try:
        document = json.loads(load_document(cid))
    except (PlatformError, ValueError):
        return {}
    return document if isinstance(document, dict) else {}
