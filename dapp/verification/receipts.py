"""Verdicts with receipts: what anyone needs to recompute a verdict against a node of their own.

A receipt names the block the verdict was read at (number and hash), every contract call made
(target, calldata) with its raw result, the Merkle proof used and the CIDs read. It is made by
wrapping the reader and the proof store a `Verifier` is given: `PinnedReader` pins the block
number once when a verdict starts and sends every read of that verdict at it ("latest" never
reaches the node while a verdict is read), recording each `eth_call`; `RecordingProofs` notes
each proof the verifier asked for.

`recheck(verdict_json, uri)` does it backwards: it asks the node at `uri` for the receipt's
block (its hash must match), runs every recorded call at that block (each result must match),
folds the proof into the batch's on-chain serials root, then runs the verifier itself pinned to
that block with the receipt's proofs, and compares the verdict it gets with the one given, field
by field. Any difference is said in words.
"""

from __future__ import annotations

import contextlib
import json
import threading
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone

from eth_utils import to_checksum_address

from dapp.chain.deployment import Deployment
from dapp.chain.reader import ChainReader, Request
from dapp.errors import PlatformError
from dapp.i18n import _, use_language
from dapp.verification import merkle
from dapp.verification.public_record import check_record, deployment_of, public_record

RECEIPT_VERSION = "1.0"
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"


def _hex(value: bytes) -> str:
    return "0x" + bytes(value).hex()


# --- Recording ---------------------------------------------------------------------------------


class PinnedReader:
    """A `ChainReader` whose reads, inside `pinned()`, are all at one block, each `eth_call`
    recorded with its raw result. Outside `pinned()` it passes everything through."""

    def __init__(self, reader: ChainReader):
        self._reader = reader
        self._local = threading.local()
        self._names = {address.lower(): name for name, address in reader._addresses.items()}
        self._selectors = {(name, m.selector): method for (name, method), m in reader._methods.items()}

    def __getattr__(self, name):
        return getattr(self._reader, name)

    @property
    def inner(self) -> ChainReader:
        return self._reader

    @property
    def block(self) -> dict | None:
        """The pinned block {"number", "hash", "time"} (None outside `pinned()`)."""
        return getattr(self._local, "block", None)

    @property
    def calls(self) -> list[dict]:
        return getattr(self._local, "calls", [])

    @contextlib.contextmanager
    def pinned(self, number: int | None = None):
        """Pins the head (or block `number`) for the reads inside; yields the block."""
        tag = "latest" if number is None else hex(number)
        block = self._reader.one(Request("eth_getBlockByNumber", [tag, False], lambda block: block))
        if block is None:
            raise PlatformError(_("the node has no block {number}").format(number=number))
        self._local.block = {"number": int(block["number"], 16), "hash": block["hash"],
                             "time": datetime.fromtimestamp(int(block["timestamp"], 16), timezone.utc)
                             .isoformat(timespec="seconds")}
        self._local.calls = []
        self._local.header = block
        try:
            yield self._local.block
        finally:
            self._local.block = None
            self._local.header = None

    def one(self, request: Request):
        return self.batch([request])[0]

    def batch(self, requests_):
        if self.block is None:
            return self._reader.batch(requests_)
        pinned = [self._pin(request) for request in requests_]
        # The pinned block's own header is known: asked for again ("latest"), it is answered here.
        tag = hex(self.block["number"])
        local = [request.method == "eth_getBlockByNumber" and request.params[0] == tag and not request.raw
                 for request in pinned]
        sent = iter(self._reader.batch([request for request, here in zip(pinned, local) if not here]))
        return [request.decode(self._local.header) if here else next(sent) for request, here in zip(pinned, local)]

    def _pin(self, request: Request) -> Request:
        tag = hex(self.block["number"])
        if request.method == "eth_call":
            call, block = request.params
            if block == "latest":
                block = tag
            if int(block, 16) != self.block["number"]:
                raise PlatformError(_("a read at block {block} inside a verdict pinned at {pinned}").format(
                    block=int(block, 16), pinned=self.block["number"]))
            return Request("eth_call", [call, tag], self._recorder(call, request.decode), request.raw)
        if request.method == "eth_getBlockByNumber" and request.params[0] == "latest":
            return replace(request, params=[tag, *request.params[1:]])
        if request.method == "eth_getLogs" and request.params[0].get("toBlock") == "latest":
            return replace(request, params=[dict(request.params[0], toBlock=tag)])
        return request

    def _recorder(self, call: dict, decode):
        calls = self.calls

        def record(result):
            target = to_checksum_address(call["to"])
            contract = self._names.get(target.lower(), "")
            method = self._selectors.get((contract, bytes.fromhex(call["data"][2:10])), "")
            entry = {"contract": contract, "method": method, "target": target, "calldata": call["data"],
                     "result": result}
            if not any(c["target"] == target and c["calldata"] == call["data"] for c in calls):
                calls.append(entry)
            return decode(result)

        return record


