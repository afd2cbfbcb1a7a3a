"""The OCDS export from hand-made decoded logs: one release per step of a tender, each valid against
the official OCDS 1.1 release schema, compiled by ocdsmerge (offline) into a record that has every
field the issue lists; parties, amounts, items, dates and ids as the chain has them; every way a
tender can end; the release package and its file."""

import json
from datetime import datetime, timezone

import jsonschema
import pytest
from eth_utils import to_checksum_address

from dapp.tenders import ocds
from dapp.chain.reader import Log
from dapp.errors import PlatformError
from dapp.tenders.ocds import (
    AWARD_ID,
    CONTRACT_ID,
    RELEASE_SCHEMA,
    TenderHistory,
    UnknownTenderError,
    release_package,
    tender_record,
    tender_releases,
    write_release_package,
)

CHAIN_ID = 31337
TENDERS = to_checksum_address("0x" + "7e" * 20)
HOSPITAL = to_checksum_address("0x" + "11" * 20)
WINNER = to_checksum_address("0x" + "22" * 20)
LOSER = to_checksum_address("0x" + "33" * 20)
SILENT = to_checksum_address("0x" + "44" * 20)
RELAYER = to_checksum_address("0x" + "55" * 20)
TENDER_ID = 7
GTIN = 4601234567893
OTHER_GTIN = 4601234567800
SPEC_CID = "bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq"
DAY = 86_400
T0 = 1_767_225_600  # 2026-01-01T00:00:00Z: block n is mined at T0 + n hours
MAX_PRICE, WIN_PRICE, LOSE_PRICE = 1_000_000, 700_000, 820_050  # kopecks
QUANTITY = 100
BATCH_ID = bytes.fromhex("ab" * 32)

ORGANIZATIONS = {
    HOSPITAL: {"name": "ГБУЗ «Городская больница № 1»", "inn": "6315007420", "ogrn": "1026301001843",
               "city": "Самара", "country": "RU"},
    WINNER: {"name": "ООО «Фармснаб»", "inn": "7728456100", "ogrn": "1157746077312"},
    LOSER: {"name": "АО «МедПоставка»"},
    # SILENT has no metadata document in the store: named by its account.
}
PRODUCTS = {GTIN: {"name": "Метформин (Metformin)", "dosage_form": "tablets 500 mg"},
            OTHER_GTIN: {"name": "Metformin Long", "dosage_form": "tablets 750 mg"}}


