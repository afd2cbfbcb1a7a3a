#!/usr/bin/env bash
# Every test: the whole suite on Ape's in-process chain across both cores, then what can
# behave differently on a node again on anvil (ape-foundry starts one). Extra arguments go to both runs.
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
# IPFS: two js-ipfs nodes (npm), the operator's and a verifier's, their swarms on loopback and
# connected by the tests (tests/fixtures/ipfs.py), so that documents really move between them.
# Their addresses go to those tests only (MEDCHAIN_TEST_IPFS_API, MEDCHAIN_TEST_IPFS_API_2 and
# the second's gateway MEDCHAIN_TEST_IPFS_GATEWAY_2): everything else keeps the folder store.
# Both start at once (the second costs no wall time); each start prints one export line.
say() { printf '\033[1m[test]\033[0m %s\n' "$*"; }
say "starting two js-ipfs nodes for the document store tests (tools/ipfs.sh)"
stop_ipfs() { for node in ipfs ipfs-2; do IPFS_PATH="$MEDCHAIN_DATA/$node" tools/ipfs.sh stop || true; done; }
trap 'stop_ipfs; tools/postgres.sh stop; rm -rf "$MEDCHAIN_DATA"' EXIT
IPFS_PATH="$MEDCHAIN_DATA/ipfs-2" IPFS_SWARM=1 tools/ipfs.sh start > "$MEDCHAIN_DATA/ipfs-2.exports" &
second=$!
ipfs_exports="$(IPFS_PATH="$MEDCHAIN_DATA/ipfs" IPFS_SWARM=1 tools/ipfs.sh start)"
wait "$second"
eval "$ipfs_exports"
export MEDCHAIN_TEST_IPFS_API="$MEDCHAIN_IPFS_API"
eval "$(cat "$MEDCHAIN_DATA/ipfs-2.exports")"
export MEDCHAIN_TEST_IPFS_API_2="$MEDCHAIN_IPFS_API"
MEDCHAIN_TEST_IPFS_GATEWAY_2="$(IPFS_PATH="$MEDCHAIN_DATA/ipfs-2" tools/ipfs.sh gateway)"
export MEDCHAIN_TEST_IPFS_GATEWAY_2
unset MEDCHAIN_IPFS_API

# Both cores: pytest-xdist, a file's tests on one worker (`--dist loadfile`) so that what a
# module builds once (an anvil, a seeded world, a tender world) is built once. Files are handed
# out in collection order, longest first (tests/conftest.py; xdist's own order, by number of
# tests, left a 3-minute file for last). Each worker has a data folder of its own.
# MEDCHAIN_TEST_WORKERS=1 runs in one process.
WORKERS="${MEDCHAIN_TEST_WORKERS:-$(nproc)}"
parallel=()
[ "$WORKERS" -gt 1 ] && parallel=(-n "$WORKERS" --dist loadfile --no-loadscope-reorder)

# Static checks first (about 30 s): compiler warnings (solc through the shim, vyper) fail, and
# so does any slither finding not triaged in .slither-triage.json (tools/static_checks.py).
say "static checks: compiler warnings and slither (tools/static_checks.py)"
python tools/static_checks.py < /dev/null

say "1/2 every test, contracts on Ape's in-process chain (py-evm), $WORKERS worker(s)"
ape test tests "${parallel[@]}" "$@" < /dev/null

# On anvil, only what can behave differently there. The whole contract suite ran on both
# chains until December 2026 and never differed: the same bytecode gives the same logic on
# py-evm and anvil's revm. What did differ was the client's side of the node: the shape in
# which a revert reaches the client (anvil's "custom error 0x…" messages, web3's kept revert
# data), raw eth_sendTransaction and eth_signTypedData_v4 as a wallet uses them, and chain id,
# gas and time as the node keeps them. So on anvil:
#   - the signing seam (Ape account vs raw eth_sendTransaction, refusals decoded from the node),
#   - every tender step through the client (reverts of every contract as anvil reports them),
#   - EIP-712 bids and EIP-2612 permits (signatures recovered against the node's chain id),
#   - a tender's whole lifecycle (money through the transient-storage reentrancy guard, time
#     moved by the node), and the on-chain Merkle proofs (gas of deep proofs).
# Every other test runs once, in pass 1.
ANVIL_TESTS=(
  tests/chain/test_signing_seam.py
  tests/tenders/test_client.py
  tests/contracts/tenders/test_tenders_eip712.py
  tests/contracts/test_payment_token.py
  tests/contracts/tenders/test_tenders_end_to_end.py
  tests/verification/test_onchain_proofs.py
)
say "2/2 what can differ on a node, again on anvil (ape-foundry)"
MEDCHAIN_RPC_URL=auto ape test "${ANVIL_TESTS[@]}" --network ethereum:local:foundry "${parallel[@]}" "$@" < /dev/null
say "all tests passed"
