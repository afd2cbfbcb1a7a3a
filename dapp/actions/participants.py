"""The registry of organizations (Participants): applying, and a regulator's decisions."""

from __future__ import annotations

import functools

from dapp.chain.actions import ActionError, PreparedAction, action, address_of, prepare_call
from dapp.chain.deployment import Deployment
from dapp.roles import Role
from dapp.i18n import N_, _

# The roles as a person reads them (the words of an account's standing).
_ROLE_WORDS = {Role.REGULATOR: N_("regulator"), Role.MANUFACTURER: N_("manufacturer"),
               Role.DISTRIBUTOR: N_("distributor"), Role.MEDICAL_ORGANIZATION: N_("medical organization"),
               Role.PHARMACY: N_("pharmacy"), Role.SUPPLIER: N_("supplier")}


def apply(deployment: Deployment, applicant, metadata_cid: str) -> PreparedAction:
    """An organization applies with its metadata document (name, INN/OGRN, country, licence)."""
    applicant = address_of(applicant)
    return action(applicant, _("apply as {applicant}").format(applicant=applicant),
                  prepare_call(deployment, "Participants", "apply", [_cid(metadata_cid)],
                               _("apply for registration as {applicant} with metadata {metadata_cid}").format(
                                   applicant=applicant, metadata_cid=metadata_cid)))


def update_metadata(deployment: Deployment, organization, metadata_cid: str) -> PreparedAction:
    """An applicant's new metadata applies at once; an approved organization's waits for a
    regulator's review (`approve_metadata`)."""
    organization = address_of(organization)
    return action(organization, _("update the metadata of {organization}").format(organization=organization),
                  prepare_call(deployment, "Participants", "update_metadata", [_cid(metadata_cid)],
                               _("submit {metadata_cid} as the metadata of {organization} (approved "
                                 "organizations: for a regulator's review)").format(
                                   metadata_cid=metadata_cid, organization=organization)))


def approve_metadata(deployment: Deployment, regulator, organization) -> PreparedAction:
    """A regulator approves the metadata an organization submitted: verdicts show it from then on."""
    organization = address_of(organization)
    return action(regulator, _("approve the new metadata of {organization}").format(organization=organization),
                  prepare_call(deployment, "Participants", "approve_metadata", [organization],
                               _("approve the metadata {organization} submitted").format(organization=organization)))


def reject_metadata(deployment: Deployment, regulator, organization, reason_cid: str) -> PreparedAction:
    organization = address_of(organization)
    return action(regulator, _("reject the new metadata of {organization}").format(organization=organization),
                  prepare_call(deployment, "Participants", "reject_metadata", [organization, _cid(reason_cid)],
                               _("reject the metadata {organization} submitted (decision {reason_cid})").format(
                                   organization=organization, reason_cid=reason_cid)))


def move_to_successor(deployment: Deployment, regulator, organization, successor) -> PreparedAction:
    """Regulators move an organization to a new account (a stolen key, a merger): the successor
    gets its status, roles and approved metadata, the old account is revoked. Governed: it takes
    effect when a quorum of the active regulators made the same call."""
    organization, successor = address_of(organization), address_of(successor)
    if organization == successor:
        raise ActionError(_("the successor must be another account"))
    return action(regulator, _("move {organization} to {successor}").format(organization=organization, successor=successor),
                  prepare_call(deployment, "Participants", "move_to_successor", [organization, successor],
                               _("confirm moving {organization} to its successor {successor} (carried out when a "
                                 "quorum of regulators confirmed)").format(organization=organization, successor=successor)))


def approve(deployment: Deployment, regulator, organization, roles: Role) -> PreparedAction:
    organization = address_of(organization)
    roles = _roles(roles)
    return action(regulator, _("approve {organization}").format(organization=organization),
                  prepare_call(deployment, "Participants", "approve", [organization, roles],
                               _("approve {organization} as {roles}").format(organization=organization, roles=_names(roles))))


def set_roles(deployment: Deployment, regulator, organization, roles: Role) -> PreparedAction:
    organization = address_of(organization)
    roles = _roles(roles)
    return action(regulator, _("set the roles of {organization}").format(organization=organization),
                  prepare_call(deployment, "Participants", "set_roles", [organization, roles],
                               _("give {organization} the roles {roles}").format(organization=organization, roles=_names(roles))))


def suspend(deployment: Deployment, regulator, organization, reason_cid: str) -> PreparedAction:
    organization = address_of(organization)
    return action(regulator, _("suspend {organization}").format(organization=organization),
                  prepare_call(deployment, "Participants", "suspend", [organization, _cid(reason_cid)],
                               _("suspend {organization} (decision {reason_cid})").format(
                                   organization=organization, reason_cid=reason_cid)))


def reinstate(deployment: Deployment, regulator, organization) -> PreparedAction:
    organization = address_of(organization)
    return action(regulator, _("reinstate {organization}").format(organization=organization),
                  prepare_call(deployment, "Participants", "reinstate", [organization],
                               _("lift the suspension of {organization}").format(organization=organization)))


def revoke(deployment: Deployment, regulator, organization, reason_cid: str) -> PreparedAction:
    organization = address_of(organization)
    return action(regulator, _("revoke {organization}").format(organization=organization),
                  prepare_call(deployment, "Participants", "revoke", [organization, _cid(reason_cid)],
                               _("revoke {organization} (decision {reason_cid})").format(
                                   organization=organization, reason_cid=reason_cid)))


def _roles(roles) -> Role:
    roles = Role(int(roles))
    if not roles:
        raise ActionError(_("give at least one role, e.g. manufacturer,supplier"))
    return roles


def _names(roles: Role) -> str:
    words = [_(_ROLE_WORDS[role]) for role in Role if role in roles]
    return functools.reduce(lambda first, last: _("{first} and {last}").format(first=first, last=last), words)


def _cid(cid: str) -> str:
    if not cid:
        raise ActionError(_("a document is required: store it first and give its CID"))
    return cid
