"""The demo world the seed script writes: realistic organizations, products and batches.

Company names and registration numbers are invented (well-formed: INN and OGRN check
digits are right); the drugs are real international non-proprietary names. Everything
is deterministic: serial lists come from a random generator seeded by GTIN and lot, so
seeding again yields the same serials and the same Merkle roots.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field

from dapp.codes.gs1 import complete_gtin
from dapp.roles import Category, Role

DAY = 24 * 60 * 60
# Serial characters: GS1 character set 82 restricted to letters and digits, so a serial
# needs no escaping in a Digital Link URI. 13 characters, as in Russian drug labels.
SERIAL_ALPHABET = string.ascii_letters + string.digits
SERIAL_LENGTH = 13


def inn10(body9: str) -> str:
    """A legal entity's INN (10 digits) with its check digit."""
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    return body9 + str(sum(int(d) * w for d, w in zip(body9, weights)) % 11 % 10)


def ogrn(body12: str) -> str:
    """An OGRN (13 digits) with its check digit."""
    return body12 + str(int(body12) % 11 % 10)


@dataclass(frozen=True)
class Organization:
    key: str
    account_index: int  # index among the local chain's dev accounts
    name: str
    roles: Role
    country: str
    ownership: str  # "state" or "private"
    city: str
    inn: str = ""
    ogrn: str = ""
    licence: str = ""
    approved: bool = True
    suspended: bool = False  # suspended after its batches are commissioned

    def metadata(self) -> dict:
        return {
            "name": self.name,
            "country": self.country,
            "ownership": self.ownership,
            "city": self.city,
            "inn": self.inn,
            "ogrn": self.ogrn,
            "licence": self.licence,
            "roles": [role.name.lower() for role in Role if role in self.roles],
        }


@dataclass(frozen=True)
class Batch:
    lot: str
    quantity: int
    manufactured_days_ago: int
    shelf_life_days: int
    retired: str = ""  # "", "recalled" or "withdrawn"
    retired_by: str = ""  # "manufacturer" or "regulator"
    reason_code: int = 0

    def expires_in_days(self) -> int:
        return self.shelf_life_days - self.manufactured_days_ago


@dataclass(frozen=True)
class Product:
    gtin: str
    manufacturer: str  # Organization.key
    category: Category
    name: str
    dosage_form: str
    certificate: str
    batches: tuple[Batch, ...] = field(default_factory=tuple)

    def characteristics(self) -> dict:
        return {"gtin": self.gtin, "name": self.name, "dosage_form": self.dosage_form, "category": self.category.name.lower()}


REGULATOR = Organization(
    key="regulator",
    account_index=0,
    name="Федеральная служба по надзору в сфере здравоохранения (Росздравнадзор)",
    roles=Role.REGULATOR,
    country="RU",
    ownership="state",
    city="Москва",
)

ORGANIZATIONS = (
    REGULATOR,
    Organization("volga", 1, "АО «Волжская фармацевтическая компания»", Role.MANUFACTURER, "RU", "private", "Самара",
                 inn10("631500742"), ogrn("102630100184"), "Л042-00110-63/00345678"),
    Organization("immuno", 2, "ФГУП «НПО Иммунопрепарат»", Role.MANUFACTURER, "RU", "state", "Уфа",
                 inn10("027400131"), ogrn("102020353112"), "Л042-00110-02/00198765"),
    Organization("nordisk", 3, "Nordisk Insulin A/S", Role.MANUFACTURER, "DK", "private", "Bagsværd",
                 licence="DK-MIA-4417"),
    Organization("melsungen", 4, "Melsungen Medical GmbH", Role.MANUFACTURER, "DE", "private", "Melsungen",
                 licence="DE-HE-MED-2291"),
    Organization("centrpharm", 5, "ООО «ЦентрФармДистрибуция»", Role.DISTRIBUTOR | Role.SUPPLIER, "RU", "private",
                 "Москва", inn10("772845610"), ogrn("115774607731"), "Л042-00110-77/00567123"),
    Organization("sibmed", 6, "АО «СибМедСнаб»", Role.DISTRIBUTOR | Role.SUPPLIER, "RU", "private", "Новосибирск",
                 inn10("540612337"), ogrn("110540600912"), "Л042-00110-54/00234512"),
    Organization("gkb1", 7, "ГБУЗ «Городская клиническая больница № 1 ДЗМ»", Role.MEDICAL_ORGANIZATION, "RU", "state",
                 "Москва", inn10("772601224"), ogrn("102773904553"), "Л041-01137-77/00368712"),
    Organization("rkb", 8, "ГАУЗ «Республиканская клиническая больница МЗ РТ»", Role.MEDICAL_ORGANIZATION, "RU",
                 "state", "Казань", inn10("165700567"), ogrn("102160237801"), "Л041-01184-16/00311467"),
    Organization("pharmacy12", 9, "ООО «Аптека Здоровье» № 12", Role.PHARMACY, "RU", "private", "Казань",
                 inn10("165912873"), ogrn("117169004518"), "Л042-01184-16/00477120"),
    Organization("medtechimport", 10, "ООО «МедТехИмпорт»", Role.SUPPLIER, "RU", "private", "Санкт-Петербург",
                 inn10("781034219"), ogrn("119784711045"), "", approved=False),
    Organization("farmsintez", 11, "ООО «Фармсинтез-Юг»", Role.MANUFACTURER, "RU", "private", "Краснодар",
                 inn10("230987254"), ogrn("116237506344"), "Л042-00110-23/00711209", suspended=True),
)

