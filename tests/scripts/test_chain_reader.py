"""The raw JSON-RPC reader and the followed logs, against an anvil with the platform deployed:
the same values as web3 decodes, incremental refreshes without duplicates, reorgs rolled
back, and clear errors from a node that is down or refuses."""

import pytest
from eth_utils import to_checksum_address

from dapp.chain.reader import ChainReader, ChainUnreachable, FollowedLogs
from dapp.chain.deployment import read_record

from tests.fixtures.anvil import ape_run, at, free_port

CID = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"


@pytest.fixture(scope="module")
def platform(anvil_chain):
    w3, env = anvil_chain
    ape_run(["deploy"], env)
    return w3, env


@pytest.fixture
def deployment(platform, monkeypatch):
    w3, env = platform
    monkeypatch.setenv("MEDCHAIN_DATA", env["MEDCHAIN_DATA"])
    genesis = w3.eth.get_block(0)["hash"].to_0x_hex()
    record = read_record(w3.eth.chain_id, genesis)
    assert record is not None
    return record


@pytest.fixture
def reader(platform, deployment):
    _, env = platform
    return ChainReader(deployment, env["MEDCHAIN_RPC_URL"])


@pytest.fixture
def participants(platform, deployment):
    w3, _ = platform
    return at(w3, "Participants", deployment.address("Participants"))


def topic(account: str) -> bytes:
    return bytes(12) + bytes.fromhex(account[2:])


def apply_from(w3, participants, account_index: int):
    account = w3.eth.accounts[account_index]
    tx = participants.functions.apply(CID).transact({"from": account})
    w3.eth.wait_for_transaction_receipt(tx)
    return account


def test_call__struct_output__same_as_web3(platform, reader, participants, deployment):
    w3, _ = platform
    regulator = to_checksum_address(deployment.deployer)
    entry = reader.one(reader.call("Participants", "organization", regulator))
    status, roles, metadata_cid, updated_at = participants.functions.organization(regulator).call()
    assert (entry.status, entry.roles, entry.metadata_cid, entry.updated_at) == (status, roles, metadata_cid, updated_at)
    assert entry.status == 2 and entry.roles == 1


def test_batch__several_calls__answers_in_order(reader, deployment):
    regulator = to_checksum_address(deployment.deployer)
    active, count, custody = reader.batch([
        reader.call("Participants", "is_active", regulator, 1),
        reader.call("Participants", "active_regulators"),
        reader.call("Resources", "custody"),
    ])
    assert active is True
    assert count == 1
    assert custody == to_checksum_address(deployment.address("Custody"))


def test_logs__decoded__same_as_web3(platform, reader, participants):
    w3, _ = platform
    account = apply_from(w3, participants, 5)
    logs = reader.one(reader.logs(["Participants"], topic(account)))
    expected = participants.events.Applied().get_logs(from_block=0, argument_filters={"account": account})
    assert [(log.event, log.args) for log in logs] == [
        ("Applied", {"account": account, "metadata_cid": CID}) for _ in expected
    ]
    assert logs[0].block_number == expected[0]["blockNumber"]
    assert logs[0].transaction_hash == expected[0]["transactionHash"].to_0x_hex()
    assert logs[0].block_hash == expected[0]["blockHash"].to_0x_hex()
    assert logs[0].topics == (topic(account),)


def test_followed_logs__refresh__takes_in_new_blocks_once(platform, reader, participants):
    w3, _ = platform
    followed = FollowedLogs(reader, ["Participants"])
    followed.refresh()
    seen_before = len(followed.with_first_topic(topic(w3.eth.accounts[6])))
    account = apply_from(w3, participants, 6)
    followed.refresh()
    followed.refresh()  # nothing new: nothing doubled
    logs = followed.with_first_topic(topic(account))
    assert seen_before == 0
    assert [log.event for log in logs] == ["Applied"]


def test_followed_logs__reorg__drops_what_left_the_chain(platform, reader, participants):
    w3, _ = platform
    followed = FollowedLogs(reader, ["Participants"])
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]
    gone = apply_from(w3, participants, 7)
    followed.refresh()
    assert len(followed.with_first_topic(topic(gone))) == 1

    w3.provider.make_request("evm_revert", [snapshot])
    kept = apply_from(w3, participants, 8)
    w3.provider.make_request("evm_mine", [])  # the new branch is as long as the old one, and longer
    followed.refresh()

    assert followed.with_first_topic(topic(gone)) == []
    assert [log.event for log in followed.with_first_topic(topic(kept))] == ["Applied"]


def test_reader__node_down__says_so(deployment):
    reader = ChainReader(deployment, f"http://127.0.0.1:{free_port()}", timeout=2)
    with pytest.raises(ChainUnreachable, match="does not answer.*make run"):
        reader.one(reader.call("Participants", "active_regulators"))


def test_reader__node_refuses__gives_its_message(reader):
    with pytest.raises(ChainUnreachable, match="refused eth_getLogs"):
        reader.one(reader.logs(["Participants"], from_block=10**9, to_block=10**9 + 1))