class RecordingProofs:
    """A proof store that notes each proof asked of it (the verifier's lookups, in order)."""

    def __init__(self, store):
        self._store = store
        self._local = threading.local()

    def __getattr__(self, name):
        return getattr(self._store, name)

    @property
    def lookups(self) -> list[dict]:
        if not hasattr(self._local, "lookups"):
            self._local.lookups = []
        return self._local.lookups

    def start(self) -> None:
        self._local.lookups = []

    def proof(self, batch_id: bytes, leaf: bytes):
        entry = {"batch_id": _hex(batch_id), "leaf": _hex(leaf)}
        try:
            found = self._store.proof(batch_id, leaf)
        except PlatformError as error:
            self.lookups.append(dict(entry, available=False, siblings=None, error=str(error)))
            raise
        self.lookups.append(dict(entry, available=True, siblings=None if found is None else [_hex(s) for s in found]))
        return found

    def fetch(self, batch_id: bytes, *arguments, **keywords):
        """Fetches a tree the store lacks (a verifier that fetches them by CID); a failure is noted."""
        try:
            return self._store.fetch(batch_id, *arguments, **keywords)
        except PlatformError as error:
            self.lookups.append({"batch_id": _hex(batch_id), "leaf": None, "available": False, "siblings": None,
                                 "error": str(error)})
            raise


class ReplayedProofs:
    """The proofs a receipt recorded, answered again (a rechecker needs no proof tree)."""

    def __init__(self, lookups: list[dict]):
        self._lookups = {(entry["batch_id"].lower(), (entry.get("leaf") or "").lower()): entry for entry in lookups}

    def has(self, batch_id: bytes) -> bool:
        return any(key[0] == _hex(batch_id) and entry.get("available") for key, entry in self._lookups.items())

    def fetch(self, batch_id: bytes, *arguments, **keywords):
        failed = next((entry for key, entry in self._lookups.items() if key[0] == _hex(batch_id)), None)
        raise PlatformError(failed.get("error") if failed and failed.get("error") else
                            _("the receipt has no proof for batch {batch_id}").format(batch_id=_hex(batch_id)))

    def proof(self, batch_id: bytes, leaf: bytes):
        entry = self._lookups.get((_hex(batch_id), _hex(leaf)))
        if entry is None or not entry.get("available"):
            raise PlatformError(entry.get("error") if entry else
                                _("the receipt has no proof for batch {batch_id}").format(batch_id=_hex(batch_id)))
        siblings = entry.get("siblings")
        return None if siblings is None else [bytes.fromhex(s[2:]) for s in siblings]


# --- Making receipts -------------------------------------------------------------------------


def receipt_verifier(verifier):
    """A verifier like `verifier` (its reader and proof store) whose verdicts can carry receipts."""
    from dapp.verification.verdicts import Verifier

    reader = verifier.reader if isinstance(verifier.reader, PinnedReader) else PinnedReader(verifier.reader)
    proofs = verifier.proofs if isinstance(verifier.proofs, RecordingProofs) else RecordingProofs(verifier.proofs)
    extra = {"documents": verifier.documents} if getattr(verifier, "documents", None) is not None else {}
    return Verifier(proofs=proofs, reader=reader, **extra)


