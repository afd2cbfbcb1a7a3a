"""The demo world must be what the issue asks for, and fit the contracts."""

from dapp.demo import world as demo
from dapp.codes.gs1 import is_valid_gtin
from dapp.roles import Category, Role


def test_manufacturers__russian_and_foreign__state_and_private():
    manufacturers = [o for o in demo.ORGANIZATIONS if Role.MANUFACTURER in o.roles]
    assert len(manufacturers) >= 3
    assert {o.country == "RU" for o in manufacturers} == {True, False}
    assert {o.ownership for o in manufacturers} == {"state", "private"}


def test_organizations__every_kind_present():
    roles = [o.roles for o in demo.ORGANIZATIONS if o.approved]
    assert sum(Role.MEDICAL_ORGANIZATION in r for r in roles) >= 2
    assert sum(Role.DISTRIBUTOR in r for r in roles) >= 1
    assert sum(Role.PHARMACY in r for r in roles) >= 1
    assert sum(Role.REGULATOR in r for r in roles) == 1
    assert len({o.account_index for o in demo.ORGANIZATIONS}) == len(demo.ORGANIZATIONS)


def test_russian_organizations__inn_and_ogrn_check_digits():
    for organization in demo.ORGANIZATIONS:
        if organization.inn:
            assert demo.inn10(organization.inn[:9]) == organization.inn
            assert demo.ogrn(organization.ogrn[:12]) == organization.ogrn


def test_products__valid_gtins__fit_contract_limits():
    assert len(demo.PRODUCTS) >= 10
    assert len({p.gtin for p in demo.PRODUCTS}) == len(demo.PRODUCTS)
    assert {p.category for p in demo.PRODUCTS} == set(Category)
    for product in demo.PRODUCTS:
        assert is_valid_gtin(product.gtin)
        assert len(product.name.encode()) <= 256 and len(product.dosage_form.encode()) <= 192
        for batch in product.batches:
            assert 0 < len(batch.lot) <= 20


def test_batches__recalled_withdrawn_expired_and_near_expiry_present():
    batches = [b for p in demo.PRODUCTS for b in p.batches]
    assert any(b.retired == "recalled" for b in batches)
    assert any(b.retired == "withdrawn" for b in batches)
    assert any(b.expires_in_days() < 0 for b in batches)
    assert any(0 < b.expires_in_days() < 30 for b in batches)
    assert any(30 <= b.expires_in_days() < 90 for b in batches)


def test_serials__deterministic_unique_gs1_safe():
    first = demo.serials("04607001120018", "MF2406", 300)
    assert first == demo.serials("04607001120018", "MF2406", 300)
    assert first != demo.serials("04607001120018", "MF2501", 300)
    assert len(set(first)) == 300
    assert all(len(s) == demo.SERIAL_LENGTH and s.isalnum() for s in first)


def test_products__gtin_under_its_manufacturers_company_prefix():
    # The seeder assigns each manufacturer its prefix first: Resources refuses any other GTIN.
    for product in demo.PRODUCTS:
        prefix = demo.COMPANY_PREFIXES[product.manufacturer]
        assert 6 <= len(prefix) <= 12
        assert product.gtin[1 : 1 + len(prefix)] == prefix, product.gtin
