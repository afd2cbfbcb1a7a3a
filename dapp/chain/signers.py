"""Signers: whoever holds a key carries out prepared actions (dapp.chain.actions).

- `ApeSigner`: an Ape account (the command line; anvil's dev keys on a local chain).
- `RpcSigner`: an account the node holds unlocked, through `eth_sendTransaction` and
  `eth_signTypedData_v4`, exactly as a browser wallet sends a prepared call (EIP-1193).

`carry_out` is the one path every action takes: signatures first (when the action asks for
any), then each call dry-run with the sender (`eth_call`), so a refusal is shown as the contract's
decoded reason before anything is signed, then sent.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from typing import Any, Protocol

from dapp.chain.actions import ContractCall, PreparedAction, Receipt, address_of
from dapp.chain.refusals import reason, sentence_of_revert
from dapp.errors import PlatformError, TransactionRefused
from dapp.formats import hex_text
from dapp.i18n import _


class SignerUnavailable(PlatformError):
    """The signer cannot sign: the node does not answer or does not hold the key."""


class Signer(Protocol):
    """What carries out prepared actions."""

    address: str

    def dry_run(self, call: ContractCall) -> None:
        """Raises TransactionRefused (the decoded reason) when the call would revert now."""

    def send(self, call: ContractCall) -> Receipt:
        """Sends the call and waits for it to be mined; a revert raises TransactionRefused."""

    def sign_typed_data(self, typed_data: dict) -> bytes:
        """The EIP-712 signature (65 bytes: r, s, v) of `typed_data`."""


def carry_out(action: PreparedAction, signer: Signer) -> Any:
    """Sign what the action asks for, then dry-run and send each of its calls in order. Returns
    the action's outcome (or the receipts when it has none). Nothing is sent after a refusal."""
    if address_of(signer.address) != action.sender:
        raise TransactionRefused(_("{description}: prepared for {sender}, but the signer is {address}; connect the account "
                                   "the action is for").format(description=action.description, sender=action.sender, address=signer.address))
    if action.to_sign:
        action = action.with_signatures([signer.sign_typed_data(request.typed_data) for request in action.to_sign])
    for call in action.calls:
        if not call.after_previous:
            signer.dry_run(call)  # every independent call, before the first is signed
    receipts = []
    for call in action.calls:
        if call.after_previous:
            signer.dry_run(call)
        receipts.append(signer.send(call))
    return action.outcome(receipts) if action.outcome else receipts


def as_signer(account) -> Signer:
    """An Ape account as a Signer; a Signer as itself."""
    if hasattr(account, "dry_run") and hasattr(account, "send"):
        return account
    return ApeSigner(account)


def _refused(call: ContractCall, why: str) -> TransactionRefused:
    return TransactionRefused(_("{description}: refused by the contract: {why}").format(description=call.description, why=why))


# --- an Ape account --------------------------------------------------------------------------------


@contextlib.contextmanager
def _held_stdout() -> Iterator[list[bytes]]:
    """Catch what is written to file descriptor 1 (Ape's rich console holds its own handle
    on it, so redirecting `sys.stdout` is not enough); the bytes land in the yielded list."""
    sys.stdout.flush()
    saved = os.dup(1)
    held: list[bytes] = []
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 1)
        try:
            yield held
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)
            capture.seek(0)
            held.append(capture.read())


