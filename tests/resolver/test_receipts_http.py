"""Receipts and the deployment record over real HTTP (the dApp's server on the demo chain), and
`ape run verify --recheck` / `--resolver` end to end."""

from __future__ import annotations

import copy
import json
import subprocess

import pytest
import requests

from dapp.chain.deployment import read_record
from dapp.demo import world as demo
from dapp.paths import PROJECT_ROOT
from dapp.verification.public_record import RecordRefused, check_record, checked_deployment, deployment_of, fetch_record
from dapp.verification.receipts import recheck
from tests.fixtures.anvil import NETWORK, free_port
from tests.fixtures.demo_chain import _start_anvil, start_dapp, stop_dapp
from tests.resolver.test_links import schema_validator
from tests.resolver.test_resolver_http import JSON, label_path, scanner_query

RECORD = "/.well-known/medchain/deployment.json"


@pytest.fixture(scope="module")
def other_chain():
    """A bare anvil: chain id 31337 too, but another chain with no platform on it."""
    process = _start_anvil(port := free_port())
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


def local_record(demo_chain):
    return read_record(int(demo_chain.rpc("eth_chainId"), 16), demo_chain.rpc("eth_getBlockByNumber", "0x0", False)["hash"],
                       demo_chain.data / "deployments")


def verdict_over_http(dapp_server, demo_chain, case: str) -> dict:
    code = next(code for code in demo.DEMO_CODES if code.case == case)
    answer = requests.get(dapp_server + label_path(demo_chain.labels, case) + scanner_query(demo_chain, code),
                          headers=JSON, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()


def run_verify(env, *arguments) -> subprocess.CompletedProcess:
    return subprocess.run(["ape", "run", "verify", *arguments, *NETWORK], env=env, cwd=PROJECT_ROOT,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)


# --- The deployment record --------------------------------------------------------------------


def test_well_known_record__public_and_the_chains(dapp_server, demo_chain):
    answer = requests.get(dapp_server + RECORD, timeout=30)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["access-control-allow-origin"] == "*"
    record = answer.json()
    ours = local_record(demo_chain)
    assert record["chain_id"] == 31337 and record["genesis_hash"] == ours.genesis_hash
    assert {name: entry["address"] for name, entry in record["contracts"].items()} == {
        name: entry.address for name, entry in ours.contracts.items()}
    assert record["first_block"] == ours.first_block
    assert "key" not in answer.text.lower() and "secret" not in answer.text.lower()
    assert requests.options(dapp_server + RECORD, timeout=30).status_code == 204


def test_resolver_description__names_the_record(dapp_server):
    description = requests.get(dapp_server + "/.well-known/gs1resolver", timeout=30).json()
    assert description["deploymentRecord"] == dapp_server + RECORD


def test_record__checked_against_its_chain__agrees(dapp_server, demo_chain):
    assert check_record(deployment_of(fetch_record(dapp_server)), demo_chain.url) == []
    assert checked_deployment(dapp_server, demo_chain.url).contracts["Custody"].address == \
        local_record(demo_chain).contracts["Custody"].address


def test_record__another_chain__refused_with_reasons(dapp_server, other_chain):
    with pytest.raises(RecordRefused) as refused:
        checked_deployment(dapp_server, other_chain)
    said = str(refused.value)
    assert "genesis block" in said and "there is no contract at Participants's address" in said


def test_record__addresses_swapped__refused(dapp_server, demo_chain):
    record = fetch_record(dapp_server)
    contracts = record["contracts"]
    contracts["Participants"], contracts["Resources"] = contracts["Resources"], contracts["Participants"]
    said = "\n".join(check_record(deployment_of(record), demo_chain.url))
    assert "Resources.participants() cannot be read at" in said and "it is not the Resources contract" in said


def test_record__wiring_wrong__refused(dapp_server, demo_chain):
    record = fetch_record(dapp_server)
    record["contracts"]["Custody"] = dict(record["contracts"]["Tenders"])  # a contract, but not the Custody
    said = "\n".join(check_record(deployment_of(record), demo_chain.url))
    assert "Resources.custody() is" in said


# --- Receipts over HTTP -------------------------------------------------------------------------


@pytest.mark.parametrize("case", [code.case for code in demo.DEMO_CODES])
def test_http_verdict__receipt__rechecks(dapp_server, demo_chain, case, monkeypatch):
    monkeypatch.setenv("MEDCHAIN_DATA", str(demo_chain.data))  # the organizations' names and the documents
    verdict = verdict_over_http(dapp_server, demo_chain, case)
    schema_validator().validate(verdict)
    assert verdict["receipt"]["block"]["number"] == verdict["block"]["number"]
    outcome = recheck(verdict, demo_chain.url)
    assert outcome.matches, outcome.differences


# --- The command line -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stored(dapp_server, demo_chain, tmp_path_factory):
    folder = tmp_path_factory.mktemp("verdicts")
    verdict = verdict_over_http(dapp_server, demo_chain, "already-dispensed-cloned-code")
    (folder / "verdict.json").write_text(json.dumps(verdict))
    edited = copy.deepcopy(verdict)
    edited["status"], edited["genuine"], edited["reasons"] = "GENUINE", True, []
    (folder / "edited.json").write_text(json.dumps(edited))
    return folder


def test_cli_recheck__stored_verdict__matches(demo_chain, stored):
    result = run_verify(demo_chain.env, "--recheck", str(stored / "verdict.json"), "--rpc", demo_chain.url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "MATCHES" in result.stdout and "SUSPECT" in result.stdout
    assert "The Merkle proof leads from the pack's leaf to the batch's serials root on chain." in result.stdout


def test_cli_recheck__addresses_from_the_resolver__matches(dapp_server, demo_chain, stored):
    result = run_verify(demo_chain.env, "--recheck", str(stored / "verdict.json"), "--rpc", demo_chain.url,
                        "--resolver", dapp_server)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "MATCHES" in result.stdout


def test_cli_recheck__edited_verdict__exit_1_and_what_differs(demo_chain, stored):
    result = run_verify(demo_chain.env, "--recheck", str(stored / "edited.json"), "--rpc", demo_chain.url)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "DOES NOT MATCH" in result.stdout
    assert "reason already_dispensed is missing from the verdict" in result.stdout
    assert 'status: the verdict says "GENUINE", recomputed here "SUSPECT"' in result.stdout


def test_cli_recheck__json_and_other_node(demo_chain, stored, other_chain):
    result = run_verify(demo_chain.env, "--recheck", str(stored / "verdict.json"), "--rpc", other_chain, "--json")
    assert result.returncode == 1, result.stdout + result.stderr
    outcome = json.loads(result.stdout[result.stdout.index("{"):])
    assert outcome["matches"] is False and any("genesis block" in d for d in outcome["differences"])


def test_cli_recheck__not_a_verdict__exit_2(demo_chain, tmp_path):
    (tmp_path / "x.json").write_text("[1, 2]")
    result = run_verify(demo_chain.env, "--recheck", str(tmp_path / "x.json"), "--rpc", demo_chain.url)
    assert result.returncode == 2 and "is not a verdict's JSON" in result.stderr


def without_deployment_record(demo_chain, folder):
    """A data folder with the demo's documents and proof trees but no deployment record."""
    import shutil

    for part in ("documents", "proofs"):
        if (demo_chain.data / part).exists():
            shutil.copytree(demo_chain.data / part, folder / part)
    return str(folder)


def test_cli_resolver__verdict_from_the_resolvers_record(dapp_server, demo_chain, tmp_path):
    env = dict(demo_chain.env, MEDCHAIN_DATA=without_deployment_record(demo_chain, tmp_path))
    code = dapp_server + label_path(demo_chain.labels, "recalled")
    result = run_verify(env, code, "--resolver", dapp_server, "--rpc", demo_chain.url, "--json")
    assert result.returncode == 1, result.stdout + result.stderr
    verdict = json.loads(result.stdout[result.stdout.index("{"): result.stdout.rindex("}") + 1])
    assert [finding["reason"] for finding in verdict["findings"]] == ["batch_recalled"]


def test_cli_resolver__wrong_chain__refused(dapp_server, demo_chain, other_chain, tmp_path):
    env = dict(demo_chain.env, MEDCHAIN_DATA=without_deployment_record(demo_chain, tmp_path))
    code = dapp_server + label_path(demo_chain.labels, "genuine")
    result = run_verify(env, code, "--resolver", dapp_server, "--rpc", other_chain)
    assert result.returncode == 3, result.stdout + result.stderr
    assert "does not match the chain at" in result.stderr


def test_record__chain_unreachable__503(demo_chain, tmp_path):
    env = dict(demo_chain.env, MEDCHAIN_RPC_URL=f"http://127.0.0.1:{free_port()}", MEDCHAIN_DATA=str(tmp_path))
    process, base = start_dapp(env)
    try:
        answer = requests.get(base + RECORD, timeout=30)
    finally:
        stop_dapp(process)
    assert answer.status_code == 503 and answer.headers["retry-after"]
    assert answer.json()["error"]["code"] == "chain_unreachable"