# The GS1 company prefix the regulator assigns each demo manufacturer before it registers its
# products (the digits of the GTIN-13 after the GTIN-14's indicator digit): only the prefix's holder
# registers GTINs under it.
COMPANY_PREFIXES = {
    "volga": "4607001",
    "immuno": "4605003",
    "nordisk": "5702123",
    "melsungen": "4046123",
    "farmsintez": "4608132",
}

PRODUCTS = (
    Product(complete_gtin("460700112001"), "volga", Category.DRUG, "Метформин (Metformin)",
            "таблетки, покрытые пленочной оболочкой, 500 мг, № 60", "ЛП-003521",
            (Batch("MF2406", 300, 150, 730), Batch("MF2501", 200, 70, 730),
             Batch("MF2311", 120, 690, 730))),  # the last expires in 40 days
    Product(complete_gtin("460700112002"), "volga", Category.DRUG, "Амоксициллин (Amoxicillin)",
            "капсулы, 500 мг, № 16", "ЛП-002786",
            (Batch("AM2405", 150, 200, 1095), Batch("AM2402", 100, 300, 1095, "recalled", "manufacturer", 1))),
    Product(complete_gtin("460700112003"), "volga", Category.DRUG, "Парацетамол (Paracetamol)",
            "таблетки, 500 мг, № 20", "ЛП-001843",
            (Batch("PC2312", 250, 1110, 1095),)),  # expired 15 days ago
    Product(complete_gtin("460700112004"), "volga", Category.DRUG, "Омепразол (Omeprazole)",
            "капсулы кишечнорастворимые, 20 мг, № 30", "ЛП-004112",
            (Batch("OM2409", 180, 90, 730),)),
    Product(complete_gtin("460500318001"), "immuno", Category.DRUG, "Иммуноглобулин человека нормальный "
            "(Human normal immunoglobulin)", "раствор для внутримышечного введения, 1,5 мл, ампулы № 10", "ЛС-000412",
            (Batch("IG0424", 80, 120, 730), Batch("IG0124", 60, 700, 720))),  # the last expires in 20 days
    Product(complete_gtin("460500318002"), "immuno", Category.DRUG, "Эноксапарин натрия (Enoxaparin sodium)",
            "раствор для инъекций, 4000 анти-Ха МЕ/0,4 мл, шприцы № 10", "ЛП-005671",
            (Batch("EN2407", 120, 100, 1095), Batch("EN2403", 90, 250, 1095, "withdrawn", "regulator", 3))),
    Product(complete_gtin("570212345001"), "nordisk", Category.DRUG, "Инсулин аспарт (Insulin aspart)",
            "раствор для инъекций, 100 ЕД/мл, картриджи 3 мл № 5", "П N011570/01",
            (Batch("NA5K221", 100, 60, 900), Batch("NA5J874", 50, 820, 900))),  # the last expires in 80 days
    Product(complete_gtin("570212345002"), "nordisk", Category.DRUG, "Инсулин гларгин (Insulin glargine)",
            "раствор для подкожного введения, 100 ЕД/мл, шприц-ручки 3 мл № 5", "ЛП-003468",
            (Batch("GL6M310", 100, 75, 1095),)),
    Product(complete_gtin("404612300001"), "melsungen", Category.DEVICE, "Шприц инъекционный однократного "
            "применения трехкомпонентный (Syringe, 5 ml)", "5 мл, с иглой 0,7 × 40 мм", "РЗН 2016/4512",
            (Batch("SY24031", 500, 200, 1825),)),
    Product(complete_gtin("404612300002"), "melsungen", Category.DEVICE, "Катетер периферический внутривенный "
            "(Peripheral IV catheter)", "20G, 1,1 × 33 мм", "ФСЗ 2010/07468",
            (Batch("IV24112", 300, 150, 1825),)),
    Product(complete_gtin("404612300003"), "melsungen", Category.CONSUMABLE, "Перчатки смотровые нитриловые "
            "(Nitrile examination gloves)", "размер M, нестерильные, № 100", "РЗН 2019/9071",
            (Batch("GV24090", 400, 120, 1825),)),
    Product(complete_gtin("460813277001"), "farmsintez", Category.DRUG, "Цефтриаксон (Ceftriaxone)",
            "порошок для приготовления раствора для инъекций, 1 г, флаконы № 1", "ЛП-000987",
            (Batch("CF2405", 150, 180, 1095),)),
)