def verify_with_receipt(verifier, text: str, scanner: str | None = None):
    """The verdict on `text` read at one pinned block, and its receipt. `verifier` is one made
    by `receipt_verifier` (not shared between threads without a lock)."""
    reader: PinnedReader = verifier.reader
    proofs: RecordingProofs = verifier.proofs
    proofs.start()
    with reader.pinned() as block:
        verdict = verifier.verify_text(text, scanner)
        receipt = _receipt(verifier, verdict, block, scanner, proofs.lookups)
    return verdict, receipt


def _receipt(verifier, verdict, block: dict, scanner: str | None, lookups: list[dict]) -> dict:
    """The receipt of `verdict`: the calls it rests on, all at `block`, with the product's, the
    organizations' and the batch's own calls made too when the verifier answered them from its
    memory."""
    reader: PinnedReader = verifier.reader
    from dapp.verification.verdicts import batch_id

    gtin = int(verdict.code.gtin)
    wanted = []
    if verdict.product:
        wanted.append(reader.call("Resources", "product", gtin))
    accounts = [verdict.manufacturer.get("account"), verdict.unit.get("by")]
    for account in dict.fromkeys(a for a in accounts if a and a != ZERO_ADDRESS):
        wanted.append(reader.call("Participants", "organization", account))
    lot = verdict.batch.get("lot")
    if lot is not None:
        wanted.append(reader.call("Resources", "batch_by_id", batch_id(gtin, lot)))
    answers = reader.batch(wanted)
    roots = [answer.serials_root for request, answer in zip(wanted, answers) if hasattr(answer, "serials_root")]
    organizations = [answer for answer in answers if hasattr(answer, "metadata_cid")]
    proof = None
    if lot is not None:
        used = _hex(batch_id(gtin, lot))
        proof = next((dict(entry) for entry in reversed(lookups) if entry["batch_id"] == used), None)
        if proof is not None and roots:
            proof["root"] = _hex(roots[0])
    published = getattr(verdict, "proof", None)  # the verifier's own record, once it keeps one
    if proof is not None and published:
        proof["siblings"] = [s if isinstance(s, str) else _hex(s) for s in published]
    if proof is not None and getattr(verdict, "proof_tree_cid", None):
        proof["tree_cid"] = verdict.proof_tree_cid
    cids = [document.cid for document in verdict.documents] + [o.metadata_cid for o in organizations if o.metadata_cid]
    if proof is not None and proof.get("tree_cid"):
        cids.append(proof["tree_cid"])
    return {
        "version": RECEIPT_VERSION,
        "deployment": public_record(reader.deployment),
        "block": {"number": block["number"], "hash": block["hash"]},
        "scanner": scanner or None,
        "calls": [dict(call) for call in reader.calls],
        "proof": proof,
        "proof_lookups": [dict(entry) for entry in lookups],
        "cids": list(dict.fromkeys(cids)),
    }


# --- Rechecking --------------------------------------------------------------------------------


@dataclass
class Recheck:
    """What a recheck found: `matches` when the node agrees with every part of the verdict."""

    block: dict = field(default_factory=dict)
    differences: list[str] = field(default_factory=list)
    checked_calls: int = 0
    proof_checked: bool = False  # a Merkle proof was folded into the batch's on-chain root
    notes: list[str] = field(default_factory=list)  # what this rechecker could not read itself

    @property
    def matches(self) -> bool:
        return not self.differences


# The verdict's fields the recheck recomputes and compares (documents: label and CID, and the
# status where the rechecker's own store can answer).
COMPARED = ("status", "genuine", "reasons", "code", "product", "manufacturer", "batch", "unit", "history", "block")


