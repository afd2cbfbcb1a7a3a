"""Chain access through Ape: the connected chain's deployment, and its contracts by name."""

from __future__ import annotations

from functools import cache

from dapp.chain.deployment import Deployment, read_record
from dapp.errors import ChainUnreachable, DeploymentError
from dapp.formats import hex_text
from dapp.paths import PROJECT_ROOT
from dapp.i18n import _


@cache
def project():
    """The platform's Ape project (compiled contract types), wherever the caller runs from."""
    from ape import Project

    return Project(PROJECT_ROOT)


def genesis_hash() -> str:
    """The connected chain's block 0 hash: what tells two chains with one chain id apart."""
    from ape import chain

    return hex_text(chain.blocks[0].hash)


def current_deployment() -> Deployment:
    """The deployment record of the connected chain; a clear error when there is none."""
    from ape import chain

    deployment = read_record(chain.chain_id, genesis_hash())
    if deployment is None:
        raise DeploymentError(
            _("the platform is not deployed on this chain (chain id {chain_id}); start the local "
              "platform with `make run`, or deploy with `ape run deploy --network <network> --account "
              "<account>`").format(chain_id=chain.chain_id)
        )
    return deployment


def deployment_at(uri: str, timeout: float = 10.0) -> Deployment:
    """The deployment record of the chain whose node answers at `uri` (plain JSON-RPC, no Ape):
    its chain id and genesis hash pick the record."""
    import requests

    payload = [{"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []},
               {"jsonrpc": "2.0", "id": 2, "method": "eth_getBlockByNumber", "params": ["0x0", False]}]
    try:
        response = requests.post(uri, json=payload, timeout=timeout)
        response.raise_for_status()
        answers = {answer["id"]: answer.get("result") for answer in response.json()}
        chain_id, genesis = int(answers[1], 16), answers[2]["hash"]
    except (requests.RequestException, ValueError, KeyError, TypeError) as error:
        raise ChainUnreachable(
            _("the chain's node at {uri} does not answer ({kind}); start it (`make run` starts a "
              "local one) or point MEDCHAIN_RPC_URL at a node that runs").format(uri=uri, kind=error.__class__.__name__)) from None
    deployment = read_record(chain_id, genesis)
    if deployment is None:
        raise DeploymentError(
            _("the platform is not deployed on the chain at {uri} (chain id {chain_id}); start the "
              "local platform with `make run`, or deploy with `ape run deploy --network <network> "
              "--account <account>`").format(uri=uri, chain_id=chain_id))
    return deployment


def contract(name: str, deployment: Deployment | None = None):
    """The deployed contract `name` ("Participants", "Resources", ...) as an Ape contract instance."""
    deployment = deployment or current_deployment()
    return getattr(project(), name).at(deployment.address(name))



def event_logs(event, deployment: Deployment, **search_topics) -> list:
    """Every log of a contract `event` since the deployment, filtered by indexed topics.

    Reads from the deployment's first block (never from genesis), in Ape's block pages.
    """
    from ape import chain

    stop = chain.blocks.head.number + 1
    return list(event.range(deployment.first_block, stop, search_topics=search_topics or None))
