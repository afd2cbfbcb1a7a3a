"""The manufacturer catalogue on hand-built rows, on SQLite and on PostgreSQL."""

import json

import pytest
from eth_utils import to_checksum_address
from sqlalchemy.orm import Session

from dapp.reports.catalogue import (
    CatalogueError,
    check_document,
    manufacturer_card,
    manufacturers,
)
from dapp.records.models import Batch, Organization, Product
from dapp.documents.default_store import save_document
from dapp.paths import documents_dir
from dapp.roles import Category, Role


def address(byte: int) -> str:
    return to_checksum_address("0x" + f"{byte:02x}" * 20)


VOLGA = address(0x11)  # Russian, private
IMMUNO = address(0x12)  # Russian, state
NORDISK = address(0x13)  # Danish, private
FARMSINTEZ = address(0x14)  # Russian, private, suspended
TAMPERED = address(0x15)  # its metadata document was altered after it was stored
UNSTORED = address(0x16)  # its metadata document is not in the store
MAKER_AND_DISTRIBUTOR = address(0x17)  # Russian, state, holds both roles
DISTRIBUTOR = address(0x21)
HOSPITAL = address(0x31)

METFORMIN, AMOXICILLIN, OMEPRAZOLE, INSULIN = "04607001120012", "04607001120029", "04607001120043", "05702123450012"
DAY = 24 * 60 * 60


def metadata(name, country, ownership, city, inn="", ogrn="", licence=""):
    return {"name": name, "country": country, "ownership": ownership, "city": city, "inn": inn, "ogrn": ogrn,
            "licence": licence}


def store(document: dict) -> str:
    return save_document(json.dumps(document, ensure_ascii=False, sort_keys=True).encode())


def tamper(cid: str) -> None:
    path = documents_dir() / cid
    path.write_bytes(path.read_bytes().replace(b"}", b', "note": "edited"}'))


@pytest.fixture(autouse=True)
def documents_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDCHAIN_DATA", str(tmp_path / "data"))


@pytest.fixture
def create_organization(engine):
    def create(account, roles, document=None, *, status="active", cid=None):
        with Session(engine) as session, session.begin():
            session.add(Organization(address=account, roles=int(roles), status=status,
                                     metadata_cid=cid if cid is not None else store(document)))
    return create


@pytest.fixture
def create_product(engine):
    def create(gtin, maker, name, *, category=Category.DRUG, characteristics=None, certificate=None):
        characteristics_cid = store(characteristics or {"gtin": gtin, "name": name})
        certificate_cid = store(certificate or {"certificate": f"ЛП-{gtin[-4:]}"})
        with Session(engine) as session, session.begin():
            session.add(Product(gtin=gtin, manufacturer=maker, category=int(category), name=name,
                                dosage_form="таблетки, 500 мг, № 60", characteristics_cid=characteristics_cid,
                                certificate_cid=certificate_cid, registered_at=1_700_000_000))
        return characteristics_cid
    return create


@pytest.fixture
def create_batch(engine):
    def create(gtin, maker, lot, quantity, expires, status="active"):
        with Session(engine) as session, session.begin():
            session.add(Batch(batch_id="0x" + f"{lot}{gtin}".encode().hex().ljust(64, "0")[:64], gtin=gtin,
                              manufacturer=maker, lot=lot, manufactured=1_700_000_000, expires=expires,
                              quantity=quantity, serials_root="0x" + "ab" * 32, status=status,
                              commissioned_at=1_700_000_000))
    return create


@pytest.fixture
def market(create_organization, create_product):
    """Seven manufacturers (two with a broken metadata document), a distributor and a hospital."""
    create_organization(VOLGA, Role.MANUFACTURER, metadata(
        "АО «Волжская фармацевтическая компания»", "RU", "private", "Самара", "6315007424", "1026301001841",
        "Л042-00110-63/00345678"))
    create_organization(IMMUNO, Role.MANUFACTURER, metadata(
        "ФГУП «НПО Иммунопрепарат»", "RU", "state", "Уфа", "0274001312"))
    create_organization(NORDISK, Role.MANUFACTURER, metadata("Nordisk Insulin A/S", "DK", "private", "Bagsværd",
                                                             licence="DK-MIA-4417"))
    create_organization(FARMSINTEZ, Role.MANUFACTURER, metadata("ООО «Фармсинтез-Юг»", "RU", "private", "Краснодар"),
                        status="suspended")
    create_organization(MAKER_AND_DISTRIBUTOR, Role.MANUFACTURER | Role.DISTRIBUTOR,
                        metadata("АО «Биомед»", "RU", "state", "Пермь"))
    tampered = store(metadata("Tampered Pharma", "RU", "state", "Москва"))
    tamper(tampered)
    create_organization(TAMPERED, Role.MANUFACTURER, cid=tampered)
    create_organization(UNSTORED, Role.MANUFACTURER, cid="bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku",
                        status="pending")
    create_organization(DISTRIBUTOR, Role.DISTRIBUTOR | Role.SUPPLIER, metadata("АО «СибМедСнаб»", "RU", "private",
                                                                                 "Новосибирск"))
    create_organization(HOSPITAL, Role.MEDICAL_ORGANIZATION, metadata("ГБУЗ «ГКБ № 1»", "RU", "state", "Москва"))
    create_product(METFORMIN, VOLGA, "Метформин (Metformin)")
    create_product(AMOXICILLIN, VOLGA, "Амоксициллин (Amoxicillin)")
    create_product(INSULIN, NORDISK, "Инсулин аспарт (Insulin aspart)")
    create_product("04608132770015", TAMPERED, "Цефтриаксон (Ceftriaxone)")


