"""The registry of organizations (Participants): applying, and a regulator's decisions."""

from __future__ import annotations

from dapp.chain.actions import ActionError, PreparedAction, action, address_of, prepare_call
from dapp.chain.deployment import Deployment
from dapp.roles import Role


def apply(deployment: Deployment, applicant, metadata_cid: str) -> PreparedAction:
    """An organization applies with its metadata document (name, INN/OGRN, country, licence)."""
    applicant = address_of(applicant)
    return action(applicant, f"apply as {applicant}",
                  prepare_call(deployment, "Participants", "apply", [_cid(metadata_cid)],
                               f"apply for registration as {applicant} with metadata {metadata_cid}"))


def update_metadata(deployment: Deployment, organization, metadata_cid: str) -> PreparedAction:
    organization = address_of(organization)
    return action(organization, f"update the metadata of {organization}",
                  prepare_call(deployment, "Participants", "update_metadata", [_cid(metadata_cid)],
                               f"replace the metadata of {organization} with {metadata_cid}"))


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
        raise ActionError("give at least one role, e.g. manufacturer,supplier")
    return roles


def _names(roles: Role) -> str:
    return " and ".join(role.name.lower().replace("_", " ") for role in Role if role in roles)


def _cid(cid: str) -> str:
    if not cid:
        raise ActionError("a document is required: store it first and give its CID")
    return cid
