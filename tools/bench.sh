#!/usr/bin/env bash
# Benchmarks: writes bench/results.json and bench/RESULTS.md.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source tools/env.sh
MEDCHAIN_DATA="$(mktemp -d)"
export MEDCHAIN_DATA
trap 'rm -rf "$MEDCHAIN_DATA"' EXIT
# PostgreSQL: a throwaway server on loopback (Debian's packages) unless MEDCHAIN_TEST_POSTGRES_URL
# answers. Assign, then eval: a failed start must stop the script, and only then may the trap stop it.
postgres_exports="$(tools/postgres.sh start --durable)"
eval "$postgres_exports"
trap 'tools/postgres.sh stop; rm -rf "$MEDCHAIN_DATA"' EXIT
python bench/run.py < /dev/null
