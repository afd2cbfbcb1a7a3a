"""The indexer against a real anvil holding the seeded demo world, on SQLite and PostgreSQL:
catch-up, resume after a kill, reorgs made with anvil's snapshot and revert, rebuilds that
equal step-by-step indexing, follow mode, and the `ape run index` command."""

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from eth_account import Account
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from web3 import Web3

from dapp.chain.reader import ChainReader
from dapp.records.engine import open_database
from dapp.records.models import Block, Event, IndexerCursor, Movement, Organization, Shipment, Tender
from dapp.chain.deployment import read_record
from dapp.records import indexer as indexer_module
from dapp.records.indexer import Indexer, IndexerError, event_count
from dapp.paths import PROJECT_ROOT
from dapp.records.projections import gtin_text
from tests.fixtures.anvil import ape_run, at

CID = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"
COMPARED = (IndexerCursor, Block, Event, Movement, Organization, Shipment, Tender)


@pytest.fixture(scope="module")
def seeded(anvil_chain):
    w3, env = anvil_chain
    ape_run(["deploy"], env)
    ape_run(["seed"], env)
    return w3, env


@pytest.fixture
def deployment(seeded, monkeypatch):
    w3, env = seeded
    monkeypatch.setenv("MEDCHAIN_DATA", env["MEDCHAIN_DATA"])
    return read_record(w3.eth.chain_id, w3.eth.get_block(0)["hash"].to_0x_hex())


@pytest.fixture
def create_indexer(seeded, deployment):
    _, env = seeded

    def create(engine, range_size=50):
        return Indexer(engine, ChainReader(deployment, env["MEDCHAIN_RPC_URL"]), range_size=range_size)

    return create


@pytest.fixture
def indexed_from_scratch(create_indexer, tmp_path):
    """The tables of a new database indexed in one pass up to the head, when called."""

    def index():
        fresh = open_database(f"sqlite:///{tmp_path / 'fresh.db'}")
        try:
            create_indexer(fresh, range_size=10_000).catch_up()
            return snapshot_of(fresh)
        finally:
            fresh.dispose()

    return index


def all_logs(w3, deployment):
    addresses = [Web3.to_checksum_address(c.address) for c in deployment.contracts.values()]
    return w3.eth.get_logs({"address": addresses, "fromBlock": deployment.first_block, "toBlock": "latest"})


def positions(engine):
    with engine.connect() as connection:
        return connection.execute(select(Event.block_number, Event.log_index).order_by(Event.id)).all()


def snapshot_of(engine):
    """Every row of the indexed tables, without surrogate ids and the cursor's wall-clock time."""
    tables = {}
    with engine.connect() as connection:
        for model in COMPARED:
            columns = [c for c in model.__table__.c if c.name not in ("id", "updated_at")]
            tables[model.__tablename__] = sorted(tuple(row) for row in connection.execute(select(*columns)))
    return tables


def apply_from_new_account(w3, deployment):
    """A new organization applies (a fresh account each time: every test sees a new event)."""
    participants = at(w3, "Participants", deployment.address("Participants"))
    account = Account.create().address
    w3.provider.make_request("anvil_setBalance", [account, hex(10**18)])
    w3.provider.make_request("anvil_impersonateAccount", [account])
    w3.eth.wait_for_transaction_receipt(participants.functions.apply(CID).transact({"from": account}))
    return account


def test_catch_up__seeded_chain__stores_every_log_once_in_chain_order(seeded, deployment, create_indexer, engine):
    w3, _ = seeded
    expected = [(log["blockNumber"], log["logIndex"]) for log in all_logs(w3, deployment)]

    added = create_indexer(engine).catch_up()

    assert added == len(expected) > 200
    assert [tuple(p) for p in positions(engine)] == expected
    with engine.connect() as connection:
        names = set(connection.execute(select(Event.contract, Event.name).distinct()).all())
        cursor = connection.execute(select(IndexerCursor.next_block)).scalar_one()
        stored = dict(connection.execute(select(Block.number, Block.hash)).all())
    assert {("Custody", "Shipped"), ("Custody", "Received"), ("Custody", "Rejected"), ("Custody", "Decommissioned"),
            ("Resources", "BatchRetired"), ("Participants", "Suspended"), ("Tenders", "TenderAwarded"),
            ("PaymentToken", "Transfer")} <= names
    assert cursor == w3.eth.block_number + 1
    for number in {p[0] for p in expected} | {w3.eth.block_number}:
        assert stored[number] == w3.eth.get_block(number)["hash"].to_0x_hex()


