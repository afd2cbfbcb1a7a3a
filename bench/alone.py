"""One benchmark run by itself (`python bench/<name>.py`): its figures merged into the last
full run's bench/results.json, and bench/RESULTS.md written again."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent


def measure_alone(bench: Callable[[dict], object], *prefixes: str) -> dict:
    """Runs `bench(results)` on the last full run's results, writes both files, prints the
    figures whose names start with one of `prefixes`; returns the results."""
    sys.path.insert(0, str(HERE))
    from run import write_report

    path = HERE / "results.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    bench(results)
    write_report(results)
    print(json.dumps({k: v for k, v in results.items() if k.startswith(prefixes)}, indent=2))
    return results
