"""Transactions as raw JSON-RPC batches from impersonated accounts, for building large chain
states on anvil fast: sending them through Ape one at a time would take most of an hour.

Blocks are mined on demand while a `RawChain` is entered (automine off): with automine, anvil
mines a block for each transaction it receives, and after a batch of 250 has been mined in a
few full blocks it goes on mining the rest as empty blocks, for minutes, on a large state;
whatever is measured next would be measured against a node busy mining them. While it is
entered, send nothing through Ape (its transactions would wait for a block nobody mines).
"""

from __future__ import annotations

import time

import requests
from eth_abi import encode
from eth_utils import keccak

from dapp.chain.connection import project

GAS = hex(2_000_000)
BLOCK_GAS_LIMIT = 30_000_000  # mainnet's target block size: 15 transactions of GAS per block


class RawChain:
    """Sends transactions as JSON-RPC batches from impersonated accounts (anvil only)."""

    def __init__(self, uri: str):
        self.uri = uri
        self.session = requests.Session()
        self.nonces: dict[str, int] = {}
        self.rpc("anvil_autoImpersonateAccount", True)
        self.rpc("evm_setBlockGasLimit", hex(BLOCK_GAS_LIMIT))

    def __enter__(self) -> RawChain:
        self.rpc("evm_setAutomine", False)
        return self

    def __exit__(self, *_) -> None:
        self.rpc("evm_setAutomine", True)

    def next_nonce(self, sender: str) -> str:
        """Nonces kept here: a batch's requests are handled concurrently, so one sender's
        transactions in a batch must carry theirs."""
        if sender not in self.nonces:
            self.nonces[sender] = int(self.rpc("eth_getTransactionCount", sender, "pending"), 16)
        self.nonces[sender] += 1
        return hex(self.nonces[sender] - 1)

    def rpc(self, method: str, *params):
        answer = self.session.post(self.uri, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}).json()
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer["result"]

    def send_all(self, transactions: list[tuple[str, str, bytes]], chunk: int = 250, gas: int | None = None) -> list[dict]:
        """Sends (from, to, calldata) transactions in order; raises on the first failure.
        Returns their receipts (JSON-RPC objects, quantities in hex), in the same order."""
        receipts = []
        for start in range(0, len(transactions), chunk):
            payload = [
                {"jsonrpc": "2.0", "id": i, "method": "eth_sendTransaction",
                 "params": [{"from": sender, "to": to, "data": "0x" + data.hex(), "gas": hex(gas) if gas else GAS,
                             "nonce": self.next_nonce(sender)}]}
                for i, (sender, to, data) in enumerate(transactions[start:start + chunk])
            ]
            answers = self.session.post(self.uri, json=payload).json()
            if isinstance(answers, dict):  # the node refused the whole batch
                raise RuntimeError(f"the node refused a batch of benchmark transactions: {answers}")
            answers = sorted(answers, key=lambda answer: answer["id"])
            errors = [answer["error"] for answer in answers if "error" in answer]
            if errors:
                raise RuntimeError(f"a benchmark transaction failed: {errors[0]}")
            hashes = [answer["result"] for answer in answers]
            mined = self.wait(hashes)
            receipts.extend(mined[h] for h in hashes)
        return receipts

    def wait(self, hashes: list[str], timeout: float = 120.0) -> dict[str, dict]:
        """Waits until every transaction is mined; raises if one reverted. Returns the
        receipts by transaction hash."""
        deadline = time.monotonic() + timeout
        mined: dict[str, dict] = {}
        while hashes:
            payload = [{"jsonrpc": "2.0", "id": i, "method": "eth_getTransactionReceipt", "params": [h]}
                       for i, h in enumerate(hashes)]
            receipts = {a["id"]: a.get("result") for a in self.session.post(self.uri, json=payload).json()}
            reverted = [hashes[i] for i, r in receipts.items() if r is not None and r["status"] != "0x1"]
            if reverted:
                raise RuntimeError(f"a benchmark transaction reverted: {reverted[0]}")
            mined.update((hashes[i], r) for i, r in receipts.items() if r is not None)
            hashes = [hashes[i] for i, r in sorted(receipts.items()) if r is None]
            if hashes and time.monotonic() > deadline:
                raise RuntimeError(f"{len(hashes)} benchmark transactions still not mined after {timeout} s")
            if hashes:
                self.rpc("evm_mine")  # one block, as full as the gas limit allows
        return mined


def calldata(contract: str, method: str, *args) -> bytes:
    """The call data of the project contract's `method` with `args` (tuples for structs)."""
    abi = getattr(project(), contract).contract_type.mutable_methods[method]
    return keccak(text=abi.selector)[:4] + encode([i.canonical_type for i in abi.inputs], list(args))
