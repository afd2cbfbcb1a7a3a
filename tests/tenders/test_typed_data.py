"""dapp.tenders.typed_data: the EIP-712 documents a supplier's wallet signs (a relayed bid, an
EIP-2612 permit), the sealed-bid commitment and its salt. Checked against hashes computed here
from the EIP-712 definition, without a chain, then against the contracts."""

import json

import pytest
from eth_abi import encode
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak

from dapp.errors import PlatformError
from dapp.tenders.typed_data import (
    BID_TYPE,
    DOMAIN_TYPE,
    PERMIT_TYPE,
    MalformedBytes32Error,
    bid_commitment,
    bid_typed_data,
    new_salt,
    permit_typed_data,
    sign_typed_data,
    typed_data_digest,
)

CHAIN_ID = 31337
TENDERS = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
TOKEN = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"
BIDDER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"  # BIDDER's (a well-known dev key)
SALT = bytes(range(32))
COMMITMENT = bytes.fromhex("11" * 32)

BID_TYPEHASH = keccak(b"Bid(uint256 tenderId,address bidder,bytes32 commitment,uint256 deadline)")
PERMIT_TYPEHASH = keccak(b"Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)")
DOMAIN_TYPEHASH = keccak(b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")


def domain_separator(name, version, chain_id, contract):
    return keccak(
        encode(
            ["bytes32", "bytes32", "bytes32", "uint256", "address"],
            [DOMAIN_TYPEHASH, keccak(name.encode()), keccak(version.encode()), chain_id, contract],
        )
    )


def eip712_digest(separator, struct_hash):
    return keccak(b"\x19\x01" + separator + struct_hash)


def expected_bid_digest(tender_id, bidder, commitment, deadline, chain_id=CHAIN_ID, contract=TENDERS):
    struct_hash = keccak(
        encode(["bytes32", "uint256", "address", "bytes32", "uint256"], [BID_TYPEHASH, tender_id, bidder, commitment, deadline])
    )
    return eip712_digest(domain_separator("MedChain Tenders", "1", chain_id, contract), struct_hash)


# --- without a chain -------------------------------------------------------------------------


def test_new_salt__32_random_bytes():
    salts = {new_salt() for _ in range(100)}

    assert len(salts) == 100
    assert all(isinstance(salt, bytes) and len(salt) == 32 for salt in salts)


def test_bid_commitment__keccak_of_abi_encoding():
    expected = keccak(encode(["uint256", "address", "uint256", "address", "uint256", "bytes32"],
                             [CHAIN_ID, TENDERS, 7, BIDDER, 850_000, SALT]))

    assert bid_commitment(CHAIN_ID, TENDERS, 7, BIDDER, 850_000, SALT) == expected
    assert bid_commitment(CHAIN_ID, TENDERS.lower(), 7, BIDDER.lower(), 850_000, "0x" + SALT.hex()) == expected


@pytest.mark.parametrize(
    "changed",
    [
        (CHAIN_ID + 1, TENDERS, 7, BIDDER, 850_000, SALT),
        (CHAIN_ID, BIDDER, 7, BIDDER, 850_000, SALT),
        (CHAIN_ID, TENDERS, 8, BIDDER, 850_000, SALT),
        (CHAIN_ID, TENDERS, 7, TENDERS, 850_000, SALT),
        (CHAIN_ID, TENDERS, 7, BIDDER, 850_001, SALT),
        (CHAIN_ID, TENDERS, 7, BIDDER, 850_000, b"\x00" * 32),
    ],
    ids=["chain", "contract", "tender", "bidder", "price", "salt"],
)
def test_bid_commitment__every_input_binds(changed):
    assert bid_commitment(*changed) != bid_commitment(CHAIN_ID, TENDERS, 7, BIDDER, 850_000, SALT)


@pytest.mark.parametrize("salt", [b"\x00" * 31, "0x" + "00" * 33], ids=["31 bytes", "33 bytes in hex"])
def test_bid_commitment__salt_not_32_bytes__says_what_to_do(salt):
    with pytest.raises(MalformedBytes32Error, match=r"the salt must be 32 bytes .*, not 3[13]: give the salt kept"):
        bid_commitment(CHAIN_ID, TENDERS, 7, BIDDER, 850_000, salt)


def test_bid_commitment__salt_not_hex__says_what_to_do():
    with pytest.raises(MalformedBytes32Error, match=r"the salt '0xsalt' is not hex: give the salt kept"):
        bid_commitment(CHAIN_ID, TENDERS, 7, BIDDER, 850_000, "0xsalt")


def test_bid_typed_data__commitment_not_32_bytes__says_what_to_do():
    with pytest.raises(MalformedBytes32Error, match=r"the commitment must be 32 bytes .*, not 20: compute it with bid_commitment"):
        bid_typed_data(CHAIN_ID, TENDERS, 7, BIDDER, b"\x11" * 20, 1_900_000_000)


def test_malformed_bytes32_error__a_platform_error_and_a_value_error():
    assert issubclass(MalformedBytes32Error, PlatformError)
    assert issubclass(MalformedBytes32Error, ValueError)


def test_bid_typed_data__the_whole_eip712_document():
    data = bid_typed_data(CHAIN_ID, TENDERS.lower(), 7, BIDDER.lower(), COMMITMENT, 1_900_000_000)

    assert data == {
        "types": {"EIP712Domain": DOMAIN_TYPE, "Bid": BID_TYPE},
        "primaryType": "Bid",
        "domain": {"name": "MedChain Tenders", "version": "1", "chainId": CHAIN_ID, "verifyingContract": TENDERS},
        "message": {"tenderId": 7, "bidder": BIDDER, "commitment": "0x" + "11" * 32, "deadline": 1_900_000_000},
    }
    assert [f["name"] for f in data["types"]["Bid"]] == ["tenderId", "bidder", "commitment", "deadline"]
    # What eth_signTypedData_v4 takes: plain JSON.
    assert json.loads(json.dumps(data)) == data


def test_bid_typed_data__digest_as_eip712_defines_it():
    data = bid_typed_data(CHAIN_ID, TENDERS, 7, BIDDER, COMMITMENT, 1_900_000_000)

    assert typed_data_digest(data) == expected_bid_digest(7, BIDDER, COMMITMENT, 1_900_000_000)


@pytest.mark.parametrize(
    "other",
    [
        {"tender_id": 8},
        {"chain_id": 1},
        {"tenders": TOKEN},
        {"deadline": 1_900_000_001},
        {"commitment": b"\x12" * 32},
        {"bidder": TENDERS},
    ],
    ids=["tender", "chain", "contract", "deadline", "commitment", "bidder"],
)
def test_bid_typed_data__every_field_changes_the_digest(other):
    base = {"chain_id": CHAIN_ID, "tenders": TENDERS, "tender_id": 7, "bidder": BIDDER, "commitment": COMMITMENT, "deadline": 1_900_000_000}

    assert typed_data_digest(bid_typed_data(**{**base, **other})) != typed_data_digest(bid_typed_data(**base))


def test_permit_typed_data__digest_as_eip2612_defines_it():
    data = permit_typed_data(CHAIN_ID, TOKEN, BIDDER, TENDERS, 10_000, 3, 1_900_000_000)

    struct_hash = keccak(
        encode(
            ["bytes32", "address", "address", "uint256", "uint256", "uint256"],
            [PERMIT_TYPEHASH, BIDDER, TENDERS, 10_000, 3, 1_900_000_000],
        )
    )
    assert data["primaryType"] == "Permit"
    assert data["types"] == {"EIP712Domain": DOMAIN_TYPE, "Permit": PERMIT_TYPE}
    assert data["domain"] == {"name": "Settlement Ruble", "version": "1", "chainId": CHAIN_ID, "verifyingContract": TOKEN}
    assert typed_data_digest(data) == eip712_digest(domain_separator("Settlement Ruble", "1", CHAIN_ID, TOKEN), struct_hash)


def test_sign_typed_data__recovers_to_the_signer():
    data = bid_typed_data(CHAIN_ID, TENDERS, 7, BIDDER, COMMITMENT, 1_900_000_000)

    signature, v, r, s = sign_typed_data(KEY, data)

    assert len(signature) == 65
    assert signature == r + s + bytes([v])
    assert v in (27, 28)
    assert Account.recover_message(encode_typed_data(full_message=data), signature=signature) == BIDDER


# --- against the contracts -------------------------------------------------------------------


@pytest.fixture
def tenders(project, deployer, participants, resources, custody, token):
    return project.Tenders.deploy(participants, resources, custody, token, sender=deployer)


def test_bid_digest__equals_tenders_bid_digest(chain, tenders):
    data = bid_typed_data(chain.chain_id, tenders, 7, BIDDER, COMMITMENT, 1_900_000_000)

    assert bytes(tenders.bidDigest(7, BIDDER, COMMITMENT, 1_900_000_000)) == typed_data_digest(data)
    assert typed_data_digest(data) == expected_bid_digest(7, BIDDER, COMMITMENT, 1_900_000_000, chain.chain_id, tenders.address)
    assert tenders.BID_TYPEHASH() == BID_TYPEHASH


def test_bid_commitment__equals_tenders_commitment_of(chain, tenders):
    assert bytes(tenders.commitmentOf(7, BIDDER, 850_000, SALT)) == bid_commitment(
        chain.chain_id, tenders.address, 7, BIDDER, 850_000, SALT)


def test_permit__accepted_by_the_payment_token(chain, token, tenders, hospital):
    nonce = token.nonces(hospital)
    deadline = chain.pending_timestamp + 3600
    data = permit_typed_data(chain.chain_id, token, hospital, tenders, 10_000, nonce, deadline)
    assert typed_data_digest(data) == eip712_digest(
        bytes(token.DOMAIN_SEPARATOR()),
        keccak(
            encode(
                ["bytes32", "address", "address", "uint256", "uint256", "uint256"],
                [PERMIT_TYPEHASH, hospital.address, tenders.address, 10_000, nonce, deadline],
            )
        ),
    )
    _, v, r, s = sign_typed_data(hospital.private_key, data)

    token.permit(hospital, tenders, 10_000, deadline, v, r, s, sender=hospital)

    assert token.allowance(hospital, tenders) == 10_000
    assert token.nonces(hospital) == nonce + 1
