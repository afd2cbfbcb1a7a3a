"""Prepared actions: what a state-changing step sends (or has signed), as a value.

The library never sends a transaction by itself. Each action of the platform is first *prepared*
(after the checks only the client can make): the contract calls to make, each with its target,
calldata, value and a sentence in the user's terms, and any EIP-712 typed data to sign before
the calls can be built (a permit). Whoever holds the key then carries it out
(`dapp.chain.signers`): an Ape account on the command line, or the user's wallet in the browser.

    action = participants.approve(deployment, regulator, organization, Role.MANUFACTURER)
    action.calls[0].transaction(action.sender)   # {"from", "to", "data", "value"}: for any wallet
    carry_out(action, ApeSigner(account))        # dry-run, then sent; refusals as sentences
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from eth_abi import decode, encode
from eth_utils import keccak, to_checksum_address

from dapp.chain.deployment import Deployment
from dapp.errors import PlatformError
from dapp.formats import hex_text
from dapp.i18n import _


class ActionError(PlatformError):
    """An action that cannot be prepared as asked; the message says what to change."""


@dataclass(frozen=True)
class ContractCall:
    """One contract call of an action."""

    contract: str  # "Participants", "Tenders", ...
    function: str
    target: str  # the contract's address
    data: bytes  # the calldata
    description: str  # what it does, in the user's terms
    value: int = 0  # wei sent with it
    # Its dry run needs the calls before it carried out first (an allowance, say).
    after_previous: bool = False

    def transaction(self, sender: str) -> dict:
        """The call as `eth_sendTransaction` and an EIP-1193 wallet take it (quantities in hex)."""
        return {"from": sender, "to": self.target, "data": "0x" + self.data.hex(), "value": hex(self.value)}

    def sent_differently(self, sender: str, transaction: dict | None) -> str:
        """Why the transaction a wallet reported (`eth_getTransactionByHash`'s answer) is not this
        call sent by `sender`, or "" when it is: the sender, the target, the calldata and the value."""
        if not transaction:
            return _("the node does not know that transaction")
        differences = []
        sent_from, sent_to = str(transaction.get("from") or ""), str(transaction.get("to") or "")
        if sent_from.lower() != sender.lower():
            differences.append(_("it is from {account}").format(account=_readable_address(sent_from)))
        if sent_to.lower() != self.target.lower():
            differences.append(_("it is sent to {target}").format(
                target=_readable_address(sent_to) if sent_to else _("no contract")))
        if str(transaction.get("input") or transaction.get("data") or "0x").lower() != "0x" + self.data.hex():
            differences.append(_("it carries other data"))
        if int(str(transaction.get("value") or "0x0"), 16) != self.value:
            differences.append(_("it sends another amount"))
        return "; ".join(differences)

    def arguments(self) -> dict:
        """The calldata decoded back with the contract's ABI: {argument name: value}."""
        name, arguments = decode_calldata(self.contract, self.data)
        return arguments


@dataclass(frozen=True)
class SignatureRequest:
    """EIP-712 typed data the sender signs before the action's calls can be built."""

    typed_data: dict
    description: str


@dataclass(frozen=True)
class PreparedAction:
    """A state-changing step, ready for a signer: the calls, or first the signatures to ask for
    (then `complete` builds the action with the calls from them)."""

    sender: str
    description: str
    calls: tuple[ContractCall, ...] = ()
    to_sign: tuple[SignatureRequest, ...] = ()
    complete: Callable[[Sequence[bytes]], PreparedAction] | None = field(default=None, compare=False, repr=False)
    # What the caller gets back, read from the calls' receipts (a new tender's id, say).
    outcome: Callable[[Sequence[Receipt]], Any] | None = field(default=None, compare=False, repr=False)

    def with_signatures(self, signatures: Sequence[bytes]) -> PreparedAction:
        """The action whose calls carry `signatures` (one per `to_sign`, in order)."""
        if not self.to_sign:
            return self
        if len(signatures) != len(self.to_sign) or self.complete is None:
            raise ActionError(_("{description}: {to_sign} signature(s) needed, {signatures} given").format(description=self.description, to_sign=len(self.to_sign), signatures=len(signatures)))
        return self.complete(tuple(bytes(s) for s in signatures))


@dataclass(frozen=True)
class Event:
    """A decoded event of one of the platform's contracts; its arguments read as attributes."""

    contract: str
    name: str
    address: str
    args: dict

    def __getattr__(self, item: str):
        try:
            return self.__dict__["args"][item]
        except KeyError:
            raise AttributeError(item) from None


@dataclass(frozen=True)
class Receipt:
    """A mined transaction: its hash, block, gas and logs (as the node gave them, hex)."""

    transaction_hash: str
    block_number: int
    gas_used: int
    logs: tuple[dict, ...]

    def events(self, name: str | None = None) -> list[Event]:
        """The transaction's events of the platform's contracts (named `name`, if given)."""
        decoded = (decode_log(raw) for raw in self.logs)
        return [event for event in decoded if event is not None and (name is None or event.name == name)]

    def event(self, name: str) -> Event:
        """The one event `name` the transaction emitted."""
        found = self.events(name)
        if not found:
            raise ActionError(_("the transaction {transaction_hash} emitted no {name} event").format(transaction_hash=self.transaction_hash, name=name))
        return found[0]


def prepare_call(deployment: Deployment, contract: str, function: str, arguments: Sequence, description: str,
                 *, value: int = 0, after_previous: bool = False) -> ContractCall:
    """The call of `contract.function(*arguments)` on the deployment, its calldata encoded with
    the compiled ABI (no node needed)."""
    return call_at(deployment.address(contract), contract, function, arguments, description, value=value,
                   after_previous=after_previous)


def call_at(address: str, contract: str, function: str, arguments: Sequence, description: str, *, value: int = 0,
            after_previous: bool = False) -> ContractCall:
    """The call of `function` of the `contract` (its compiled ABI) deployed at `address`."""
    return ContractCall(contract=contract, function=function, target=to_checksum_address(str(address)),
                        data=encode_calldata(contract, function, arguments), description=description, value=value,
                        after_previous=after_previous)


def action(sender, description: str, *calls: ContractCall, outcome=None) -> PreparedAction:
    """A prepared action of `calls`, sent by `sender` (an address, or anything with `.address`)."""
    return PreparedAction(sender=address_of(sender), description=description, calls=tuple(calls), outcome=outcome)


def address_of(account) -> str:
    """The checksummed address of an account, contract or address string; a clear error otherwise."""
    text = str(getattr(account, "address", account))
    try:
        return to_checksum_address(text)
    except (ValueError, TypeError):
        raise ActionError(_("{text!r} is not an account address (0x followed by 40 hexadecimal digits)").format(text=text)) from None


# --- ABI ---------------------------------------------------------------------------------------


def encode_calldata(contract: str, function: str, arguments: Sequence) -> bytes:
    abi = _method(contract, function, len(arguments))
    try:
        return keccak(text=abi.selector)[:4] + encode([i.canonical_type for i in abi.inputs],
                                                      [_abi_value(a) for a in arguments])
    except Exception as error:  # noqa: BLE001 - eth_abi's errors name the type; ours names the call
        raise ActionError(_("cannot encode {contract}.{function}({repr}): {error}").format(contract=contract, function=function, repr=', '.join(map(repr, arguments)), error=error)) from None


def decode_calldata(contract: str, data: bytes) -> tuple[str, dict]:
    """(function name, {argument: value}) of calldata for `contract`."""
    contract_type = _contract_type(contract)
    for abi in contract_type.mutable_methods:
        if keccak(text=abi.selector)[:4] == bytes(data[:4]):
            values = decode([i.canonical_type for i in abi.inputs], bytes(data[4:]))
            return abi.name, {i.name: abi_value(i.canonical_type, v) for i, v in zip(abi.inputs, values)}
    raise ActionError(_("the calldata 0x{data}… calls no function of {contract}").format(data=bytes(data[:4]).hex(), contract=contract))


def decode_log(raw: dict) -> Event | None:
    """A raw log ({address, topics, data}, hex or bytes) as an Event, or None when it is not an
    event of the platform's contracts."""
    topics = [_bytes(topic) for topic in raw.get("topics", ())]
    if not topics:
        return None
    found = _events().get(topics[0])
    if found is None:
        return None
    contract, abi = found
    data = _bytes(raw.get("data", b""))
    values = iter(decode([i.canonical_type for i in abi.inputs if not i.indexed], data))
    indexed = iter(topics[1:])
    args = {}
    for item in abi.inputs:
        if item.indexed:
            topic = next(indexed)
            kind = item.canonical_type
            # a dynamic indexed value is only its hash in the topic
            args[item.name] = topic if _is_dynamic(kind) else abi_value(kind, decode([kind], topic)[0])
        else:
            args[item.name] = abi_value(item.canonical_type, next(values))
    return Event(contract=contract, name=abi.name, address=to_checksum_address(hex_text(raw.get("address", ""))), args=args)


_CONTRACTS = ("Participants", "Resources", "Custody", "Tenders", "PaymentToken")


@cache
def _contract_type(contract: str):
    from dapp.chain.connection import project

    return getattr(project(), contract).contract_type


@cache
def _method(contract: str, function: str, arity: int):
    candidates = [m for m in _contract_type(contract).mutable_methods if m.name == function]
    for abi in candidates:
        if len(abi.inputs) == arity:
            return abi
    if candidates:
        raise ActionError(_("{contract}.{function} takes {inputs} arguments, not {arity}").format(contract=contract, function=function, inputs=len(candidates[0].inputs), arity=arity))
    raise ActionError(_("{contract} has no state-changing function {function}").format(contract=contract, function=function))


@cache
def _events() -> dict[bytes, tuple[str, Any]]:
    found = {}
    for contract in _CONTRACTS:
        for abi in _contract_type(contract).events:
            found.setdefault(keccak(text=abi.selector), (contract, abi))
    return found


def abi_value(kind: str, value):
    """A decoded value as the platform shows it: addresses checksummed (eth_abi gives them in
    lower case), in arrays too."""
    if kind == "address":
        return to_checksum_address(value)
    if kind.endswith("]") and isinstance(value, (list, tuple)):
        inner = kind[: kind.rindex("[")]
        return [abi_value(inner, item) for item in value]
    if kind.startswith("(") and isinstance(value, tuple):
        return tuple(abi_value(part, item) for part, item in zip(_tuple_parts(kind), value))
    return value


def _tuple_parts(kind: str) -> list[str]:
    """"(bytes32,address,(uint8,bool)[])" -> ["bytes32", "address", "(uint8,bool)[]"]."""
    parts, depth, current = [], 0, ""
    for char in kind[1:-1]:
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
            continue
        depth += (char == "(") - (char == ")")
        current += char
    return parts + ([current] if current else [])


def _is_dynamic(kind: str) -> bool:
    return kind in ("string", "bytes") or kind.endswith("]") or kind.startswith("(")


def _abi_value(value):
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)  # roles, statuses and other enums of the contracts
    if hasattr(value, "address") and not isinstance(value, (str, bytes)):
        return str(value.address)
    if isinstance(value, (list, tuple)):
        return type(value)(_abi_value(v) for v in value) if isinstance(value, tuple) else [_abi_value(v) for v in value]
    return value


def _bytes(value) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    return bytes.fromhex(str(value).removeprefix("0x"))


def _readable_address(text: str) -> str:
    """An address as people compare them (checksummed), or the text as it came when it is none."""
    try:
        return to_checksum_address(text)
    except (ValueError, TypeError):
        return text
