"""Script tests run the real `ape run ...` commands against an anvil of their own."""

import os
import socket
import subprocess
import time

import pytest
from web3 import Web3

from dapp.chain import project
from dapp.paths import PROJECT_ROOT

NETWORK = ["--network", "ethereum:local:foundry"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def anvil_chain(tmp_path_factory):
    """A fresh anvil with 20 funded dev accounts, and a data folder of its own."""
    port = free_port()
    process = subprocess.Popen(
        ["anvil", "--host", "127.0.0.1", "--port", str(port), "--accounts", "20", "--silent"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    w3 = Web3(Web3.HTTPProvider(url))
    for _ in range(100):
        if w3.is_connected():
            break
        time.sleep(0.1)
    env = dict(os.environ, MEDCHAIN_RPC_URL=url, MEDCHAIN_DATA=str(tmp_path_factory.mktemp("platform-data")))
    yield w3, env
    process.terminate()
    process.wait(timeout=10)


def ape_run(arguments, env, account="TEST::0", expect_success=True):
    """Run `ape run <arguments>` on the test chain; return its output (stdout and stderr)."""
    command = ["ape", "run", *arguments, *NETWORK] + (["--account", account] if account else [])
    result = subprocess.run(
        command, env=env, cwd=PROJECT_ROOT, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300
    )
    output = result.stdout + result.stderr
    assert (result.returncode == 0) == expect_success, output
    assert "Traceback" not in output, output
    return output


def at(w3, name, address):
    """A web3 contract for a deployed platform contract (ABI from the compiled project)."""
    abi = [entry.model_dump(mode="json") for entry in getattr(project(), name).contract_type.abi]
    return w3.eth.contract(address=address, abi=abi)
