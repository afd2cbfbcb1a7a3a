"""Fast reads of the deployed contracts: view calls and event logs over raw JSON-RPC, several
in one HTTP round trip (a JSON-RPC batch), decoded with eth_abi.

A verdict must come back in tens of milliseconds; through Ape, each contract call costs a few
milliseconds and each event query tens. Writes still go through Ape (accounts, signing,
decoded revert reasons); this module only reads.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from types import SimpleNamespace
from typing import Any, Callable

import msgspec
import requests
from eth_abi import decode, encode
from eth_utils import keccak, to_checksum_address

from dapp.chain.connection import project
from dapp.chain.deployment import Deployment
from dapp.errors import ChainUnreachable
from dapp.i18n import _


@dataclass(frozen=True)
class Log:
    """A decoded event log."""

    contract: str
    event: str
    args: dict
    block_number: int
    block_hash: str
    transaction_hash: str
    log_index: int
    topics: tuple[bytes, ...] = ()  # the indexed values as topics, after the event's own


@dataclass(frozen=True)
class Request:
    """One JSON-RPC request and how to decode its result."""

    method: str
    params: list
    decode: Callable[[Any], Any]
    raw: bool = False  # `decode` takes the result's undecoded JSON (to decode it into types of its own)


@dataclass(frozen=True)
class _Method:
    selector: bytes
    input_types: list[str]
    output_types: list[str]
    output_names: list[list[str] | None]  # the component names of each tuple output


@dataclass(frozen=True)
class _Event:
    contract: str
    name: str
    inputs: list[tuple[str, str, bool]]  # (name, canonical type, indexed)

    @cached_property
    def data_types(self) -> list[str]:
        return [kind for _, kind, indexed in self.inputs if not indexed]

    @cached_property
    def fast(self) -> bool:
        """Whether every input is a type `_decode_fast` reads (all the platform's events are)."""
        return all(_word_reader(kind) is not None or kind in ("string", "bytes")
                   or (kind.endswith("[]") and _word_reader(kind[:-2]) is not None)
                   for _, kind, indexed in self.inputs if not indexed) \
            and all(_word_reader(kind) is not None or _is_dynamic(kind) for _, kind, indexed in self.inputs if indexed)

    @cached_property
    def hex_decoder(self) -> Callable[[list[str], str], dict]:
        """The arguments as JSON values straight from the log's hex topics and data (see
        `_hex_decoder`); only for `fast` events."""
        return _hex_decoder(self.inputs)

    def plan(self, json_values: bool) -> list[tuple[str, int, Callable]]:
        """How `_decode_fast` reads each input: (name, where from, reader)."""
        return self._plans[json_values]

    @cached_property
    def _plans(self) -> dict[bool, list]:
        return {False: _plan(self.inputs, False), True: _plan(self.inputs, True)}


class ChainReader:
    """Reads the contracts of `deployment` through the node at `uri` (HTTP JSON-RPC)."""

    def __init__(self, deployment: Deployment, uri: str, timeout: float = 10.0):
        self.deployment = deployment
        self.uri = uri
        self.timeout = timeout
        self._session = requests.Session()
        # Proxies from the environment, looked up once: requests would redo it on every post.
        self._session.proxies = requests.utils.get_environ_proxies(uri)
        self._session.trust_env = False
        self._ids = itertools.count(1)
        self._methods: dict[tuple[str, str], _Method] = {}
        self._events: dict[bytes, _Event] = {}
        self._addresses = {name: to_checksum_address(record.address) for name, record in deployment.contracts.items()}
        self._block_times: dict[str, int] = {}
        for name in self._addresses:
            self._load_abi(name)

    def detached(self) -> ChainReader:
        """A copy with an HTTP session of its own (for another process: sessions hold sockets)."""
        copy = object.__new__(ChainReader)
        copy.__dict__.update(self.__dict__)
        copy._session = requests.Session()
        copy._session.proxies = self._session.proxies
        copy._session.trust_env = False
        copy._block_times = {}
        return copy

    @classmethod
    def connected(cls, deployment: Deployment) -> ChainReader:
        """A reader of the node Ape is connected to."""
        from ape import chain

        # Ape's in-process chain has a `uri` too (a default localhost address it never serves):
        # only a provider that talks to a node has `http_uri`.
        uri = getattr(chain.provider, "http_uri", None)
        if not uri or not str(uri).startswith("http"):
            raise ChainUnreachable(
                _("the connected provider ({provider}) has no HTTP JSON-RPC address; connect to a node "
                  "(for example `--network ethereum:local:foundry`)").format(provider=chain.provider.name)
            )
        return cls(deployment, str(uri))

    # --- building requests ------------------------------------------------------------------

    def call(self, contract: str, method: str, *args, block: str = "latest") -> Request:
        """A view call; its result decodes to the single output (a namespace for a struct)."""
        abi = self._methods[(contract, method)]
        data = abi.selector + encode(abi.input_types, list(args))
        return Request(
            "eth_call",
            [{"to": self._addresses[contract], "data": "0x" + data.hex()}, block],
            lambda result: _decode_output(abi, result),
        )

    def logs(self, contracts: Sequence[str], *topics: bytes | None, from_block: int | None = None,
             to_block: str | int = "latest", json_values: bool = False) -> Request:
        """Every log of `contracts` since the deployment whose topics 1, 2, ... match `topics`
        (None matches anything); topic 0, the event, is any event of those contracts.

        `json_values`: arguments as JSON values (bytes as 0x hex, arrays as lists), as the
        indexer stores them."""
        first = from_block if from_block is not None else self.deployment.first_block
        topic_filter: list = [None] + ["0x" + topic.hex() if topic is not None else None for topic in topics]
        return Request(
            "eth_getLogs",
            [{"address": [self._addresses[name] for name in contracts], "fromBlock": hex(first),
              "toBlock": to_block if isinstance(to_block, str) else hex(to_block), "topics": topic_filter}],
            lambda result: [log for log in (self._decode_log(raw, json_values) for raw in result) if log is not None],
        )

    def log_rows(self, contracts: Sequence[str], from_block: int, to_block: int) -> Request:
        """Every log of `contracts` in blocks from_block..to_block as a row the indexer stores:
        (block number, log index, transaction hash, block hash, contract, event, args as JSON
        values), in chain order. The node's answer is decoded into typed structs and each
        event's arguments by code generated for it: the indexer reads whole chains this way."""
        return Request(
            "eth_getLogs",
            [{"address": [self._addresses[name] for name in contracts], "fromBlock": hex(from_block),
              "toBlock": hex(to_block)}],
            lambda result: self._rows_of(_RAW_LOGS.decode(result)),
            raw=True,
        )

    def _rows_of(self, raw_logs: list[_RawLog]) -> list[tuple]:
        rows, events, times = [], self._events, self._block_times
        for raw in raw_logs:
            topics = raw.topics
            event = events.get(bytes.fromhex(topics[0][2:])) if topics else None
            if event is None:
                continue
            if raw.blockTimestamp and raw.blockHash not in times:
                times[raw.blockHash] = int(raw.blockTimestamp, 16)
            if event.fast:
                args = event.hex_decoder([topic.lower() for topic in topics], raw.data.lower())
            else:
                args = self._decode_log({"topics": topics, "data": raw.data, "blockNumber": raw.blockNumber,
                                         "blockHash": raw.blockHash, "transactionHash": raw.transactionHash,
                                         "logIndex": raw.logIndex}, True).args
            rows.append((int(raw.blockNumber, 16), int(raw.logIndex, 16), raw.transactionHash, raw.blockHash,
                         event.contract, event.name, args))
        return rows

    # --- sending ----------------------------------------------------------------------------

    def batch(self, requests_: Sequence[Request]) -> list:
        """Sends `requests_` in one round trip; their decoded results, in order."""
        if not requests_:
            return []
        ids = [next(self._ids) for _ in requests_]
        payload = [{"jsonrpc": "2.0", "id": i, "method": r.method, "params": r.params} for i, r in zip(ids, requests_)]
        answers = self._post(payload)
        by_id = {_plain(answer.get("id")): answer for answer in answers}
        results = []
        for i, request in zip(ids, requests_):
            answer = by_id.get(i)
            if answer is None or "error" in answer:
                error = _plain(answer["error"]) if answer is not None else {"message": "no answer"}
                message = error.get("message", error) if isinstance(error, dict) else error
                raise ChainUnreachable(_("the node refused {method}: {message}").format(method=request.method, message=message))
            result = answer.get("result")
            if request.raw:
                results.append(request.decode(result if isinstance(result, msgspec.Raw)
                                              else msgspec.Raw(msgspec.json.encode(result))))
            else:
                results.append(request.decode(_plain(result)))
        return results

    def one(self, request: Request):
        return self.batch([request])[0]

    def block_request(self, block_hash: str) -> Request:
        """The block `block_hash` (header only)."""
        return Request("eth_getBlockByHash", [block_hash, False], lambda block: block)

    def remember_block(self, block_hash: str, block: dict | None) -> None:
        """Keeps a block's time: blocks are asked for by hash, so a reorg cannot make it wrong."""
        if block is not None:
            self._block_times[block_hash] = int(block["timestamp"], 16)

    def forget_block_times(self) -> None:
        self._block_times.clear()

    def knows_block(self, block_hash: str) -> bool:
        return block_hash in self._block_times

    def block_times(self, logs: Iterable[Log]) -> dict[str, int]:
        """The timestamp of each block the logs are in, by block hash (asked once per block)."""
        return self.block_times_of({log.block_hash for log in logs})

    def block_times_of(self, block_hashes: set[str]) -> dict[str, int]:
        """The timestamps of the blocks `block_hashes`, with the others known (asked once per block)."""
        missing = sorted(block_hashes - set(self._block_times))
        for block_hash, block in zip(missing, self.batch([self.block_request(h) for h in missing])):
            self.remember_block(block_hash, block)
        return self._block_times

    def _post(self, payload: list) -> list:
        try:
            response = self._session.post(self.uri, json=payload, timeout=self.timeout)
            response.raise_for_status()
            answers = _ANSWERS.decode(response.content)
        except requests.RequestException as error:
            raise ChainUnreachable(
                _("the chain at {uri} does not answer ({kind}); is the node running? Start the local "
                  "platform with `make run`").format(uri=self.uri, kind=type(error).__name__)
            ) from error
        except (ValueError, msgspec.DecodeError) as error:
            raise ChainUnreachable(_("the node at {uri} answered something that is not JSON-RPC").format(uri=self.uri)) from error
        if isinstance(answers, dict):  # a node that refuses batches answers with one error
            raise ChainUnreachable(_("the node at {uri} refused a batch request: {error}").format(uri=self.uri, error=answers.get('error', answers)))
        return answers

    # --- ABI ---------------------------------------------------------------------------------

    def _load_abi(self, name: str) -> None:
        contract_type = getattr(project(), name).contract_type
        for abi in contract_type.view_methods:
            if abi.name in {m for c, m in self._methods if c == name}:
                continue  # overloads: the first one only
            self._methods[(name, abi.name)] = _Method(
                selector=keccak(text=abi.selector)[:4],
                input_types=[i.canonical_type for i in abi.inputs],
                output_types=[o.canonical_type for o in abi.outputs],
                output_names=[[c.name for c in o.components] if o.components else None for o in abi.outputs],
            )
        for abi in contract_type.events:
            self._events[keccak(text=abi.selector)] = _Event(
                contract=name, name=abi.name, inputs=[(i.name, i.canonical_type, i.indexed) for i in abi.inputs]
            )

    def _decode_log(self, raw: dict, json_values: bool = False) -> Log | None:
        if raw.get("blockTimestamp"):  # nodes that send it (anvil, recent geth) spare a block request
            self._block_times.setdefault(raw["blockHash"], int(raw["blockTimestamp"], 16))
        topics = [bytes.fromhex(topic[2:]) for topic in raw["topics"]]
        event = self._events.get(topics[0]) if topics else None
        if event is None:
            return None
        data = bytes.fromhex(raw["data"][2:])
        if event.fast:
            args = _decode_fast(event, topics, data, json_values)
        else:
            args, indexed_topics, values = {}, iter(topics[1:]), iter(decode(event.data_types, data))
            for name, kind, indexed in event.inputs:
                value = _decode_topic(kind, next(indexed_topics)) if indexed else next(values)
                args[name] = _normalize(value)
            if json_values:
                args = jsonable(args)
        return Log(
            contract=event.contract,
            event=event.name,
            args=args,
            block_number=int(raw["blockNumber"], 16),
            block_hash=raw["blockHash"],
            transaction_hash=raw["transactionHash"],
            log_index=int(raw["logIndex"], 16),
            topics=tuple(topics[1:]),
        )


class _RawLog(msgspec.Struct):
    """A log as the node sends it (the fields the indexer reads)."""

    blockNumber: str
    blockHash: str
    transactionHash: str
    logIndex: str
    topics: list[str]
    data: str
    blockTimestamp: str | None = None


_RAW_LOGS = msgspec.json.Decoder(list[_RawLog])
# Answers are decoded in two steps: each result kept as raw JSON first, then decoded the way
# its request asks (typed structs for logs, plain values otherwise).
_ANSWERS = msgspec.json.Decoder(list[dict[str, msgspec.Raw]] | dict[str, Any])
_JSON = msgspec.json.Decoder()


def _plain(value):
    """A part of an answer as Python values: `_post` keeps results as raw JSON until their
    request says how to decode them (readers over other transports may answer plain values)."""
    return _JSON.decode(value) if isinstance(value, msgspec.Raw) else value


def _hex_decoder(inputs: list[tuple[str, str, bool]]) -> Callable[[list[str], str], dict]:
    """A function of (topics, data), both lowercase 0x hex as the node sends them, that returns
    the event's arguments as JSON values, the same as `_decode_fast(..., json_values=True)`:
    straight-line code generated for the event, reading the hex without converting it to
    bytes first (a third of the decoding time of the generic reader, measured)."""
    items, topic, word = [], 1, 0
    for name, kind, indexed in inputs:
        if indexed:
            expression = _hex_topic(kind, f"t[{topic}]")
            topic += 1
        else:
            start = 2 + 64 * word
            expression = _hex_word(kind, start) if _word_reader(kind) is not None else _hex_dynamic(kind, start)
            word += 1
        items.append(f"{name!r}: {expression}")
    source = "def decode(t, d):\n    return {" + ", ".join(items) + "}\n"
    namespace = {"A": _checksummed_hex, "S": _hex_string, "B": _hex_bytes, "L": _hex_array, "I": _signed_hex,
                 "R": _hex_item_reader}
    exec(compile(source, "<event decoder>", "exec"), namespace)  # noqa: S102 (built from the ABI's types only)
    return namespace["decode"]


def _hex_word(kind: str, start: int, source: str = "d") -> str:
    """The expression reading a static `kind` from the 64-digit word of `source` (the data, or
    a topic) at hex position `start`."""
    end = start + 64
    if kind == "address":
        return f"A({source}[{start + 24}:{end}])"
    if kind == "bool":
        return f"({source}[{end - 1}] == '1')"
    if kind.startswith("uint"):
        return f"int({source}[{start}:{end}], 16)"
    if kind.startswith("int"):
        return f"I({source}[{start}:{end}])"
    return f"'0x' + {source}[{start}:{start + 2 * int(kind[5:])}]"  # bytesN


def _hex_dynamic(kind: str, start: int) -> str:
    offset = f"int(d[{start}:{start + 64}], 16)"
    if kind == "string":
        return f"S(d, {offset})"
    if kind == "bytes":
        return f"B(d, {offset})"
    return f"L(d, {offset}, R({kind[:-2]!r}))"  # T[] of a static T


def _hex_topic(kind: str, topic: str) -> str:
    if _is_dynamic(kind):
        return topic  # a dynamic value's topic is its hash
    return _hex_word(kind, 2, topic)  # a static value's topic is its word, after the "0x"


@functools.lru_cache(maxsize=65_536)
def _checksummed_hex(address: str) -> str:
    return to_checksum_address("0x" + address)


def _signed_hex(word: str) -> int:
    value = int(word, 16)
    return value - (1 << 256) if value >> 255 else value


def _hex_payload(data: str, offset: int) -> str:
    start = 2 + 2 * offset
    length = int(data[start:start + 64], 16)
    return data[start + 64:start + 64 + 2 * length]


def _hex_string(data: str, offset: int) -> str:
    return bytes.fromhex(_hex_payload(data, offset)).decode("utf-8", errors="replace")


def _hex_bytes(data: str, offset: int) -> str:
    return "0x" + _hex_payload(data, offset)


def _hex_array(data: str, offset: int, read: Callable[[str], Any]) -> list:
    start = 2 + 2 * offset
    length = int(data[start:start + 64], 16)
    return [read(data[start + 64 + 64 * i:start + 128 + 64 * i]) for i in range(length)]


@functools.cache
def _hex_item_reader(kind: str) -> Callable[[str], Any]:
    """How to read one 64-digit hex word of a static `kind` as a JSON value."""
    namespace = {"A": _checksummed_hex, "I": _signed_hex}
    exec(compile(f"def read(d):\n    return {_hex_word(kind, 0)}\n", "<item reader>", "exec"), namespace)  # noqa: S102
    return namespace["read"]


def _decode_output(abi: _Method, result: str):
    values = decode(abi.output_types, bytes.fromhex(result[2:]))
    outputs = [
        SimpleNamespace(**dict(zip(names, map(_normalize, value)))) if names else _normalize(value)
        for names, value in zip(abi.output_names, values)
    ]
    return outputs[0] if len(outputs) == 1 else outputs


def _decode_fast(event: _Event, topics: list[bytes], data: bytes, json_values: bool) -> dict:
    """The event's arguments read straight from the 32-byte words: the same values as eth_abi
    gives (checksummed addresses, ints, bytes, str, tuples), or their JSON forms, ten times
    faster; the indexer decodes every event of the chain with it."""
    args, topic, head = {}, 1, 0
    for name, source, read in event.plan(json_values):
        if source == _TOPIC:
            args[name] = read(topics[topic])
            topic += 1
            continue
        word = data[head:head + 32]
        head += 32
        if source == _WORD:
            args[name] = read(word)
            continue
        offset = int.from_bytes(word, "big")
        length = int.from_bytes(data[offset + 0:offset + 32], "big")
        start = offset + 32
        if source == _ARRAY:
            args[name] = read([data[start + 32 * i:start + 32 * i + 32] for i in range(length)])
        else:  # string or bytes
            args[name] = read(data[start:start + length])
    return args


_TOPIC, _WORD, _ARRAY, _DYNAMIC = range(4)


def _plan(inputs: list[tuple[str, str, bool]], json_values: bool) -> list[tuple[str, int, Callable]]:
    as_hex = lambda value: "0x" + value.hex()  # noqa: E731
    raw_bytes = as_hex if json_values else (lambda value: value)
    plan = []
    for name, kind, indexed in inputs:
        reader = _word_reader(kind)
        if json_values and kind.startswith("bytes") and kind[5:].isdigit():
            reader = (lambda size: lambda word: "0x" + word[:size].hex())(int(kind[5:]))
        if indexed:
            plan.append((name, _TOPIC, raw_bytes if _is_dynamic(kind) else reader))
        elif reader is not None:
            plan.append((name, _WORD, reader))
        elif kind == "string":
            plan.append((name, _DYNAMIC, lambda value: value.decode("utf-8", errors="replace")))
        elif kind == "bytes":
            plan.append((name, _DYNAMIC, raw_bytes))
        else:  # T[] of a static T
            item = _plan([(name, kind[:-2], False)], json_values)[0][2]
            plan.append((name, _ARRAY, (lambda read: (lambda words: list(map(read, words)))
                                        if json_values else (lambda words: tuple(map(read, words))))(item)))
    return plan


def _is_dynamic(kind: str) -> bool:
    return kind in {"string", "bytes"} or kind.endswith("]") or kind.startswith("(")


@functools.cache
def _word_reader(kind: str) -> Callable[[bytes], Any] | None:
    """How to read one 32-byte word of a static `kind`; None for other types."""
    if kind == "address":
        return lambda word: _checksummed(word[12:])
    if kind == "bool":
        return lambda word: word[31] == 1
    if kind.startswith("uint") and kind[4:].isdigit():
        return lambda word: int.from_bytes(word, "big")
    if kind.startswith("int") and kind[3:].isdigit():
        return lambda word: int.from_bytes(word, "big", signed=True)
    if kind.startswith("bytes") and kind[5:].isdigit():
        size = int(kind[5:])
        return lambda word: word[:size]
    return None


def jsonable(value):
    """`value` with bytes as 0x hex and tuples as lists."""
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value


@functools.lru_cache(maxsize=65_536)
def _checksummed(address: bytes) -> str:
    return to_checksum_address("0x" + address.hex())


def _decode_topic(kind: str, topic: bytes):
    if kind in {"string", "bytes"} or kind.endswith("]") or kind.startswith("("):
        return topic  # a dynamic value's topic is its hash
    return decode([kind], topic)[0]


def _normalize(value):
    if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
        return to_checksum_address(value)
    return value


class FollowedLogs:
    """Every log of `contracts` since the deployment, kept in memory by their first indexed
    topic (a batch id for the custody and resource events) and brought up to date before each
    read: a long-running verifier asks the node only for the blocks it has not seen yet.

    A node scans every block of a log query's range, so asking for a batch's whole history on
    each scan costs milliseconds per thousand blocks; this costs one short query instead. The
    chain stays the truth: each refresh checks, by hash, that the last block read is still on
    the chain, and after a reorganization everything is read again.
    """

    def __init__(self, reader: ChainReader, contracts: Sequence[str]):
        self.reader = reader
        self.contracts = list(contracts)
        self._reset()

    def _reset(self) -> None:
        self.generation = getattr(self, "generation", -1) + 1  # counts the times everything was dropped
        self.fresh: list[Log] = []  # the logs the last refresh added
        self._by_topic: dict[bytes, list[Log]] = {}
        self._keys: set[tuple[str, int]] = set()
        self._next_block = self.reader.deployment.first_block
        self._last_block: tuple[int, str] | None = None  # (number, hash) of the last block read

    def head_request(self) -> Request:
        """The head block (number and hash); the reads of one verdict all use that block."""
        return Request("eth_getBlockByNumber", ["latest", False], lambda block: block)

    def refresh_requests(self, head: dict) -> list[Request]:
        """What brings the logs up to `head` (send them with the verdict's reads)."""
        number = int(head["number"], 16)
        requests_ = []
        if self._next_block <= number:
            requests_.append(self.reader.logs(self.contracts, from_block=self._next_block, to_block=number))
        else:  # nothing new: keep the positions of the answers
            requests_.append(Request("eth_blockNumber", [], lambda _: []))
        if self._last_block is not None:
            requests_.append(Request("eth_getBlockByNumber", [hex(self._last_block[0]), False], lambda block: block))
        return requests_

    def absorb(self, head: dict, results: list) -> bool:
        """Takes in what `refresh_requests` brought; False (and everything dropped) when the
        last block read is no longer on the chain: refresh again."""
        if self._last_block is not None:
            block = results[1]
            if block is None or block["hash"] != self._last_block[1]:
                self._reset()
                return False
        self.fresh = []
        for log in results[0]:
            key = (log.transaction_hash, log.log_index)
            if key in self._keys:
                continue
            self._keys.add(key)
            self.fresh.append(log)
            if log.topics:
                self._by_topic.setdefault(log.topics[0], []).append(log)
        number = int(head["number"], 16)
        self._next_block = number + 1
        self._last_block = (number, head["hash"])
        return True

    def refresh(self) -> None:
        """Brings the logs up to the head now, in its own round trips."""
        while True:
            head = self.reader.one(self.head_request())
            if self.absorb(head, self.reader.batch(self.refresh_requests(head))):
                return

    def by_event(self, event: str) -> list[Log]:
        """Every log of the event named `event`, in chain order."""
        return sorted((log for logs in self._by_topic.values() for log in logs if log.event == event),
                      key=lambda log: (log.block_number, log.log_index))

    def with_first_topic(self, topic: bytes) -> list[Log]:
        """The logs whose first indexed argument is `topic`, in chain order."""
        return sorted(self._by_topic.get(topic, []), key=lambda log: (log.block_number, log.log_index))
