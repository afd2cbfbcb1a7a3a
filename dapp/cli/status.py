"""Prints what the local platform holds and where: `python -m dapp.cli.status`."""

from __future__ import annotations

import argparse
import os

from dapp.chain.deployment import Deployment, record_path
from dapp.paths import data_dir, documents_dir, serials_dir

LOCAL_CHAIN_ID = 31337


def describe(deployment: Deployment, rpc_url: str) -> list[str]:
    lines = [f"Chain:           {rpc_url} (chain id {deployment.chain_id})"]
    for name, entry in deployment.contracts.items():
        lines.append(f"{name + ':':<17}{entry.address} (block {entry.block})")
    lines += [
        f"Deployment:      {record_path(deployment.chain_id)}",
        f"Database:        {_database()} (kept up to date from the chain's events by `ape run index --follow`)",
        f"Documents:       {_documents()}",
        f"Serial lists:    {serials_dir()} (private to the manufacturers; only roots are on-chain)",
        f"Demo labels:     {data_dir() / 'labels'} (one pack per verdict; print sheets/ to scan)",
        "Verify a pack:   source tools/env.sh && ape run verify data/labels/genuine.png --network ethereum:local:foundry",
        "Dev accounts:    anvil's 20 accounts (mnemonic 'test test ... junk'); #0 is the first regulator",
    ]
    return lines


def _database() -> str:
    from sqlalchemy.engine import make_url

    from dapp.records.engine import database_url

    return make_url(database_url()).render_as_string(hide_password=True)


def _documents() -> str:
    from dapp.documents.store import IPFS_API_VARIABLE

    api = os.environ.get(IPFS_API_VARIABLE)
    return f"the IPFS node at {api}" if api else f"{documents_dir()} (CIDv1 named files; MEDCHAIN_IPFS=1 make run uses a js-ipfs node)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--state", help="anvil's state file")
    parser.add_argument("--log", help="anvil's log file")
    arguments = parser.parse_args()
    path = record_path(LOCAL_CHAIN_ID)
    if not path.exists():
        raise SystemExit(f"no deployment record in {path}: the deployment failed; see the messages above")
    lines = describe(Deployment.from_json(path.read_text()), os.environ.get("MEDCHAIN_RPC_URL", "http://127.0.0.1:8545"))
    if arguments.state:
        lines.append(f"Chain state:     {arguments.state}")
    if arguments.log:
        lines.append(f"Chain log:       {arguments.log}")
    lines.append(f"Data folder:     {data_dir()}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
