"""Sign-In with Ethereum (EIP-4361): the server issues a nonce, builds the message, and checks
what the wallet signed.

    book = NonceBook()                                    # one per server process
    text = sign_in_message(book, session_id, domain="dapp.example:8501", uri="https://dapp.example:8501",
                           address=account, chain_id=31337)
    signed_in = verify_sign_in(book, session_id, text, signature, domain="dapp.example:8501",
                               chain_id=31337, rpc_url="http://127.0.0.1:8545")

The message is written and read by the `siwe` package (`SiweMessage.prepare_message()`,
`SiweMessage.from_message()` with its EIP-4361 ABNF grammar and field checks), and the package's
`verify()` checks the domain, the expiration and not-before times and an EOA's signature. The
platform adds what the package leaves to its user: the chain id, and the nonces. A nonce is random
(secrets), issued to one browser session, used at most once and expires with the message
(minutes); the book of them is the server's (`NonceBook`). A contract account's signature is
checked here too, ERC-1271 `isValidSignature(hash, signature)` answering 0x1626ba7e through
`eth_call`, not by the package's provider path (`verify(..., provider=...)`): that one refuses
without asking the contract when eth_account's recovery raises a ValidationError (a 130-byte
all-zero signature, say), and lets eth_keys' BadSignature (r = s = 0) and a silent node's
ConnectionError out. Every refusal is a sentence of its own (SignInRefused), the package's
reasons turned into ours.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import requests
import siwe
from eth_abi import encode
from eth_account.messages import _hash_eip191_message, encode_defunct
from eth_keys.exceptions import BadSignature
from eth_utils import keccak, to_checksum_address
from pydantic import ValidationError
from siwe import (DomainMismatch, ExpiredMessage, InvalidSignature, ISO8601Datetime, NotYetValidMessage,
                  VerificationError)

from dapp.errors import PlatformError
from dapp.i18n import _

# How long a sign-in message (and its nonce) stays valid.
MESSAGE_LIFETIME = 5 * 60
ERC1271_MAGIC = bytes.fromhex("1626ba7e")
ERC1271_SELECTOR = keccak(text="isValidSignature(bytes32,bytes)")[:4]
STATEMENT = "Sign in to MedChain. This signature sends nothing and moves no money."


class SignInRefused(PlatformError):
    """A sign-in that cannot be accepted; the message says why, in words."""


@dataclass(frozen=True)
class SignedIn:
    """A verified sign-in: the account the session acts for from now on."""

    account: str
    chain_id: int
    domain: str
    nonce: str
    signed_in_at: float
    contract_wallet: bool = False  # signed by ERC-1271, not by an EOA key


@dataclass
class _Issued:
    session: str
    expires_at: float
    used: bool = False


class NonceBook:
    """The nonces a server process issued: to which browser session, until when, and whether
    one was used. Safe across threads (Streamlit runs sessions on many)."""

    def __init__(self, lifetime: float = MESSAGE_LIFETIME, clock=time.time):
        self.lifetime = lifetime
        self.clock = clock
        self._issued: dict[str, _Issued] = {}
        self._lock = threading.Lock()

    def issue(self, session: str) -> str:
        """A new random nonce (alphanumeric, 128 bits) for `session`."""
        nonce = secrets.token_hex(16)
        with self._lock:
            self._forget_old()
            self._issued[nonce] = _Issued(session=session, expires_at=self.clock() + self.lifetime)
        return nonce

    def use(self, session: str, nonce: str) -> None:
        """Marks `nonce` used by `session`; refuses one never issued to it, used or expired."""
        with self._lock:
            issued = self._issued.get(nonce)
            if issued is None or issued.session != session:
                raise SignInRefused(_("this sign-in message carries a nonce this server never issued to your "
                                      "session: sign the message the page gives you"))
            if issued.used:
                raise SignInRefused(_("this sign-in message was already used (a replay): sign in again with a new "
                                      "message"))
            if self.clock() >= issued.expires_at:
                raise SignInRefused(_("this sign-in message has expired: sign in again with a new message"))
            issued.used = True

    def _forget_old(self) -> None:
        # Used and expired nonces are kept a while longer, so that a replay reads as one.
        horizon = self.clock() - 10 * self.lifetime
        for nonce in [n for n, issued in self._issued.items() if issued.expires_at < horizon]:
            del self._issued[nonce]


def sign_in_message(book: NonceBook, session: str, *, domain: str, uri: str, address: str, chain_id: int,
                    now: datetime | None = None, lifetime: float | None = None, statement: str = STATEMENT) -> str:
    """The EIP-4361 message for `address` to sign, with a new nonce issued to `session` (written by
    the `siwe` package: `SiweMessage(...).prepare_message()`)."""
    now = _aware(now)
    lifetime = book.lifetime if lifetime is None else lifetime
    return siwe.SiweMessage(
        domain=domain, address=to_checksum_address(address), statement=statement or None, uri=uri, version="1",
        chain_id=int(chain_id), nonce=book.issue(session), issued_at=ISO8601Datetime.from_datetime(now),
        expiration_time=ISO8601Datetime.from_datetime(now + timedelta(seconds=lifetime))).prepare_message()


def verify_sign_in(book: NonceBook, session: str, message: str, signature: str | bytes, *, domain: str,
                   chain_id: int, rpc_url: str | None = None, now: datetime | None = None) -> SignedIn:
    """Checks a signed sign-in message (see the module); the verified account, or SignInRefused."""
    parsed = _parse(message)
    if int(parsed.chain_id) != int(chain_id):
        raise SignInRefused(_("this sign-in message is for chain {other}, but the platform runs on chain "
                              "{chain_id}").format(other=parsed.chain_id, chain_id=chain_id))
    signature_bytes = _signature_bytes(signature)
    account = to_checksum_address(parsed.address)
    contract_wallet = False
    failed = _package_verdict(parsed, signature_bytes, domain=domain, now=_aware(now))
    if isinstance(failed, DomainMismatch):
        raise SignInRefused(_("this sign-in message is for {other}, not for {domain}: a page of another site "
                              "asked for it").format(other=parsed.domain, domain=domain))
    if isinstance(failed, ExpiredMessage):
        raise SignInRefused(_("this sign-in message has expired: sign in again with a new message"))
    if isinstance(failed, NotYetValidMessage):
        raise SignInRefused(_("this sign-in message is not valid yet"))
    if isinstance(failed, InvalidSignature):
        if rpc_url is None or not _is_contract(rpc_url, account):
            raise SignInRefused(_("the signature is not {account}'s: it was made by another key")
                                .format(account=account))
        digest = _hash_eip191_message(encode_defunct(text=message))
        if not _erc1271_valid(rpc_url, account, digest, signature_bytes):
            raise SignInRefused(_("the contract account {account} does not accept this signature (ERC-1271)")
                                .format(account=account))
        contract_wallet = True
    elif failed is not None:  # a check the package may add: refused, never let through
        raise SignInRefused(_("this is not a sign-in message (EIP-4361): sign the message the page gives you"))
    book.use(session, parsed.nonce)  # last: a refused signature does not burn the nonce
    return SignedIn(account=account, chain_id=int(parsed.chain_id), domain=parsed.domain, nonce=parsed.nonce,
                    signed_in_at=time.time(), contract_wallet=contract_wallet)


# The line of the message each field of `siwe.SiweMessage` is read from, as the wallet shows it.
_FIELD_LINES = {"scheme": "scheme", "domain": "domain", "address": "address", "statement": "statement",
                "uri": "URI", "version": "Version", "chain_id": "Chain ID", "nonce": "Nonce",
                "issued_at": "Issued At", "expiration_time": "Expiration Time", "not_before": "Not Before",
                "request_id": "Request ID", "resources": "Resources"}


def _parse(message: str) -> siwe.SiweMessage:
    """The message read by the `siwe` package (its EIP-4361 ABNF grammar, then its field checks),
    or SignInRefused naming what the package found wrong."""
    try:
        parsed = siwe.SiweMessage.from_message(str(message))
    except ValidationError as error:  # the grammar matched; a field's value did not pass (pydantic)
        errors = error.errors()
        field = str(errors[0]["loc"][0]) if errors and errors[0].get("loc") else ""
        raise SignInRefused(_("this sign-in message's {field} is not valid (EIP-4361): sign the message the page "
                              "gives you").format(field=_FIELD_LINES.get(field, field or "?"))) from None
    except ValueError:  # the text does not follow the EIP-4361 grammar
        raise SignInRefused(_("this is not a sign-in message (EIP-4361): sign the message the page gives "
                              "you")) from None
    if parsed.prepare_message() != message:
        # The package checks a signature against the message as it writes it again: the two must
        # be the same text, or it would judge another text than the one signed.
        raise SignInRefused(_("this is not a sign-in message (EIP-4361): sign the message the page gives "
                              "you"))
    return parsed


def _package_verdict(parsed: siwe.SiweMessage, signature: bytes, *, domain: str,
                     now: datetime) -> VerificationError | None:
    """What the package's `verify()` finds wrong (None: nothing): the domain, the expiration and
    not-before times, then an EOA's signature. No provider: a contract account is checked here."""
    try:
        parsed.verify("0x" + signature.hex(), domain=domain, timestamp=now)
    except VerificationError as failure:
        return failure
    except BadSignature:  # its ecrecover lets eth_keys' refusal out (r = s = 0): it recovers no one
        return InvalidSignature()
    return None


