"""The deployment record: which contracts are where on a chain.

One JSON file per chain, named by chain id, in the data folder's `deployments/`. It holds
the chain's genesis block hash too, so a record made for one local chain is never taken
for another chain that happens to share the chain id (every anvil is 31337).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from dapp.errors import DeploymentError
from dapp.paths import deployments_dir
from dapp.i18n import _

# In the order they are deployed (each needs the ones before it).
CONTRACT_NAMES = ("Participants", "Resources", "PaymentToken", "Custody", "Tenders")


@dataclass(frozen=True)
class DeployedContract:
    address: str
    block: int
    transaction: str


@dataclass
class Deployment:
    chain_id: int
    genesis_hash: str
    network: str
    deployer: str
    contracts: dict[str, DeployedContract] = field(default_factory=dict)

    @property
    def first_block(self) -> int:
        """The block events are read from: the earliest deployment."""
        return min((c.block for c in self.contracts.values()), default=0)

    def address(self, name: str) -> str:
        try:
            return self.contracts[name].address
        except KeyError:
            raise DeploymentError(
                _("{name} is not in the deployment record of chain {chain_id}; deploy it with `ape run "
                  "deploy --network <network> --account <account>`").format(name=name, chain_id=self.chain_id)
            ) from None

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Deployment:
        raw = json.loads(text)
        contracts = {name: DeployedContract(**entry) for name, entry in raw.pop("contracts").items()}
        return cls(contracts=contracts, **raw)


def record_path(chain_id: int, folder: Path | None = None) -> Path:
    return (folder or deployments_dir()) / f"{chain_id}.json"


def read_record(chain_id: int, genesis_hash: str, folder: Path | None = None) -> Deployment | None:
    """The record for this chain, or None when there is none or it belongs to another chain."""
    path = record_path(chain_id, folder)
    if not path.exists():
        return None
    try:
        deployment = Deployment.from_json(path.read_text())
    except (ValueError, TypeError, KeyError) as error:
        raise DeploymentError(_("the deployment record {path} is unreadable ({error}); move it away and deploy again").format(path=path, error=error)) from None
    if deployment.genesis_hash.lower() != genesis_hash.lower():
        return None
    return deployment


def write_record(deployment: Deployment, folder: Path | None = None) -> Path:
    """Write the record atomically: a crash mid-write never leaves half a file."""
    path = record_path(deployment.chain_id, folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(deployment.to_json())
    os.replace(temporary, path)
    return path
