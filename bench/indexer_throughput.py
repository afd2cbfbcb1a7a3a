"""Indexer throughput: the platform's events from an anvil holding over 100,000 of them, into
SQLite and into PostgreSQL, against the same events read through Ape's
`Contract.EventName.query` in the same run.

The events are real platform events: two organizations whose accounts are `BulkCaller`
contracts ship one unit at a time to each other, 250 shipments (then 250 receipts) per
transaction, so 100,000 `Shipped`/`Received` events take a few hundred transactions, on a
freshly deployed platform on an anvil of the benchmark's own.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import requests

from eth_abi import encode
from eth_utils import keccak, to_checksum_address
from raw_chain import RawChain, calldata

from dapp.chain.connection import project
from dapp.chain.reader import ChainReader
from dapp.records.engine import open_database
from dapp.chain.deploy import deploy_platform
from dapp.records.indexer import Indexer, event_count
from dapp.roles import Category, Role

CID = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"
GTIN = 4607001120995
LOT = "BULK-1"
SHIPMENTS = 50_000  # and as many receipts
PER_TRANSACTION = 250
BULK_GAS = 60_000_000
DAY = 86400


def batch_id(gtin: int, lot: str) -> bytes:
    return keccak(encode(["uint256", "string"], [gtin, lot]))


def deploy_bulk_caller(raw: RawChain, owner: str) -> str:
    contract_type = project().BulkCaller.contract_type
    data = bytes.fromhex(contract_type.deployment_bytecode.bytecode[2:]) + encode(["address"], [owner])
    tx = raw.rpc("eth_sendTransaction", {"from": owner, "data": "0x" + data.hex(), "gas": hex(3_000_000),
                                         "nonce": raw.next_nonce(owner)})
    receipt = raw.wait([tx])[tx]
    return to_checksum_address(receipt["contractAddress"])


def bulk(raw: RawChain, owner: str, caller: str, target: str, calls: list[bytes]) -> None:
    """`calls` made by `caller` on `target`, PER_TRANSACTION a transaction."""
    data = [
        calldata("BulkCaller", "callAll", target, calls[start:start + PER_TRANSACTION])
        for start in range(0, len(calls), PER_TRANSACTION)
    ]
    raw.send_all([(owner, caller, d) for d in data], chunk=8, gas=BULK_GAS)


def build_events(raw: RawChain, deployment, now: int) -> int:
    """Adds 2 × SHIPMENTS custody events; returns the number of the first shipment."""
    participants, resources, custody = (deployment.address(n) for n in ("Participants", "Resources", "Custody"))
    regulator = deployment.deployer
    owner = to_checksum_address("0x" + "d4" * 20)
    manufacturer = to_checksum_address("0x" + "d5" * 20)
    for account in (owner, manufacturer):
        raw.rpc("anvil_setBalance", account, hex(10**24))
    raw.rpc("evm_setBlockGasLimit", hex(BULK_GAS * 4))
    sender, consignee = deploy_bulk_caller(raw, owner), deploy_bulk_caller(raw, owner)
    raw.send_all([(manufacturer, participants, calldata("Participants", "apply", CID))]
                 + [(owner, caller, calldata("BulkCaller", "callAll", participants, [calldata("Participants", "apply", CID)]))
                    for caller in (sender, consignee)])
    raw.send_all([(regulator, participants, calldata("Participants", "approve", manufacturer, int(Role.MANUFACTURER)))]
                 + [(regulator, participants, calldata("Participants", "approve", c, int(Role.DISTRIBUTOR)))
                    for c in (sender, consignee)])
    batch = batch_id(GTIN, LOT)
    raw.send_all([(regulator, resources, calldata("Resources", "assign_prefix", GTIN % 10**13 // 10**6, 7,
                                                   manufacturer))])
    raw.send_all([(manufacturer, resources, calldata("Resources", "register_product", GTIN, int(Category.DRUG),
                                                      "Natrii chloridum 0.9% 100 ml", "solution for infusion", CID, CID))])
    raw.send_all([(manufacturer, resources, calldata("Resources", "commission_batch", GTIN, LOT, now - 10 * DAY,
                                                      now + 700 * DAY, SHIPMENTS, b"\x11" * 32, CID, CID))])
    raw.send_all([(manufacturer, custody, calldata("Custody", "commission", GTIN, LOT))])
    first = int(raw.rpc("eth_call", {"to": custody, "data": "0x" + keccak(text="shipmentCount()")[:4].hex()},
                        "latest"), 16) + 1
    none = "0x" + "00" * 20
    raw.send_all([(manufacturer, custody, calldata("Custody", "ship", batch, sender, SHIPMENTS, CID))])
    shipped_at = shipping_times(raw, deployment)
    bulk(raw, owner, sender, custody, [calldata("Custody", "receiveShipment", first, (
        batch, manufacturer, sender, SHIPMENTS, none, 0, shipped_at[first]))])
    bulk(raw, owner, sender, custody, [calldata("Custody", "ship", batch, consignee, 1, CID)] * SHIPMENTS)
    shipped_at = shipping_times(raw, deployment)
    bulk(raw, owner, consignee, custody, [
        calldata("Custody", "receiveShipment", first + 1 + n, (batch, sender, consignee, 1, none, 0,
                                                               shipped_at[first + 1 + n]))
        for n in range(SHIPMENTS)
    ])
    return first


def shipping_times(raw: RawChain, deployment) -> dict[int, int]:
    """shipment id -> the time it was shipped (part of the terms its receipt passes back)."""
    reader = ChainReader(deployment, raw.uri)
    return {log.args["shipmentId"]: log.args["shippedAt"]
            for log in reader.one(reader.logs(["Custody"])) if log.event == "Shipped"}


def ape_query_all(deployment) -> int:
    """Every event of every platform contract through Ape's `Contract.EventName.query`."""
    total = 0
    for name, record in deployment.contracts.items():
        instance = getattr(project(), name).at(record.address)
        for abi in instance.contract_type.events:
            frame = getattr(instance, abi.name).query("*", start_block=record.block)
            total += len(frame)
    return total


