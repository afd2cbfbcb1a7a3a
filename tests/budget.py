"""Hypothesis example budgets: sized for `make test`, multiplied for a soak run.

`make test` runs each property with the budget its test names; `bench/soak.sh` (or
MEDCHAIN_SOAK=N) runs the same properties with N times as many examples, for hours if asked.
"""

import os


def examples(budget: int) -> int:
    """The number of examples for a property whose `make test` budget is `budget`."""
    factor = os.environ.get("MEDCHAIN_SOAK", "1")
    if not factor.isdigit() or int(factor) < 1:
        raise ValueError(f"MEDCHAIN_SOAK is a whole number of times the test budget, not {factor!r}")
    return budget * int(factor)