def recheck(verdict: dict, uri: str, deployment: Deployment | None = None) -> Recheck:
    """Recomputes `verdict` (the resolver's JSON, with its receipt) against the node at `uri`.

    `deployment`: the record to trust for the contracts' addresses; by default the receipt's,
    checked against the node (chain id, genesis block, code at each address)."""
    from dapp.chain.reader import ChainUnreachable

    outcome = Recheck()
    receipt = verdict.get("receipt")
    if not isinstance(receipt, dict):
        outcome.differences.append(_("the verdict carries no receipt: it cannot be rechecked"))
        return outcome
    try:
        number = int(receipt["block"]["number"])
        claimed_hash = str(receipt["block"]["hash"])
        record = deployment_of(receipt["deployment"]) if deployment is None else deployment
    except (KeyError, TypeError, ValueError) as error:
        outcome.differences.append(_("the receipt is malformed ({error})").format(error=error))
        return outcome

    problems = check_record(record, uri)
    if problems:
        outcome.differences += problems
        return outcome
    if deployment is not None and receipt.get("deployment"):
        theirs = {name: entry.get("address", "").lower() for name, entry in receipt["deployment"]["contracts"].items()}
        ours = {name: entry.address.lower() for name, entry in deployment.contracts.items()}
        if theirs != ours:
            outcome.differences.append(_("the receipt's contract addresses are not the deployment's"))
    reader = PinnedReader(ChainReader(record, uri))
    try:
        with reader.pinned(number) as block:
            outcome.block = block
            _check_block(verdict, receipt, block, claimed_hash, outcome)
            _check_calls(reader, receipt, number, outcome)
            _check_proof(reader, receipt, number, outcome)
            _recompute(verdict, receipt, reader, outcome)
    except (ChainUnreachable, PlatformError) as error:
        outcome.differences.append(_("the node cannot answer for block {number}: {error}").format(
            number=number, error=error))
    return outcome


def _check_block(verdict: dict, receipt: dict, block: dict, claimed_hash: str, outcome: Recheck) -> None:
    if block["hash"].lower() != claimed_hash.lower():
        outcome.differences.append(_("block {number}'s hash on this node is {actual}, the receipt says {claimed}").format(
            number=block["number"], actual=block["hash"], claimed=claimed_hash))
    stated = verdict.get("block") or {}
    if stated.get("number") != block["number"] or str(stated.get("hash", "")).lower() != claimed_hash.lower():
        outcome.differences.append(_("the verdict's block ({number}, {hash}) is not the receipt's ({r_number}, {r_hash})")
                                   .format(number=stated.get("number"), hash=stated.get("hash"),
                                           r_number=block["number"], r_hash=claimed_hash))


def _check_calls(reader: PinnedReader, receipt: dict, number: int, outcome: Recheck) -> None:
    calls = receipt.get("calls") or []
    requests_ = [Request("eth_call", [{"to": call["target"], "data": call["calldata"]}, hex(number)],
                         lambda result: result) for call in calls]
    results = reader.inner.batch(requests_) if requests_ else []
    for call, result in zip(calls, results):
        outcome.checked_calls += 1
        if str(result).lower() != str(call.get("result", "")).lower():
            outcome.differences.append(_("call {name} to {target} gives {actual} at block {number}, the receipt says "
                                         "{claimed}").format(name=call_name(call), target=call["target"],
                                                             actual=_short(result), number=number,
                                                             claimed=_short(call.get("result"))))


def _check_proof(reader: PinnedReader, receipt: dict, number: int, outcome: Recheck) -> None:
    """The receipt's proof, folded from its leaf, must give the batch's serials root as the
    chain has it at the block."""
    proof = receipt.get("proof")
    if not proof or proof.get("siblings") is None:
        return
    chain = reader.inner
    batch = chain.one(chain.call("Resources", "batch_by_id", bytes.fromhex(proof["batch_id"][2:]), block=hex(number)))
    root = _hex(batch.serials_root)
    if proof.get("root") and proof["root"].lower() != root:
        outcome.differences.append(_("the receipt's root {claimed} is not the batch's on-chain root {root}").format(
            claimed=proof["root"], root=root))
    outcome.proof_checked = True
    siblings = [bytes.fromhex(s[2:]) for s in proof["siblings"]]
    if not merkle.verify(siblings, bytes.fromhex(root[2:]), bytes.fromhex(proof["leaf"][2:])):
        outcome.differences.append(_("the receipt's Merkle proof does not lead from the leaf {leaf} to the batch's "
                                     "on-chain root {root}").format(leaf=proof["leaf"], root=root))