def at(block: int) -> str:
    return datetime.fromtimestamp(T0 + block * 3600, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def log(event: str, block: int, index: int = 0, **args) -> Log:
    return Log(contract="Tenders", event=event, args={"tenderId": TENDER_ID, **args}, block_number=block,
               block_hash=f"0x{block:064x}", transaction_hash=f"0x{block:064x}", log_index=index)


def created(block: int = 1, **overrides) -> Log:
    args = {
        "hospital": HOSPITAL, "gtin": GTIN, "specificationCid": "", "acceptedGtins": (), "quantity": QUANTITY,
        "maxPrice": MAX_PRICE, "bidDeadline": T0 + 3 * DAY, "revealDeadline": T0 + 5 * DAY,
        "deliveryDeadline": T0 + 60 * DAY, "bidSecurity": 10_000, "performanceSecurityBps": 1_000,
        "minResidualShelfLife": 180 * DAY, "securityWindow": 2 * DAY,
    }
    args.update(overrides)
    return log("TenderCreated", block, **args)


def commit(block: int, bidder: str, sequence: int) -> Log:
    return log("BidCommitted", block, bidder=bidder, commitment=bytes([sequence]) * 32, sequence=sequence,
               relayer=RELAYER if bidder == LOSER else bidder)


def bidding() -> list[Log]:
    """Created; three sealed bids; two revealed (the silent bidder never opens its bid)."""
    return [
        created(1),
        commit(2, WINNER, 1), commit(3, LOSER, 2), commit(4, SILENT, 3),
        log("BidRevealed", 5, bidder=LOSER, price=LOSE_PRICE, leading=True),
        log("BidRevealed", 6, bidder=WINNER, price=WIN_PRICE, leading=True),
    ]


def contracted() -> list[Log]:
    return bidding() + [
        log("TenderAwarded", 7, winner=WINNER, price=WIN_PRICE, performanceSecurity=105_000,
            securityDeadline=T0 + 7 * DAY, deliveryDeadline=T0 + 60 * DAY, refund=MAX_PRICE - WIN_PRICE,
            forfeited=10_000),
        log("ContractConcluded", 8, winner=WINNER, performanceSecurity=105_000),
    ]


def whole_tender() -> list[Log]:
    """From the published need to the payment: two deliveries, the second completing it."""
    return contracted() + [
        log("DeliveryAccepted", 9, shipmentId=41, batchId=BATCH_ID, counted=60, delivered=60),
        log("DeliveryAccepted", 10, 0, shipmentId=42, batchId=BATCH_ID, counted=40, delivered=QUANTITY),
        log("TenderCompleted", 10, 1, winner=WINNER, paid=WIN_PRICE, securityReturned=105_000),
    ]


def history(logs: list[Log], organizations=None, products=None) -> TenderHistory:
    return TenderHistory(
        chain_id=CHAIN_ID, tenders_address=TENDERS, tender_id=TENDER_ID, logs=logs,
        block_times={entry.block_hash: T0 + entry.block_number * 3600 for entry in logs},
        organizations=ORGANIZATIONS if organizations is None else organizations,
        products=PRODUCTS if products is None else products,
    )


def compiled(logs: list[Log], **kwargs) -> dict:
    return tender_record(tender_releases(history(logs, **kwargs)))["compiledRelease"]


def party(release: dict, account: str) -> dict:
    return next(entry for entry in release["parties"] if entry["id"] == account)


@pytest.fixture(scope="module")
def ocds_validator():
    schema = json.loads(RELEASE_SCHEMA.read_text())
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


@pytest.fixture
def offline(monkeypatch):
    """Any attempt of ocdsmerge (or anything) to fetch over HTTP fails the test."""
    import requests

    def refuse(*args, **kwargs):
        raise AssertionError(f"an HTTP request was made: {args} {kwargs}")

    monkeypatch.setattr(requests.Session, "request", refuse)


# --- releases, one per step ------------------------------------------------------------------


def test_tender_releases__whole_tender__one_release_per_step_in_chain_order():
    releases = tender_releases(history(whole_tender()))
    assert [release["tag"] for release in releases] == [
        ["planning"], ["tender"],
        ["tenderUpdate"], ["tenderUpdate"], ["tenderUpdate"],  # three sealed bids
        ["tenderUpdate"], ["tenderUpdate"],  # two reveals
        ["award"], ["awardUpdate", "contract"],
        ["implementation"], ["implementation"],
        ["implementation", "contractTermination"],
    ]
    assert [release["date"] for release in releases] == [at(n) for n in (1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10)]
    assert {release["ocid"] for release in releases} == {f"ocds-medchn-{CHAIN_ID}-{TENDERS.lower()}-{TENDER_ID}"}
    assert all(release["initiationType"] == "tender" for release in releases)


def test_tender_releases__every_release__valid_against_the_ocds_1_1_release_schema(ocds_validator):
    for logs in (whole_tender(), failed_for_want_of_bids(), failed_for_want_of_security(), terminated(0),
                 terminated(30), cancelled(), [created(1, gtin=0, specificationCid=SPEC_CID,
                                                        acceptedGtins=(GTIN, OTHER_GTIN))]):
        for release in tender_releases(history(logs)):
            errors = sorted(ocds_validator.iter_errors(release), key=str)
            assert not errors, (release["id"], [error.message for error in errors])


def test_release_schema__is_the_official_ocds_1_1_release_schema():
    schema = json.loads(RELEASE_SCHEMA.read_text())
    assert schema["id"] == "https://standard.open-contracting.org/schema/1__1__4/release-schema.json"
    assert schema["required"] == ["ocid", "id", "date", "tag", "initiationType"]


def test_validator__release_missing_a_required_field__rejected(ocds_validator):
    release = tender_releases(history(whole_tender()))[0]
    for name in ("ocid", "id", "date", "tag", "initiationType"):
        broken = {key: value for key, value in release.items() if key != name}
        assert not ocds_validator.is_valid(broken), name


def test_tender_releases__ids__unique_and_the_same_on_every_export():
    first = tender_releases(history(whole_tender()))
    ids = [release["id"] for release in first]
    assert len(set(ids)) == len(ids)
    assert tender_releases(history(whole_tender())) == first
    # An id names the log that made the release: the same log gives the same id whatever came before.
    assert first[2]["id"] == f"0x{2:064x}-0-bid"
    assert [release["id"] for release in first[:2]] == [f"0x{1:064x}-0-planning", f"0x{1:064x}-0-tender"]
    # The last delivery and the payment are two logs of one transaction.
    assert [release["id"] for release in first[-2:]] == [f"0x{10:064x}-0-delivery", f"0x{10:064x}-1-payment"]


def test_tender_releases__logs_of_other_tenders_and_other_events__ignored():
    foreign = log("BidCommitted", 3, 1, bidder=SILENT, commitment=b"\x09" * 32, sequence=9, relayer=SILENT)
    foreign.args["tenderId"] = TENDER_ID + 1
    claimed = log("BidSecurityClaimed", 8, 1, bidder=LOSER, amount=10_000)
    mixed = whole_tender()
    mixed[3:3] = [foreign]
    mixed.insert(9, claimed)
    assert tender_releases(history(mixed)) == tender_releases(history(whole_tender()))


def test_tender_releases__history_not_starting_with_the_creation__refused():
    with pytest.raises(UnknownTenderError, match="does not start with its creation"):
        tender_releases(history(whole_tender()[1:]))


# --- the compiled record: every field the issue lists ----------------------------------------


def test_tender_record__whole_tender__compiled_by_ocdsmerge_offline_with_every_required_field(offline, ocds_validator):
    releases = tender_releases(history(whole_tender()))
    record = tender_record(releases)
    assert record["ocid"] == releases[0]["ocid"]
    assert record["releases"] == releases
    release = record["compiledRelease"]
    assert ocds_validator.is_valid(release)

    assert release["ocid"] == releases[0]["ocid"]
    assert release["id"]  # ocdsmerge's id of the compiled release: ocid and last date
    assert release["date"] == at(10)
    assert release["tag"] == ["compiled"]
    assert release["initiationType"] == "tender"

    roles = {entry["id"]: entry["roles"] for entry in release["parties"]}
    assert roles == {
        HOSPITAL: ["buyer", "procuringEntity", "payer"],
        WINNER: ["tenderer", "supplier", "payee"],
        LOSER: ["tenderer"],
        SILENT: ["tenderer"],
    }
    assert release["buyer"] == {"id": HOSPITAL, "name": ORGANIZATIONS[HOSPITAL]["name"]}

    tender = release["tender"]
    assert (tender["id"], tender["status"], tender["value"]) == (str(TENDER_ID), "complete", {"amount": 10_000, "currency": "RUB"})
    assert tender["procuringEntity"]["id"] == HOSPITAL
    assert tender["numberOfTenderers"] == 3
    assert [entry["id"] for entry in tender["tenderers"]] == [WINNER, LOSER, SILENT]
    assert tender["items"] == [{
        "id": "1",
        "description": "Метформин (Metformin), tablets 500 mg",
        "classification": {"scheme": "GTIN", "id": "04601234567893", "description": "Метформин (Metformin)"},
        "quantity": QUANTITY,
        "unit": {"scheme": "UNCEFACT", "id": "H87", "name": "piece"},
    }]
    assert tender["tenderPeriod"] == {"startDate": at(1), "endDate": "2026-01-04T00:00:00Z"}
    assert tender["awardPeriod"] == {"startDate": "2026-01-06T00:00:00Z", "endDate": at(7)}

    [award] = release["awards"]
    assert (award["id"], award["status"], award["date"]) == (AWARD_ID, "active", at(7))
    assert award["value"] == {"amount": 7_000, "currency": "RUB"}
    assert award["suppliers"] == [{"id": WINNER, "name": ORGANIZATIONS[WINNER]["name"]}]
    assert award["items"] == tender["items"]

    [contract] = release["contracts"]
    assert (contract["id"], contract["awardID"], contract["status"]) == (CONTRACT_ID, AWARD_ID, "terminated")
    assert contract["value"] == {"amount": 7_000, "currency": "RUB"}
    assert contract["dateSigned"] == at(8)
    assert contract["period"] == {"startDate": at(8), "endDate": "2026-03-02T00:00:00Z"}
    assert contract["implementation"]["transactions"] == [{
        "id": f"0x{10:064x}",  # the transaction that released the payment
        "date": at(10),
        "value": {"amount": 7_000, "currency": "RUB"},
        "payer": {"id": HOSPITAL, "name": ORGANIZATIONS[HOSPITAL]["name"]},
        "payee": {"id": WINNER, "name": ORGANIZATIONS[WINNER]["name"]},
    }]
    milestones = contract["implementation"]["milestones"]
    assert [(m["id"], m["type"], m["status"], m["dateMet"]) for m in milestones] == [
        ("delivery-41", "delivery", "met", at(9)), ("delivery-42", "delivery", "met", at(10))]
    assert "60 units counted, 60 of 100 delivered" in milestones[0]["description"]
    assert "0x" + "ab" * 32 in milestones[0]["description"]

    bids = {bid["id"]: bid for bid in release["bids"]["details"]}
    assert {key: (bid["status"], bid.get("value")) for key, bid in bids.items()} == {
        "1": ("valid", {"amount": 7_000, "currency": "RUB"}),
        "2": ("valid", {"amount": 8_200.5, "currency": "RUB"}),
        "3": ("disqualified", None),
    }
    assert bids["3"]["tenderers"] == [{"id": SILENT, "name": SILENT}]
    assert bids["1"]["date"] == at(2)


def test_tender_record__releases_of_two_processes__refused():
    releases = tender_releases(history(whole_tender()))
    other = dict(releases[1], ocid=releases[1]["ocid"] + "0")
    with pytest.raises(PlatformError, match="one process, not 2"):
        tender_record([releases[0], other])


# --- parties, amounts, items -----------------------------------------------------------------


def test_parties__registry_metadata__name_inn_ogrn_and_address():
    release = tender_releases(history(whole_tender()))[0]
    assert release["parties"] == [{
        "id": HOSPITAL,
        "name": "ГБУЗ «Городская больница № 1»",
        "roles": ["buyer", "procuringEntity"],
        "identifier": {"scheme": "RU-INN", "id": "6315007420", "legalName": "ГБУЗ «Городская больница № 1»"},
        "additionalIdentifiers": [{"scheme": "RU-OGRN", "id": "1026301001843"}],
        "address": {"locality": "Самара", "countryName": "RU"},
    }]


def test_parties__no_metadata__named_by_their_account_without_identifier():
    releases = tender_releases(history(whole_tender(), organizations={}))
    entry = party(releases[4], SILENT)
    assert entry == {"id": SILENT, "name": SILENT, "roles": ["tenderer"]}
    assert party(releases[0], HOSPITAL)["name"] == HOSPITAL


def test_parties__each_release__names_its_parties_with_every_role_held_so_far():
    releases = tender_releases(history(whole_tender()))
    award, contract, payment = releases[7], releases[8], releases[11]
    assert [entry["id"] for entry in award["parties"]] == [WINNER]
    assert party(award, WINNER)["roles"] == ["tenderer", "supplier"]
    assert {entry["id"] for entry in contract["parties"]} == {WINNER, HOSPITAL}
    assert party(payment, HOSPITAL)["roles"] == ["buyer", "procuringEntity", "payer"]
    assert party(payment, WINNER)["roles"] == ["tenderer", "supplier", "payee"]


@pytest.mark.parametrize(("kopecks", "amount"), [
    (1_000_000, 10_000), (820_050, 8_200.5), (123_456, 1_234.56), (1, 0.01), (0, 0),
    (2**53, 90_071_992_547_409.92),
])
def test_money__kopecks__rubles(kopecks, amount):
    assert ocds.money(kopecks) == {"amount": amount, "currency": "RUB"}
    assert type(ocds.money(kopecks)["amount"]) is type(amount)


def test_planning__the_need__budget_is_the_escrowed_maximum_price():
    planning = tender_releases(history(whole_tender()))[0]
    assert planning["buyer"]["id"] == HOSPITAL
    assert planning["planning"]["budget"]["amount"] == {"amount": 10_000, "currency": "RUB"}
    assert "НМЦК" in planning["planning"]["rationale"]


def test_tender__terms__in_eligibility_and_periods():
    tender = tender_releases(history(whole_tender()))[1]["tender"]
    assert tender["eligibilityCriteria"] == (
        "Active suppliers of the participants registry. Bid security 100.00 RUB. Performance security 10 % of "
        "the contract price (15 % when the price is 25 % or more below the maximum), posted within 48 hours of "
        "the award. Delivered batches must have at least 180 days of shelf life left."
    )
    assert (tender["procurementMethod"], tender["awardCriteria"], tender["mainProcurementCategory"]) == (
        "open", "priceOnly", "goods")
    assert tender["contractPeriod"] == {"endDate": "2026-03-02T00:00:00Z"}
    assert "documents" not in tender


def test_items__specification_tender__accepted_gtins_as_classifications_and_the_specification_document():
    spec = [created(1, gtin=0, specificationCid=SPEC_CID, acceptedGtins=(GTIN, OTHER_GTIN))]
    tender = tender_releases(history(spec))[1]["tender"]
    [item] = tender["items"]
    assert item["classification"] == {"scheme": "GTIN", "id": "04601234567893", "description": "Метформин (Metformin)"}
    assert item["additionalClassifications"] == [{"scheme": "GTIN", "id": "04601234567800", "description": "Metformin Long"}]
    assert SPEC_CID in item["description"] and item["quantity"] == QUANTITY
    assert tender["documents"] == [{"id": "specification", "documentType": "technicalSpecifications",
                                    "title": "Technical specification", "url": f"ipfs://{SPEC_CID}"}]


def test_items__unknown_product__classified_by_gtin_alone():
    item = tender_releases(history([created(1)], products={}))[1]["tender"]["items"][0]
    assert item["classification"] == {"scheme": "GTIN", "id": "04601234567893"}
    assert item["description"] == "GTIN 04601234567893"


# --- every way a tender ends -----------------------------------------------------------------


def failed_for_want_of_bids() -> list[Log]:
    return [created(1), commit(2, SILENT, 1), log("TenderFailed", 3, reason=1, toHospital=MAX_PRICE + 10_000)]


def failed_for_want_of_security() -> list[Log]:
    return bidding() + [
        log("TenderAwarded", 7, winner=WINNER, price=WIN_PRICE, performanceSecurity=105_000,
            securityDeadline=T0 + 7 * DAY, deliveryDeadline=T0 + 60 * DAY, refund=MAX_PRICE - WIN_PRICE,
            forfeited=10_000),
        log("TenderFailed", 8, reason=2, toHospital=WIN_PRICE + 10_000),
    ]


def terminated(paid: int) -> list[Log]:
    delivered = [log("DeliveryAccepted", 9, shipmentId=41, batchId=BATCH_ID, counted=30, delivered=30)] if paid else []
    return contracted() + delivered + [
        log("TenderTerminated", 11, delivered=30 if paid else 0, paidToSupplier=paid,
            toHospital=WIN_PRICE - paid, securityForfeited=105_000)]


def cancelled() -> list[Log]:
    return [created(1), commit(2, WINNER, 1), log("TenderCancelled", 3, refund=MAX_PRICE)]


def test_failed__no_valid_bid__tender_unsuccessful_and_unrevealed_bids_disqualified():
    release = compiled(failed_for_want_of_bids())
    assert release["tender"]["status"] == "unsuccessful"
    assert release["tender"]["awardPeriod"]["endDate"] == at(3)
    assert release["bids"]["details"] == [{"id": "1", "date": at(2), "status": "disqualified",
                                           "tenderers": [{"id": SILENT, "name": SILENT}]}]
    assert "awards" not in release and "contracts" not in release


def test_failed__no_performance_security__award_unsuccessful():
    releases = tender_releases(history(failed_for_want_of_security()))
    assert releases[-1]["tag"] == ["awardUpdate", "tenderUpdate"]
    release = tender_record(releases)["compiledRelease"]
    assert release["tender"]["status"] == "unsuccessful"
    [award] = release["awards"]
    assert award["status"] == "unsuccessful"
    assert "7,100.00 RUB" in award["description"]
    assert "contracts" not in release


def test_terminated__partial_delivery__pro_rata_payment_is_a_transaction():
    release = compiled(terminated(210_000))
    [contract] = release["contracts"]
    assert contract["status"] == "terminated"
    assert "30 of 100 units delivered" in contract["description"]
    assert [(t["value"]["amount"], t["payer"]["id"], t["payee"]["id"], t["date"])
            for t in contract["implementation"]["transactions"]] == [(2_100, HOSPITAL, WINNER, at(11))]
    assert party(release, WINNER)["roles"] == ["tenderer", "supplier", "payee"]


def test_terminated__nothing_delivered__no_transaction_and_no_payee():
    releases = tender_releases(history(terminated(0)))
    assert releases[-1]["tag"] == ["implementation", "contractTermination"]
    release = tender_record(releases)["compiledRelease"]
    assert "implementation" not in release["contracts"][0]
    assert "payee" not in party(release, WINNER)["roles"]
    assert "payer" not in party(release, HOSPITAL)["roles"]


def test_cancelled__before_the_bid_deadline__tender_cancelled():
    releases = tender_releases(history(cancelled()))
    assert releases[-1]["tag"] == ["tenderCancellation"]
    tender = tender_record(releases)["compiledRelease"]["tender"]
    assert tender["status"] == "cancelled"
    assert tender["tenderPeriod"] == {"startDate": at(1), "endDate": at(3)}


# --- the release package ---------------------------------------------------------------------


def test_release_package__required_package_fields():
    releases = tender_releases(history(whole_tender()))
    package = release_package(releases)
    assert package["uri"] == f"urn:medchain:{releases[0]['ocid']}"
    assert package["version"] == "1.1"
    assert package["publishedDate"] == at(10)
    assert package["publisher"]["name"]
    assert package["extensions"] == [ocds.BID_EXTENSION]
    assert package["releases"] == releases
    assert release_package(releases, uri="https://example.org/t/7.json")["uri"] == "https://example.org/t/7.json"


def test_release_package__no_release__refused():
    with pytest.raises(PlatformError, match="at least one release"):
        release_package([])


def test_write_release_package__utf8_json_read_back_equal_and_no_temporary_left(tmp_path):
    package = release_package(tender_releases(history(whole_tender())))
    path = write_release_package(package, tmp_path / "out" / "tender-7.json")
    assert json.loads(path.read_text(encoding="utf-8")) == package
    assert "Городская больница" in path.read_text(encoding="utf-8")  # not \u-escaped
    assert sorted(p.name for p in path.parent.iterdir()) == ["tender-7.json"]
