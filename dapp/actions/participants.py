"""The registry of organizations (Participants): applying, and a regulator's decisions."""

from __future__ import annotations

from dapp.chain.actions import ActionError, PreparedAction, action, address_of, prepare_call
from dapp.chain.deployment import Deployment
from dapp.roles import Role
from dapp.i18n import _


def apply(deployment: Deployment, applicant, metadata_cid: str) -> PreparedAction:
    """An organization applies with its metadata document (name, INN/OGRN, country, licence)."""
    applicant = address_of(applicant)
    return action(applicant, f"apply as {applicant}",
                  prepare_call(deployment, "Participants", "apply", [_cid(metadata_cid)],
                               f"apply for registration as {applicant} with metadata {metadata_cid}"))


def update_metadata(deployment: Deployment, organization, metadata_cid: str) -> PreparedAction:
    """An applicant's new metadata applies at once; an approved organization's waits for a
    regulator's review (`approve_metadata`)."""
    organization = address_of(organization)
    return action(organization, f"update the metadata of {organization}",
                  prepare_call(deployment, "Participants", "update_metadata", [_cid(metadata_cid)],
                               f"submit {metadata_cid} as the metadata of {organization} (approved "
                               f"organizations: for a regulator's review)"))


def approve_metadata(deployment: Deployment, regulator, organization) -> PreparedAction:
    """A regulator approves the metadata an organization submitted: verdicts show it from then on."""
    organization = address_of(organization)
    return action(regulator, f"approve the new metadata of {organization}",
                  prepare_call(deployment, "Participants", "approve_metadata", [organization],
                               f"approve the metadata {organization} submitted"))


def reject_metadata(deployment: Deployment, regulator, organization, reason_cid: str) -> PreparedAction:
    organization = address_of(organization)
    return action(regulator, f"reject the new metadata of {organization}",
                  prepare_call(deployment, "Participants", "reject_metadata", [organization, _cid(reason_cid)],
                               f"reject the metadata {organization} submitted (decision {reason_cid})"))


def move_to_successor(deployment: Deployment, regulator, organization, successor) -> PreparedAction:
    """Regulators move an organization to a new account (a stolen key, a merger): the successor
    gets its status, roles and approved metadata, the old account is revoked. Governed: it takes
    effect when a quorum of the active regulators made the same call."""
    organization, successor = address_of(organization), address_of(successor)
    if organization == successor:
        raise ActionError(_("the successor must be another account"))
    return action(regulator, f"move {organization} to {successor}",
                  prepare_call(deployment, "Participants", "move_to_successor", [organization, successor],
                               f"confirm moving {organization} to its successor {successor} (carried out when a "
                               f"quorum of regulators confirmed)"))


def approve(deployment: Deployment, regulator, organization, roles: Role) -> PreparedAction:
    organization = address_of(organization)
    roles = _roles(roles)
    return action(regulator, f"approve {organization}",
                  prepare_call(deployment, "Participants", "approve", [organization, roles],
                               f"approve {organization} as {_names(roles)}"))


def set_roles(deployment: Deployment, regulator, organization, roles: Role) -> PreparedAction:
    organization = address_of(organization)
    roles = _roles(roles)
    return action(regulator, f"set the roles of {organization}",
                  prepare_call(deployment, "Participants", "set_roles", [organization, roles],
                               f"give {organization} the roles {_names(roles)}"))


def suspend(deployment: Deployment, regulator, organization, reason_cid: str) -> PreparedAction:
    organization = address_of(organization)
    return action(regulator, f"suspend {organization}",
                  prepare_call(deployment, "Participants", "suspend", [organization, _cid(reason_cid)],
                               f"suspend {organization} (decision {reason_cid})"))


def reinstate(deployment: Deployment, regulator, organization) -> PreparedAction:
    organization = address_of(organization)
    return action(regulator, f"reinstate {organization}",
                  prepare_call(deployment, "Participants", "reinstate", [organization],
                               f"lift the suspension of {organization}"))


def revoke(deployment: Deployment, regulator, organization, reason_cid: str) -> PreparedAction:
    organization = address_of(organization)
    return action(regulator, f"revoke {organization}",
                  prepare_call(deployment, "Participants", "revoke", [organization, _cid(reason_cid)],
                               f"revoke {organization} (decision {reason_cid})"))


def _roles(roles) -> Role:
    roles = Role(int(roles))
    if not roles:
        raise ActionError(_("give at least one role, e.g. manufacturer,supplier"))
    return roles


def _names(roles: Role) -> str:
    return " and ".join(role.name.lower().replace("_", " ") for role in Role if role in roles)


def _cid(cid: str) -> str:
    if not cid:
        raise ActionError(_("a document is required: store it first and give its CID"))
    return cid