class ApeSigner:
    """An Ape account on the connected chain. On a local chain Ape prints a reverted call's whole
    trace; the reason is all a user needs, so that print is held back and shown only on success."""

    def __init__(self, account):
        self.account = account
        self.address = address_of(account)

    def __repr__(self) -> str:
        return f"ApeSigner({self.address})"

    def _transaction(self, call: ContractCall):
        from ape import networks

        return networks.provider.network.ecosystem.create_transaction(
            receiver=call.target, data=call.data, value=call.value, sender=self.address)

    def _quietly(self, call: ContractCall, attempt) -> tuple[object, bytes]:
        """`attempt()` with Ape's console output held back; a revert raises TransactionRefused
        with its decoded reason. Returns what it returned and the output held."""
        from ape.exceptions import ContractLogicError, VirtualMachineError

        with _held_stdout() as held:
            try:
                result, failure = attempt(), None
            except ContractLogicError as error:
                result, failure = None, _refused(call, reason(error))
            except VirtualMachineError as error:
                result, failure = None, TransactionRefused(_("{description}: the transaction failed: {error}").format(description=call.description, error=error))
        if failure is not None:
            raise failure
        return result, held[0]

    def dry_run(self, call: ContractCall) -> None:
        from ape import networks

        self._quietly(call, lambda: networks.provider.send_call(self._transaction(call)))

    def send(self, call: ContractCall) -> Receipt:
        sent, output = self._quietly(call, lambda: self.account.call(self._transaction(call)))
        sys.stdout.buffer.write(output)
        sys.stdout.flush()
        return Receipt(transaction_hash=hex_text(sent.txn_hash), block_number=int(sent.block_number),
                       gas_used=int(sent.gas_used), logs=tuple(_plain_log(log) for log in sent.logs))

    def sign_typed_data(self, typed_data: dict) -> bytes:
        from eth_account.messages import encode_typed_data

        signature = self.account.sign_message(encode_typed_data(full_message=typed_data))
        if signature is None:
            raise SignerUnavailable(_("{address} did not sign; nothing was sent").format(address=self.address))
        # Ape drops leading zero bytes of r and s; a signature has 32 of each.
        return bytes(signature.r).rjust(32, b"\0") + bytes(signature.s).rjust(32, b"\0") + bytes([signature.v])


# --- an account the node holds (anvil's dev accounts; a browser wallet sends the same way) ---------------


# The margin on a node's gas estimate (what is not used is not paid).
GAS_MARGIN_PERCENT = 125
GAS_MARGIN_FLAT = 20_000
GAS_MARGIN_CHECKED_ABOVE = 10_000_000