def _recompute(verdict: dict, receipt: dict, reader: PinnedReader, outcome: Recheck) -> None:
    """Runs the verifier at the receipt's block and compares what it says with `verdict`."""
    from dapp.resolver.links import verdict_json
    from dapp.verification.verdicts import Verifier

    code = verdict.get("code") or {}
    language = verdict.get("language") or "en"
    verifier = Verifier(proofs=ReplayedProofs(receipt.get("proof_lookups") or []), reader=reader)
    documents_base = _documents_base(verdict)
    with use_language(language):
        again = verifier.verify_text(code.get("uri", ""), receipt.get("scanner") or None)
        recomputed = verdict_json(again, code.get("uri", ""), language, documents_base)
    ours = {(call["target"].lower(), call["calldata"].lower()) for call in reader.calls}
    theirs = {(call["target"].lower(), call["calldata"].lower()) for call in receipt.get("calls") or []}
    for call in receipt.get("calls") or []:
        if (call["target"].lower(), call["calldata"].lower()) not in ours and call.get("method") == "verdictData":
            outcome.differences.append(_("the receipt's call {name} is not the one this verdict makes").format(
                name=call_name(call)))
    for call in reader.calls:
        if call["method"] == "verdictData" and (call["target"].lower(), call["calldata"].lower()) not in theirs:
            outcome.differences.append(_("the verdict's call {name} is missing from the receipt").format(
                name=call_name(call)))
    for key in COMPARED:
        if key == "reasons":
            _compare_reasons(verdict.get("reasons") or [], recomputed["reasons"], outcome)
        elif _normal(verdict.get(key)) != _normal(recomputed.get(key)):
            outcome.differences.append(_("{field}: the verdict says {claimed}, recomputed here {actual}").format(
                field=key, claimed=_short(json.dumps(verdict.get(key), ensure_ascii=False, default=str)),
                actual=_short(json.dumps(recomputed.get(key), ensure_ascii=False, default=str))))
    _compare_documents(verdict.get("documents") or [], recomputed["documents"], outcome)
    unreadable = _unreadable(receipt.get("cids") or [])
    if unreadable:
        outcome.notes.append(_("this rechecker cannot read {count} of the CIDs the verdict read ({cids}): the names "
                               "and documents they hold could not be compared").format(
                                   count=len(unreadable), cids=", ".join(unreadable)))


def _unreadable(cids: list[str]) -> list[str]:
    """The CIDs the rechecker's own document store cannot give (checked against the CID)."""
    from dapp.documents.default_store import load_document

    missing = []
    for cid in cids:
        try:
            load_document(cid)
        except PlatformError:
            missing.append(cid)
    return missing


def _compare_reasons(claimed: list, actual: list, outcome: Recheck) -> None:
    claimed_codes = [reason.get("code") for reason in claimed]
    actual_codes = [reason["code"] for reason in actual]
    for code in actual_codes:
        if code not in claimed_codes:
            outcome.differences.append(_("reason {reason} is missing from the verdict").format(reason=code))
    for code in claimed_codes:
        if code not in actual_codes:
            outcome.differences.append(_("reason {reason} is in the verdict but the chain does not give it").format(
                reason=code))
    for ours in actual:
        theirs = next((reason for reason in claimed if reason.get("code") == ours["code"]), None)
        if theirs is not None and theirs.get("message") != ours["message"]:
            outcome.differences.append(_("reason {reason}'s message is {claimed!r}, recomputed {actual!r}").format(
                reason=ours["code"], claimed=theirs.get("message"), actual=ours["message"]))


def _compare_documents(claimed: list, actual: list, outcome: Recheck) -> None:
    pairs = lambda documents: [(d.get("label"), d.get("cid")) for d in documents]  # noqa: E731
    if pairs(claimed) != pairs(actual):
        outcome.differences.append(_("documents: the verdict lists {claimed}, the chain names {actual}").format(
            claimed=_short(json.dumps(pairs(claimed))), actual=_short(json.dumps(pairs(actual)))))
        return
    for theirs, ours in zip(claimed, actual):
        if ours["status"] in ("verified", "altered") and theirs.get("status") != ours["status"]:
            outcome.differences.append(_("document {cid}: the verdict says {claimed}, its bytes here are {actual}").format(
                cid=ours["cid"], claimed=theirs.get("status"), actual=ours["status"]))


def _documents_base(verdict: dict) -> str:
    for document in verdict.get("documents") or []:
        url, cid = document.get("url", ""), document.get("cid", "")
        if url.endswith("/" + cid):
            return url[: -len(cid) - 1]
    return ""


