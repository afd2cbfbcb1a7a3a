"""The registry of organizations (Participants): apply, approve, change roles, suspend,
reinstate, revoke, review metadata changes, move to a successor, show.

Lasting decisions (revoking; granting, removing, suspending or reinstating a regulator; moving to
a successor) take effect when a quorum of the active regulators (more than half) ran the same
command: each run confirms, the last one carries it out.

    ape run registry apply --metadata org.json --network ethereum:local:foundry --account ALIAS
    ape run registry approve 0xADDRESS --roles manufacturer,supplier --network ... --account REGULATOR
    ape run registry show 0xADDRESS --network ...

Documents (metadata, decisions) are stored in the platform's document folder; their CIDs
go on-chain.
"""

import click
from ape.cli import ConnectedProviderCommand, account_option

from dapp.actions import participants
from dapp.chain.connection import contract, current_deployment
from dapp.chain.signers import ApeSigner, carry_out
from dapp.cli.errors import platform_errors
from dapp.documents.default_store import save_document
from dapp.inputs.registry import parse_roles, read_document
from dapp.roles import Role, Status


@click.group(short_help="The registry of organizations")
def cli():
    pass


def _document(path) -> str:
    return save_document(read_document(path))


@cli.command(cls=ConnectedProviderCommand, short_help="Apply for registration")
@account_option()
@click.option("--metadata", "metadata", required=True, type=click.Path(dir_okay=False),
              help="Your metadata document: name, INN/OGRN, country, state or private, licence (JSON).")
@platform_errors
def apply(account, metadata):
    cid = _document(metadata)
    carry_out(participants.apply(current_deployment(), account, cid), ApeSigner(account))
    click.echo(f"{account.address} applied with metadata {cid}; a regulator must now approve it.")


@cli.command(cls=ConnectedProviderCommand, short_help="Approve an application (regulator)")
@account_option()
@click.argument("organization")
@click.option("--roles", required=True, help="Comma-separated: regulator, manufacturer, distributor, "
              "medical_organization, pharmacy, supplier.")
@platform_errors
def approve(account, organization, roles):
    granted = parse_roles(roles)
    carry_out(participants.approve(current_deployment(), account, organization, granted), ApeSigner(account))
    click.echo(f"{organization} approved as {granted.name}.")


@cli.command("set-roles", cls=ConnectedProviderCommand, short_help="Replace an organization's roles (regulator)")
@account_option()
@click.argument("organization")
@click.option("--roles", required=True, help="The new roles, comma-separated.")
@platform_errors
def set_roles(account, organization, roles):
    granted = parse_roles(roles)
    carry_out(participants.set_roles(current_deployment(), account, organization, granted), ApeSigner(account))
    click.echo(f"{organization} now has the roles {granted.name}.")


@cli.command(cls=ConnectedProviderCommand, short_help="Suspend an organization (regulator)")
@account_option()
@click.argument("organization")
@click.option("--reason", required=True, type=click.Path(dir_okay=False), help="The decision document.")
@platform_errors
def suspend(account, organization, reason):
    action = participants.suspend(current_deployment(), account, organization, _document(reason))
    carry_out(action, ApeSigner(account))
    click.echo(f"{organization} suspended.")


@cli.command(cls=ConnectedProviderCommand, short_help="Lift a suspension (regulator)")
@account_option()
@click.argument("organization")
@platform_errors
def reinstate(account, organization):
    carry_out(participants.reinstate(current_deployment(), account, organization), ApeSigner(account))
    click.echo(f"{organization} reinstated.")


@cli.command(cls=ConnectedProviderCommand, short_help="Revoke an organization or refuse an application (regulator)")
@account_option()
@click.argument("organization")
@click.option("--reason", required=True, type=click.Path(dir_okay=False), help="The decision document.")
@platform_errors
def revoke(account, organization, reason):
    action = participants.revoke(current_deployment(), account, organization, _document(reason))
    carry_out(action, ApeSigner(account))
    if Status(contract("Participants").organization(organization).status) == Status.REVOKED:
        click.echo(f"{organization} revoked.")
    else:
        click.echo(PENDING)


PENDING = ("Confirmed; it is carried out when a quorum of the active regulators (more than half) has run the "
           "same command.")


@cli.command("approve-metadata", cls=ConnectedProviderCommand,
             short_help="Approve the metadata an organization submitted (regulator)")
@account_option()
@click.argument("organization")
@platform_errors
def approve_metadata(account, organization):
    carry_out(participants.approve_metadata(current_deployment(), account, organization), ApeSigner(account))
    click.echo(f"The new metadata of {organization} is approved.")


@cli.command("reject-metadata", cls=ConnectedProviderCommand,
             short_help="Refuse the metadata an organization submitted (regulator)")
@account_option()
@click.argument("organization")
@click.option("--reason", required=True, type=click.Path(dir_okay=False), help="The decision document.")
@platform_errors
def reject_metadata(account, organization, reason):
    action = participants.reject_metadata(current_deployment(), account, organization, _document(reason))
    carry_out(action, ApeSigner(account))
    click.echo(f"The new metadata of {organization} is refused; the approved one stays.")


@cli.command("move", cls=ConnectedProviderCommand,
             short_help="Move an organization to a successor account: a stolen key, a merger (regulators)")
@account_option()
@click.argument("organization")
@click.argument("successor")
@platform_errors
def move(account, organization, successor):
    carry_out(participants.move_to_successor(current_deployment(), account, organization, successor),
              ApeSigner(account))
    if contract("Participants").successor(organization).lower() == successor.lower():
        click.echo(f"{organization} moved to {successor}; its old account is revoked.")
    else:
        click.echo(PENDING)


@cli.command(cls=ConnectedProviderCommand, short_help="Show an organization's entry")
@click.argument("organization")
@platform_errors
def show(organization):
    entry = contract("Participants").organization(organization)
    click.echo(f"account:  {organization}")
    click.echo(f"status:   {Status(entry.status).name.lower()}")
    click.echo(f"roles:    {(Role(entry.roles).name or '-').lower()}")
    click.echo(f"metadata: {entry.metadata_cid or '-'}")
    pending = contract("Participants").pending_metadata(organization)
    if pending:
        click.echo(f"submitted metadata awaiting review: {pending}")