def organization(key: str) -> Organization:
    return next(o for o in ORGANIZATIONS if o.key == key)


def serials(gtin: str, lot: str, quantity: int) -> list[str]:
    """The batch's serial numbers: unique, deterministic for (gtin, lot)."""
    generator = random.Random(f"{gtin}/{lot}")
    result: set[str] = set()
    ordered: list[str] = []
    while len(ordered) < quantity:
        serial = "".join(generator.choices(SERIAL_ALPHABET, k=SERIAL_LENGTH))
        if serial not in result:
            result.add(serial)
            ordered.append(serial)
    return ordered


def batch_serials(gtin: str, lot: str) -> list[str]:
    """The serial numbers of the demo batch (`gtin`, `lot`), as many as it holds."""
    product = next(p for p in PRODUCTS if p.gtin == gtin)
    batch = next(b for b in product.batches if b.lot == lot)
    return serials(gtin, lot, batch.quantity)


# --- The supply chain ---------------------------------------------------------------------
# Shipments in order; each is (shipper, consignee, GTIN, lot, quantity, outcome), outcome
# "received", "rejected" or "in_transit". Quantities fit what each shipper holds by then.
@dataclass(frozen=True)
class Shipment:
    shipper: str
    consignee: str
    gtin: str
    lot: str
    quantity: int
    outcome: str = "received"


METFORMIN, AMOXICILLIN, PARACETAMOL, OMEPRAZOLE = (p.gtin for p in PRODUCTS[:4])
IMMUNOGLOBULIN, ENOXAPARIN, INSULIN_ASPART, INSULIN_GLARGINE = (p.gtin for p in PRODUCTS[4:8])
SYRINGE, CATHETER, GLOVES, CEFTRIAXONE = (p.gtin for p in PRODUCTS[8:12])

SHIPMENTS = (
    Shipment("volga", "centrpharm", METFORMIN, "MF2406", 200),
    Shipment("centrpharm", "gkb1", METFORMIN, "MF2406", 80),
    Shipment("centrpharm", "pharmacy12", METFORMIN, "MF2406", 60),
    Shipment("volga", "centrpharm", AMOXICILLIN, "AM2405", 100),
    Shipment("centrpharm", "pharmacy12", AMOXICILLIN, "AM2405", 40),
    Shipment("volga", "centrpharm", AMOXICILLIN, "AM2402", 60),  # recalled later
    Shipment("volga", "sibmed", PARACETAMOL, "PC2312", 100),  # expired batch
    Shipment("sibmed", "rkb", PARACETAMOL, "PC2312", 50),
    Shipment("nordisk", "sibmed", INSULIN_ASPART, "NA5K221", 60),
    Shipment("sibmed", "rkb", INSULIN_ASPART, "NA5K221", 30),
    Shipment("nordisk", "centrpharm", INSULIN_GLARGINE, "GL6M310", 40),
    Shipment("centrpharm", "gkb1", INSULIN_GLARGINE, "GL6M310", 20, "rejected"),
    Shipment("immuno", "centrpharm", IMMUNOGLOBULIN, "IG0424", 40),
    Shipment("immuno", "sibmed", ENOXAPARIN, "EN2407", 50, "in_transit"),
    Shipment("melsungen", "centrpharm", SYRINGE, "SY24031", 300),
    Shipment("centrpharm", "gkb1", SYRINGE, "SY24031", 200),
    Shipment("farmsintez", "centrpharm", CEFTRIAXONE, "CF2405", 50),  # its maker is suspended later
)


