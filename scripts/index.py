"""Index the platform's events into the database (SQLite by default, PostgreSQL by URL).

    ape run index --network ethereum:local:foundry                # catch up, with a progress bar
    ape run index --follow --network ethereum:local:foundry       # then keep up with new blocks
    ape run index --rebuild --database postgresql://medchain@db/medchain --network ...

Safe to stop at any moment (Ctrl-C, a crash): the next run resumes after the last whole range.
"""

import click
from ape.cli import ConnectedProviderCommand

from dapp.cli.errors import platform_errors


@click.command(cls=ConnectedProviderCommand, short_help="Index the platform's events into the database")
@click.option("--database", "database_url", default=None,
              help="SQLAlchemy URL (default: MEDCHAIN_DATABASE_URL, else data/platform.db).")
@click.option("--follow", is_flag=True, help="After catching up, keep reading new blocks until Ctrl-C.")
@click.option("--rebuild", is_flag=True, help="Forget everything indexed and read the chain again.")
@click.option("--range", "range_size", default=2_000, show_default=True, type=click.IntRange(1),
              help="Blocks per log request.")
@click.option("--confirmations", default=0, show_default=True, type=click.IntRange(0),
              help="Stay this many blocks behind the head (live networks).")
@click.option("--poll", default=1.0, show_default=True, type=click.FloatRange(0.05), help="Seconds between polls.")
@platform_errors
def cli(database_url, follow, rebuild, range_size, confirmations, poll):
    from dapp.chain.connection import current_deployment
    from dapp.chain.reader import ChainReader
    from dapp.records.engine import open_database
    from dapp.records.indexer import Indexer, event_count

    engine = open_database(database_url)
    indexer = Indexer(engine, ChainReader.connected(current_deployment()), range_size=range_size,
                      confirmations=confirmations)
    where = engine.url.render_as_string(hide_password=True)
    added = indexer.rebuild(progress=True) if rebuild else indexer.catch_up(progress=True)
    click.echo(f"{added} new events; {event_count(engine)} in {where}, up to block {indexer.next_block() - 1}")
    if follow:
        click.echo("following new blocks (Ctrl-C to stop)")

        def report(result):
            if result.rolled_back_to is not None:
                click.echo(f"reorg: rolled back to block {result.rolled_back_to}")
            elif result.events:
                click.echo(f"blocks {result.from_block}-{result.to_block}: {result.events} events")

        try:
            indexer.follow(poll_seconds=poll, on_step=report)
        except KeyboardInterrupt:
            click.echo(f"stopped at block {indexer.next_block() - 1}")
