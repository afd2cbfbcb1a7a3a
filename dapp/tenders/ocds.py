"""A tender's history as Open Contracting Data Standard (OCDS 1.1) releases.

The chain is the record: every step of a tender is an event of the Tenders contract, so the
export re-reads those events (with their block times, the organizations' registry documents and
the products' names) and turns each step into one release: planning and tender (the published
need), each sealed bid and each reveal, the award, the contract, each accepted delivery, and the
payment or the termination. Releases are written as a release package; `tender_record`
compiles them into one record with ocdsmerge, as an OCDS consumer would.

Releases use core OCDS 1.1 and the bid extension (sealed bids have no place in core).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from eth_utils import to_checksum_address

from dapp.chain.reader import ChainReader, Log
from dapp.documents.default_store import load_document
from dapp.errors import DeploymentError, PlatformError
from dapp.i18n import _

# The ocid prefix of this platform's contracting processes. It has the form of a prefix the Open
# Contracting Partnership assigns ("ocds-" and six characters) but is not registered: a
# deployment that publishes for real registers its own and sets it here.
OCID_PREFIX = "ocds-medchn"
OCDS_VERSION = "1.1"
CURRENCY = "RUB"
KOPECKS_PER_RUBLE = 100
# Bids ("bids.details": each sealed bid, its status and revealed price) come from this extension.
BID_EXTENSION = "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/master/extension.json"
PUBLISHER = {"name": "MedChain tender escrow (exported from the chain's events)"}
# The official OCDS 1.1 release schema (1.1.4), as shipped in the ocdsmerge 0.8.0 sdist on PyPI
# (tests/fixtures/release-schema-1__1__4.json, sha256 4226ea4a...5696). ocdsmerge would fetch the
# schema from the web; this machine and the platform's users may be offline.
RELEASE_SCHEMA = Path(__file__).parent / "schemas" / "release-schema-1__1__4.json"

# The unit a tender counts: one sellable pack of the GTIN (UN/CEFACT recommendation 20, "piece").
UNIT = {"scheme": "UNCEFACT", "id": "H87", "name": "piece"}
TENDER_EVENTS = frozenset({
    "TenderCreated", "BidCommitted", "BidRevealed", "TenderAwarded", "ContractConcluded", "DeliveryAccepted",
    "TenderCompleted", "TenderFailed", "TenderTerminated", "TenderCancelled",
})
FAILED_NO_VALID_BID, FAILED_NO_SECURITY = 1, 2
AWARD_ID, CONTRACT_ID = "award-1", "contract-1"  # a tender has at most one award and one contract


class UnknownTenderError(PlatformError):
    """No tender with that id was created on the Tenders contract."""


@dataclass(frozen=True)
class TenderHistory:
    """What the releases are made of: the tender's events, in chain order, and what they name."""

    chain_id: int
    tenders_address: str
    tender_id: int
    logs: list[Log]
    block_times: dict[str, int]  # block hash -> Unix time
    organizations: dict[str, dict] = field(default_factory=dict)  # account -> registry metadata
    products: dict[int, dict] = field(default_factory=dict)  # GTIN -> {"name", "dosage_form"}

    @property
    def ocid(self) -> str:
        return ocid(self.chain_id, self.tenders_address, self.tender_id)


def ocid(chain_id: int, tenders_address: str, tender_id: int) -> str:
    """The process id: unique across chains and deployments (tender ids are per contract)."""
    return f"{OCID_PREFIX}-{chain_id}-{tenders_address.lower()}-{tender_id}"


# --- reading the chain --------------------------------------------------------------------------


