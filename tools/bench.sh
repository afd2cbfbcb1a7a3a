#!/usr/bin/env bash
# Benchmarks: writes bench/results.json and bench/RESULTS.md.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source tools/env.sh
MEDCHAIN_DATA="$(mktemp -d)"
export MEDCHAIN_DATA
trap 'rm -rf "$MEDCHAIN_DATA"' EXIT
python bench/run.py < /dev/null
