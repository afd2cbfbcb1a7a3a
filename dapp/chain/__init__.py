"""The chain: the connection through Ape, the deployment record of each chain, the fast
JSON-RPC reader, deploying the contracts, and the signing seam (prepared actions, signers, and the
contracts' refusals decoded into sentences).
"""


from dapp.chain.connection import contract, current_deployment, genesis_hash, project
from dapp.chain.deployment import DeployedContract, Deployment, read_record, write_record
from dapp.chain.reader import ChainReader, ChainUnreachable, Log

__all__ = ["ChainReader", "ChainUnreachable", "DeployedContract", "Deployment", "Log", "contract", "current_deployment", "genesis_hash", "project", "read_record", "write_record"]