def _aware(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(timezone.utc)
    return now if now.tzinfo else now.replace(tzinfo=timezone.utc)


def _signature_bytes(signature: str | bytes) -> bytes:
    if isinstance(signature, (bytes, bytearray)):
        return bytes(signature)
    try:
        return bytes.fromhex(str(signature).removeprefix("0x"))
    except ValueError:
        raise SignInRefused(_("the wallet's answer is not a signature")) from None


def _rpc(rpc_url: str, method: str, params: list):
    try:
        answer = requests.post(rpc_url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params},
                               timeout=10).json()
    except (requests.RequestException, ValueError):
        raise SignInRefused(_("the chain's node at {uri} does not answer, so a contract account's signature "
                              "cannot be checked").format(uri=rpc_url)) from None
    return answer


def _is_contract(rpc_url: str, account: str) -> bool:
    code = _rpc(rpc_url, "eth_getCode", [account, "latest"]).get("result") or "0x"
    return len(code) > 2


def _erc1271_valid(rpc_url: str, account: str, digest: bytes, signature: bytes) -> bool:
    data = ERC1271_SELECTOR + encode(["bytes32", "bytes"], [digest, signature])
    answer = _rpc(rpc_url, "eth_call", [{"to": account, "data": "0x" + data.hex()}, "latest"])
    result = answer.get("result")
    if not isinstance(result, str) or len(result) < 10:
        return False
    return bytes.fromhex(result[2:10]) == ERC1271_MAGIC
