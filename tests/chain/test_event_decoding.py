"""The indexer's event decoder, generated per event from the ABI and reading the node's hex
directly: the very values the generic word reader gives (`_decode_fast`, JSON form), for every
type the platform's events use and the edge values of each."""

import pytest
from eth_abi import encode
from eth_utils import keccak, to_checksum_address

from dapp.chain.reader import _decode_fast, _Event, _hex_decoder

EVERY_TYPE = [
    ("who", "address", True),
    ("amount", "uint256", True),
    ("key", "bytes32", True),
    ("note_hash", "string", True),
    ("to", "address", False),
    ("flag", "bool", False),
    ("small", "uint8", False),
    ("delta", "int256", False),
    ("tag", "bytes4", False),
    ("root", "bytes32", False),
    ("label", "string", False),
    ("blob", "bytes", False),
    ("gtins", "uint256[]", False),
    ("holders", "address[]", False),
    ("roots", "bytes32[]", False),
]


def as_log(inputs, values):
    """(topics, data) as the node sends them (lowercase 0x hex) and as bytes."""
    topics = [keccak(text="Every()")]
    for (_, kind, indexed), value in zip(inputs, values):
        if indexed:
            topics.append(keccak(value.encode()) if kind == "string" else encode([kind], [value]))
    data = encode([kind for _, kind, indexed in inputs if not indexed],
                  [value for (_, _, indexed), value in zip(inputs, values) if not indexed])
    return ["0x" + topic.hex() for topic in topics], "0x" + data.hex(), topics, data


def expected(inputs, topics, data):
    return _decode_fast(_Event("Test", "Every", inputs), topics, data, json_values=True)


@pytest.mark.parametrize("values", [
    pytest.param([to_checksum_address("0x" + "ab" * 20), 2**256 - 1, b"\x01" * 32, "anything",
                  to_checksum_address("0x" + "00" * 19 + "01"), True, 255, -(2**255), b"\xde\xad\xbe\xef",
                  b"\xff" * 32, "Натрия хлорид 0,9 %", b"\x00\x01\x02", [0, 4607001120995, 2**256 - 1],
                  [to_checksum_address("0x" + "cd" * 20)], [b"\x11" * 32, b"\x22" * 32]], id="edge values"),
    pytest.param([to_checksum_address("0x" + "00" * 20), 0, b"\x00" * 32, "", to_checksum_address("0x" + "00" * 20),
                  False, 0, 0, b"\x00" * 4, b"\x00" * 32, "", b"", [], [], []], id="zeros and empties"),
    pytest.param([to_checksum_address("0x" + "7f" * 20), 1, b"\x80" + b"\x00" * 31, "x", to_checksum_address("0x" + "fe" * 20),
                  True, 1, -1, b"\x00\x00\x00\x01", b"\x00" * 31 + b"\x01", "a" * 100, bytes(range(256)), [1], [], [b"\x00" * 32]],
                 id="long dynamic values"),
])
def test_hex_decoder__every_type__same_as_the_word_reader(values):
    hex_topics, hex_data, topics, data = as_log(EVERY_TYPE, values)

    decoded = _hex_decoder(EVERY_TYPE)(hex_topics, hex_data)

    assert decoded == expected(EVERY_TYPE, topics, data)


def test_hex_decoder__values__as_json():
    values = [to_checksum_address("0x" + "ab" * 20), 7, b"\x01" * 32, "n", to_checksum_address("0x" + "cd" * 20), True,
              3, -5, b"\xca\xfe\x00\x01", b"\x02" * 32, "Ибупрофен", b"\x10", [1, 2], [to_checksum_address("0x" + "ef" * 20)],
              [b"\x03" * 32]]
    hex_topics, hex_data, _, _ = as_log(EVERY_TYPE, values)

    decoded = _hex_decoder(EVERY_TYPE)(hex_topics, hex_data)

    assert decoded == {
        "who": to_checksum_address("0x" + "ab" * 20), "amount": 7, "key": "0x" + "01" * 32,
        "note_hash": "0x" + keccak(b"n").hex(), "to": to_checksum_address("0x" + "cd" * 20), "flag": True, "small": 3,
        "delta": -5, "tag": "0xcafe0001", "root": "0x" + "02" * 32, "label": "Ибупрофен", "blob": "0x10",
        "gtins": [1, 2], "holders": [to_checksum_address("0x" + "ef" * 20)], "roots": ["0x" + "03" * 32],
    }


def test_hex_decoder__platform_event__shipped():
    inputs = [("shipmentId", "uint256", True), ("batchId", "bytes32", True), ("shipper", "address", True),
              ("consignee", "address", False), ("quantity", "uint256", False), ("tenderId", "uint256", False),
              ("documentCid", "string", False)]
    values = [42, b"\x33" * 32, to_checksum_address("0x" + "12" * 20), to_checksum_address("0x" + "34" * 20), 1000, 0,
              "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"]
    hex_topics, hex_data, topics, data = as_log(inputs, values)

    decoded = _hex_decoder(inputs)(hex_topics, hex_data)

    assert decoded == expected(inputs, topics, data)
    assert decoded["shipmentId"] == 42 and decoded["consignee"] == to_checksum_address("0x" + "34" * 20)
