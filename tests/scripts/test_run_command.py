"""The main command (tools/run.sh): a chain that is deployed and seeded once, stops cleanly on
Ctrl-C, and comes back with the same state."""

import json
import os
import re
import signal
import socket
import subprocess
import time

import pytest
import requests
from sqlalchemy import create_engine, text
from web3 import Web3

from dapp.codes.qr import decode_codes
from dapp.paths import PROJECT_ROOT
from tests.fixtures.anvil import free_port

READY = "running. Press Ctrl-C to stop."


def read_until_ready(process, timeout=300):
    lines = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if READY in line:
            return "".join(lines)
    process.kill()
    pytest.fail("the platform did not start:\n" + "".join(lines))


def interrupt(process):
    """Ctrl-C: SIGINT to the command's process group, as a terminal sends it."""
    os.killpg(os.getpgid(process.pid), signal.SIGINT)
    rest, _ = process.communicate(timeout=60)
    return rest


def followed_by_indexer(w3, record, data, timeout=60):
    """A new organization applies while the platform runs: the following indexer stores it."""
    participants = w3.eth.contract(address=record["contracts"]["Participants"]["address"], abi=[{
        "type": "function", "name": "apply", "stateMutability": "nonpayable",
        "inputs": [{"name": "metadata_cid", "type": "string"}], "outputs": []}])
    account = w3.eth.accounts[19]
    w3.eth.wait_for_transaction_receipt(participants.functions.apply(
        "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku").transact({"from": account}))
    engine = create_engine(f"sqlite:///{data / 'platform.db'}")
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                status = connection.execute(
                    text("SELECT status FROM organization WHERE address = :a"), {"a": account}).scalar()
            if status is not None:
                return status
            time.sleep(0.2)
    finally:
        engine.dispose()
    return None


@pytest.fixture(scope="module")
def platform_env(tmp_path_factory):
    port = free_port()
    data = tmp_path_factory.mktemp("platform")
    env = dict(os.environ, MEDCHAIN_DATA=str(data), MEDCHAIN_RPC_URL=f"http://127.0.0.1:{port}",
               MEDCHAIN_DAPP_PORT=str(free_port()))
    env.pop("MEDCHAIN_RESOLVER_URL", None)
    return env, data, port


@pytest.fixture(scope="module")
def first_and_second_start(platform_env):
    env, data, port = platform_env
    runs = []
    for _ in range(2):
        # A new process group, so that the SIGINT reaches the command and not pytest.
        process = subprocess.Popen(
            [str(PROJECT_ROOT / "tools" / "run.sh")], env=env, cwd=PROJECT_ROOT, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
        )
        started = read_until_ready(process)
        w3 = Web3(Web3.HTTPProvider(f"http://127.0.0.1:{port}"))
        record = json.loads((data / "deployments" / "31337.json").read_text())
        followed = followed_by_indexer(w3, record, data) if not runs else None
        observed = {
            "followed": followed,
            "block": w3.eth.block_number,
            "latest_time": w3.eth.get_block("latest")["timestamp"],
            "pending_time": w3.eth.get_block("pending")["timestamp"],
            "code": {name: w3.eth.get_code(c["address"]) != b"" for name, c in record["contracts"].items()},
            "dapp": requests.get(f"http://127.0.0.1:{env['MEDCHAIN_DAPP_PORT']}/_stcore/health", timeout=10).text,
            "label": decode_codes(data / "labels" / "genuine.png")[0].text,
        }
        stopped = interrupt(process)
        runs.append((started, stopped, process.returncode, observed, record))
    return runs, data, port


def test_run__first_start__deploys_seeds_and_says_where(first_and_second_start):
    started, _, _, observed, _ = first_and_second_start[0][0]
    assert "Participants deployed at" in started and "Resources deployed at" in started
    assert "Seed complete" in started and "0 changes made" not in started
    assert all(observed["code"].values()) and len(observed["code"]) == 5
    for label in ("Chain:", "Participants:", "Deployment:", "Database:", "Serial lists:", "Chain state:"):
        assert label in started
    added, stored = map(int, re.search(r"(\d+) new events; (\d+) in sqlite", started).groups())
    assert added == stored > 200


def test_run__first_start__serves_the_dapp_and_says_where(first_and_second_start, platform_env):
    started, _, _, observed, _ = first_and_second_start[0][0]
    dapp_port = platform_env[0]["MEDCHAIN_DAPP_PORT"]
    assert observed["dapp"] == "ok"
    assert f"the dApp:  http://127.0.0.1:{dapp_port}" in started
    # The demo labels point at the running dApp: a phone scanning one opens its verdict there.
    base = re.search(r"the dApp:  (\S+)", started)[1]
    lan = re.search(r"from a phone on this network:  (\S+)", started)
    assert observed["label"].startswith(((lan[1] if lan else base) + "/01/"))


def test_run__while_running__indexer_follows_the_chain(first_and_second_start):
    _, _, _, observed, _ = first_and_second_start[0][0]
    assert observed["followed"] == "pending"


def test_run__ctrl_c__stops_cleanly_and_saves_state(first_and_second_start):
    runs, data, port = first_and_second_start
    _, stopped, returncode, _, _ = runs[0]
    assert returncode == 0
    assert "stopped. The chain's state is in" in stopped
    assert (data / "chain" / "anvil-state.json").stat().st_size > 0
    assert "stopping the dApp" in stopped
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{_dapp_port(data)}/_stcore/health", timeout=2)
    with pytest.raises(Exception):
        Web3(Web3.HTTPProvider(f"http://127.0.0.1:{port}", request_kwargs={"timeout": 2})).eth.block_number


def test_run__second_start__same_state_nothing_redone(first_and_second_start):
    runs, _, _ = first_and_second_start
    first, second = runs
    started = second[0]
    assert started.count("already deployed at") == 5
    assert "Seed complete: 0 changes made" in started
    assert re.search(r"^0 new events; \d+ in sqlite", started, re.M)
    assert second[4] == first[4]  # the same deployment record
    assert second[3]["block"] == first[3]["block"]  # the chain came back at the same height
    # The seed moved the chain's clock ahead (tender deadlines); anvil forgets that on restart,
    # and the seed puts it back: the next block is never dated before the last one.
    assert first[3]["latest_time"] > time.time() + 86_400
    assert second[3]["pending_time"] > second[3]["latest_time"] == first[3]["latest_time"]
    assert second[2] == 0


def _dapp_port(data) -> str:
    return re.search(r":(\d+)", (data / "labels" / "resolver.txt").read_text())[1]


def test_run__dapp_port_taken__clear_error(tmp_path):
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        env = dict(os.environ, MEDCHAIN_DATA=str(tmp_path), MEDCHAIN_RPC_URL=f"http://127.0.0.1:{free_port()}",
                   MEDCHAIN_DAPP_PORT=str(port))
        result = subprocess.run([str(PROJECT_ROOT / "tools" / "run.sh")], env=env, cwd=PROJECT_ROOT,
                                stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert f"something already listens on the dApp's port {port}" in result.stdout
    assert "MEDCHAIN_DAPP_PORT=8502 make run" in result.stdout


def test_run__port_taken__clear_error(tmp_path):
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        env = dict(os.environ, MEDCHAIN_DATA=str(tmp_path), MEDCHAIN_RPC_URL=f"http://127.0.0.1:{port}")
        result = subprocess.run([str(PROJECT_ROOT / "tools" / "run.sh")], env=env, cwd=PROJECT_ROOT,
                                stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert f"something already listens on port {port}" in result.stdout
    assert "MEDCHAIN_RPC_URL=http://127.0.0.1:8546 make run" in result.stdout