def summary(found):
    return [(m.address, m.name, m.country, m.ownership, m.russian, m.status, m.product_count, m.metadata_status)
            for m in found]


def test_manufacturers__every_manufacturer_role__with_metadata_status_and_product_count(engine, market):
    assert summary(manufacturers(engine)) == [
        (NORDISK, "Nordisk Insulin A/S", "DK", "private", False, "active", 1, "verified"),
        (MAKER_AND_DISTRIBUTOR, "АО «Биомед»", "RU", "state", True, "active", 0, "verified"),
        (VOLGA, "АО «Волжская фармацевтическая компания»", "RU", "private", True, "active", 2, "verified"),
        (FARMSINTEZ, "ООО «Фармсинтез-Юг»", "RU", "private", True, "suspended", 0, "verified"),
        (IMMUNO, "ФГУП «НПО Иммунопрепарат»", "RU", "state", True, "active", 0, "verified"),
        (TAMPERED, None, None, None, None, "active", 1, "altered"),
        (UNSTORED, None, None, None, None, "pending", 0, "missing"),
    ]


def test_manufacturers__metadata_fields__from_the_verified_document(engine, market):
    volga = next(m for m in manufacturers(engine) if m.address == VOLGA)
    assert (volga.city, volga.inn, volga.ogrn, volga.licence, volga.origin, volga.roles, volga.metadata_problem) == (
        "Самара", "6315007424", "1026301001841", "Л042-00110-63/00345678", "russian", ("manufacturer",), "")
    both = next(m for m in manufacturers(engine) if m.address == MAKER_AND_DISTRIBUTOR)
    assert both.roles == ("manufacturer", "distributor")


def test_manufacturers__tampered_metadata__flagged_and_no_field_shown(engine, market):
    tampered = next(m for m in manufacturers(engine) if m.address == TAMPERED)
    assert tampered.metadata_status == "altered"
    assert "altered" in tampered.metadata_problem
    assert (tampered.name, tampered.country, tampered.ownership, tampered.origin) == (None, None, None, None)
    assert (tampered.status, tampered.product_count) == ("active", 1)  # the on-chain data stays


def test_manufacturers__unstored_metadata__flagged_missing(engine, market):
    unstored = next(m for m in manufacturers(engine) if m.address == UNSTORED)
    assert (unstored.metadata_status, unstored.name) == ("missing", None)
    assert "is not in" in unstored.metadata_problem


@pytest.mark.parametrize(("filters", "expected"), [
    ({"origin": "russian"}, [MAKER_AND_DISTRIBUTOR, VOLGA, FARMSINTEZ, IMMUNO]),
    ({"origin": "foreign"}, [NORDISK]),
    ({"ownership": "state"}, [MAKER_AND_DISTRIBUTOR, IMMUNO]),
    ({"ownership": "private"}, [NORDISK, VOLGA, FARMSINTEZ]),
    ({"origin": "russian", "ownership": "private"}, [VOLGA, FARMSINTEZ]),
    ({"status": "suspended"}, [FARMSINTEZ]),
    ({"status": "pending"}, [UNSTORED]),
    ({"status": "active", "origin": "russian", "ownership": "private"}, [VOLGA]),
    ({"search": "волжская"}, [VOLGA]),  # Cyrillic, case-insensitive
    ({"search": "  ИММУНО "}, [IMMUNO]),
    ({"search": "6315007424"}, [VOLGA]),  # INN
    ({"search": "dk"}, [NORDISK]),  # country
    ({"search": "пермь"}, [MAKER_AND_DISTRIBUTOR]),  # city
    ({"search": UNSTORED.lower()}, [UNSTORED]),  # the address is searchable without metadata
    ({"search": "Tampered"}, []),  # an altered document's text is never searched
    ({"search": "СибМедСнаб"}, []),  # a distributor is not a manufacturer
])
def test_manufacturers__filters(engine, market, filters, expected):
    assert [m.address for m in manufacturers(engine, **filters)] == expected