@dataclass(frozen=True)
class Decommission:
    holder: str
    gtin: str
    lot: str
    serial_index: int  # index in the batch's serial list
    reason: int  # 1 dispensed, 2 destroyed, 3 stolen, 4 exported, 5 sample


DECOMMISSIONS = (
    *(Decommission("gkb1", METFORMIN, "MF2406", i, 1) for i in range(10)),
    *(Decommission("pharmacy12", METFORMIN, "MF2406", 100 + i, 1) for i in range(5)),
    Decommission("pharmacy12", AMOXICILLIN, "AM2405", 120, 1),
    Decommission("rkb", INSULIN_ASPART, "NA5K221", 70, 1),
    Decommission("gkb1", SYRINGE, "SY24031", 5, 2),  # destroyed (a damaged pack)
    Decommission("centrpharm", IMMUNOGLOBULIN, "IG0424", 3, 3),  # stolen
)


@dataclass(frozen=True)
class DemoCode:
    """A pack to scan in the demo, showing one verdict."""

    case: str
    gtin: str
    lot: str
    serial: str | None  # None: take `serial_index` of the batch's list
    serial_index: int = 0
    scanner: str = ""  # the organization scanning, "" for anyone


DEMO_CODES = (
    DemoCode("genuine", METFORMIN, "MF2406", None, 150, "pharmacy12"),
    DemoCode("already-dispensed-cloned-code", METFORMIN, "MF2406", None, 0, "pharmacy12"),
    DemoCode("destroyed", SYRINGE, "SY24031", None, 5),
    DemoCode("stolen", IMMUNOGLOBULIN, "IG0424", None, 3),
    DemoCode("recalled", AMOXICILLIN, "AM2402", None, 7),
    DemoCode("withdrawn", ENOXAPARIN, "EN2403", None, 2),
    DemoCode("expired", PARACETAMOL, "PC2312", None, 60, "rkb"),
    DemoCode("manufacturer-suspended", CEFTRIAXONE, "CF2405", None, 9),
    DemoCode("serial-not-in-batch", METFORMIN, "MF2406", "FAKE0000001XY"),
    DemoCode("unknown-batch", METFORMIN, "MF9999", "UNKNOWNLOT001"),
    DemoCode("unknown-product", "04607001120087", "X1", "SERIAL0000001"),
    DemoCode("never-held-by-scanner", INSULIN_ASPART, "NA5K221", None, 10, "gkb1"),
)


# --- Tenders ----------------------------------------------------------------------------------
# Needs of the demo hospitals, one tender left in each state of its life. Prices are kopecks;
# every tender is bid by the two demo suppliers. The seed (dapp.demo.tender_seeding) moves the chain's
# time to get past the deadlines, and creates them in this order: the cancelled and the open
# tenders come last, with deadlines counted from the end of the seed.
RUBLE = 100


@dataclass(frozen=True)
class DemoBid:
    supplier: str  # Organization.key
    price: int  # kopecks, for the whole quantity
    revealed: bool = True
    signed: bool = False  # signed by the supplier and relayed by the platform (no gas for it)


@dataclass(frozen=True)
class DemoDelivery:
    lot: str
    quantity: int