def test_catch_up__projections__match_the_contracts(seeded, deployment, create_indexer, engine):
    w3, _ = seeded
    create_indexer(engine, range_size=2_000).catch_up()
    participants = at(w3, "Participants", deployment.address("Participants"))
    custody = at(w3, "Custody", deployment.address("Custody"))
    statuses = {1: "pending", 2: "active", 3: "suspended", 4: "revoked"}
    with Session(engine) as session:
        organizations = session.scalars(select(Organization)).all()
        holdings = session.execute(
            select(Movement.batch_id, Movement.organization, func.sum(Movement.quantity))
            .group_by(Movement.batch_id, Movement.organization)
        ).all()
        shipments = session.scalars(select(Shipment)).all()
        tenders = session.scalars(select(Tender)).all()
    assert len(organizations) >= 12
    for organization in organizations:
        status, roles, metadata_cid, _ = participants.functions.organization(organization.address).call()
        assert (organization.status, organization.roles, organization.metadata_cid) == (statuses[status], roles,
                                                                                        metadata_cid)
    assert len(holdings) > 20
    for batch_id, holder, balance in holdings:
        balance_on_chain, *_ = custody.functions.holding(bytes.fromhex(batch_id[2:]), holder).call()
        assert balance == balance_on_chain, (batch_id, holder)
    assert {s.status for s in shipments} == {"received", "rejected", "in_transit"}
    assert {t.status for t in tenders} >= {"completed", "terminated", "cancelled", "open", "failed"}
    awarded = [t for t in tenders if t.winner]
    assert awarded and all(t.price is not None and t.price <= t.max_price for t in awarded)
    assert all(len(t.gtin) == 14 for t in tenders)


def test_step__nothing_new__returns_none_and_stores_nothing(create_indexer, engine):
    indexer = create_indexer(engine, range_size=10_000)
    indexer.catch_up()
    before = snapshot_of(engine)

    assert indexer.step() is None
    assert snapshot_of(engine) == before


