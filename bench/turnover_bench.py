"""Bench: the quarterly turnover reports of 100 organizations x 1,000 resources.

`measure(engine)` fills an empty, migrated database with 100 organizations, 1,000 products,
a norm for every (organization, product) pair and five movements per pair (a delivery before
the quarter, then a delivery, two dispenses and a write-off inside it: 500,000 rows, inserted
in bulk), then times building every organization's report for the quarter (the computation,
not the insert). The figure is `turnover_report_100x1000_s` in bench/results.json.

    python -m bench.turnover_bench [DATABASE_URL]     # default: a SQLite file in a temp folder
"""

from __future__ import annotations

import random
import sys
import tempfile
import time

from sqlalchemy import Engine, insert

from dapp.records.models import Batch, Movement, Product, ReserveNorm
from dapp.records.stock_balance import fill_balances
from dapp.reports.turnover import Quarter, turnover_reports

ORGANIZATIONS = 100
RESOURCES = 1_000
QUARTER = Quarter(2026, 1)
DAY = 24 * 60 * 60
ZERO_HASH = "0x" + "00" * 32
MANUFACTURER = "0x" + "aa" * 20
CHUNK = 50_000


def organization(index: int) -> str:
    return "0x" + f"{index + 1:040x}"


def gtin(index: int) -> str:
    return f"{4_600_000_000_000 + index:014d}"


def batch_id(index: int) -> str:
    return "0x" + f"{index + 1:064x}"


def fill(engine: Engine, seed: int = 20260101) -> int:
    """Insert the bench's rows; returns the number of movements."""
    rng = random.Random(seed)
    start, end = QUARTER.bounds()
    with engine.begin() as connection:
        connection.execute(insert(Product), [
            {"gtin": gtin(r), "manufacturer": MANUFACTURER, "category": 1, "name": f"Препарат {r}",
             "dosage_form": "tablets", "registered_at": start - 400 * DAY} for r in range(RESOURCES)])
        connection.execute(insert(Batch), [
            {"batch_id": batch_id(r), "gtin": gtin(r), "manufacturer": MANUFACTURER, "lot": f"L{r}",
             "manufactured": start - 300 * DAY, "expires": end + 700 * DAY, "quantity": 10**9,
             "serials_root": ZERO_HASH, "status": "active", "commissioned_at": start - 300 * DAY}
            for r in range(RESOURCES)])
        norms = [{"organization": organization(o), "gtin": gtin(r), "minimum_balance": rng.randint(50, 150),
                  "emergency_reserve": 20, "lead_time_days": 30}
                 for o in range(ORGANIZATIONS) for r in range(RESOURCES)]
        for first in range(0, len(norms), CHUNK):
            connection.execute(insert(ReserveNorm), norms[first:first + CHUNK])
    block = 0
    movements = []
    count = 0
    with engine.begin() as connection:
        for o in range(ORGANIZATIONS):
            for r in range(RESOURCES):
                moments = sorted(rng.randrange(start, end) for _ in range(4))
                plan = (("received", rng.randint(100, 300), start - rng.randint(1, 60) * DAY),
                        ("received", rng.randint(50, 200), moments[0]),
                        ("dispensed", -rng.randint(10, 100), moments[1]),
                        ("dispensed", -rng.randint(10, 100), moments[2]),
                        ("written_off", -rng.randint(0, 5), moments[3]))
                for kind, quantity, moment in plan:
                    block += 1
                    movements.append({"block_number": block, "log_index": 0, "timestamp": moment,
                                      "organization": organization(o), "gtin": gtin(r), "batch_id": batch_id(r),
                                      "kind": kind, "quantity": quantity})
                if len(movements) >= CHUNK:
                    connection.execute(insert(Movement), movements)
                    count += len(movements)
                    movements = []
        if movements:
            connection.execute(insert(Movement), movements)
            count += len(movements)
    return count


def measure(engine: Engine) -> float:
    """Seconds to build the turnover reports of all 100 organizations, after `fill` and after
    the running balances are computed (as the indexer's batches leave them; timed apart by
    `main`)."""
    fill(engine)
    with engine.begin() as connection:
        fill_balances(connection)
    began = time.perf_counter()
    reports = turnover_reports(engine, QUARTER)
    elapsed = time.perf_counter() - began
    rows = sum(len(report.rows) for report in reports.values())
    if len(reports) != ORGANIZATIONS or rows != ORGANIZATIONS * RESOURCES:
        raise AssertionError(f"expected {ORGANIZATIONS} reports of {RESOURCES} rows, got {len(reports)} with {rows}")
    return elapsed


def main() -> None:
    from dapp.records.engine import open_database

    with tempfile.TemporaryDirectory() as folder:
        url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{folder}/bench.db"
        engine = open_database(url)
        try:
            print(f"turnover_report_100x1000_s: {measure(engine):.3f}")
        finally:
            engine.dispose()


if __name__ == "__main__":
    main()
