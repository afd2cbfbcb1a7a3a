"""A contract's refusal, decoded as a sentence in the language of whoever asked."""

import pytest
from eth_abi import encode
from eth_utils import keccak

from dapp.chain.refusals import explain, sentence_of_revert
from dapp.i18n import use_language

HOLDER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"


def error_data(signature: str, types: list[str], values: list) -> bytes:
    return keccak(text=signature)[:4] + encode(types, values)


INSUFFICIENT = error_data("InsufficientBalance(bytes32,address,uint256,uint256)",
                          ["bytes32", "address", "uint256", "uint256"], [b"\x01" * 32, HOLDER, 8, 9])


def reason_string(text: str) -> bytes:
    return bytes.fromhex("08c379a0") + encode(["string"], [text])


@pytest.mark.parametrize("data, english, russian", [
    (INSUFFICIENT, f"{HOLDER} holds 8 units of the batch, 9 are needed (InsufficientBalance)",
     f"у {HOLDER} 8 ед. серии, требуется 9 (InsufficientBalance)"),
    (bytes.fromhex("4e487b71") + encode(["uint256"], [0x11]),
     "the contract failed: an arithmetic overflow or underflow (Panic 0x11)",
     "сбой контракта: арифметическое переполнение (Panic 0x11)"),
    (b"", "the transaction reverted without a reason", "транзакция отменена без указания причины"),
    (reason_string("participants: caller is not an active regulator"),
     "participants: caller is not an active regulator",
     "вызывающий не является действующим регулятором (participants: caller is not an active regulator)"),
    (reason_string("resources: prefix length out of range"),
     "a GS1 company prefix has 6 to 12 digits (resources: prefix length out of range)",
     "префикс компании GS1 содержит от 6 до 12 цифр (resources: prefix length out of range)"),
], ids=["custom-error", "panic", "empty", "reason-string", "reason-string-with-sentence"])
def test_sentence_of_revert__each_language(data, english, russian):
    with use_language("en"):
        assert sentence_of_revert(data) == english
    with use_language("ru"):
        assert sentence_of_revert(data) == russian


def test_explain__tender_status_and_role_words_translated():
    inputs = {"tenderId": 3, "status": 2}
    with use_language("ru"):
        assert explain("WrongStatus", inputs) == "тендер 3: победитель определён; этот шаг недопустим (WrongStatus)"
        assert "«медицинская организация»" in explain("ParticipantNotActive", {"account": HOLDER, "role": 8})
    assert explain("WrongStatus", inputs) == "tender 3 is awarded, which does not allow this step (WrongStatus)"


def test_explain__unknown_error__name_and_arguments_in_any_language():
    with use_language("ru"):
        assert explain("SomethingElse", {"a": 1}) == "SomethingElse(a=1)"
