"""A clean verifier's latency: `verify_clean_verifier_p50_ms`, `verify_clean_verifier_p95_ms`.

A clean verifier has a chain URL, the public deployment record and an IPFS node, and nothing
else: each timed verification is a new verifier (`Verifier.at`, its deployment read, its logs
followed from nothing) with an empty proof cache, so its first scan of the batch fetches the
proof tree by the CID on chain, checks it against the CID and the root and keeps it, and reads
the organizations' metadata and the documents from IPFS, each checked. The IPFS node is the
verifier's own, connected to the operator's, which alone holds the documents (published from
the seeded demo world's documents folder); between two verifications the verifier's node drops
what it fetched (`repo gc`), so every block comes from the operator's node by bitswap again.
The chain is the seeded demo world (tests/fixtures/demo_chain.py) on an anvil of its own; the
codes are the demo's labels, in turn, ROUNDS times.

Run alone (its figures merged into bench/results.json, bench/RESULTS.md written again):

    source tools/env.sh && python bench/verify_clean.py
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

ROUNDS = 5


def _start_node(folder: Path) -> str:
    """A js-ipfs node with its swarm on loopback (tools/ipfs.sh); its API address."""
    exports = subprocess.run([str(HERE.parent / "tools" / "ipfs.sh"), "start"], check=True, capture_output=True,
                             text=True, env=dict(os.environ, IPFS_PATH=str(folder), IPFS_SWARM="1"),
                             stdin=subprocess.DEVNULL).stdout
    return exports.strip().rsplit("=", 1)[1]


def _stop_node(folder: Path) -> None:
    subprocess.run([str(HERE.parent / "tools" / "ipfs.sh"), "stop"], capture_output=True,
                   env=dict(os.environ, IPFS_PATH=str(folder)), stdin=subprocess.DEVNULL)


def bench_verify_clean(results: dict) -> None:
    import requests

    from dapp.demo import world as demo
    from dapp.demo.labels import demo_code_serial, unit_label
    from dapp.documents.store import FolderStore, IpfsStore, publish_documents
    from dapp.verification.verdicts import Verifier
    from tests.fixtures.demo_chain import _start_anvil, free_port, seeded_world
    from tests.fixtures.ipfs import IpfsNodes, http_url

    world = seeded_world()
    folder = Path(tempfile.mkdtemp(prefix="bench-verify-clean-"))
    rpc = free_port()
    anvil = _start_anvil(rpc, "--load-state", str(world / "anvil-state.json"))
    url = f"http://127.0.0.1:{rpc}"
    saved = {name: os.environ.get(name) for name in ("MEDCHAIN_DATA", "MEDCHAIN_IPFS_API", "MEDCHAIN_IPFS_GATEWAY")}
    try:
        operator_api = _start_node(folder / "ipfs-operator")
        verifier_api = _start_node(folder / "ipfs-verifier")
        nodes = IpfsNodes(operator_api, verifier_api, "")
        nodes.connect()
        published = publish_documents(FolderStore(world / "data" / "documents"), nodes.operator())
        accounts = requests.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_accounts", "params": []},
                                 timeout=10).json()["result"]
        scans = [(unit_label(None, code.gtin, code.lot, demo_code_serial(code)).uri,
                  accounts[demo.organization(code.scanner).account_index] if code.scanner else None)
                 for code in demo.DEMO_CODES]
        os.environ.pop("MEDCHAIN_IPFS_API", None)
        os.environ.pop("MEDCHAIN_IPFS_GATEWAY", None)
        timings, statuses = [], []
        for round_number in range(ROUNDS):
            for n, (text, scanner) in enumerate(scans):
                clean = folder / f"clean-{round_number}-{n}"
                (clean / "deployments").mkdir(parents=True)
                for record in (world / "data" / "deployments").glob("*.json"):
                    shutil.copy(record, clean / "deployments" / record.name)
                os.environ["MEDCHAIN_DATA"] = str(clean)
                requests.post(f"{http_url(verifier_api)}/api/v0/repo/gc", timeout=60).raise_for_status()
                nodes.connect()
                begin = time.perf_counter()
                verdict = Verifier.at(url, documents=IpfsStore(verifier_api, fetch_timeout=10)).verify_text(text, scanner)
                timings.append((time.perf_counter() - begin) * 1000)
                statuses.append(verdict.status)
                assert all(document.status == "verified" for document in verdict.documents), verdict.documents
                shutil.rmtree(clean)
        assert statuses.count("GENUINE") == ROUNDS, statuses  # the one genuine demo label, each round
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        for node in ("ipfs-operator", "ipfs-verifier"):
            _stop_node(folder / node)
        anvil.terminate()
        anvil.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)
    results["verify_clean_verifier_p50_ms"] = round(statistics.median(timings), 1)
    results["verify_clean_verifier_p95_ms"] = round(statistics.quantiles(timings, n=100)[94], 1)
    results["verify_clean_verifier_documents_published"] = len(published)


def main() -> None:
    sys.path.insert(0, str(HERE))
    from alone import measure_alone

    measure_alone(bench_verify_clean, "verify_clean_")


if __name__ == "__main__":
    main()
