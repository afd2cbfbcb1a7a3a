"""EIP-712 typed data of the tender contract, in one place for Python and for the dApp's wallet.

`bid_typed_data` is what a supplier signs for `Tenders.commitBidBySig` and `permit_typed_data` the
EIP-2612 permit of the payment token that lets the relayed bid take its bid security (or lets a
hospital fund a tender, or a winner post its performance security, in one transaction). Both
return the whole JSON document `eth_signTypedData_v4` takes (domain, types with EIP712Domain,
primary type, message): JSON-ready, numbers as integers, bytes as 0x-hex strings.

A sealed bid is `bid_commitment(chain_id, tenders, tender_id, bidder, price, salt)`, keccak256
of abi.encode(uint256, address, uint256, address, uint256, bytes32), as `Tenders.commitmentOf`
computes it; the salt
comes from `new_salt` and must be kept until the reveal: without it the bid cannot be opened
and its security is forfeited.
"""

from __future__ import annotations

import secrets
from typing import Any

from eth_abi import encode
from eth_account.messages import _hash_eip191_message, encode_typed_data
from eth_utils import keccak, to_checksum_address

from dapp.errors import PlatformError
from dapp.i18n import _

TENDERS_NAME = "MedChain Tenders"
TENDERS_VERSION = "1"
TOKEN_NAME = "Settlement Ruble"
TOKEN_VERSION = "1"

DOMAIN_TYPE = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]
BID_TYPE = [
    {"name": "tenderId", "type": "uint256"},
    {"name": "bidder", "type": "address"},
    {"name": "commitment", "type": "bytes32"},
    {"name": "deadline", "type": "uint256"},
]
# The document a bidder signs to derive its sealed bid's salt (the salt is the signature's hash).
SALT_NAME = "MedChain Sealed Bid Salt"
SALT_VERSION = "1"
SALT_PURPOSE = ("This signature seals your bid: keep it to yourself. Sign it only on the MedChain tender page; "
                "it sends nothing and moves no money.")
SALT_TYPE = [
    {"name": "purpose", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "tenders", "type": "address"},
    {"name": "tenderId", "type": "uint256"},
    {"name": "bidder", "type": "address"},
]
PERMIT_TYPE = [
    {"name": "owner", "type": "address"},
    {"name": "spender", "type": "address"},
    {"name": "value", "type": "uint256"},
    {"name": "nonce", "type": "uint256"},
    {"name": "deadline", "type": "uint256"},
]

TypedData = dict[str, Any]

# What to do about a malformed 32-byte value, by what it is.
_BYTES32_HINTS = {
    "salt": "give the salt kept since the bid was committed (new_salt() makes a new one)",
    "commitment": "compute it with bid_commitment(chain_id, tenders, tender_id, bidder, price, salt)",
}


class MalformedBytes32Error(PlatformError, ValueError):
    """A salt or a commitment is not 32 bytes (or not hex)."""


def _address(account: Any) -> str:
    """A checksummed address from a string or anything with an `address` (an Ape account or
    contract)."""
    return to_checksum_address(getattr(account, "address", account))


def _bytes32(value: bytes | str, what: str) -> bytes:
    """`value` (bytes, or hex with or without 0x) as 32 bytes; `what` names it in the error."""
    try:
        raw = bytes.fromhex(value.removeprefix("0x")) if isinstance(value, str) else bytes(value)
    except ValueError:
        raise MalformedBytes32Error(_("the {what} {value!r} is not hex: {hints}").format(what=what, value=value, hints=_BYTES32_HINTS[what])) from None
    if len(raw) != 32:
        raise MalformedBytes32Error(
            _("the {what} must be 32 bytes (0x and 64 hex digits), not {raw}: {hints}").format(what=what, raw=len(raw), hints=_BYTES32_HINTS[what])
        )
    return raw


def _domain(name: str, version: str, chain_id: int, verifying_contract: Any) -> dict[str, Any]:
    return {
        "name": name,
        "version": version,
        "chainId": int(chain_id),
        "verifyingContract": _address(verifying_contract),
    }