def children_of(pid: int) -> list[int]:
    """The processes whose parent is `pid` (Linux /proc)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(pid):
            found.append(int(status.parent.name))
    return found


def test_resume__killed_mid_catch_up__no_duplicate_no_gap(seeded, deployment, create_indexer, tmp_path,
                                                         indexed_from_scratch):
    w3, env = seeded
    url = f"sqlite:///{tmp_path / 'killed.db'}"
    open_database(url).dispose()
    script = (
        "import time, sys\n"
        "from dapp.chain.reader import ChainReader\nfrom dapp.records.engine import open_database\n"
        "from dapp.chain.deployment import read_record\nfrom dapp.records.indexer import Indexer\n"
        "from web3 import Web3\n"
        f"w3 = Web3(Web3.HTTPProvider({env['MEDCHAIN_RPC_URL']!r}))\n"
        "record = read_record(w3.eth.chain_id, w3.eth.get_block(0)['hash'].to_0x_hex())\n"
        f"indexer = Indexer(open_database({url!r}), ChainReader(record, {env['MEDCHAIN_RPC_URL']!r}), range_size=2)\n"
        "indexer.catch_up(on_step=lambda result: time.sleep(0.05))\n"
    )
    process = subprocess.Popen([sys.executable, "-c", script], cwd=PROJECT_ROOT, env=env)
    engine = open_database(url)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and event_count(engine) < 100:
        time.sleep(0.05)
    readers = children_of(process.pid)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    killed_at = event_count(engine)
    gone = time.monotonic() + 10
    while time.monotonic() < gone and any(Path(f"/proc/{pid}").exists() for pid in readers):
        time.sleep(0.05)
    assert readers and not [pid for pid in readers if Path(f"/proc/{pid}").exists()], "a reading process outlived it"
    assert 100 <= killed_at < len(all_logs(w3, deployment)), "the indexer was not killed mid-way"

    create_indexer(engine).catch_up()

    expected = [(log["blockNumber"], log["logIndex"]) for log in all_logs(w3, deployment)]
    assert [tuple(p) for p in positions(engine)] == expected
    assert snapshot_of(engine) == indexed_from_scratch()


def _reading_process_dies(method, *args):
    os._exit(3)  # as a process killed by the OOM killer would


def test_catch_up__reading_process_dies__clear_error_then_resumes(seeded, deployment, create_indexer, engine,
                                                                 indexed_from_scratch, monkeypatch):
    monkeypatch.setattr(indexer_module, "_read_in_child", _reading_process_dies)

    with pytest.raises(IndexerError, match="reading process died.*run the indexer again"):
        create_indexer(engine).catch_up()

    stored = event_count(engine)
    monkeypatch.undo()
    create_indexer(engine).catch_up()
    assert event_count(engine) > stored
    assert snapshot_of(engine) == indexed_from_scratch()


def test_reorg__snapshot_and_revert__rolled_back_and_read_again(seeded, deployment, create_indexer, engine,
                                                              indexed_from_scratch):
    w3, _ = seeded
    indexer = create_indexer(engine)
    indexer.catch_up()
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]
    try:
        orphaned = apply_from_new_account(w3, deployment)
        w3.provider.make_request("anvil_mine", [3])
        indexer.catch_up()
        with engine.connect() as connection:
            assert connection.execute(select(Organization.status).where(Organization.address == orphaned)).scalar() \
                == "pending"
    finally:
        w3.provider.make_request("evm_revert", [snapshot])
    kept = apply_from_new_account(w3, deployment)
    w3.provider.make_request("anvil_mine", [5])  # the new branch is longer than the old one
    rollbacks = []

    indexer.catch_up(on_step=lambda result: rollbacks.append(result.rolled_back_to))

    forks = [fork for fork in rollbacks if fork is not None]
    assert len(forks) == 1 and forks[0] < w3.eth.block_number
    with engine.connect() as connection:
        addresses = set(connection.execute(select(Organization.address)).scalars())
    assert kept in addresses and orphaned not in addresses
    assert snapshot_of(engine) == indexed_from_scratch()


def test_reorg__chain_shorter_than_the_index__rolled_back(seeded, deployment, create_indexer, engine,
                                                         indexed_from_scratch):
    w3, _ = seeded
    indexer = create_indexer(engine)
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]
    try:
        apply_from_new_account(w3, deployment)
        indexer.catch_up()
    finally:
        w3.provider.make_request("evm_revert", [snapshot])

    indexer.catch_up()

    assert indexer.next_block() == w3.eth.block_number + 1
    assert snapshot_of(engine) == indexed_from_scratch()


def test_rebuild__equals_the_database_built_step_by_step(seeded, deployment, create_indexer, engine, tmp_path):
    w3, _ = seeded
    stepwise = create_indexer(engine, range_size=7)
    stepwise.catch_up()
    apply_from_new_account(w3, deployment)
    stepwise.catch_up()
    before = snapshot_of(engine)

    create_indexer(engine, range_size=5_000).rebuild()

    assert snapshot_of(engine) == before


def test_follow__new_blocks__indexed_while_following(seeded, deployment, create_indexer, engine):
    w3, _ = seeded
    indexer = create_indexer(engine)
    indexer.catch_up()
    stop = threading.Event()
    errors = []

    def run():
        try:
            indexer.follow(poll_seconds=0.05, should_stop=stop.is_set)
        except Exception as error:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    try:
        account = apply_from_new_account(w3, deployment)
        deadline = time.monotonic() + 30
        found = None
        while time.monotonic() < deadline and found is None:
            with engine.connect() as connection:
                found = connection.execute(select(Organization.status).where(Organization.address == account)).scalar()
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not errors
    assert found == "pending"


def test_catch_up__progress__shows_a_bar(create_indexer, engine, capsys):
    create_indexer(engine, range_size=100).catch_up(progress=True)

    assert "indexing" in capsys.readouterr().err


def test_catch_up__database_of_another_chain__refused(seeded, deployment, create_indexer, engine):
    create_indexer(engine).catch_up()
    other = type(deployment)(chain_id=1, genesis_hash="0x" + "ab" * 32, network="ethereum:mainnet",
                             deployer=deployment.deployer, contracts=deployment.contracts)
    indexer = create_indexer(engine)
    indexer.deployment = other

    with pytest.raises(IndexerError, match="another chain's events"):
        indexer.catch_up()


def test_index_command__twice__resumes_and_adds_nothing(seeded, tmp_path):
    _, env = seeded
    env = dict(env, MEDCHAIN_DATABASE_URL=f"sqlite:///{tmp_path / 'cli.db'}")

    first = ape_run(["index"], env, account=None)
    second = ape_run(["index"], env, account=None)

    added, stored = map(int, re.search(r"(\d+) new events; (\d+) in sqlite", first).groups())
    assert added == stored > 200
    assert re.search(r"^0 new events; (\d+) in sqlite", second, re.M).group(1) == str(stored)


def test_index_command__unreachable_database__clear_error(seeded):
    _, env = seeded
    env = dict(env, MEDCHAIN_DATABASE_URL="postgresql://medchain@127.0.0.1:1/medchain")

    output = ape_run(["index"], env, account=None, expect_success=False)

    assert "does not answer" in output and "MEDCHAIN_DATABASE_URL" in output


def test_gtin_text__pads_to_fourteen_digits():
    assert gtin_text(4601234567893) == "04601234567893"
    assert gtin_text(0) == "00000000000000"
