"""On the seeded demo chain: a contract wallet signs in (ERC-1271), the seeded organizations'
standing, and dev mode allowed only on this very local chain."""

import os
from dataclasses import replace

import pytest
import requests
from eth_abi import encode

from dapp.chain.connection import deployment_at
from dapp.chain.reader import ChainReader
from dapp.demo.world import ORGANIZATIONS
from dapp.identity import (DevModeRefused, NonceBook, SignInRefused, demo_identities, dev_mode_at, dev_mode_status,
                           sign_in_message, standing_of, verify_sign_in)
from dapp.roles import Role, Status

DOMAIN = "127.0.0.1:8501"

# A contract account that accepts what its owner's key signed (ERC-1271), for the test only.
CONTRACT_WALLET = """
# pragma version ~=0.4.3
owner: public(address)

@deploy
def __init__(owner: address):
    self.owner = owner

@external
@view
def isValidSignature(digest: bytes32, signature: Bytes[65]) -> bytes4:
    r: uint256 = convert(slice(signature, 0, 32), uint256)
    s: uint256 = convert(slice(signature, 32, 32), uint256)
    v: uint256 = convert(slice(signature, 64, 1), uint256)
    if ecrecover(digest, v, r, s) == self.owner:
        return 0x1626ba7e
    return 0xffffffff
"""


@pytest.fixture(scope="module")
def chain(demo_chain):
    saved = os.environ.get("MEDCHAIN_DATA")
    os.environ["MEDCHAIN_DATA"] = str(demo_chain.data)
    yield demo_chain
    if saved is None:
        os.environ.pop("MEDCHAIN_DATA", None)
    else:
        os.environ["MEDCHAIN_DATA"] = saved


def personal_sign(chain, account: str, text: str) -> str:
    return chain.rpc("personal_sign", "0x" + text.encode().hex(), account)


def mined(chain, transaction_hash: str) -> dict:
    for _ in range(100):
        receipt = chain.rpc("eth_getTransactionReceipt", transaction_hash)
        if receipt:
            return receipt
    raise AssertionError("not mined")


def test_sign_in__an_eoa_on_the_chain(chain):
    account = chain.accounts[7]
    book = NonceBook()
    text = sign_in_message(book, "s", domain=DOMAIN, uri=f"http://{DOMAIN}", address=account, chain_id=31337)
    signed_in = verify_sign_in(book, "s", text, personal_sign(chain, account, text), domain=DOMAIN, chain_id=31337,
                               rpc_url=chain.url)
    assert signed_in.account.lower() == account.lower() and not signed_in.contract_wallet


def test_sign_in__a_contract_wallet__erc1271(chain):
    import vyper

    owner, stranger = chain.accounts[12], chain.accounts[13]
    compiled = vyper.compile_code(CONTRACT_WALLET, output_formats=["bytecode"])
    deploy = compiled["bytecode"] + encode(["address"], [owner]).hex()
    receipt = mined(chain, chain.rpc("eth_sendTransaction", {"from": owner, "data": deploy}))
    wallet = receipt["contractAddress"]
    from eth_utils import to_checksum_address

    wallet = to_checksum_address(wallet)
    book = NonceBook()
    text = sign_in_message(book, "s", domain=DOMAIN, uri=f"http://{DOMAIN}", address=wallet, chain_id=31337)
    with pytest.raises(SignInRefused, match="does not accept this signature"):
        verify_sign_in(book, "s", text, personal_sign(chain, stranger, text), domain=DOMAIN, chain_id=31337,
                       rpc_url=chain.url)
    signed_in = verify_sign_in(book, "s", text, personal_sign(chain, owner, text), domain=DOMAIN, chain_id=31337,
                               rpc_url=chain.url)
    assert signed_in.account == wallet and signed_in.contract_wallet
    with pytest.raises(SignInRefused, match="already used"):
        verify_sign_in(book, "s", text, personal_sign(chain, owner, text), domain=DOMAIN, chain_id=31337,
                       rpc_url=chain.url)


def test_standing__of_the_seeded_organizations(chain):
    reader = ChainReader(deployment_at(chain.url), chain.url)
    accounts = chain.accounts
    by_key = {organization.key: organization for organization in ORGANIZATIONS}
    hospital = standing_of(reader, accounts[by_key["gkb1"].account_index])
    assert hospital.name == by_key["gkb1"].name and hospital.status == Status.ACTIVE
    assert hospital.roles == Role.MEDICAL_ORGANIZATION and hospital.role_names == ["medical organization"]
    assert hospital.has_role(Role.MEDICAL_ORGANIZATION) and not hospital.has_role(Role.SUPPLIER)
    assert hospital.token_balance is not None and hospital.token_balance >= 0
    distributor = standing_of(reader, accounts[by_key["centrpharm"].account_index])
    assert distributor.role_names == ["distributor", "supplier"] and distributor.status_name == "active"
    assert standing_of(reader, accounts[by_key["farmsintez"].account_index]).status == Status.SUSPENDED
    applied = standing_of(reader, accounts[by_key["medtechimport"].account_index])
    assert applied.status == Status.APPLIED and not applied.has_role(Role.SUPPLIER)
    nobody = standing_of(reader, accounts[19])
    assert not nobody.registered and nobody.display_name == "no organization registered"


def test_dev_mode__allowed_only_on_the_local_chain_of_the_record(chain):
    deployment = deployment_at(chain.url)
    assert dev_mode_at(chain.url, {"MEDCHAIN_DEV_MODE": "1"}).allowed
    off = dev_mode_at(chain.url, {})
    assert not off.allowed and "MEDCHAIN_DEV_MODE=1" in off.reason
    other_genesis = dev_mode_status(True, 31337, "0x" + "ab" * 32, deployment)
    assert not other_genesis.allowed and "genesis" in other_genesis.reason
    with pytest.raises(DevModeRefused, match="genesis"):
        other_genesis.require()
    mainnet = dev_mode_status(True, 1, deployment.genesis_hash, replace(deployment, chain_id=1))
    assert not mainnet.allowed and "not the local chain's 31337" in mainnet.reason
    assert not dev_mode_status(True, 31337, deployment.genesis_hash, None).allowed


def test_dev_mode__refused_on_a_fresh_anvil_with_the_same_chain_id(chain, anvil_chain):
    """Another local chain (chain id 31337 too) whose genesis is not the deployment's."""
    url = anvil_chain[1]["MEDCHAIN_RPC_URL"]
    status = dev_mode_at(url, {"MEDCHAIN_DEV_MODE": "1"})
    assert not status.allowed and "genesis" in status.reason


def test_demo_identities__the_seeded_organizations_and_their_dev_accounts(chain):
    identities = demo_identities(chain.url)
    assert [identity.key for identity in identities] == [organization.key for organization in ORGANIZATIONS]
    assert identities[0].account.lower() == chain.accounts[0].lower() and identities[0].roles == Role.REGULATOR
