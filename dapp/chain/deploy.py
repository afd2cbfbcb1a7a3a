"""Deploying the platform's contracts once per chain, resumably."""

from __future__ import annotations

import json
from collections.abc import Callable

from dapp.actions.resources import set_custody
from dapp.chain.connection import genesis_hash, project
from dapp.chain.deployment import DeployedContract, Deployment, read_record, write_record
from dapp.chain.signers import ApeSigner, carry_out
from dapp.documents.default_store import save_document


def regulator_metadata(name: str, country: str = "RU") -> bytes:
    """The first regulator's metadata document (JSON, as every organization's)."""
    return json.dumps(
        {"name": name, "country": country, "ownership": "state", "roles": ["regulator"]},
        ensure_ascii=False,
        sort_keys=True,
    ).encode("utf-8")


def deploy_platform(
    account,
    regulator: str | None = None,
    regulator_name: str = "Федеральная служба по надзору в сфере здравоохранения (Росздравнадзор)",
    log: Callable[[str], None] = print,
) -> Deployment:
    """Deploy Participants, Resources, PaymentToken, Custody and Tenders with `account`, skipping what
    is deployed.

    The record is written after each contract, so an interrupted deployment resumes where
    it stopped. A record is trusted only when the chain's genesis hash matches it and code
    is found at each recorded address.
    """
    from ape import chain

    genesis = genesis_hash()
    deployment = read_record(chain.chain_id, genesis) or Deployment(
        chain_id=chain.chain_id, genesis_hash=genesis, network=chain.provider.network.name, deployer=account.address
    )
    regulator = regulator or account.address
    metadata_cid = save_document(regulator_metadata(regulator_name))
    arguments = {
        "Participants": lambda: (regulator, metadata_cid),
        "Resources": lambda: (deployment.address("Participants"),),
        "PaymentToken": lambda: (account.address,),
        "Custody": lambda: (deployment.address("Participants"), deployment.address("Resources")),
        "Tenders": lambda: (deployment.address("Participants"), deployment.address("Resources"),
                            deployment.address("Custody"), deployment.address("PaymentToken")),
    }
    for name, make_arguments in arguments.items():
        existing = deployment.contracts.get(name)
        if existing and chain.provider.get_code(existing.address):
            log(f"{name} already deployed at {existing.address} (block {existing.block})")
            continue
        if name == "Tenders" and not _connect_custody(deployment, account, regulator, log):
            # Tenders checks at deployment that Resources reports to this Custody.
            log("Tenders is deployed once the regulator has named Custody: run the deployment again then")
            return deployment
        instance = getattr(project(), name).deploy(*make_arguments(), sender=account)
        receipt = instance.creation_metadata.receipt if instance.creation_metadata else None
        deployment.contracts[name] = DeployedContract(
            address=instance.address,
            block=receipt.block_number if receipt else chain.blocks.head.number,
            transaction=receipt.txn_hash if receipt else "",
        )
        write_record(deployment)
        log(f"{name} deployed at {instance.address}")
    _connect_custody(deployment, account, regulator, log)
    return deployment


def _connect_custody(deployment: Deployment, account, regulator: str, log: Callable[[str], None]) -> bool:
    """Have `Resources` tell `Custody` of every recall: a regulator's act, done here when the
    deploying account is that regulator. Whether Resources now reports to this Custody."""
    from ape import Contract
    from ape.utils import ZERO_ADDRESS

    resources = Contract(deployment.address("Resources"), contract_type=project().Resources.contract_type)
    custody = deployment.address("Custody")
    registered = resources.custody()
    if registered == custody:
        log(f"Resources reports recalls to Custody {custody}")
        return True
    if registered != ZERO_ADDRESS:
        raise RuntimeError(f"Resources reports recalls to {registered}, not to this deployment's Custody {custody}")
    action = set_custody(deployment, regulator, custody)
    if regulator == account.address:
        carry_out(action, ApeSigner(account))
        log(f"Resources now reports recalls to Custody {custody}")
        return True
    else:
        [call] = action.calls
        log(f"Resources reports recalls to no custody ledger yet: the regulator {regulator} must call "
            f"Resources.set_custody({custody}) before any batch enters custody (to {call.target}, data "
            f"0x{call.data.hex()})")
        return False