def read_tender_history(reader: ChainReader, tender_id: int) -> TenderHistory:
    """The tender's events, block times, organizations and products, in three round trips."""
    deployment = reader.deployment
    if "Tenders" not in deployment.contracts:
        raise DeploymentError(
            _("the Tenders contract is not in the deployment record of chain {chain_id}; deploy the "
              "platform again with `ape run deploy --network <network> --account <account>`").format(chain_id=deployment.chain_id)
        )
    if not isinstance(tender_id, int) or tender_id < 1:
        raise UnknownTenderError(_("{tender_id!r} is not a tender id: tender ids are whole numbers from 1").format(tender_id=tender_id))
    logs = sorted(
        (log for log in reader.one(reader.logs(["Tenders"], tender_id.to_bytes(32, "big")))
         if log.event in TENDER_EVENTS),
        key=lambda log: (log.block_number, log.log_index),
    )
    address = deployment.address("Tenders")
    if not logs or logs[0].event != "TenderCreated":
        raise UnknownTenderError(
            _("no tender {tender_id} was created on the Tenders contract at {address} (chain "
              "{chain_id}); check the tender id").format(tender_id=tender_id, address=address, chain_id=deployment.chain_id)
        )
    created = logs[0].args
    accounts = sorted({created["hospital"]} | {
        log.args[key] for log in logs for key in ("bidder", "winner") if key in log.args})
    gtins = sorted({created["gtin"], *created["acceptedGtins"]} - {0})
    times = reader.block_times(logs)
    answers = reader.batch(
        [reader.call("Participants", "organization", account) for account in accounts]
        + [reader.call("Resources", "product", gtin) for gtin in gtins]
    )
    return TenderHistory(
        chain_id=deployment.chain_id,
        tenders_address=to_checksum_address(address),
        tender_id=tender_id,
        logs=logs,
        block_times={log.block_hash: times[log.block_hash] for log in logs},
        organizations={account: organization_metadata(entry.metadata_cid) for account, entry in zip(accounts, answers)},
        products={gtin: {"name": product.name, "dosage_form": product.dosage_form}
                  for gtin, product in zip(gtins, answers[len(accounts):])},
    )


_metadata_documents: dict[str, dict] = {}  # a CID names its bytes: what was read once stays true


def organization_metadata(cid: str) -> dict:
    """An organization's registry document (name, INN, OGRN, country, city); {} when it is not
    in the document store (yet) or is not a JSON object: the party is then named by its account."""
    if cid in _metadata_documents:
        return _metadata_documents[cid]
    try:
        metadata = json.loads(load_document(cid)) if cid else None
    except (PlatformError, ValueError):
        return {}
    if not isinstance(metadata, dict):
        return {}
    _metadata_documents[cid] = metadata
    return metadata


# --- releases -----------------------------------------------------------------------------------


def tender_releases(history: TenderHistory) -> list[dict]:
    """One OCDS release per step of the tender, oldest first."""
    return _Process(history).releases()


def release_package(releases: list[dict], uri: str | None = None, publisher: dict | None = None) -> dict:
    """The releases as an OCDS release package. `uri` names the package (by default a URN of the
    process; give a web address where the package is published); `publishedDate` is the last
    release's date, so the same history always gives the same package."""
    if not releases:
        raise PlatformError(_("an OCDS release package needs at least one release"))
    return {
        "uri": uri or f"urn:medchain:{releases[0]['ocid']}",
        "version": OCDS_VERSION,
        "extensions": [BID_EXTENSION],
        "publishedDate": max(release["date"] for release in releases),
        "publisher": publisher or PUBLISHER,
        "releases": releases,
    }


