"""Every contract's refusals read as sentences, whatever shape the revert reaches us in."""

import pytest
from eth_abi import encode
from eth_utils import keccak

from dapp.chain.refusals import _revert_data, explain, reason, sentence_of_revert


def error_data(signature: str, types: list[str], values: list) -> bytes:
    return keccak(text=signature)[:4] + encode(types, values)


HOLDER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
INSUFFICIENT = error_data("InsufficientBalance(bytes32,address,uint256,uint256)",
                          ["bytes32", "address", "uint256", "uint256"], [b"\x01" * 32, HOLDER, 8, 9])


def test_sentence_of_revert__reason_string__the_string():
    data = bytes.fromhex("08c379a0") + encode(["string"], ["participants: caller is not an active regulator"])

    assert sentence_of_revert(data) == "participants: caller is not an active regulator"


def test_sentence_of_revert__panic__what_failed():
    data = bytes.fromhex("4e487b71") + encode(["uint256"], [0x11])

    assert sentence_of_revert(data) == "the contract failed: an arithmetic overflow or underflow (Panic 0x11)"


def test_sentence_of_revert__custom_error_of_any_contract__its_sentence_with_checksummed_addresses():
    assert sentence_of_revert(INSUFFICIENT) == (
        f"{HOLDER} holds 8 units of the batch, 9 are needed (InsufficientBalance)")
    owner = error_data("OwnableUnauthorizedAccount(address)", ["address"], [HOLDER])
    assert sentence_of_revert(owner) == f"{HOLDER} is not the owner of the contract (OwnableUnauthorizedAccount)"


@pytest.mark.parametrize("data, expected", [
    (b"", "reverted without a reason"),
    (bytes.fromhex("deadbeef") + b"\x00" * 32, "data the platform's contracts do not define (0xdeadbeef"),
    (INSUFFICIENT[:20], "data the platform's contracts do not define"),
], ids=["empty", "unknown-selector", "truncated-arguments"])
def test_sentence_of_revert__unreadable__says_so(data, expected):
    assert expected in sentence_of_revert(data)


def test_explain__unknown_error__name_and_arguments():
    assert explain("SomethingElse", {"a": 1, "b": "x"}) == "SomethingElse(a=1, b=x)"


@pytest.mark.parametrize("message", [
    "0x" + INSUFFICIENT.hex(),
    repr(INSUFFICIENT),
    f"custom error 0x{INSUFFICIENT[:4].hex()}: {INSUFFICIENT[4:].hex()}",
    f"custom error 0x{INSUFFICIENT[:4].hex()}: {INSUFFICIENT[4:].decode('latin-1')}",
], ids=["hex", "bytes-literal", "anvil-hex", "anvil-raw"])
def test_revert_data__every_shape_ape_leaves__the_bytes(message):
    assert _revert_data(message) == INSUFFICIENT


def test_revert_data__anvil_arguments_read_as_utf8__the_bytes():
    # A deadline whose bytes form a UTF-8 sequence (0xca 0xac: "ʬ") reaches the client as that
    # character, which latin-1 cannot encode (seen with RevealNotOver on anvil).
    data = bytes.fromhex("cc7d6bb4") + (1).to_bytes(32, "big") + bytes.fromhex("6b22caac").rjust(32, b"\0")
    message = f"custom error 0x{data[:4].hex()}: {data[4:].decode('utf-8')}"

    assert _revert_data(message) == data
    assert sentence_of_revert(data).endswith("award it after that (RevealNotOver)")


def test_reason__web3_error_kept_by_ape__decoded():
    class Web3Error(Exception):
        data = "0x" + INSUFFICIENT.hex()

    class ApeError(Exception):
        base_err = Web3Error()
        revert_message = "something unreadable"
        message = "something unreadable"

    assert reason(ApeError()).endswith("(InsufficientBalance)")


def test_sentence_of_revert__quorum_and_prefix_refusals__in_words():
    for message, words in [
        ("resources: company prefix of another manufacturer", "assigned to another manufacturer"),
        ("resources: company prefix not assigned to the caller", "a regulator assigns it first"),
        ("participants: action already confirmed", "quorum of the active regulators"),
    ]:
        data = bytes.fromhex("08c379a0") + encode(["string"], [message])
        sentence = sentence_of_revert(data)
        assert words in sentence
        assert sentence.endswith(f"({message})")
