"""The resolver's JSON verdict latency over HTTP: `resolver_json_p50_ms`, `resolver_json_p95_ms`.

One client (a keep-alive `requests.Session`, as a verifier's script or page would hold) asks
the dApp's server on loopback for the verdict of each demo label in turn
(`GET /01/<gtin>/10/<lot>/21/<serial>` with `Accept: application/json`, `?scanner=` where the
demo scans at an organization): 20 requests to warm up, then 200 timed, one after the other.
The server is `python -m dapp.ui.serve` (Streamlit's Starlette app under uvicorn) against an
anvil loaded with the seeded demo world (tests/fixtures/demo_chain.py, made once per machine).

Run alone (it merges its figures into bench/results.json and rewrites bench/RESULTS.md):

    source tools/env.sh && python bench/resolver_latency.py
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from dapp.codes.gs1 import DEFAULT_RESOLVER  # noqa: E402
from dapp.codes.qr import decode_codes  # noqa: E402
from dapp.demo import world as demo  # noqa: E402

WARM_UP = 20
REQUESTS = 200


def demo_paths(labels: Path, accounts: list[str]) -> list[str]:
    """The path and query of each demo label's Digital Link, with its scanner if it has one."""
    paths = []
    for code in demo.DEMO_CODES:
        uri = decode_codes(labels / f"{code.case}.png")[0].text
        path = uri.removeprefix(DEFAULT_RESOLVER)
        if code.scanner:
            path += "?scanner=" + accounts[demo.organization(code.scanner).account_index]
        paths.append(path)
    return paths


def time_requests(base: str, paths: list[str]) -> list[float]:
    """Milliseconds of each of REQUESTS sequential JSON verdicts, after WARM_UP untimed ones."""
    session = requests.Session()
    session.headers["Accept"] = "application/json"
    timings = []
    for n in range(WARM_UP + REQUESTS):
        path = paths[n % len(paths)]
        start = time.perf_counter()
        answer = session.get(base + path, timeout=30)
        elapsed = (time.perf_counter() - start) * 1000
        assert answer.status_code == 200 and answer.json()["status"] in ("GENUINE", "SUSPECT"), answer.text
        if n >= WARM_UP:
            timings.append(elapsed)
    session.close()
    return timings


def bench_resolver(results: dict) -> None:
    """`resolver_json_p50_ms`, `resolver_json_p95_ms` against a server of its own on loopback."""
    from tests.fixtures.demo_chain import serving_demo_world

    with serving_demo_world("bench-resolver-") as (base, env, data):
        accounts = requests.post(env["MEDCHAIN_RPC_URL"], json={"jsonrpc": "2.0", "id": 1, "method": "eth_accounts",
                                                               "params": []}, timeout=10).json()["result"]
        timings = time_requests(base, demo_paths(data / "labels", accounts))
    results["resolver_json_p50_ms"] = round(statistics.median(timings), 1)
    results["resolver_json_p95_ms"] = round(statistics.quantiles(timings, n=100)[94], 1)


def main() -> None:
    """Measures alone and merges the figures into the last full run's results."""
    sys.path.insert(0, str(HERE))
    from run import write_report

    path, report = HERE / "results.json", HERE / "RESULTS.md"
    results = json.loads(path.read_text()) if path.exists() else {}
    header = next((line for line in report.read_text().splitlines() if line.startswith("Run by")), None) \
        if report.exists() else None
    bench_resolver(results)
    write_report(results)
    if header:  # the other figures are still the last full run's: keep its date
        lines = report.read_text().splitlines(keepends=True)
        report.write_text("".join(header + "\n" if line.startswith("Run by") else line for line in lines))
    print(json.dumps({k: v for k, v in results.items() if k.startswith("resolver_")}, indent=2))


if __name__ == "__main__":
    main()
