"""From a scanned code to a verdict: GENUINE, or SUSPECT with every reason that applies.

One contract read (`Custody.verdictData`) answers the questions a verdict asks; events
give the story shown with it (registration, commissioning, shipments, decommissioning,
recalls). Proofs come from the proof store; a batch's tree missing there is fetched from the
document store by the CID its `BatchCommissioned` event records, checked against that CID and
the serials root on chain, and kept (`ProofStore.fetch`). Documents and the organizations'
metadata are read from the document store too (an IPFS node, a gateway or the documents folder),
each checked against its CID: what cannot be had is said in the verdict, never taken as good.

Two round trips to the node: the verdict data, the batch's events (one log query over both
contracts) and the product; then the organizations named and the blocks' times.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from enum import Enum

from eth_abi import encode
from eth_utils import is_address, keccak, to_checksum_address

from dapp.chain.connection import current_deployment, deployment_at
from dapp.chain.reader import ChainReader, FollowedLogs, Log
from dapp.documents.store import DocumentStore, FolderStore, document_status, open_store
from dapp.errors import PlatformError
from dapp.codes.gs1 import UnitCode, parse_code
from dapp.verification.merkle import leaf_hash
from dapp.verification.proofs import ProofStore, ProofTreeUnavailable
from dapp.roles import BatchStatus, Category
from dapp.i18n import N_, _

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
# Machine names (the resolver's JSON and the CLI's --json keep them); `decommission_reason` and
# `recall_reason` give the words a person reads, in the current language.
DECOMMISSION_REASONS = {1: "dispensed", 2: "destroyed", 3: "stolen", 4: "exported", 5: "sample"}
RECALL_REASONS = {1: "quality defect", 2: "falsified", 3: "regulatory decision", 4: "labelling error", 5: "other"}
_DECOMMISSION_WORDS = {1: N_("dispensed"), 2: N_("destroyed"), 3: N_("stolen"), 4: N_("exported"), 5: N_("sample")}
_RECALL_WORDS = {1: N_("quality defect"), 2: N_("falsified"), 3: N_("regulatory decision"), 4: N_("labelling error"),
                 5: N_("other")}
# A batch's status and a unit's state, as a person reads them (the machine words are the keys).
_STATUS_WORDS = {"none": N_("not registered"), "active": N_("active"), "recalled": N_("recalled"),
                 "withdrawn": N_("withdrawn"), "in circulation": N_("in circulation"), **{
                     word: word for word in DECOMMISSION_REASONS.values()}}
# Document.status, as a person reads it.
_DOCUMENT_STATUS_WORDS = {"verified": N_("verified"), "missing": N_("missing"), "altered": N_("altered"),
                          "unreachable": N_("unreachable")}


def decommission_reason(code: int) -> str:
    """Why a unit left circulation (Custody's reason code), in the current language."""
    word = _DECOMMISSION_WORDS.get(int(code))
    return _(word) if word else str(code)


def recall_reason(code: int) -> str:
    """Why a batch was recalled or withdrawn (Resources' reason code), in the current language."""
    word = _RECALL_WORDS.get(int(code))
    return _(word) if word else str(code)


def status_word(machine: str) -> str:
    """A batch status or unit state machine word ("recalled", "in circulation", "dispensed") in the
    current language."""
    return _(_STATUS_WORDS[machine]) if machine in _STATUS_WORDS else machine


def document_status_word(machine: str) -> str:
    """A Document.status ("verified", "missing", ...) in the current language."""
    return _(_DOCUMENT_STATUS_WORDS[machine]) if machine in _DOCUMENT_STATUS_WORDS else machine


class Reason(str, Enum):
    """Why a unit is suspect (EMVS-style alerts)."""

    UNKNOWN_PRODUCT = "unknown_product"
    UNKNOWN_BATCH = "unknown_batch"
    SERIAL_NOT_IN_BATCH = "serial_not_in_batch"
    SERIAL_UNVERIFIABLE = "serial_unverifiable"
    NOT_COMMISSIONED = "not_commissioned"
    BATCH_RECALLED = "batch_recalled"
    BATCH_WITHDRAWN = "batch_withdrawn"
    EXPIRED = "expired"
    ALREADY_DISPENSED = "already_dispensed"
    DECOMMISSIONED = "decommissioned"
    MANUFACTURER_SUSPENDED = "manufacturer_suspended"
    NEVER_HELD_BY_SCANNER = "never_held_by_scanner"
    LABEL_MISMATCH = "label_mismatch"


@dataclass(frozen=True)
class Finding:
    reason: Reason
    message: str


@dataclass(frozen=True)
class Event:
    """One step of the unit's story, oldest first."""

    block: int
    time: str  # ISO 8601, UTC
    kind: str
    description: str
    transaction: str


@dataclass(frozen=True)
class Document:
    label: str  # in English, a machine name the resolver keys on: `_(label)` is what a person reads
    cid: str
    status: str  # "verified", "missing" (not in this store), "altered" (bytes do not match the CID),
    # "unreachable" (the IPFS node does not answer)


@dataclass
class Verdict:
    code: UnitCode
    genuine: bool
    findings: list[Finding] = field(default_factory=list)
    product: dict = field(default_factory=dict)
    manufacturer: dict = field(default_factory=dict)
    batch: dict = field(default_factory=dict)
    unit: dict = field(default_factory=dict)
    documents: list[Document] = field(default_factory=list)
    history: list[Event] = field(default_factory=list)
    # The block every fact above was read at: {"number", "hash", "time"}.
    block: dict = field(default_factory=dict)
    # The batch's published proof tree (its CID as the chain records it, "" when the code names no
    # known batch) and the Merkle proof of the unit sent to `Custody.verdictData` ("0x…" hashes,
    # leaf to root; empty when the tree was not available or does not hold the unit).
    proof_tree_cid: str = ""
    proof: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return "GENUINE" if self.genuine else "SUSPECT"

    @property
    def reasons(self) -> list[Reason]:
        return [finding.reason for finding in self.findings]

    def to_dict(self) -> dict:
        data = asdict(self)
        data["status"] = self.status
        data["code"]["expiry"] = self.code.expiry.isoformat() if self.code.expiry else None
        data["findings"] = [{"reason": f.reason.value, "message": f.message} for f in self.findings]
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, default=str)


