"""The OCDS export of a whole tender run through the contract, from the published need to the
payment, read back from the chain's events by `dapp.tenders.ocds` (raw JSON-RPC through ChainReader):
every release valid against the OCDS 1.1 release schema, compiled by ocdsmerge into one record
with every field the issue lists, and every party, amount, date and id as the chain has them.

On anvil the reader speaks HTTP JSON-RPC to the node, as the CLI and the dApp do; Ape's
in-process chain has no HTTP endpoint, so there the same requests go through web3's eth-tester
provider instead (`InProcessReader`)."""

import json
from collections.abc import Mapping
from datetime import datetime, timezone

import jsonschema
import pytest

from dapp.chain.connection import genesis_hash
from dapp.chain.reader import ChainReader
from dapp.chain.deployment import DeployedContract, Deployment, write_record
from dapp.documents.default_store import save_document
from dapp.errors import DeploymentError
from dapp.tenders.ocds import (
    RELEASE_SCHEMA,
    UnknownTenderError,
    export_tender,
    read_tender_history,
    tender_record,
    tender_release_package,
)
from tests.conftest import GTIN
from tests.contracts.tenders.conftest import ship_and_receive
from tests.contracts.tenders.helpers import MAX_PRICE, QUANTITY, performance_security

PLATFORM_CONTRACTS = ("Participants", "Resources", "Custody", "PaymentToken", "Tenders")
METADATA = {
    "hospital": {"name": "ГБУЗ «Городская клиническая больница № 1»", "inn": "6315007420",
                 "ogrn": "1026301001843", "city": "Самара", "country": "Россия"},
    "winner": {"name": "ООО «Фармснаб»", "inn": "7728456100", "ogrn": "1157746077312"},
    "loser": {"name": "АО «МедПоставка»", "inn": "5406123370"},
    "silent": {"name": "ООО «Тихий поставщик»"},
}
WIN_PRICE, LOSE_PRICE, SILENT_PRICE = 700_000, 820_000, 650_000


class InProcessReader(ChainReader):
    """A ChainReader over Ape's in-process chain: each request of a batch goes through web3's
    eth-tester provider (with its request formatting), and its integers come back as the hex
    quantities a node sends."""

    def __init__(self, deployment, web3):
        super().__init__(deployment, "http://in-process.invalid")
        self._send = web3.provider.request_func(web3, web3.middleware_onion)

    def _post(self, payload: list) -> list:
        return [{**_as_node_json(self._send(request["method"], request["params"])), "id": request["id"]}
                for request in payload]


def _as_node_json(value):
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return hex(value)
    if isinstance(value, Mapping):
        return {key: _as_node_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_as_node_json(item) for item in value]
    return value


@pytest.fixture
def reader(chain, deployer, participants, resources, custody, token, tenders):
    contracts = dict(zip(PLATFORM_CONTRACTS, (participants, resources, custody, token, tenders)))
    deployment = Deployment(
        chain_id=chain.chain_id,
        genesis_hash=genesis_hash(),
        network=chain.provider.network.name,
        deployer=deployer.address,
        contracts={name: DeployedContract(contract.address, 0, "") for name, contract in contracts.items()},
    )
    uri = getattr(chain.provider, "http_uri", None)
    return ChainReader(deployment, uri) if uri else InProcessReader(deployment, chain.provider.web3)


@pytest.fixture
def validator():
    schema = json.loads(RELEASE_SCHEMA.read_text())
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


@pytest.fixture
def publish_metadata(participants, regulator, monkeypatch, tmp_path):
    """Each organization publishes its registry document (in a document store of the test's own),
    and a regulator approves it (an approved organization's change waits for review)."""
    monkeypatch.setenv("MEDCHAIN_DATA", str(tmp_path))

    def publish_metadata(account, metadata):
        participants.update_metadata(save_document(json.dumps(metadata, ensure_ascii=False).encode()), sender=account)
        participants.approve_metadata(account, sender=regulator)

    return publish_metadata