RUNS = 3  # each database kind indexed this many times from scratch; the median rate is reported


def index_into(url: str, deployment, uri: str) -> tuple[int, float]:
    """(events, seconds) of one catch-up into `url`, timed in a process of its own, as `ape run
    index` runs: this one holds the other benchmarks' heaps (a tree of a million serials among
    them), and the indexer forks its reading process from whichever process runs it."""
    output = subprocess.run(
        [sys.executable, __file__, url, uri, str(deployment.chain_id), deployment.genesis_hash],
        check=True, capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent,
    ).stdout
    events, seconds = output.rsplit("indexed:", 1)[1].split()[:2]
    return int(events), float(seconds)


def _index_here(url: str, uri: str, chain_id: int, genesis_hash: str) -> None:
    from dapp.chain.deployment import read_record

    deployment = read_record(chain_id, genesis_hash)
    engine = open_database(url)
    indexer = Indexer(engine, ChainReader(deployment, uri))
    start = time.perf_counter()
    indexer.catch_up()
    seconds = time.perf_counter() - start
    count = event_count(engine)
    engine.dispose()
    print(f"indexed: {count} {seconds}")


def median_rate(index_once) -> tuple[int, int]:
    """(events, median events per second) of RUNS indexings from scratch (`index_once(run)`)."""
    runs = [index_once(run) for run in range(RUNS)]
    counts = {count for count, _ in runs}
    assert len(counts) == 1, f"the runs indexed different numbers of events: {counts}"
    return counts.pop(), round(statistics.median(count / seconds for count, seconds in runs))


@contextmanager
def own_anvil():
    """An anvil of the benchmark's own, connected through Ape. The one ape-foundry starts traces
    every opcode step (`--steps-tracing`) and ran out of 24 GiB on 250 shipments a transaction."""
    from ape import networks

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(["anvil", "--host", "127.0.0.1", "--port", str(port), "--silent",
                                "--chain-id", "1337"],  # the id Ape gives a local network by URL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}, timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        with networks.parse_network_choice(f"ethereum:local:{url}"):
            yield url
    finally:
        process.terminate()
        process.wait(timeout=60)


def bench_indexer(results: dict) -> None:
    """`indexer_events_per_s_sqlite`, `indexer_events_per_s_postgres`, `ape_query_events_per_s`."""
    with own_anvil():
        _bench_indexer(results)


def _bench_indexer(results: dict) -> None:
    from ape import accounts, chain

    deployment = deploy_platform(accounts.test_accounts[0], log=lambda _: None)
    raw = RawChain(chain.provider.uri)
    start = time.perf_counter()
    with raw:
        build_events(raw, deployment, chain.blocks.head.timestamp)
    results["indexer_chain_build_s"] = round(time.perf_counter() - start, 1)
    uri = raw.uri

    from dapp.paths import data_dir

    sqlite_events, results["indexer_events_per_s_sqlite"] = median_rate(
        lambda run: index_into(f"sqlite:///{data_dir() / f'bench-index-{run}.db'}", deployment, uri))
    results["indexer_chain_events"] = sqlite_events
    results["indexer_chain_blocks"] = int(raw.rpc("eth_blockNumber"), 16) - deployment.first_block + 1
    results["indexer_runs"] = RUNS

    postgres = os.environ.get("MEDCHAIN_TEST_POSTGRES_URL")
    if postgres:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        server = make_url(postgres).set(drivername="postgresql+psycopg")
        admin = create_engine(server, isolation_level="AUTOCOMMIT")

        def index_once(run: int) -> tuple[int, float]:
            with admin.connect() as connection:
                connection.execute(text('DROP DATABASE IF EXISTS "medchain_bench"'))
                connection.execute(text('CREATE DATABASE "medchain_bench"'))
            return index_into(server.set(database="medchain_bench").render_as_string(hide_password=False),
                              deployment, uri)

        postgres_events, results["indexer_events_per_s_postgres"] = median_rate(index_once)
        assert postgres_events == sqlite_events, "SQLite and PostgreSQL indexed different numbers of events"
        admin.dispose()

    start = time.perf_counter()
    ape_events = ape_query_all(deployment)
    ape_s = time.perf_counter() - start
    assert ape_events == sqlite_events, f"Ape read {ape_events} events, the indexer {sqlite_events}"
    results["ape_query_events_per_s"] = round(ape_events / ape_s)
    results["indexer_speedup_vs_ape_query"] = round(results["indexer_events_per_s_sqlite"] / results["ape_query_events_per_s"], 1)
    if "indexer_events_per_s_postgres" in results:
        results["indexer_speedup_vs_ape_query_postgres"] = round(
            results["indexer_events_per_s_postgres"] / results["ape_query_events_per_s"], 1)


if __name__ == "__main__":  # one timed catch-up (see `index_into`)
    _index_here(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4])
