"""Deploy the platform's contracts (Participants, Resources, PaymentToken, Custody, Tenders) once per chain.

    ape run deploy --network ethereum:local:node --account TEST::0
    ape run deploy --network ethereum:sepolia:node --account my-deployer --regulator 0x...

Writes the deployment record (addresses, blocks, chain id) that the library and the dApp
read. Running it again deploys only what is missing.
"""

import click
from ape.cli import ConnectedProviderCommand, account_option

from dapp.chain.deploy import deploy_platform
from dapp.chain.deployment import record_path


@click.command(cls=ConnectedProviderCommand, short_help="Deploy the platform's contracts")
@account_option()
@click.option("--regulator", default=None, help="Address of the first regulator (default: the deploying account).")
def cli(network, account, regulator):
    deployment = deploy_platform(account, regulator=regulator, log=click.echo)
    click.echo(f"Deployment record of chain {deployment.chain_id} ({network.name}): {record_path(deployment.chain_id)}")