def iso(chain, receipt) -> str:
    timestamp = chain.blocks[receipt.block_number].timestamp
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def whole_tender(chain, tenders, custody, active_hospital, suppliers, create_tender, commit, reveal,
                 to_reveal_period, after_reveal, stock, publish_metadata):
    """A tender from the published need to the payment: three sealed bids, two revealed, the lowest
    wins, posts its performance security, delivers in two shipments through Custody and is paid.
    Returns the tender id and the receipts of the steps."""
    winner, loser, silent = suppliers
    for account, key in ((active_hospital, "hospital"), (winner, "winner"), (loser, "loser"), (silent, "silent")):
        publish_metadata(account, METADATA[key])
    tender_id = create_tender()
    receipts = {}
    salts = {bidder: commit(tender_id, bidder, price)
             for bidder, price in ((winner, WIN_PRICE), (loser, LOSE_PRICE), (silent, SILENT_PRICE))}
    to_reveal_period(tender_id)
    reveal(tender_id, loser, LOSE_PRICE, salts[loser])
    reveal(tender_id, winner, WIN_PRICE, salts[winner])
    after_reveal(tender_id)
    receipts["award"] = tenders.award(tender_id, sender=active_hospital)
    receipts["contract"] = tenders.postPerformanceSecurity(tender_id, sender=winner)
    batch_id = stock(winner, lot="OCDS1", quantity=QUANTITY)
    shipments = []
    for quantity, sender in ((60, active_hospital), (QUANTITY - 60, winner)):
        shipment = ship_and_receive(custody, batch_id, winner, active_hospital, quantity, tender_id, tenders=tenders)
        shipments.append(shipment[0])
        receipts[f"delivery-{shipment[0]}"] = tenders.acceptDelivery(tender_id, *shipment, sender=sender)
    receipts["payment"] = receipts[f"delivery-{shipments[-1]}"]
    return tender_id, receipts, shipments, batch_id


def test_export__whole_tender__one_valid_release_per_step(chain, reader, whole_tender, validator):
    tender_id, receipts, _, _ = whole_tender
    package = tender_release_package(tender_id, reader=reader)
    releases = package["releases"]
    assert [release["tag"] for release in releases] == [
        ["planning"], ["tender"],
        ["tenderUpdate"], ["tenderUpdate"], ["tenderUpdate"],
        ["tenderUpdate"], ["tenderUpdate"],
        ["award"], ["awardUpdate", "contract"],
        ["implementation"], ["implementation"], ["implementation", "contractTermination"],
    ]
    for release in releases:
        errors = [error.message for error in validator.iter_errors(release)]
        assert not errors, (release["id"], errors)
    ids = [release["id"] for release in releases]
    assert len(set(ids)) == len(ids)
    assert {release["ocid"] for release in releases} == {
        f"ocds-medchn-{chain.chain_id}-{reader.deployment.address('Tenders').lower()}-{tender_id}"}
    # Dates are the blocks' times.
    assert releases[7]["date"] == iso(chain, receipts["award"])
    assert releases[8]["date"] == iso(chain, receipts["contract"])
    assert releases[-1]["date"] == iso(chain, receipts["payment"])
    assert package["publishedDate"] == releases[-1]["date"]
    # The same chain gives the same export.
    assert tender_release_package(tender_id, reader=reader) == package