def salt_typed_data(chain_id: int, tenders: Any, tender_id: int, bidder: Any) -> TypedData:
    """The EIP-712 document whose signature by `bidder` gives the salt of its bid on `tender_id`
    of the `tenders` contract on chain `chain_id`: another chain, contract, tender or bidder gives
    another document, so another salt."""
    return {
        "types": {"EIP712Domain": DOMAIN_TYPE, "SealedBidSalt": SALT_TYPE},
        "primaryType": "SealedBidSalt",
        "domain": _domain(SALT_NAME, SALT_VERSION, chain_id, tenders),
        "message": {"purpose": SALT_PURPOSE, "chainId": int(chain_id), "tenders": _address(tenders),
                    "tenderId": int(tender_id), "bidder": _address(bidder)},
    }


def salt_of_signature(signature: bytes) -> bytes:
    """The salt a signature of `salt_typed_data` gives: keccak256 of its 65 bytes."""
    return keccak(bytes(signature))


def new_salt() -> bytes:
    """32 random bytes from the operating system's CSPRNG: the secret that seals a bid."""
    return secrets.token_bytes(32)


def bid_commitment(chain_id: int, tenders: Any, tender_id: int, bidder: Any, price: int, salt: bytes | str) -> bytes:
    """keccak256(abi.encode(chainId, tenders, tenderId, bidder, price, salt)): the sealed bid, as
    `Tenders.commitmentOf` computes it. It names the chain and the tender contract, so a bid
    seen on one deployment opens on no other."""
    return keccak(
        encode(["uint256", "address", "uint256", "address", "uint256", "bytes32"],
               [int(chain_id), _address(tenders), int(tender_id), _address(bidder), int(price), _bytes32(salt, "salt")])
    )


def bid_typed_data(
    chain_id: int, tenders: Any, tender_id: int, bidder: Any, commitment: bytes | str, deadline: int
) -> TypedData:
    """The EIP-712 document of a relayed bid: `Bid(uint256 tenderId,address bidder,bytes32
    commitment,uint256 deadline)` in the domain {"MedChain Tenders", "1", chain_id, tenders}."""
    return {
        "types": {"EIP712Domain": DOMAIN_TYPE, "Bid": BID_TYPE},
        "primaryType": "Bid",
        "domain": _domain(TENDERS_NAME, TENDERS_VERSION, chain_id, tenders),
        "message": {
            "tenderId": int(tender_id),
            "bidder": _address(bidder),
            "commitment": "0x" + _bytes32(commitment, "commitment").hex(),
            "deadline": int(deadline),
        },
    }


def permit_typed_data(
    chain_id: int,
    token: Any,
    owner: Any,
    spender: Any,
    value: int,
    nonce: int,
    deadline: int,
    *,
    name: str = TOKEN_NAME,
    version: str = TOKEN_VERSION,
) -> TypedData:
    """The EIP-2612 `Permit` document of the payment token (`owner` lets `spender`, the tender
    contract, take `value`); `nonce` is `token.nonces(owner)`."""
    return {
        "types": {"EIP712Domain": DOMAIN_TYPE, "Permit": PERMIT_TYPE},
        "primaryType": "Permit",
        "domain": _domain(name, version, chain_id, token),
        "message": {
            "owner": _address(owner),
            "spender": _address(spender),
            "value": int(value),
            "nonce": int(nonce),
            "deadline": int(deadline),
        },
    }


def typed_data_digest(typed_data: TypedData) -> bytes:
    """The 32-byte EIP-712 digest of a document: keccak256(0x1901 ‖ domainSeparator ‖
    structHash), what the wallet signs and what `Tenders.bidDigest` returns for a bid."""
    return _hash_eip191_message(encode_typed_data(full_message=typed_data))


def sign_typed_data(private_key: Any, typed_data: TypedData) -> tuple[bytes, int, bytes, bytes]:
    """Signs a document with a local key (dev keys, tests): (65-byte signature r ‖ s ‖ v, v, r,
    s). A browser wallet signs the same document with `eth_signTypedData_v4`."""
    from eth_account import Account

    signed = Account.sign_typed_data(private_key, full_message=typed_data)
    r, s = signed.r.to_bytes(32, "big"), signed.s.to_bytes(32, "big")
    return bytes(signed.signature), signed.v, r, s