class RpcSigner:
    """An account unlocked on the node at `uri`, sending through plain JSON-RPC."""

    def __init__(self, address: str, uri: str, timeout: float = 10.0):
        import requests

        self.address = address_of(address)
        self.uri = uri
        self.timeout = timeout
        self._session = requests.Session()
        self._session.trust_env = False
        self._ids = itertools.count(1)

    def __repr__(self) -> str:
        return f"RpcSigner({self.address} at {self.uri})"

    def request(self, method: str, params: list) -> Any:
        """One JSON-RPC request; an error answer comes back as the `error` object raised in
        `_RpcError`."""
        import requests

        try:
            response = self._session.post(self.uri, json={"jsonrpc": "2.0", "id": next(self._ids), "method": method,
                                                          "params": params}, timeout=self.timeout)
            answer = response.json()
        except (requests.RequestException, ValueError) as error:
            raise SignerUnavailable(_("the node at {uri} does not answer ({kind}); is it running? Start the local platform "
                                      "with `make run`").format(uri=self.uri, kind=type(error).__name__)) from error
        if "error" in answer:
            raise _RpcError(answer["error"])
        return answer["result"]

    def dry_run(self, call: ContractCall, block: str = "latest") -> None:
        try:
            self.request("eth_call", [call.transaction(self.address), block])
        except _RpcError as error:
            raise _refused(call, error.sentence()) from None

    def send(self, call: ContractCall) -> Receipt:
        transaction = call.transaction(self.address)
        try:
            transaction["gas"] = hex(self._gas_for(transaction))
            transaction_hash = self.request("eth_sendTransaction", [transaction])
        except _RpcError as error:
            raise _refused(call, error.sentence()) from None
        receipt = self._receipt(transaction_hash)
        if int(receipt["status"], 16) != 1:
            # Why: the same call replayed on the state it met (the block before its own).
            reason = ""
            try:
                self.dry_run(call, block=hex(max(int(receipt["blockNumber"], 16) - 1, 0)))
            except TransactionRefused as refusal:
                reason = str(refusal)
            except PlatformError:
                pass
            if not reason:
                try:
                    sent = self.request("eth_getTransactionByHash", [transaction_hash]) or {}
                    if sent.get("gas") and int(receipt["gasUsed"], 16) >= int(sent["gas"], 16):
                        reason = _("it ran out of gas: {gas} gas given").format(gas=int(sent["gas"], 16))
                except (_RpcError, PlatformError):
                    pass
            raise TransactionRefused(_("{description}: the transaction {transaction_hash} was mined but reverted{reason}")
                                     .format(description=call.description, transaction_hash=transaction_hash,
                                             reason=f" ({reason})" if reason else ""))
        return Receipt(transaction_hash=transaction_hash, block_number=int(receipt["blockNumber"], 16),
                       gas_used=int(receipt["gasUsed"], 16), logs=tuple(receipt["logs"]))

    def _gas_for(self, transaction: dict) -> int:
        """The node's estimate with a margin, as wallets give one. An exact estimate is made on
        the latest block: when the transaction is mined in the next one, a storage write the
        estimate found unchanged (an `updated_at` of the same second) costs more, and the
        transaction runs out of gas (Vyper's reentrancy sentry is the first to say so)."""
        estimate = int(self.request("eth_estimateGas", [transaction, "pending"]), 16)
        padded = estimate * GAS_MARGIN_PERCENT // 100 + GAS_MARGIN_FLAT
        if padded > GAS_MARGIN_CHECKED_ABOVE:  # a big transaction: never more than a block holds
            block = self.request("eth_getBlockByNumber", ["latest", False]) or {}
            padded = min(padded, max(estimate, int(block.get("gasLimit", hex(padded)), 16)))
        return padded

    def sign_typed_data(self, typed_data: dict) -> bytes:
        import json

        try:
            signature = self.request("eth_signTypedData_v4", [self.address, json.dumps(typed_data, default=_json)])
        except _RpcError as error:
            raise SignerUnavailable(_("{address} could not sign: {message}").format(address=self.address, message=error.message)) from None
        return bytes.fromhex(signature.removeprefix("0x"))

    def _receipt(self, transaction_hash: str) -> dict:
        deadline = time.monotonic() + self.timeout
        while True:
            receipt = self.request("eth_getTransactionReceipt", [transaction_hash])
            if receipt is not None:
                return receipt
            if time.monotonic() > deadline:
                raise SignerUnavailable(_("the transaction {transaction_hash} was not mined within {timeout:g} s; it may still be; "
                                          "look it up before sending it again").format(transaction_hash=transaction_hash, timeout=self.timeout))
            time.sleep(0.05)


class _RpcError(Exception):
    def __init__(self, error: dict):
        super().__init__(error.get("message", ""))
        self.message = str(error.get("message", ""))
        self.data = error.get("data")

    def sentence(self) -> str:
        data = self.data
        if isinstance(data, dict):  # some nodes nest it: {"data": {"data": "0x..."}}
            data = data.get("data")
        if isinstance(data, str) and data.startswith("0x"):
            return sentence_of_revert(bytes.fromhex(data[2:]))
        return self.message.removeprefix("execution reverted: ") or "the transaction would revert"


def _json(value):
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    raise TypeError(f"{type(value).__name__} is not JSON")



def _plain_log(log) -> dict:
    """A log of an Ape receipt as the node gives it: address, topics and data in hex."""
    get = log.get if isinstance(log, dict) else lambda key, default=None: getattr(log, key, default)
    return {"address": hex_text(get("address")), "topics": [hex_text(t) for t in get("topics", ())],
            "data": hex_text(get("data", b""))}