def batch_id(gtin: int, lot: str) -> bytes:
    """keccak256(abi.encode(gtin, lot)), as Resources.batch_id computes it."""
    return keccak(encode(["uint256", "string"], [gtin, lot]))


def _day(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).date().isoformat()


def _moment(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat(timespec="seconds")


class Verifier:
    """Verifies codes against the connected chain's deployment."""

    def __init__(self, proofs: ProofStore | None = None, reader: ChainReader | None = None,
                 documents: DocumentStore | None = None):
        """Reads through `reader`, or through the node Ape is connected to; documents, metadata and
        missing proof trees from `documents` (by default the configured store: `open_store`)."""
        self.reader = reader or ChainReader.connected(current_deployment())
        self.deployment = self.reader.deployment
        self.proofs = proofs or ProofStore()
        self.documents = documents or open_store()
        self._metadata: dict[str, dict] = {}  # organizations' metadata by CID, once read and checked
        self._fetched: dict[str, bytes | PlatformError] = {}  # this verdict's documents, read at once
        # Organizations and products change only with an event of theirs: kept here, and
        # dropped when the followed logs bring one (or the chain reorganizes).
        self.events = FollowedLogs(self.reader, ["Participants", "Resources", "Custody"])
        self._generation = self.events.generation
        self._organizations: dict[str, dict] = {}
        self._products: dict[int, object] = {}

    @classmethod
    def at(cls, uri: str, proofs: ProofStore | None = None, documents: DocumentStore | None = None) -> Verifier:
        """A verifier of the platform deployed on the chain whose node answers at `uri` (no Ape)."""
        return cls(proofs, ChainReader(deployment_at(uri), uri), documents)

    def verify_text(self, text: str, scanner: str | None = None) -> Verdict:
        """The verdict on a typed or scanned code (raises InvalidCodeError when it is not one)."""
        return self.verify(parse_code(text), scanner)

    def verify(self, code: UnitCode, scanner: str | None = None) -> Verdict:
        self._fetched = {}
        gtin = int(code.gtin)
        leaf = leaf_hash(gtin, code.serial)
        lot = code.lot if code.lot is not None else self._find_lot(gtin, leaf)
        findings: list[Finding] = []
        proof: list[bytes] = []
        proof_available = False
        tree_problem = None
        if lot is not None:
            try:
                proof = self._proof(batch_id(gtin, lot), leaf) or []
                proof_available = True
            except PlatformError as error:
                tree_problem = str(error)
        reader, events = self.reader, self.events
        head = reader.one(events.head_request())
        data, *refreshed = reader.batch([
            reader.call("Custody", "verdictData", gtin, lot or "", leaf, proof, scanner or ZERO_ADDRESS, block=head["number"]),
            *events.refresh_requests(head),
        ])
        if not events.absorb(head, refreshed):
            events.refresh()  # the chain reorganized under the last read: read the events again
        self._forget_changed()
        logs = [log for log in events.with_first_topic(batch_id(gtin, lot or ""))
                if "leaf" not in log.args or bytes(log.args["leaf"]) == leaf]
        accounts = {data.productManufacturer, data.unitBy} | {
            value for log in logs for value in log.args.values() if isinstance(value, str) and is_address(value)}
        product = self._read(accounts - {ZERO_ADDRESS}, logs, gtin if data.productManufacturer != ZERO_ADDRESS else None)
        verdict = Verdict(code=code, genuine=False, block={
            "number": int(head["number"], 16), "hash": head["hash"], "time": _moment(int(head["timestamp"], 16))},
            proof=["0x" + bytes(node).hex() for node in proof])

        if data.productManufacturer == ZERO_ADDRESS:
            findings.append(Finding(Reason.UNKNOWN_PRODUCT,
                                    _("no product is registered under GTIN {gtin}").format(gtin=code.gtin)))
        else:
            verdict.product = _product(gtin, product)
            verdict.manufacturer = self._organization(data.productManufacturer)
            verdict.documents += [
                self._document(N_("product characteristics"), verdict.product["characteristics_cid"]),
                self._document(N_("registration certificate"), verdict.product["certificate_cid"]),
            ]
            if not data.manufacturerActive:
                findings.append(Finding(
                    Reason.MANUFACTURER_SUSPENDED,
                    _("the manufacturer {name} is not active in the registry (suspended or revoked)").format(
                        name=verdict.manufacturer.get("name", data.productManufacturer))))
            if lot is None:
                findings.append(Finding(Reason.UNKNOWN_BATCH,
                                        _("the code has no lot and serial {serial} is in no known batch of {gtin}").format(
                                            serial=code.serial, gtin=code.gtin)))
            elif not data.batchExists:
                findings.append(Finding(Reason.UNKNOWN_BATCH, _("no batch {lot!r} of {gtin} is registered").format(
                    lot=lot, gtin=code.gtin)))
        if data.batchExists:
            findings += self._batch_findings(code, lot, data, proof_available, verdict, logs, tree_problem)
        if scanner and data.batchExists and not data.scannerHeld:
            findings.append(Finding(Reason.NEVER_HELD_BY_SCANNER,
                                    _("scanned at {scanner}, which never held this batch").format(scanner=scanner)))
        verdict.findings = findings
        verdict.genuine = not findings
        return verdict

    def _batch_findings(self, code, lot, data, proof_available, verdict, logs: list[Log],
                        tree_problem: str | None = None) -> list[Finding]:
        findings = []
        verdict.proof_tree_cid = next((log.args.get("proof_tree_cid", "") for log in logs
                                       if log.event == "BatchCommissioned"), "")
        status = BatchStatus(data.batchStatus)
        verdict.batch = {
            "lot": lot,
            "batch_id": "0x" + bytes(data.batchId).hex(),
            "status": status.name.lower(),
            "reason": RECALL_REASONS.get(data.batchReasonCode, "") if data.batchReasonCode else "",
            "manufactured": _day(data.manufactured),
            "expires": _day(data.expires),
            "quantity": data.quantity,
            "commissioned": data.commissioned,
        }
        if not data.inBatch:
            if proof_available:
                findings.append(Finding(Reason.SERIAL_NOT_IN_BATCH,
                                        _("serial {serial} is not one of batch {lot}'s serials: a made-up code").format(
                                            serial=code.serial, lot=lot)))
            else:
                findings.append(Finding(Reason.SERIAL_UNVERIFIABLE,
                                        _("batch {lot}'s proof tree cannot be had, so its serials cannot be "
                                          "checked: {problem}").format(lot=lot, problem=tree_problem or "?")))
        if not data.commissioned:
            findings.append(Finding(Reason.NOT_COMMISSIONED, _("batch {lot} never entered the supply chain").format(lot=lot)))
        if status == BatchStatus.RECALLED:
            findings.append(Finding(Reason.BATCH_RECALLED, _("batch {lot} is recalled ({reason})").format(
                lot=lot, reason=recall_reason(data.batchReasonCode))))
        elif status == BatchStatus.WITHDRAWN:
            findings.append(Finding(Reason.BATCH_WITHDRAWN,
                                    _("batch {lot} is withdrawn from circulation ({reason})").format(
                                        lot=lot, reason=recall_reason(data.batchReasonCode))))
        if data.timestamp > data.expires:
            findings.append(Finding(Reason.EXPIRED, _("expired on {date}").format(date=_day(data.expires))))
        if data.unitReason:
            by = self._organization(data.unitBy).get("name", data.unitBy)
            what = DECOMMISSION_REASONS.get(data.unitReason, str(data.unitReason))
            verdict.unit = {"state": what, "by": data.unitBy, "by_name": by, "at": _moment(data.unitAt)}
            if data.unitReason == 1:
                findings.append(Finding(Reason.ALREADY_DISPENSED,
                                        _("this pack was already dispensed by {by} on {moment}: its code has been "
                                          "copied").format(by=by, moment=_moment(data.unitAt))))
            else:
                findings.append(Finding(Reason.DECOMMISSIONED, _("this pack was {reason} by {by} on {moment}").format(
                    reason=decommission_reason(data.unitReason), by=by, moment=_moment(data.unitAt))))
        else:
            verdict.unit = {"state": "in circulation"}
        if code.expiry is not None and code.expiry != date.fromisoformat(_day(data.expires)):
            findings.append(Finding(Reason.LABEL_MISMATCH,
                                    _("the label's expiry {label} differs from the registry's {registry}").format(
                                        label=code.expiry.isoformat(), registry=_day(data.expires))))
        verdict.documents += [
            self._document(N_("batch quality documents"), log.args["documents_cid"]) for log in logs
            if log.event == "BatchCommissioned" and keccak(text=log.args["documents_cid"]) == bytes(data.documentsCidHash)
        ]
        verdict.history = self._history(logs)
        return findings

    def organizations(self) -> dict[str, dict]:
        """Every organization that ever applied to the registry, by account, as the chain has it now
        ({"account", "status", "name", ...}); for choosing where one scans."""
        self.events.refresh()
        self._forget_changed()
        self._fetched = {}
        accounts = {to_checksum_address(log.topics[0][12:]) for log in self.events.by_event("Applied")}
        self._read(accounts, [], None)
        return {account: self._organization(account) for account in sorted(accounts)}

    def _find_lot(self, gtin: int, leaf: bytes) -> str | None:
        """The lot of the batch of `gtin` whose tree holds `leaf` (for codes printed without a lot)."""
        registered = self.reader.one(self.reader.logs(["Resources"], None, gtin.to_bytes(32, "big")))
        for log in registered:
            if log.event != "BatchCommissioned":
                continue
            try:
                if self._proof(bytes(log.args["batch_id"]), leaf, log) is not None:
                    return log.args["lot"]
            except PlatformError:
                continue
        return None

    def _proof(self, identifier: bytes, leaf: bytes, commissioned: Log | None = None) -> list[bytes] | None:
        """The proof of `leaf` in the batch's tree (None when the tree does not hold it). A tree not
        in the proof store is fetched by the CID on chain and checked first; raises PlatformError
        (ProofTreeUnavailable) saying why there is no tree to prove with."""
        if self.proofs.has(identifier):
            return self.proofs.proof(identifier, leaf)
        commissioned = commissioned or self._commissioning(identifier)
        if commissioned is None:
            raise ProofTreeUnavailable(_("no batch 0x{batch_id} is registered").format(batch_id=identifier.hex()))
        self.proofs.fetch(identifier, commissioned.args.get("proof_tree_cid", ""), commissioned.args["serials_root"],
                          self.documents)
        return self.proofs.proof(identifier, leaf)

    def _commissioning(self, identifier: bytes) -> Log | None:
        """The batch's `BatchCommissioned` log, from the followed logs (brought up to date when
        they do not have it yet)."""
        def find():
            return next((log for log in self.events.with_first_topic(identifier)
                         if log.event == "BatchCommissioned"), None)

        found = find()
        if found is None:
            self.events.refresh()
            self._forget_changed()
            found = find()
        return found

    def _forget_changed(self) -> None:
        """Drops the organizations and products that the last refresh brought events of."""
        if self.events.generation != self._generation:
            self._generation = self.events.generation
            self._organizations.clear()
            self._products.clear()
            return
        for log in self.events.fresh:
            if log.contract == "Participants" and log.topics:
                self._organizations.pop(to_checksum_address(log.topics[0][12:]), None)
            elif log.event in ("ProductRegistered", "ProductUpdated"):
                self._products.pop(int.from_bytes(log.topics[0], "big"), None)

    def _read(self, accounts: set[str], logs: list[Log], gtin: int | None):
        """Fills the organizations, the logs' block times and the product not known yet, in
        one round trip; returns the product (None without `gtin`)."""
        reader = self.reader
        accounts = sorted(accounts - set(self._organizations))
        blocks = sorted({log.block_hash for log in logs if not reader.knows_block(log.block_hash)})
        want_product = gtin is not None and gtin not in self._products
        answers = reader.batch(
            [reader.call("Participants", "organization", account) for account in accounts]
            + [reader.block_request(block_hash) for block_hash in blocks]
            + ([reader.call("Resources", "product", gtin)] if want_product else [])
        )
        if want_product:
            self._products[gtin] = answers[-1]
        product = self._products.get(gtin) if gtin is not None else None
        # Every document this verdict shows, read from the document store at once (each read from
        # IPFS is a round trip between nodes): the organizations' metadata, the product's
        # documents and the batch's.
        wanted = [entry.metadata_cid for entry in answers[:len(accounts)] if entry.metadata_cid not in self._metadata]
        if product is not None and product.manufacturer != ZERO_ADDRESS:
            wanted += [product.characteristics_cid, product.certificate_cid]
        wanted += [log.args["documents_cid"] for log in logs if log.event == "BatchCommissioned"]
        self._fetch_all(wanted)
        for account, entry in zip(accounts, answers):
            self._organizations[account] = self._organization_info(account, entry)
        for block_hash, block in zip(blocks, answers[len(accounts):]):
            reader.remember_block(block_hash, block)
        return product

    def _fetch_all(self, cids: list[str]) -> None:
        """Reads the documents `cids` (those not read yet) from the document store concurrently into
        this verdict's reads: their bytes, checked, or the error that says why not."""
        cids = [cid for cid in dict.fromkeys(cids) if cid and cid not in self._fetched]

        def one(cid: str) -> bytes | PlatformError:
            try:
                return self.documents.get(cid)
            except PlatformError as error:
                return error

        if len(cids) <= 1 or isinstance(self.documents, FolderStore):
            self._fetched.update({cid: one(cid) for cid in cids})
            return
        with ThreadPoolExecutor(max_workers=min(8, len(cids))) as pool:
            self._fetched.update(zip(cids, pool.map(one, cids)))

    def _get(self, cid: str) -> bytes:
        """The document `cid` (read already for this verdict, or now); raises PlatformError."""
        if cid not in self._fetched:
            self._fetch_all([cid])
        found = self._fetched[cid]
        if isinstance(found, PlatformError):
            raise found
        return found

    def _organization(self, account: str) -> dict:
        return self._organizations.get(account) or {"account": account}

    def _organization_info(self, account: str, entry) -> dict:
        """What the registry says of an organization, with its name and details from its metadata
        document; when that cannot be read, `metadata_status` says why ("missing", "altered",
        "unreachable") and the name is left out (the account stands for it)."""
        info = {"account": account, "status": entry.status, "metadata_cid": entry.metadata_cid}
        if entry.metadata_cid:
            metadata = self._metadata.get(entry.metadata_cid)
            if metadata is None:
                try:
                    metadata = json.loads(self._get(entry.metadata_cid))
                    if not isinstance(metadata, dict):
                        raise ValueError("not a JSON object")
                    self._metadata[entry.metadata_cid] = metadata
                except PlatformError as error:
                    info["metadata_status"] = document_status(error)
                    return info
                except ValueError:
                    info["metadata_status"] = "unreadable"
                    return info
            info["metadata_status"] = "verified"
            info.update({k: metadata[k] for k in ("name", "country", "ownership", "inn") if k in metadata})
        return info

    def _document(self, label: str, cid: str) -> Document:
        try:
            self._get(cid)
            status = "verified"
        except PlatformError as error:
            status = document_status(error)
        return Document(label=label, cid=cid, status=status)

    def _history(self, logs: list[Log]) -> list[Event]:
        """The batch's movements, and of its units' decommissions only the scanned one's, oldest first."""
        times = self.reader.block_times(logs)
        return [self._event(log, times[log.block_hash]) for log in sorted(logs, key=lambda l: (l.block_number, l.log_index))
                if log.event in _EVENT_KINDS]

    def _event(self, log: Log, timestamp: int) -> Event:
        name = lambda account: self._organization(account).get("name", account)  # noqa: E731
        args = log.args
        kind = _EVENT_KINDS[log.event]
        if kind == "registered":
            text = _("batch registered by {manufacturer}: {quantity} units").format(
                manufacturer=name(args["manufacturer"]), quantity=args["quantity"])
        elif kind == "retired":
            text = (_("batch recalled by {by}: {reason}") if args["status"] == 2 else
                    _("batch withdrawn by {by}: {reason}")).format(by=name(args["by"]),
                                                                    reason=recall_reason(args["reason_code"]))
        elif kind == "reinstated":
            text = (_("recall lifted by the regulators (decision {cid})") if args["previous_status"] == 2 else
                    _("withdrawal lifted by the regulators (decision {cid})")).format(cid=args["reason_cid"])
        elif kind == "commissioned":
            text = _("{quantity} units placed with {manufacturer}").format(
                quantity=args["quantity"], manufacturer=name(args["manufacturer"]))
        elif kind == "shipped":
            text = _("{quantity} units shipped by {shipper} to {consignee}").format(
                quantity=args["quantity"], shipper=name(args["shipper"]), consignee=name(args["consignee"]))
        elif kind == "received":
            text = _("{quantity} units received by {consignee}").format(
                quantity=args["quantity"], consignee=name(args["consignee"]))
        elif kind == "rejected":
            text = _("{quantity} units rejected by {consignee}, back to {shipper}").format(
                quantity=args["quantity"], consignee=name(args["consignee"]), shipper=name(args["shipper"]))
        elif kind == "reclaimed":
            text = _("{quantity} units unanswered by {consignee}, back to {shipper}").format(
                quantity=args["quantity"], consignee=name(args["consignee"]), shipper=name(args["shipper"]))
        elif kind == "moved":
            text = _("{quantity} units moved from {predecessor} to its successor {successor}").format(
                quantity=args["quantity"], predecessor=name(args["predecessor"]), successor=name(args["successor"]))
        elif kind == "decommissioned":
            text = _("one unit {reason} by {by}").format(reason=decommission_reason(args["reason"]), by=name(args["by"]))
        elif kind == "reported suspect":
            text = _("a pack of this batch reported as suspect by {reporter} (report {cid})").format(
                reporter=name(args["reporter"]), cid=args["reportCid"])
        else:
            text = _("a dispense undone by {by}").format(by=name(args["by"]))
        return Event(block=log.block_number, time=_moment(timestamp), kind=kind, description=text,
                     transaction=log.transaction_hash)


_EVENT_KINDS = {
    "BatchCommissioned": "registered",
    "BatchRetired": "retired",
    "BatchReinstated": "reinstated",
    "Commissioned": "commissioned",
    "Shipped": "shipped",
    "Received": "received",
    "Rejected": "rejected",
    "Reclaimed": "reclaimed",
    "MovedToSuccessor": "moved",
    "Decommissioned": "decommissioned",
    "DispenseUndone": "dispense undone",
    "SuspectPackReported": "reported suspect",
}


def _product(gtin: int, product) -> dict:
    return {
        "gtin": f"{gtin:014d}",
        "name": product.name,
        "dosage_form": product.dosage_form,
        "category": Category(product.category).name.lower(),
        "characteristics_cid": product.characteristics_cid,
        "certificate_cid": product.certificate_cid,
    }


def _document(label: str, cid: str, documents: DocumentStore | None = None) -> Document:
    """The document `cid` as the document store (by default the configured one) gives it,
    checked against its CID."""
    try:
        (documents or open_store()).get(cid)
        status = "verified"
    except PlatformError as error:
        status = document_status(error)
    return Document(label=label, cid=cid, status=status)