@pytest.mark.parametrize(("filters", "message"), [
    ({"origin": "domestic"}, "origin 'domestic' is not one of russian, foreign"),
    ({"ownership": "public"}, "ownership 'public' is not one of state, private"),
    ({"status": "approved"}, "status 'approved' is not one of pending, active, suspended, revoked"),
])
def test_manufacturers__unknown_filter_value__raises(engine, filters, message):
    with pytest.raises(CatalogueError, match=message):
        manufacturers(engine, **filters)


def test_manufacturers__empty_database__empty_list(engine):
    assert manufacturers(engine) == []


def test_manufacturer_card__products_with_checked_characteristics_and_batch_summary(
        engine, market, create_product, create_batch):
    create_product(OMEPRAZOLE, VOLGA, "Омепразол (Omeprazole)", category=Category.DRUG,
                   characteristics={"gtin": OMEPRAZOLE, "inn": "omeprazole", "strength": "20 mg"})
    create_batch(METFORMIN, VOLGA, "MF2406", 300, 1_800_000_000)
    create_batch(METFORMIN, VOLGA, "MF2501", 200, 1_760_000_000)
    create_batch(METFORMIN, VOLGA, "MF2311", 120, 1_750_000_000, status="recalled")
    create_batch(AMOXICILLIN, VOLGA, "AM2402", 100, 1_790_000_000, status="withdrawn")
    create_batch(INSULIN, NORDISK, "NA5K221", 100, 1_740_000_000)  # another manufacturer's

    card = manufacturer_card(engine, VOLGA.lower())

    assert card.manufacturer.address == VOLGA
    assert card.manufacturer.product_count == 3
    assert [(p.gtin, p.name, p.category) for p in card.products] == [
        (METFORMIN, "Метформин (Metformin)", "drug"),
        (AMOXICILLIN, "Амоксициллин (Amoxicillin)", "drug"),
        (OMEPRAZOLE, "Омепразол (Omeprazole)", "drug"),
    ]
    metformin, amoxicillin, omeprazole = card.products
    assert (metformin.batches.batches, metformin.batches.active, metformin.batches.recalled,
            metformin.batches.withdrawn, metformin.batches.units, metformin.batches.active_units,
            metformin.batches.earliest_active_expiry) == (3, 2, 1, 0, 620, 500, 1_760_000_000)
    assert (amoxicillin.batches.batches, amoxicillin.batches.withdrawn, amoxicillin.batches.units,
            amoxicillin.batches.active_units, amoxicillin.batches.earliest_active_expiry) == (1, 1, 100, 0, None)
    assert (omeprazole.batches.batches, omeprazole.batches.units, omeprazole.batches.earliest_active_expiry) == (
        0, 0, None)
    assert omeprazole.characteristics.status == "verified"
    assert omeprazole.characteristics.content == {"gtin": OMEPRAZOLE, "inn": "omeprazole", "strength": "20 mg"}
    assert omeprazole.certificate.status == "verified"
    assert omeprazole.certificate.content == {"certificate": "ЛП-0043"}


def test_manufacturer_card__tampered_characteristics__altered_without_content(engine, market, create_product):
    cid = create_product(OMEPRAZOLE, VOLGA, "Омепразол (Omeprazole)", characteristics={"strength": "20 mg"})
    tamper(cid)

    omeprazole = next(p for p in manufacturer_card(engine, VOLGA).products if p.gtin == OMEPRAZOLE)

    assert (omeprazole.characteristics.status, omeprazole.characteristics.content) == ("altered", {})
    assert omeprazole.characteristics.verified is False
    assert "altered" in omeprazole.characteristics.problem


def test_manufacturer_card__tampered_metadata__products_still_listed(engine, market):
    card = manufacturer_card(engine, TAMPERED)
    assert card.manufacturer.metadata_status == "altered"
    assert [p.gtin for p in card.products] == ["04608132770015"]


def test_manufacturer_card__not_a_manufacturer__raises(engine, market):
    with pytest.raises(CatalogueError, match=f"{DISTRIBUTOR} is not a registered manufacturer"):
        manufacturer_card(engine, DISTRIBUTOR)


def test_manufacturer_card__unknown_address__raises(engine, market):
    with pytest.raises(CatalogueError, match="is not a registered manufacturer"):
        manufacturer_card(engine, address(0x99))


def test_manufacturer_card__malformed_address__raises(engine):
    with pytest.raises(CatalogueError, match="'0x1234' is not an Ethereum address"):
        manufacturer_card(engine, "0x1234")


@pytest.mark.parametrize(("data", "status"), [
    (b"not json", "unreadable"),
    (b"[1, 2]", "unreadable"),
    (b'{"name": "ok"}', "verified"),
])
def test_check_document__content_kinds(data, status):
    assert check_document(save_document(data)).status == status


def test_check_document__no_cid__none():
    assert check_document("").status == "none"
