"""The deployed contracts as `TenderClient` uses them, over a `ChainReader` (JSON-RPC, no Ape).

`TenderClient` was written against Ape's contract objects: view calls (`tenders.tender(id)`,
whose struct reads as attributes), `.address`, constants (`tenders.AWARD_WINDOW()`), event logs
(`tenders.TenderCreated.range(first, last + 1, search_topics={"tenderId": id})`) and the chain
(`chain_id`, `blocks.head.number`, `pending_timestamp`), with the genesis hash of the connected
chain. The dApp's server reads the chain through a `ChainReader` and never connects Ape to a
node; this module gives the client the same things over the reader:

    client = TenderClient.over_rpc(deployment, reader)

Views are `eth_call`s decoded with the compiled ABI, logs are `eth_getLogs` filtered by the
event's topic and its indexed arguments, decoded by `dapp.chain.actions.decode_log` (the same
decoding the receipts of the dApp's actions get); the chain id and the genesis hash come from
the deployment record (the reader is made for that record's chain). Nothing here sends.
"""

from __future__ import annotations

from functools import cache
from types import SimpleNamespace

from eth_abi import encode
from eth_utils import keccak, to_checksum_address

from dapp.chain.actions import decode_log
from dapp.chain.reader import ChainReader, Request
from dapp.errors import ChainUnreachable


@cache
def _event_abis(contract: str) -> dict:
    """{event name: (topic 0, [(name, canonical type) of the indexed inputs])} of `contract`."""
    from dapp.chain.connection import project

    found = {}
    for abi in getattr(project(), contract).contract_type.events:
        found.setdefault(abi.name, (keccak(text=abi.selector),
                                    [(i.name, i.canonical_type) for i in abi.inputs if i.indexed]))
    return found


@cache
def _view_names(contract: str) -> frozenset[str]:
    from dapp.chain.connection import project

    return frozenset(abi.name for abi in getattr(project(), contract).contract_type.view_methods)


class RpcEvent:
    """An event of a deployed contract: its logs in a block range, like Ape's `ContractEvent.range`."""

    def __init__(self, contract: RpcContract, name: str):
        self.contract = contract
        self.name = name
        self.topic, self.indexed = _event_abis(contract.name)[name]

    def _topics(self, search_topics: dict | None) -> list:
        wanted = dict(search_topics or {})
        topics: list = ["0x" + self.topic.hex()]
        for name, kind in self.indexed:
            if name not in wanted:
                topics.append(None)
                continue
            value = wanted.pop(name)
            if kind in ("string", "bytes") or kind.endswith("]") or kind.startswith("("):
                raise ValueError(f"{self.name}.{name} ({kind}) is indexed by its hash; give the hash")
            topics.append("0x" + encode([kind], [value]).hex())
        if wanted:
            raise ValueError(f"{self.name} has no indexed argument {', '.join(wanted)}")
        while topics and topics[-1] is None:
            topics.pop()
        return topics

    def range(self, start: int, stop: int | None = None, search_topics: dict | None = None) -> list:
        """The event's logs in blocks start..stop-1 (stop exclusive, as Ape's) whose indexed
        arguments equal `search_topics`, in chain order; each reads its arguments as attributes."""
        if stop is None:
            start, stop = 0, start
        if stop <= start:
            return []
        request = Request("eth_getLogs", [{"address": self.contract.address, "fromBlock": hex(start),
                                           "toBlock": hex(stop - 1), "topics": self._topics(search_topics)}],
                          lambda result: [decode_log(raw) for raw in result])
        return [log for log in self.contract.reader.one(request) if log is not None and log.name == self.name]


class RpcContract:
    """A deployed contract by name: `.address`, its view functions and constants as methods, its
    events as `RpcEvent`s."""

    def __init__(self, reader: ChainReader, name: str):
        self.reader = reader
        self.name = name
        self.address = to_checksum_address(reader.deployment.address(name))

    def __repr__(self) -> str:
        return f"RpcContract({self.name} at {self.address})"

    def __getattr__(self, item: str):
        if item.startswith("_"):
            raise AttributeError(item)
        if item in _event_abis(self.name):
            return RpcEvent(self, item)
        reader, name = self.__dict__["reader"], self.__dict__["name"]
        if item not in _view_names(name):
            raise AttributeError(f"{name} has no view function or event {item}")

        def view(*arguments):
            return reader.one(reader.call(name, item, *arguments))

        return view


class RpcChain:
    """What `TenderClient` reads of the chain itself (Ape's `chain`), over the reader."""

    def __init__(self, reader: ChainReader):
        self.reader = reader
        self.chain_id = int(reader.deployment.chain_id)
        self.genesis_hash = str(reader.deployment.genesis_hash)

    @property
    def blocks(self):
        number = self.reader.one(Request("eth_blockNumber", [], lambda result: int(result, 16)))
        return SimpleNamespace(head=SimpleNamespace(number=number))

    @property
    def pending_timestamp(self) -> int:
        """The earliest time the next block can carry: a second after the latest block, or the
        node's pending block's time when that is later (a node whose clock runs ahead of its last
        block, as anvil between transactions)."""
        latest = Request("eth_getBlockByNumber", ["latest", False], lambda block: int(block["timestamp"], 16))
        pending = Request("eth_getBlockByNumber", ["pending", False],
                          lambda block: int(block["timestamp"], 16) if block else 0)
        try:
            last, next_ = self.reader.batch([latest, pending])
        except ChainUnreachable:
            last, next_ = self.reader.one(latest), 0
        return max(last + 1, next_)


def contracts_over_rpc(reader: ChainReader) -> dict:
    """TenderClient's arguments over `reader`: the four contracts, the first block, the chain."""
    deployment = reader.deployment
    return {"tenders": RpcContract(reader, "Tenders"), "token": RpcContract(reader, "PaymentToken"),
            "custody": RpcContract(reader, "Custody"), "resources": RpcContract(reader, "Resources"),
            "first_block": deployment.contracts["Tenders"].block, "chain": RpcChain(reader)}
