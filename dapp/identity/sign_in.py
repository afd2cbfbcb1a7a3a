"""Sign-In with Ethereum (EIP-4361): the server issues a nonce, builds the message, and checks
what the wallet signed.

    book = NonceBook()                                    # one per server process
    text = sign_in_message(book, session_id, domain="dapp.example:8501", uri="https://dapp.example:8501",
                           address=account, chain_id=31337)
    signed_in = verify_sign_in(book, session_id, text, signature, domain="dapp.example:8501",
                               chain_id=31337, rpc_url="http://127.0.0.1:8545")

A nonce is random (secrets), issued to one browser session, used at most once and expires with
the message (minutes). The checks, each refused with its own sentence: the message parses; its
domain is the host the page was served from; its chain is the platform's; its nonce was issued
to this session, is not used yet and has not expired; the message has not expired; and the
signature is the account's: an EOA's (ecrecover) or, for a contract account, ERC-1271
`isValidSignature(hash, signature)` answering 0x1626ba7e through `eth_call`.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import requests
from eth_abi import encode
from eth_account import Account
from eth_account.messages import _hash_eip191_message, encode_defunct
from eth_utils import keccak, to_checksum_address

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


@dataclass(frozen=True)
class SiweMessage:
    """An EIP-4361 message: written and read here (the `siwe` package's ABNF grammar does not
    load with the installed `abnf` 2.9, and its regular-expression parser sits behind the same
    import). Only the fields the platform uses; a message with others does not parse."""

    domain: str
    address: str
    uri: str
    chain_id: int
    nonce: str
    issued_at: str
    statement: str = ""
    version: str = "1"
    expiration_time: datetime | str | None = None
    not_before: datetime | str | None = None

    def text(self) -> str:
        lines = [f"{self.domain} wants you to sign in with your Ethereum account:", self.address, ""]
        if self.statement:
            lines += [self.statement, ""]
        lines += [f"URI: {self.uri}", f"Version: {self.version}", f"Chain ID: {self.chain_id}", f"Nonce: {self.nonce}",
                  f"Issued At: {self.issued_at}"]
        if self.expiration_time:
            lines.append(f"Expiration Time: {self.expiration_time}")
        if self.not_before:
            lines.append(f"Not Before: {self.not_before}")
        return "\n".join(lines)

    @classmethod
    def parse(cls, text: str) -> SiweMessage:
        """The message's fields; ValueError when it is not an EIP-4361 message of this form."""
        match = _MESSAGE.fullmatch(text)
        if match is None:
            raise ValueError("not an EIP-4361 message")
        fields = match.groupdict()
        address = fields["address"]
        if to_checksum_address(address) != address:
            raise ValueError("the address is not in EIP-55 form")
        return cls(domain=fields["domain"], address=address, uri=fields["uri"], chain_id=int(fields["chain_id"]),
                   nonce=fields["nonce"], issued_at=fields["issued_at"], statement=fields["statement"] or "",
                   version=fields["version"], expiration_time=_moment(fields["expiration_time"]),
                   not_before=_moment(fields["not_before"]))


_MESSAGE = re.compile(
    r"(?P<domain>[^/?#\s]+) wants you to sign in with your Ethereum account:\n"
    r"(?P<address>0x[0-9a-fA-F]{40})\n\n"
    r"(?:(?P<statement>[^\n]+)\n\n)?"
    r"URI: (?P<uri>\S+)\n"
    r"Version: (?P<version>1)\n"
    r"Chain ID: (?P<chain_id>[0-9]+)\n"
    r"Nonce: (?P<nonce>[a-zA-Z0-9]{8,})\n"
    r"Issued At: (?P<issued_at>[0-9T:.\-+Z]+)"
    r"(?:\nExpiration Time: (?P<expiration_time>[0-9T:.\-+Z]+))?"
    r"(?:\nNot Before: (?P<not_before>[0-9T:.\-+Z]+))?")


def _moment(text: str | None) -> datetime | None:
    if text is None:
        return None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def sign_in_message(book: NonceBook, session: str, *, domain: str, uri: str, address: str, chain_id: int,
                    now: datetime | None = None, lifetime: float | None = None, statement: str = STATEMENT) -> str:
    """The EIP-4361 message for `address` to sign, with a new nonce issued to `session`."""
    now = now or datetime.now(timezone.utc)
    lifetime = book.lifetime if lifetime is None else lifetime
    return SiweMessage(domain=domain, address=to_checksum_address(address), statement=statement, uri=uri,
                       chain_id=int(chain_id), nonce=book.issue(session), issued_at=_iso(now),
                       expiration_time=_iso(now + timedelta(seconds=lifetime))).text()


def verify_sign_in(book: NonceBook, session: str, message: str, signature: str | bytes, *, domain: str,
                   chain_id: int, rpc_url: str | None = None, now: datetime | None = None) -> SignedIn:
    """Checks a signed sign-in message (see the module); the verified account, or SignInRefused."""
    try:
        parsed = SiweMessage.parse(message)
    except ValueError:
        raise SignInRefused(_("this is not a sign-in message (EIP-4361): sign the message the page gives you")) from None
    if parsed.domain != domain:
        raise SignInRefused(_("this sign-in message is for {other}, not for {domain}: a page of another site "
                              "asked for it").format(other=parsed.domain, domain=domain))
    if int(parsed.chain_id) != int(chain_id):
        raise SignInRefused(_("this sign-in message is for chain {other}, but the platform runs on chain "
                              "{chain_id}").format(other=parsed.chain_id, chain_id=chain_id))
    now = now or datetime.now(timezone.utc)
    if parsed.expiration_time is not None and now >= parsed.expiration_time:
        raise SignInRefused(_("this sign-in message has expired: sign in again with a new message"))
    if parsed.not_before is not None and now < parsed.not_before:
        raise SignInRefused(_("this sign-in message is not valid yet"))
    signature_bytes = _signature_bytes(signature)
    account = to_checksum_address(parsed.address)
    digest = _hash_eip191_message(encode_defunct(text=message))
    contract_wallet = False
    signer = _recover(digest, signature_bytes)
    if signer != account:
        if rpc_url is None or not _is_contract(rpc_url, account):
            raise SignInRefused(_("the signature is not {account}'s: it was made by another key").format(account=account))
        if not _erc1271_valid(rpc_url, account, digest, signature_bytes):
            raise SignInRefused(_("the contract account {account} does not accept this signature (ERC-1271)")
                                .format(account=account))
        contract_wallet = True
    book.use(session, parsed.nonce)  # last: a refused signature does not burn the nonce
    return SignedIn(account=account, chain_id=int(parsed.chain_id), domain=parsed.domain, nonce=parsed.nonce,
                    signed_in_at=time.time(), contract_wallet=contract_wallet)


def _signature_bytes(signature: str | bytes) -> bytes:
    if isinstance(signature, (bytes, bytearray)):
        return bytes(signature)
    try:
        return bytes.fromhex(str(signature).removeprefix("0x"))
    except ValueError:
        raise SignInRefused(_("the wallet's answer is not a signature")) from None


def _recover(digest: bytes, signature: bytes) -> str | None:
    if len(signature) != 65:
        return None
    try:
        return to_checksum_address(Account._recover_hash(digest, signature=signature))
    except Exception:  # noqa: BLE001 - a malformed signature recovers no one
        return None


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
