#!/usr/bin/env bash
# Every test: the whole suite on Ape's in-process chain, then the contract and on-chain
# Merkle tests again on anvil (ape-foundry starts one). Extra arguments go to both runs.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source tools/env.sh
# The tests never touch the platform's own data folder or chain.
MEDCHAIN_DATA="$(mktemp -d)"
export MEDCHAIN_DATA
trap 'rm -rf "$MEDCHAIN_DATA"' EXIT
# PostgreSQL: a throwaway server on loopback (Debian's packages) unless MEDCHAIN_TEST_POSTGRES_URL
# answers. Assign, then eval: a failed start must stop the script, and only then may the trap stop it.
postgres_exports="$(tools/postgres.sh start)"
eval "$postgres_exports"
trap 'tools/postgres.sh stop; rm -rf "$MEDCHAIN_DATA"' EXIT
# IPFS: a js-ipfs node (npm) for the document store tests. Its address goes to those tests
# only (MEDCHAIN_TEST_IPFS_API): everything else keeps the default folder store.
say() { printf '\033[1m[test]\033[0m %s\n' "$*"; }
say "starting a js-ipfs node for the document store tests (tools/ipfs.sh)"
ipfs_exports="$(IPFS_PATH="$MEDCHAIN_DATA/ipfs" tools/ipfs.sh start)"
eval "$ipfs_exports"
export MEDCHAIN_TEST_IPFS_API="$MEDCHAIN_IPFS_API"
unset MEDCHAIN_IPFS_API
trap 'IPFS_PATH="$MEDCHAIN_DATA/ipfs" tools/ipfs.sh stop; tools/postgres.sh stop; rm -rf "$MEDCHAIN_DATA"' EXIT

say "1/2 all tests, contracts on Ape's in-process chain"
ape test tests "$@" < /dev/null

say "2/2 contracts and on-chain proofs again, on anvil (ape-foundry)"
MEDCHAIN_RPC_URL=auto ape test tests/contracts tests/verification/test_onchain_proofs.py \
  --network ethereum:local:foundry "$@" < /dev/null
say "all tests passed"
