"""Dev mode: on a local chain only, a session may act as any seeded demo organization through
anvil's dev accounts (the node signs), with no browser wallet.

Allowed only when MEDCHAIN_DEV_MODE=1 AND the chain id is 31337 AND the chain's genesis hash is
the deployment record's (so a record made for this very local chain): anywhere else anyone could
act for anyone, so it is refused, with the reason.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import requests
from eth_utils import to_checksum_address

from dapp.chain.deployment import Deployment, record_path
from dapp.errors import PlatformError
from dapp.i18n import _
from dapp.roles import Role

LOCAL_CHAIN_ID = 31337
ENVIRONMENT_SWITCH = "MEDCHAIN_DEV_MODE"


class DevModeRefused(PlatformError):
    """Dev mode asked for where it is not allowed; the message says why."""


@dataclass(frozen=True)
class DevMode:
    allowed: bool
    reason: str  # why not (empty when allowed)

    def require(self) -> None:
        if not self.allowed:
            raise DevModeRefused(self.reason)


@dataclass(frozen=True)
class DemoIdentity:
    """A seeded demo organization and the dev account it acts through."""

    key: str
    name: str
    roles: Role
    account: str


def dev_mode_status(enabled: bool, chain_id: int, genesis_hash: str, deployment: Deployment | None) -> DevMode:
    """Whether dev mode is allowed for a chain with `chain_id` and `genesis_hash`, given the
    deployment record of that chain id (None when there is none)."""
    if not enabled:
        return DevMode(False, _("dev mode is off (the server was started without {switch}=1)")
                       .format(switch=ENVIRONMENT_SWITCH))
    if int(chain_id) != LOCAL_CHAIN_ID:
        return DevMode(False, _("dev mode is refused: the chain's id is {chain_id}, not the local chain's "
                                "{local}; on a real network only the account's own wallet signs")
                       .format(chain_id=chain_id, local=LOCAL_CHAIN_ID))
    if deployment is None:
        return DevMode(False, _("dev mode is refused: the platform has no deployment record for this chain"))
    if deployment.genesis_hash.lower() != str(genesis_hash).lower():
        return DevMode(False, _("dev mode is refused: this chain's genesis block {genesis} is not the one of the "
                                "local chain the platform was deployed on ({recorded})")
                       .format(genesis=_short(genesis_hash), recorded=_short(deployment.genesis_hash)))
    return DevMode(True, "")


def dev_mode_at(uri: str, environ=None) -> DevMode:
    """Dev mode for the chain whose node answers at `uri` (its chain id and genesis read now)."""
    environ = os.environ if environ is None else environ
    enabled = environ.get(ENVIRONMENT_SWITCH, "") == "1"
    if not enabled:
        return dev_mode_status(False, 0, "", None)
    try:
        chain_id, genesis = _chain_facts(uri)
    except PlatformError as error:
        return DevMode(False, str(error))
    path = record_path(chain_id)
    deployment = None
    if path.exists():
        try:
            deployment = Deployment.from_json(path.read_text())
        except (ValueError, TypeError, KeyError):
            deployment = None
    return dev_mode_status(True, chain_id, genesis, deployment)


def demo_identities(uri: str) -> list[DemoIdentity]:
    """The seeded demo organizations and the node's dev accounts they act through."""
    from dapp.demo.world import ORGANIZATIONS

    accounts = _rpc(uri, "eth_accounts", [])
    return [DemoIdentity(key=organization.key, name=organization.name, roles=organization.roles,
                         account=to_checksum_address(accounts[organization.account_index]))
            for organization in ORGANIZATIONS if organization.account_index < len(accounts)]


def _chain_facts(uri: str) -> tuple[int, str]:
    chain_id = int(_rpc(uri, "eth_chainId", []), 16)
    genesis = _rpc(uri, "eth_getBlockByNumber", ["0x0", False])["hash"]
    return chain_id, genesis


def _rpc(uri: str, method: str, params: list):
    try:
        answer = requests.post(uri, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params},
                               timeout=10).json()
        return answer["result"]
    except (requests.RequestException, ValueError, KeyError, TypeError):
        raise DevModeRefused(_("the chain's node at {uri} does not answer; start it (`make run` starts a local "
                               "one)").format(uri=uri)) from None


def _short(value: str) -> str:
    value = str(value)
    return value[:10] + "…" if len(value) > 12 else value
