#!/usr/bin/env bash
# Soak: the property-based tests (Hypothesis) with N times their `make test` example budget,
# (and the files they live in) on Ape's in-process chain and both cores. Long runs belong here, not in `make test`.
#
#   bench/soak.sh          # 20 times the budget (about an hour on 2 cores)
#   bench/soak.sh 100      # 100 times
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
tools/setup.sh
source tools/env.sh
export MEDCHAIN_SOAK="${1:-20}"
MEDCHAIN_DATA="$(mktemp -d)"
export MEDCHAIN_DATA
trap 'rm -rf "$MEDCHAIN_DATA"' EXIT
echo "[soak] property tests with $MEDCHAIN_SOAK times their example budget"
ape test -n "$(nproc)" --dist loadfile --no-loadscope-reorder \
  tests/contracts/test_custody_invariants.py tests/contracts/test_participants_invariants.py \
  tests/contracts/tenders/test_tenders_invariants.py tests/contracts/test_resources.py \
  tests/verification/test_serial_tree.py tests/verification/test_onchain_proofs.py \
  tests/codes/test_gs1_codes.py tests/codes/test_qr.py < /dev/null