def test_export__whole_tender__ocdsmerge_record_has_every_required_field(chain, reader, whole_tender, validator,
                                                                         active_hospital, suppliers):
    tender_id, receipts, shipments, batch_id = whole_tender
    winner, loser, silent = (account.address for account in suppliers)
    hospital = active_hospital.address
    record = tender_record(tender_release_package(tender_id, reader=reader)["releases"])
    release = record["compiledRelease"]
    assert validator.is_valid(release)

    assert release["ocid"] == record["ocid"]
    assert release["id"]
    assert release["date"] == iso(chain, receipts["payment"])
    assert release["tag"] == ["compiled"]
    assert release["initiationType"] == "tender"

    parties = {party["id"]: party for party in release["parties"]}
    assert {account: party["roles"] for account, party in parties.items()} == {
        hospital: ["buyer", "procuringEntity", "payer"],
        winner: ["tenderer", "supplier", "payee"],
        loser: ["tenderer"],
        silent: ["tenderer"],
    }
    assert parties[hospital]["name"] == METADATA["hospital"]["name"]
    assert parties[hospital]["identifier"] == {"scheme": "RU-INN", "id": "6315007420",
                                               "legalName": METADATA["hospital"]["name"]}
    assert parties[hospital]["address"] == {"locality": "Самара", "countryName": "Россия"}
    assert parties[winner]["additionalIdentifiers"] == [{"scheme": "RU-OGRN", "id": "1157746077312"}]
    assert release["buyer"] == {"id": hospital, "name": METADATA["hospital"]["name"]}

    tender = release["tender"]
    assert (tender["id"], tender["status"]) == (str(tender_id), "complete")
    assert tender["value"] == {"amount": MAX_PRICE // 100, "currency": "RUB"}
    assert tender["numberOfTenderers"] == 3
    assert [party["id"] for party in tender["tenderers"]] == [winner, loser, silent]
    [item] = tender["items"]
    assert item["classification"] == {"scheme": "GTIN", "id": f"{GTIN:014d}", "description": "Метформин (Metformin)"}
    assert (item["quantity"], item["description"]) == (QUANTITY, "Метформин (Metformin), tablets 500 mg")
    view = reader.one(reader.call("Tenders", "tender", tender_id))
    assert tender["tenderPeriod"]["endDate"] == datetime.fromtimestamp(view.bidDeadline, timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")

    bids = {bid["id"]: (bid["tenderers"][0]["id"], bid["status"], bid.get("value")) for bid in release["bids"]["details"]}
    assert bids == {
        "1": (winner, "valid", {"amount": 7_000, "currency": "RUB"}),
        "2": (loser, "valid", {"amount": 8_200, "currency": "RUB"}),
        "3": (silent, "disqualified", None),  # its lower price was never revealed
    }

    [award] = release["awards"]
    assert (award["status"], award["date"]) == ("active", iso(chain, receipts["award"]))
    assert award["value"] == {"amount": 7_000, "currency": "RUB"}
    assert award["suppliers"] == [{"id": winner, "name": METADATA["winner"]["name"]}]
    assert f"{performance_security(WIN_PRICE) // 100:,}.00 RUB" in award["description"]

    [contract] = release["contracts"]
    assert (contract["awardID"], contract["status"]) == (award["id"], "terminated")
    assert contract["value"] == {"amount": 7_000, "currency": "RUB"}
    assert contract["dateSigned"] == iso(chain, receipts["contract"])
    payment = receipts["payment"]
    assert contract["implementation"]["transactions"] == [{
        "id": payment.txn_hash,  # the transaction that released the payment
        "date": iso(chain, payment),
        "value": {"amount": 7_000, "currency": "RUB"},
        "payer": {"id": hospital, "name": METADATA["hospital"]["name"]},
        "payee": {"id": winner, "name": METADATA["winner"]["name"]},
    }]
    milestones = contract["implementation"]["milestones"]
    assert [milestone["id"] for milestone in milestones] == [f"delivery-{shipment}" for shipment in shipments]
    assert [milestone["dateMet"] for milestone in milestones] == [
        iso(chain, receipts[f"delivery-{shipment}"]) for shipment in shipments]
    assert f"0x{bytes(batch_id).hex()}" in milestones[0]["description"]
    assert "60 units counted, 60 of 100 delivered" in milestones[0]["description"]


def test_export_tender__writes_the_release_package_file(reader, whole_tender, tmp_path):
    tender_id = whole_tender[0]
    path = export_tender(tender_id, tmp_path / "exports" / f"tender-{tender_id}.json", reader=reader)
    package = json.loads(path.read_text(encoding="utf-8"))
    assert package["uri"] == path.as_uri()
    assert package["version"] == "1.1"
    assert package["releases"] == tender_release_package(tender_id, reader=reader)["releases"]


def test_tender_release_package__no_reader__the_connected_node_and_its_deployment_record(chain, reader,
                                                                                        whole_tender):
    if chain.provider.http_uri is None:
        pytest.skip("Ape's in-process chain has no JSON-RPC endpoint to connect to (runs on anvil)")
    tender_id = whole_tender[0]
    write_record(reader.deployment)  # in the test's data folder (publish_metadata set it)
    assert tender_release_package(tender_id) == tender_release_package(tender_id, reader=reader)


def test_read_tender_history__another_tenders_events__not_mixed_in(reader, whole_tender, create_tender):
    tender_id = whole_tender[0]
    other = create_tender()
    assert [log.event for log in read_tender_history(reader, other).logs] == ["TenderCreated"]
    assert len(read_tender_history(reader, tender_id).logs) == 11  # 12 releases: the first makes two


def test_read_tender_history__metadata_not_in_the_store__party_named_by_account(reader, create_tender,
                                                                                 active_hospital):
    history = read_tender_history(reader, create_tender())
    assert history.organizations == {active_hospital.address: {}}
    assert history.products[GTIN] == {"name": "Метформин (Metformin)", "dosage_form": "tablets 500 mg"}


def test_read_tender_history__no_such_tender__clear_error(reader, tenders):
    with pytest.raises(UnknownTenderError, match=f"no tender 999 was created on the Tenders contract at {tenders.address}"):
        read_tender_history(reader, 999)
    with pytest.raises(UnknownTenderError, match="not a tender id"):
        read_tender_history(reader, 0)


def test_read_tender_history__no_tenders_in_the_deployment__clear_error(reader):
    del reader.deployment.contracts["Tenders"]
    with pytest.raises(DeploymentError, match="Tenders contract is not in the deployment record"):
        read_tender_history(reader, 1)