def _normal(value):
    return json.loads(json.dumps(value, default=str)) if value is not None else None


def _short(value, limit: int = 160) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def call_name(call: dict) -> str:
    """A call as a person reads it: Contract.method, or the calldata's selector."""
    if call.get("contract") and call.get("method"):
        return f"{call['contract']}.{call['method']}"
    return str(call.get("calldata", ""))[:10]


# --- The resolver's service ------------------------------------------------------------------


def _service_class():
    from dapp.verification.service import VerificationService

    class ReceiptService(VerificationService):
        """The shared verification service whose verdicts come with their receipts."""

        def verifier(self):
            from dapp.verification.verdicts import Verifier

            if self._verifier is None:
                self._verifier = receipt_verifier(Verifier.at(self.uri))
            return self._verifier

        def verify_with_receipt(self, text: str, scanner: str | None = None):
            """(verdict, receipt) on a code; raises as `verify_text` does."""
            with self._lock:
                verifier = self.verifier()
                try:
                    return verify_with_receipt(verifier, text, scanner)
                except PlatformError:
                    raise
                except Exception:
                    self._verifier = None  # a half-read state is not kept
                    raise

        def verify_text(self, text: str, scanner: str | None = None):
            """The verdict, its receipt kept on it as `verdict.receipt` (not one of its fields:
            `to_dict()` leaves it out)."""
            verdict, receipt = self.verify_with_receipt(text, scanner)
            verdict.receipt = receipt
            return verdict

    return ReceiptService


_services: dict[str, object] = {}
_services_lock = threading.Lock()


def shared_receipt_service():
    """The process's service for verdicts with receipts (the resolver and the Verify page), one
    per chain node (MEDCHAIN_RPC_URL)."""
    from dapp.verification.service import rpc_url

    uri = rpc_url()
    with _services_lock:
        if uri not in _services:
            _services[uri] = _service_class()(uri)
        return _services[uri]


# --- Rechecking through a wallet --------------------------------------------------------------


def wallet_recheck_request(receipt: dict) -> dict:
    """What the browser's wallet is asked to run again: each call at the receipt's block."""
    return {"block": hex(int(receipt["block"]["number"])),
            "calls": [{"to": call["target"], "data": call["calldata"]} for call in receipt.get("calls") or []]}


def compare_wallet_answer(receipt: dict, answer: dict) -> list[str]:
    """What the wallet's node said differently from the receipt (empty: it agrees throughout).

    `answer`: {"chainId": decimal text, "block": {"number", "hash"} or None, "results": [{"ok",
    "result"} or {"ok": False, "message"}]}, one result per call, in order."""
    differences = []
    expected_chain = int((receipt.get("deployment") or {}).get("chain_id", 0))
    try:
        chain_id = int(answer.get("chainId"))
    except (TypeError, ValueError):
        chain_id = None
    if chain_id != expected_chain:
        differences.append(_("your wallet is on chain {actual}, the verdict was read on chain {expected}").format(
            actual=chain_id, expected=expected_chain))
    number = int(receipt["block"]["number"])
    block = answer.get("block")
    if not block:
        differences.append(_("your node has no block {number}").format(number=number))
    elif str(block.get("hash", "")).lower() != str(receipt["block"]["hash"]).lower():
        differences.append(_("block {number} on your node is {actual}, the verdict's is {expected}").format(
            number=number, actual=block.get("hash"), expected=receipt["block"]["hash"]))
    calls = receipt.get("calls") or []
    results = answer.get("results") or []
    if len(results) != len(calls):
        differences.append(_("your node answered {count} of the {total} calls").format(count=len(results),
                                                                                      total=len(calls)))
    for call, result in zip(calls, results):
        if not result.get("ok"):
            differences.append(_("your node refused {name}: {message}").format(
                name=call_name(call), message=result.get("message") or result.get("reason")))
        elif str(result.get("result", "")).lower() != str(call["result"]).lower():
            differences.append(_("{name} gives {actual} on your node, the verdict's receipt says {expected}").format(
                name=call_name(call), actual=_short(result.get("result"), 80), expected=_short(call["result"], 80)))
    return differences