def write_release_package(package: dict, path: str | Path) -> Path:
    """Write the package as UTF-8 JSON, atomically (a crash never leaves half a file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(package, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(temporary, path)
    return path


def tender_release_package(tender_id: int, *, reader: ChainReader | None = None, uri: str | None = None) -> dict:
    """The release package of one tender, read from the chain (for the CLI and the dApp): through
    `reader`, by default the node Ape is connected to, with the deployment recorded for it."""
    reader = reader or _connected_reader()
    return release_package(tender_releases(read_tender_history(reader, tender_id)), uri=uri)


def export_tender(tender_id: int, path: str | Path, *, reader: ChainReader | None = None) -> Path:
    """Write the release package of one tender to `path`; the package's uri is the file's."""
    path = Path(path).resolve()
    return write_release_package(tender_release_package(tender_id, reader=reader, uri=path.as_uri()), path)


def _connected_reader() -> ChainReader:
    from dapp.chain.connection import current_deployment

    return ChainReader.connected(current_deployment())


def tender_record(releases: list[dict]) -> dict:
    """The OCDS record of the process: its releases and the compiled release ocdsmerge makes of
    them, with the merge rules of the release schema kept in the repository (never fetched)."""
    from ocdsmerge import Merger

    ocids = {release["ocid"] for release in releases}
    if len(ocids) != 1:
        raise PlatformError(_("a record holds the releases of one process, not {count} ({ocids})").format(count=len(ocids), ocids=sorted(ocids)))
    return {
        "ocid": ocids.pop(),
        "releases": releases,
        "compiledRelease": Merger(schema=str(RELEASE_SCHEMA)).create_compiled_release(releases),
    }


def rubles(kopecks: int) -> int | float:
    """An amount in rubles, exact: whole rubles as an integer, else rounded once to kopecks
    (a float is exact to the kopeck up to 90 trillion rubles)."""
    whole, part = divmod(int(kopecks), KOPECKS_PER_RUBLE)
    return whole if part == 0 else round(kopecks / KOPECKS_PER_RUBLE, 2)


def money(kopecks: int) -> dict:
    return {"amount": rubles(kopecks), "currency": CURRENCY}


def gtin14(gtin: int) -> str:
    return f"{int(gtin):014d}"


def _date(timestamp: int) -> str:
    return datetime.fromtimestamp(int(timestamp), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _rub_text(kopecks: int) -> str:
    return f"{int(kopecks) // KOPECKS_PER_RUBLE:,}.{int(kopecks) % KOPECKS_PER_RUBLE:02d} {CURRENCY}"


class _Process:
    """Walks the tender's events, keeping what later releases need (parties and their roles so
    far, bid numbers, the terms), and makes each event's releases."""

    def __init__(self, history: TenderHistory):
        self.history = history
        self.ocid = history.ocid
        self.roles: dict[str, list[str]] = {}  # account -> roles so far, in the order gained
        self.bid_ids: dict[str, str] = {}  # bidder -> bid id (its place in the commit order)
        self.revealed: set[str] = set()
        self.terms: dict = {}  # TenderCreated's arguments
        self.price = 0
        self._touched: list[str] = []

    def releases(self) -> list[dict]:
        logs = self.history.logs
        if not logs or logs[0].event != "TenderCreated":
            raise UnknownTenderError(_("the history of tender {tender_id} does not start with its creation").format(tender_id=self.history.tender_id))
        releases = []
        for log in logs:
            handler = getattr(self, f"_{log.event}", None)
            if handler is None or log.args.get("tenderId", self.history.tender_id) != self.history.tender_id:
                continue
            date = _date(self.history.block_times[log.block_hash])
            made = handler(log, date)
            parties = self._parties()
            for stage, tags, body in made:
                releases.append({
                    "ocid": self.ocid,
                    # Unique and stable: the log that made it, and the stage (one log may make two).
                    "id": f"{log.transaction_hash}-{log.log_index}-{stage}",
                    "date": date,
                    "tag": tags,
                    "initiationType": "tender",
                    "language": "en",
                    **parties,
                    **body,
                })
        return releases

    # --- parties ---

    def _role(self, account: str, *roles: str) -> dict:
        """Give `account` the roles (kept for later releases); its organization reference."""
        held = self.roles.setdefault(account, [])
        held.extend(role for role in roles if role not in held)
        if account not in self._touched:
            self._touched.append(account)
        return self._reference(account)

    def _reference(self, account: str) -> dict:
        return {"id": account, "name": self._name(account)}

    def _name(self, account: str) -> str:
        return self.history.organizations.get(account, {}).get("name") or account

    def _parties(self) -> dict:
        """The parties this release names, each with every role it holds so far (ocdsmerge
        replaces a list of strings whole, so a party's roles are never sent partly)."""
        touched, self._touched = self._touched, []
        return {"parties": [self._party(account) for account in touched]} if touched else {}

    def _party(self, account: str) -> dict:
        metadata = self.history.organizations.get(account, {})
        party = {"id": account, "name": self._name(account), "roles": list(self.roles[account])}
        if metadata.get("inn"):
            party["identifier"] = {"scheme": "RU-INN", "id": str(metadata["inn"]), "legalName": self._name(account)}
        if metadata.get("ogrn"):
            party["additionalIdentifiers"] = [{"scheme": "RU-OGRN", "id": str(metadata["ogrn"])}]
        address = {key: metadata[source] for key, source in (("locality", "city"), ("countryName", "country"))
                   if metadata.get(source)}
        if address:
            party["address"] = address
        return party

    # --- what the tender buys ---

    def _items(self) -> list[dict]:
        terms, products = self.terms, self.history.products
        gtins = [terms["gtin"]] if terms["gtin"] else list(terms["acceptedGtins"])

        def classification(gtin: int) -> dict:
            product = products.get(gtin, {})
            entry = {"scheme": "GTIN", "id": gtin14(gtin)}
            if product.get("name"):
                entry["description"] = product["name"]
            return entry

        first = products.get(gtins[0], {})
        if terms["gtin"]:
            description = ", ".join(part for part in (first.get("name"), first.get("dosage_form")) if part) \
                or f"GTIN {gtin14(gtins[0])}"
        else:
            description = (f"Any product meeting the technical specification {terms['specificationCid']}: "
                           f"GTIN {', '.join(gtin14(gtin) for gtin in gtins)}")
        item = {"id": "1", "description": description, "classification": classification(gtins[0]),
                "quantity": terms["quantity"], "unit": dict(UNIT)}
        if len(gtins) > 1:
            item["additionalClassifications"] = [classification(gtin) for gtin in gtins[1:]]
        return [item]

    def _title(self) -> str:
        return f"Supply of {self._items()[0]['description']}" if self.terms["gtin"] else \
            f"Supply per specification {self.terms['specificationCid']}"

    # --- one method per event: [(stage, tags, release body)] ---

    def _TenderCreated(self, log: Log, date: str):
        args = log.args
        self.terms = dict(args)
        hospital = args["hospital"]
        buyer = self._role(hospital, "buyer", "procuringEntity")
        planning = {
            "buyer": buyer,
            "planning": {
                "rationale": "A need published by the medical organization, with its initial maximum "
                             "contract price (НМЦК), under Federal Law 44-FZ.",
                "budget": {
                    "id": "escrow",
                    "description": "The initial maximum contract price, paid into the Tenders escrow "
                                   "when the need was published",
                    "amount": money(args["maxPrice"]),
                },
            },
        }
        tender = {
            "id": str(args["tenderId"]),
            "title": self._title(),
            "status": "active",
            "procuringEntity": self._reference(hospital),
            "items": self._items(),
            "value": money(args["maxPrice"]),
            "procurementMethod": "open",
            "procurementMethodDetails": "Sealed bids (commit, then reveal) on-chain, open to every active "
                                        "supplier of the participants registry",
            "mainProcurementCategory": "goods",
            "awardCriteria": "priceOnly",
            "awardCriteriaDetails": "The lowest revealed price wins; a tie goes to the earlier commitment.",
            "submissionMethod": ["electronicSubmission"],
            "submissionMethodDetails": "A sealed commitment from the supplier's wallet, or an EIP-712 bid "
                                       "it signed, relayed by anyone; revealed after the bid deadline.",
            "eligibilityCriteria": self._eligibility(args),
            "tenderPeriod": {"startDate": date, "endDate": _date(args["bidDeadline"])},
            "awardPeriod": {"startDate": _date(args["revealDeadline"])},
            "contractPeriod": {"endDate": _date(args["deliveryDeadline"])},
            "hasEnquiries": False,
            "numberOfTenderers": 0,
        }
        if args["specificationCid"]:
            tender["documents"] = [{
                "id": "specification",
                "documentType": "technicalSpecifications",
                "title": "Technical specification",
                "url": f"ipfs://{args['specificationCid']}",
            }]
        return [("planning", ["planning"], planning), ("tender", ["tender"], {"buyer": buyer, "tender": tender})]

    def _eligibility(self, args: dict) -> str:
        bps = args["performanceSecurityBps"]
        shelf_days = args["minResidualShelfLife"] // 86_400
        return (
            f"Active suppliers of the participants registry. Bid security {_rub_text(args['bidSecurity'])}. "
            f"Performance security {bps / 100:g} % of the contract price ({bps * 1.5 / 100:g} % when the price "
            f"is 25 % or more below the maximum), posted within {args['securityWindow'] // 3600} hours of the "
            f"award. Delivered batches must have at least {shelf_days} days of shelf life left."
        )

    def _bid(self, bidder: str, **fields) -> dict:
        return {"bids": {"details": [{"id": self.bid_ids[bidder], **fields}]}}

    def _BidCommitted(self, log: Log, date: str):
        args = log.args
        bidder = args["bidder"]
        self.bid_ids[bidder] = str(args["sequence"])
        reference = self._role(bidder, "tenderer")
        body = {
            "tender": {"id": str(args["tenderId"]), "numberOfTenderers": len(self.bid_ids), "tenderers": [reference]},
            **self._bid(bidder, date=date, status="pending", tenderers=[reference]),
        }
        return [("bid", ["tenderUpdate"], body)]

    def _BidRevealed(self, log: Log, date: str):
        args = log.args
        bidder = args["bidder"]
        self.revealed.add(bidder)
        self._role(bidder)
        return [("reveal", ["tenderUpdate"], self._bid(bidder, status="valid", value=money(args["price"])))]

    def _TenderAwarded(self, log: Log, date: str):
        args = log.args
        winner, self.price = args["winner"], args["price"]
        supplier = self._role(winner, "supplier")
        body = {
            "tender": {"id": str(args["tenderId"]), "status": "complete",
                       "awardPeriod": {"startDate": _date(self.terms["revealDeadline"]), "endDate": date}},
            "awards": [{
                "id": AWARD_ID,
                "title": f"Award to {supplier['name']}",
                "description": (
                    f"The lowest revealed price (or, its winner having posted no security, the next). Performance security {_rub_text(args['performanceSecurity'])} "
                    f"due by {_date(args['securityDeadline'])}. {_rub_text(args['refund'])} of the maximum price "
                    f"went back to the buyer, and {_rub_text(args['forfeited'])} of bid security of unrevealed "
                    "bids was forfeited to it."
                ),
                "status": "pending",
                "date": date,
                "value": money(self.price),
                "suppliers": [supplier],
                "items": self._items(),
                "contractPeriod": {"endDate": _date(args["deliveryDeadline"])},
            }],
        }
        return [("award", ["award"], {**body, **self._unrevealed()})]

    def _unrevealed(self) -> dict:
        """At the award (or the failure for want of a valid bid), a sealed bid never opened is out
        and its security forfeited."""
        unrevealed = [bidder for bidder in self.bid_ids if bidder not in self.revealed]
        if not unrevealed:
            return {}
        return {"bids": {"details": [{"id": self.bid_ids[bidder], "status": "disqualified"} for bidder in unrevealed]}}

    def _TenderFailed(self, log: Log, date: str):
        args = log.args
        tender = {"id": str(args["tenderId"]), "status": "unsuccessful"}
        if args["reason"] == FAILED_NO_SECURITY:
            award = {"id": AWARD_ID, "status": "unsuccessful",
                     "description": f"The winner posted no performance security in time: the escrow and its bid "
                                    f"security ({_rub_text(args['toHospital'])} in all) went back to the buyer."}
            return [("failed", ["awardUpdate", "tenderUpdate"], {"tender": tender, "awards": [award]})]
        tender["awardPeriod"] = {"startDate": _date(self.terms["revealDeadline"]), "endDate": date}
        return [("failed", ["tenderUpdate"], {"tender": tender, **self._unrevealed()})]

    def _ContractConcluded(self, log: Log, date: str):
        args = log.args
        winner = args["winner"]
        self._role(winner)
        self._role(self.terms["hospital"])
        contract = {
            "id": CONTRACT_ID,
            "awardID": AWARD_ID,
            "title": self._title(),
            "description": f"Concluded when the supplier posted its performance security of "
                           f"{_rub_text(args['performanceSecurity'])}; paid from the escrow on full delivery.",
            "status": "active",
            "period": {"startDate": date, "endDate": _date(self.terms["deliveryDeadline"])},
            "value": money(self.price),
            "items": self._items(),
            "dateSigned": date,
        }
        return [("contract", ["awardUpdate", "contract"],
                 {"awards": [{"id": AWARD_ID, "status": "active"}], "contracts": [contract]})]

    def _DeliveryAccepted(self, log: Log, date: str):
        args = log.args
        quantity = self.terms["quantity"]
        milestone = {
            "id": f"delivery-{args['shipmentId']}",
            "title": f"Delivery of {args['counted']} units",
            "type": "delivery",
            "description": f"Custody shipment {args['shipmentId']} of batch 0x{bytes(args['batchId']).hex()}, "
                           f"received by the buyer: {args['counted']} units counted, {args['delivered']} of "
                           f"{quantity} delivered.",
            "status": "met",
            "dateMet": date,
            "dateModified": date,
        }
        contract = {"id": CONTRACT_ID, "awardID": AWARD_ID, "implementation": {"milestones": [milestone]}}
        return [("delivery", ["implementation"], {"contracts": [contract]})]

    def _payment(self, log: Log, amount: int, date: str) -> dict:
        """The escrow's payment of the supplier; its id is the transaction that released it."""
        return {
            "id": log.transaction_hash,
            "date": date,
            "value": money(amount),
            "payer": self._role(self.terms["hospital"], "payer"),
            "payee": self._role(self.winner, "payee"),
        }

    @property
    def winner(self) -> str:
        return next(account for account, roles in self.roles.items() if "supplier" in roles)

    def _TenderCompleted(self, log: Log, date: str):
        args = log.args
        payment = self._payment(log, args["paid"], date)
        contract = {
            "id": CONTRACT_ID,
            "awardID": AWARD_ID,
            "status": "terminated",  # OCDS 1.1: "terminated" also means completed
            "description": f"Delivered in full and paid {_rub_text(args['paid'])} from the escrow; the performance "
                           f"security of {_rub_text(args['securityReturned'])} went back to the supplier.",
            "implementation": {"transactions": [payment]},
        }
        return [("payment", ["implementation", "contractTermination"], {"contracts": [contract]})]

    def _TenderTerminated(self, log: Log, date: str):
        args = log.args
        contract = {
            "id": CONTRACT_ID,
            "awardID": AWARD_ID,
            "status": "terminated",
            "description": (
                f"Terminated for late delivery: {args['delivered']} of {self.terms['quantity']} units "
                f"delivered. The supplier is paid {_rub_text(args['paidToSupplier'])} pro rata; the buyer recovers "
                f"{_rub_text(args['toHospital'])} and the performance security of "
                f"{_rub_text(args['securityForfeited'])}."
            ),
        }
        if args["paidToSupplier"]:
            contract["implementation"] = {
                "transactions": [self._payment(log, args["paidToSupplier"], date)]}
        return [("terminated", ["implementation", "contractTermination"], {"contracts": [contract]})]

    def _TenderCancelled(self, log: Log, date: str):
        args = log.args
        tender = {"id": str(args["tenderId"]), "status": "cancelled", "tenderPeriod": {"endDate": date}}
        return [("cancelled", ["tenderCancellation"], {"tender": tender})]
