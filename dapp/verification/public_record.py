"""The public deployment record, and a verifier set up from a resolver's URL alone.

The resolver serves the record at `/.well-known/medchain/deployment.json` (chain id, genesis
hash, each contract's address, block and transaction: nothing secret). A verifier does not take
it on trust: `check_record` asks the chain's node for the chain id, the genesis block, the code
at every address, the transaction that created each contract and the contracts' wiring (the
addresses they hold of each other), and says every disagreement.
"""

from __future__ import annotations

import requests
from eth_utils import to_checksum_address

from dapp.chain.deployment import DeployedContract, Deployment
from dapp.chain.reader import ChainReader, Request
from dapp.errors import ChainUnreachable, PlatformError
from dapp.i18n import _

WELL_KNOWN_PATH = "/.well-known/medchain/deployment.json"
# Which contract holds which other's address (read through a public view of the holder).
WIRING = (("Resources", "participants", "Participants"), ("Resources", "custody", "Custody"),
          ("Custody", "participants", "Participants"), ("Custody", "resources", "Resources"))


class RecordRefused(PlatformError):
    """The deployment record does not describe the chain the node serves."""



def public_record(deployment: Deployment) -> dict:
    """The deployment record as anyone may read it: chain id, genesis hash, contracts (address,
    block and transaction of each). Nothing in it is secret."""
    return {
        "chain_id": deployment.chain_id,
        "genesis_hash": deployment.genesis_hash,
        "network": deployment.network,
        "deployer": deployment.deployer,
        "first_block": deployment.first_block,
        "contracts": {name: {"address": record.address, "block": record.block, "transaction": record.transaction}
                      for name, record in deployment.contracts.items()},
    }


def deployment_of(record: dict) -> Deployment:
    """The `Deployment` a public record describes (raises PlatformError when it is not one)."""
    try:
        contracts = {name: DeployedContract(address=to_checksum_address(entry["address"]), block=int(entry["block"]),
                                            transaction=str(entry.get("transaction", "")))
                     for name, entry in record["contracts"].items()}
        return Deployment(chain_id=int(record["chain_id"]), genesis_hash=str(record["genesis_hash"]),
                          network=str(record.get("network", "")), deployer=str(record.get("deployer", "")),
                          contracts=contracts)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise PlatformError(_("the deployment record is not one ({error})").format(error=error)) from None


def fetch_record(resolver: str, timeout: float = 10.0) -> dict:
    """The deployment record a resolver publishes (raises PlatformError when it gives none)."""
    url = resolver.rstrip("/") + WELL_KNOWN_PATH
    try:
        answer = requests.get(url, timeout=timeout, headers={"Accept": "application/json"})
        answer.raise_for_status()
        return answer.json()
    except (requests.RequestException, ValueError) as error:
        raise PlatformError(_("the resolver at {url} gives no deployment record ({error})").format(
            url=url, error=error.__class__.__name__)) from None


def check_record(deployment: Deployment, uri: str) -> list[str]:
    """What in `deployment` the chain at `uri` contradicts (empty when it agrees throughout)."""
    reader = ChainReader(deployment, uri)
    names = list(deployment.contracts)
    requests_ = [Request("eth_chainId", [], lambda result: int(result, 16)),
                 Request("eth_getBlockByNumber", ["0x0", False], lambda block: block)]
    requests_ += [Request("eth_getCode", [deployment.contracts[name].address, "latest"], lambda code: code)
                  for name in names]
    created = [name for name in names if deployment.contracts[name].transaction]
    requests_ += [Request("eth_getTransactionReceipt", [deployment.contracts[name].transaction], lambda r: r)
                  for name in created]
    wiring = [(holder, method, held) for holder, method, held in WIRING if holder in names and held in names]
    try:
        answers = reader.batch(requests_)
    except ChainUnreachable as error:
        return [str(error)]
    chain_id, genesis, codes = answers[0], answers[1], answers[2:2 + len(names)]
    receipts = answers[2 + len(names):]
    problems = []
    if chain_id != deployment.chain_id:
        problems.append(_("the record is for chain {claimed}, the node serves chain {actual}").format(
            claimed=deployment.chain_id, actual=chain_id))
    if not genesis or genesis["hash"].lower() != deployment.genesis_hash.lower():
        problems.append(_("the record's genesis block {claimed} is not this chain's ({actual})").format(
            claimed=deployment.genesis_hash, actual=genesis["hash"] if genesis else None))
    for name, code in zip(names, codes):
        if not code or code in ("0x", "0x0"):
            problems.append(_("there is no contract at {name}'s address {address} on this chain").format(
                name=name, address=deployment.contracts[name].address))
    for name, receipt in zip(created, receipts):
        record = deployment.contracts[name]
        made = (receipt or {}).get("contractAddress") or ""
        if made.lower() != record.address.lower():
            problems.append(_("{name}'s transaction {transaction} did not create {address}").format(
                name=name, transaction=record.transaction, address=record.address))
        elif int(receipt.get("blockNumber", "0x0"), 16) != record.block:
            problems.append(_("{name} was created in block {actual}, the record says {claimed}").format(
                name=name, actual=int(receipt["blockNumber"], 16), claimed=record.block))
    if problems:
        return problems
    for holder, method, name in wiring:
        try:
            address = reader.one(reader.call(holder, method))
        except ChainUnreachable:
            problems.append(_("{holder}.{method}() cannot be read at {address}: it is not the {holder} contract").format(
                holder=holder, method=method, address=deployment.contracts[holder].address))
            continue
        if str(address).lower() != deployment.contracts[name].address.lower():
            problems.append(_("{holder}.{method}() is {actual}, the record's {name} is {claimed}").format(
                holder=holder, method=method, actual=address, name=name, claimed=deployment.contracts[name].address))
    return problems


def checked_deployment(resolver: str, uri: str) -> Deployment:
    """The resolver's deployment record, once the chain at `uri` agrees with all of it (raises
    RecordRefused saying every disagreement)."""
    deployment = deployment_of(fetch_record(resolver))
    problems = check_record(deployment, uri)
    if problems:
        raise RecordRefused(_("the deployment record of {resolver} does not match the chain at {uri}: {problems}")
                            .format(resolver=resolver, uri=uri, problems="; ".join(problems)))
    return deployment


def verifier_from_resolver(resolver: str, uri: str | None = None, proofs=None):
    """A verifier of the platform a resolver serves, reading the chain at `uri` (default
    MEDCHAIN_RPC_URL): the resolver's record is checked against that chain before it is used."""
    from dapp.verification.service import rpc_url
    from dapp.verification.verdicts import Verifier

    uri = uri or rpc_url()
    return Verifier(proofs, ChainReader(checked_deployment(resolver, uri), uri))
