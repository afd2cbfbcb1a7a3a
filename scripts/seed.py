"""Write the demo data onto a local development chain (after `ape run deploy`).

    ape run seed --network ethereum:local:node --account TEST::0

The account is the platform's first regulator (the deployer by default). Organizations,
products, batches with their serial lists (kept in data/serials/, never published),
recalls, a withdrawal, a suspension and a pending application. Running it again does
only what is missing.
"""

import click
from ape.cli import ConnectedProviderCommand, account_option

from dapp.demo.labels import labels_dir
from dapp.paths import serials_dir
from dapp.demo.seeding import seed_demo


@click.command(cls=ConnectedProviderCommand, short_help="Seed demo data on a local chain")
@account_option()
def cli(account):
    report = seed_demo(account, log=click.echo)
    click.echo(f"Seed complete: {len(report.done)} changes made, {report.skipped} already in place. "
               f"Serial lists: {serials_dir()}. Demo labels (one per verdict, and sheets): {labels_dir()}")
