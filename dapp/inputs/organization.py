"""An organization's application for registration: its details checked (the INN and OGRN by
their check digits), the metadata document the registry points to (the fields the demo world
and `dapp.identity.standing` use: name, country, ownership, city, inn, ogrn, licence, roles,
and the stored documents), and the prepared action: `Participants.apply`, or for an
applicant still waiting, `update_metadata`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from dapp.actions import participants
from dapp.chain.actions import ActionError, PreparedAction
from dapp.i18n import _
from dapp.roles import Role, Status

_INN10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_FIRST = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_SECOND = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_COUNTRY = re.compile(r"[A-Z]{2}")
OWNERSHIPS = ("state", "private")


class InvalidDetails(ActionError):
    """Details of an application that cannot be accepted; the message says which and why."""


def _digit(digits: str, weights: Sequence[int]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights)) % 11 % 10


def check_inn(text: str) -> str:
    """`text` as an INN: 10 digits (an organization) or 12 (an individual entrepreneur) with
    correct check digits; an InvalidDetails error saying what is wrong otherwise."""
    inn = text.strip()
    if not inn.isdigit() or len(inn) not in (10, 12):
        raise InvalidDetails(_("INN {inn!r}: an INN is 10 digits (an organization) or 12 (an individual "
                               "entrepreneur)").format(inn=inn))
    if len(inn) == 10:
        expected = str(_digit(inn[:9], _INN10))
        if inn[9] != expected:
            raise InvalidDetails(_("INN {inn}: its check digit should be {expected}; check for a typo")
                                 .format(inn=inn, expected=expected))
    else:
        expected = str(_digit(inn[:10], _INN12_FIRST))
        expected += str(_digit(inn[:10] + expected, _INN12_SECOND))
        if inn[10:] != expected:
            raise InvalidDetails(_("INN {inn}: its check digits should be {expected}; check for a typo")
                                 .format(inn=inn, expected=expected))
    return inn


def check_ogrn(text: str) -> str:
    """`text` as an OGRN (13 digits) or OGRNIP (15 digits) with its check digit."""
    ogrn = text.strip()
    if not ogrn.isdigit() or len(ogrn) not in (13, 15):
        raise InvalidDetails(_("OGRN {ogrn!r}: an OGRN is 13 digits (15 for an individual entrepreneur's "
                               "OGRNIP)").format(ogrn=ogrn))
    divisor = 11 if len(ogrn) == 13 else 13
    expected = str(int(ogrn[:-1]) % divisor % 10)
    if ogrn[-1] != expected:
        raise InvalidDetails(_("OGRN {ogrn}: its check digit should be {expected}; check for a typo")
                             .format(ogrn=ogrn, expected=expected))
    return ogrn


@dataclass(frozen=True)
class OrganizationDetails:
    name: str
    country: str  # ISO 3166 alpha-2, e.g. RU
    ownership: str  # "state" or "private"
    city: str
    inn: str = ""
    ogrn: str = ""
    licence: str = ""
    roles: Role = Role(0)

    def checked(self) -> OrganizationDetails:
        """The details trimmed and checked: a name, a country code, INN and OGRN (required for a
        Russian organization, checked whenever given), at least one role and not the regulator's."""
        name, city, licence = self.name.strip(), self.city.strip(), self.licence.strip()
        country = self.country.strip().upper()
        if not name:
            raise InvalidDetails(_("give the organization's full name"))
        if not _COUNTRY.fullmatch(country):
            raise InvalidDetails(_("country {country!r}: give its two-letter code, e.g. RU").format(country=country))
        if self.ownership not in OWNERSHIPS:
            raise InvalidDetails(_("ownership is state or private"))
        inn, ogrn = self.inn.strip(), self.ogrn.strip()
        if country == "RU" and not (inn and ogrn):
            raise InvalidDetails(_("a Russian organization gives its INN and OGRN"))
        inn = check_inn(inn) if inn else ""
        ogrn = check_ogrn(ogrn) if ogrn else ""
        roles = Role(int(self.roles))
        if not roles:
            raise InvalidDetails(_("choose at least one role to ask for"))
        if Role.REGULATOR in roles:
            raise InvalidDetails(_("the regulator's role is not applied for: regulators are appointed"))
        return OrganizationDetails(name, country, self.ownership, city, inn, ogrn, licence, roles)

    def metadata(self) -> dict:
        """The metadata document (as `dapp.demo.world.Organization.metadata` has it)."""
        return {"name": self.name, "country": self.country, "ownership": self.ownership, "city": self.city,
                "inn": self.inn, "ogrn": self.ogrn, "licence": self.licence,
                "roles": [role.name.lower() for role in Role if role in self.roles]}


def prepare_application(deployment, account: str, status: Status, details: OrganizationDetails,
                        documents: Sequence[tuple[str, bytes]] = ()) -> tuple[PreparedAction, str]:
    """(the action, the metadata's CID): the details checked, the documents and the metadata
    stored, then `apply` (not registered yet) or `update_metadata` (applied, waiting)."""
    from dapp.batches.documents import store_with_index

    if status not in (Status.NONE, Status.APPLIED):
        raise InvalidDetails(_("this account is registered already ({status}): an application is for a new "
                               "account").format(status=status.name.lower()))
    checked = details.checked()
    cid = store_with_index(checked.metadata(), documents)
    if status == Status.NONE:
        return participants.apply(deployment, account, cid), cid
    return participants.update_metadata(deployment, account, cid), cid
