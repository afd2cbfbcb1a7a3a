"""An organization's application details: INN and OGRN by their check digits, the checks on the
rest, and the metadata document the registry points to."""

import pytest

from dapp.demo import world as demo
from dapp.inputs.organization import InvalidDetails, OrganizationDetails, check_inn, check_ogrn
from dapp.roles import Role


@pytest.mark.parametrize("organization", [o for o in demo.ORGANIZATIONS if o.inn])
def test_the_demo_worlds_inn_and_ogrn_are_valid(organization):
    assert check_inn(organization.inn) == organization.inn
    assert check_ogrn(organization.ogrn) == organization.ogrn


@pytest.mark.parametrize("inn", ["7707083893", "500100732259", " 7707083893 "])
def test_inn__valid(inn):
    assert check_inn(inn) == inn.strip()


@pytest.mark.parametrize("inn, words", [
    ("7707083894", "check digit should be 3"), ("500100732250", "check digits should be 59"),
    ("12345", "10 digits"), ("77070838AB", "10 digits"), ("", "10 digits"),
])
def test_inn__invalid__said_why(inn, words):
    with pytest.raises(InvalidDetails, match=words):
        check_inn(inn)


@pytest.mark.parametrize("ogrn, words", [
    ("1027700132196", "check digit should be 5"), ("102770013219", "13 digits"), ("304500116000158", "check digit"),
])
def test_ogrn__invalid__said_why(ogrn, words):
    with pytest.raises(InvalidDetails, match=words):
        check_ogrn(ogrn)


def test_ogrnip__15_digits_valid():
    assert check_ogrn("304500116000157") == "304500116000157"


def details(**changes) -> OrganizationDetails:
    values = dict(name=" ООО «Тест» ", country="ru", ownership="private", city="Тверь", inn="7707083893",
                  ogrn="1027700132195", licence="Л-1", roles=Role.SUPPLIER)
    return OrganizationDetails(**{**values, **changes})


def test_checked__trimmed_and_metadata_as_the_demo_world_has_it():
    checked = details().checked()
    volga = demo.organization("volga").metadata()
    assert set(checked.metadata()) == set(volga)
    assert checked.metadata()["name"] == "ООО «Тест»" and checked.metadata()["country"] == "RU"
    assert checked.metadata()["roles"] == ["supplier"]


@pytest.mark.parametrize("changes, words", [
    ({"name": " "}, "full name"), ({"country": "Russia"}, "two-letter"), ({"inn": ""}, "INN and OGRN"),
    ({"roles": Role(0)}, "at least one role"), ({"roles": Role.REGULATOR}, "appointed"),
    ({"ownership": "mixed"}, "state or private"), ({"ogrn": "1027700132196"}, "check digit"),
])
def test_checked__refused_in_words(changes, words):
    with pytest.raises(InvalidDetails, match=words):
        details(**changes).checked()


def test_foreign_organization__no_inn_needed():
    assert details(country="DK", inn="", ogrn="").checked().inn == ""