@dataclass(frozen=True)
class DemoTender:
    state: str  # what the seed leaves it in: open, reveal, awarded, delivering, completed, failed, ...
    hospital: str  # Organization.key
    title: str
    quantity: int
    max_price: int  # kopecks (НМЦК)
    bids: tuple[DemoBid, ...]
    gtin: str = ""  # the product, or
    specification: str = ""  # a technical specification, met by
    accepted: tuple[str, ...] = ()  # these products
    bid_security_bps: int = 100
    performance_security_bps: int = 500
    min_shelf_life_days: int = 180
    funding: str = "approve"  # or "permit"
    deliveries: tuple[DemoDelivery, ...] = ()

    def specification_document(self) -> dict:
        return {"title": self.title, "specification": self.specification,
                "accepted_gtins": list(self.accepted), "quantity": self.quantity}


TENDER_STATES = ("completed", "delivering", "terminated", "awarded", "failed", "reveal", "cancelled", "open")

TENDERS = (
    DemoTender("completed", "gkb1", "Метформин 500 мг № 60 для эндокринологического отделения", 60,
               60 * 320 * RUBLE, (DemoBid("centrpharm", 17_400 * RUBLE), DemoBid("sibmed", 18_600 * RUBLE, signed=True)),
               gtin=METFORMIN, min_shelf_life_days=365, deliveries=(DemoDelivery("MF2406", 60),)),
    DemoTender("delivering", "rkb", "Иммуноглобулин человека нормальный, ампулы № 10", 30, 30 * 1_650 * RUBLE,
               (DemoBid("centrpharm", 46_200 * RUBLE), DemoBid("sibmed", 47_900 * RUBLE)),
               gtin=IMMUNOGLOBULIN, funding="permit", deliveries=(DemoDelivery("IG0424", 20),)),
    DemoTender("terminated", "gkb1", "Шприцы инъекционные 5 мл для процедурных кабинетов", 300, 300 * 950,
               (DemoBid("centrpharm", 2_490 * RUBLE), DemoBid("sibmed", 2_700 * RUBLE)),
               specification="Шприц инъекционный однократного применения трехкомпонентный, 5 мл, с иглой "
                             "0,7 × 40 мм, стерильный (КТРУ 32.50.13.110-00004)",
               accepted=(SYRINGE,), performance_security_bps=1_000, min_shelf_life_days=365,
               deliveries=(DemoDelivery("SY24031", 100),)),
    DemoTender("awarded", "rkb", "Омепразол 20 мг № 30 для гастроэнтерологического отделения", 200,
               200 * 165 * RUBLE, (DemoBid("sibmed", 23_800 * RUBLE), DemoBid("centrpharm", 29_500 * RUBLE)),
               gtin=OMEPRAZOLE),  # 28 % below the maximum: the anti-dumping 1.5 times security
    DemoTender("failed", "gkb1", "Амоксициллин 500 мг № 16", 150, 150 * 95 * RUBLE,
               (DemoBid("sibmed", 12_900 * RUBLE),),
               gtin=AMOXICILLIN),  # its only bidder wins and never posts the performance security
    DemoTender("reveal", "gkb1", "Эноксапарин натрия 4000 анти-Ха МЕ № 10 для профилактики тромбозов", 40,
               40 * 3_300 * RUBLE,
               (DemoBid("centrpharm", 124_000 * RUBLE), DemoBid("sibmed", 126_500 * RUBLE, revealed=False)),
               gtin=ENOXAPARIN),  # the second bid still sealed: its salt waits in the data folder
    DemoTender("cancelled", "rkb", "Катетеры периферические внутривенные 20G", 500, 500 * 58 * RUBLE,
               (DemoBid("centrpharm", 26_000 * RUBLE),), gtin=CATHETER),  # the need was revised
    DemoTender("open", "rkb", "Перчатки смотровые нитриловые, размер M, на II квартал", 120, 120 * 720 * RUBLE,
               (DemoBid("centrpharm", 79_800 * RUBLE), DemoBid("sibmed", 81_000 * RUBLE, signed=True)),
               specification="Перчатки медицинские смотровые нитриловые, нестерильные, неопудренные, размер M, "
                             "упаковка № 100 (КТРУ 22.19.60.119-00011)",
               accepted=(GLOVES,), funding="permit", min_shelf_life_days=365),
)


def tender(state: str) -> DemoTender:
    return next(t for t in TENDERS if t.state == state)
