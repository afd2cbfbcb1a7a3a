"""Transactions and view calls straight through web3, for the state machine, which makes
hundreds: no gas estimate, no receipt decoding, and no call trace of each revert (ape-foundry
prints one, taking about half a second). Tests that check one step use Ape."""

from eth_utils import keccak, to_checksum_address
from hexbytes import HexBytes

# Enough for any Tenders function; given, so that nothing is estimated first.
GAS = 2_000_000
TRANSFER_TOPIC = keccak(text="Transfer(address,address,uint256)")


def word_reader(chain, contract, caller):
    """A view call returning 32-byte words: a raw eth_call, much faster than Ape's formatting."""

    def read(method, *args):
        data = HexBytes(getattr(contract, method).encode_input(*args))
        call = {"from": caller.address, "to": contract.address, "data": data.to_0x_hex()}
        raw = HexBytes(chain.provider.make_request("eth_call", [call, "latest"]))
        return [int.from_bytes(raw[i : i + 32], "big") for i in range(0, len(raw), 32)]

    return read


def send(chain, contract, method, *args, sender):
    """Sends `contract.method(*args)` from `sender` (a test account the node holds the key of)
    and returns its receipt, whose `status` is 0 when it reverted."""
    web3 = chain.provider.web3
    data = HexBytes(getattr(contract, method).encode_input(*args)).to_0x_hex()
    tx_hash = web3.eth.send_transaction({"from": sender.address, "to": contract.address, "data": data, "gas": GAS})
    return web3.eth.wait_for_transaction_receipt(tx_hash)


def transfers(receipt, token):
    """The token's Transfer logs of a receipt, as (from, to, value)."""
    found = []
    for log in receipt["logs"]:
        topics = log["topics"]
        if to_checksum_address(log["address"]) == token.address and HexBytes(topics[0]) == TRANSFER_TOPIC:
            found.append(
                (
                    to_checksum_address(HexBytes(topics[1])[-20:]),
                    to_checksum_address(HexBytes(topics[2])[-20:]),
                    int.from_bytes(HexBytes(log["data"]), "big"),
                )
            )
    return found


def first_topic(receipt, contract):
    """The first indexed argument of the first log `contract` emitted in the receipt."""
    for log in receipt["logs"]:
        if to_checksum_address(log["address"]) == contract.address:
            return int.from_bytes(HexBytes(log["topics"][1]), "big")
    raise AssertionError(f"no log of {contract.address}")


def block_time(chain, receipt):
    return chain.provider.web3.eth.get_block(receipt["blockNumber"])["timestamp"]
