#!/usr/bin/env bash
# The platform, locally: anvil with its state kept in data/chain/, the contracts deployed
# (once) and the demo data seeded (once). Ctrl-C stops anvil, which saves its state; the
# next start loads it and finds everything where it was.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source tools/env.sh
DATA="${MEDCHAIN_DATA:-$ROOT/data}"
CHAIN_DIR="$DATA/chain"
STATE="$CHAIN_DIR/anvil-state.json"
LOG="$CHAIN_DIR/anvil.log"
PORT="${MEDCHAIN_RPC_URL##*:}"
PORT="${PORT%%/*}"
DAPP_PORT="${MEDCHAIN_DAPP_PORT:-8501}"
mkdir -p "$CHAIN_DIR"

say() { printf '\033[1m[platform]\033[0m %s\n' "$*"; }

listening() { python3 -c "import socket,sys; s=socket.socket(); sys.exit(0 if s.connect_ex(('127.0.0.1', $1)) == 0 else 1)"; }
if listening "$PORT"; then
  say "something already listens on port $PORT. Stop it (another 'make run'?), or choose another port:"
  say "  MEDCHAIN_RPC_URL=http://127.0.0.1:8546 make run"
  exit 1
fi
if listening "$DAPP_PORT"; then
  say "something already listens on the dApp's port $DAPP_PORT. Stop it, or choose another port:"
  say "  MEDCHAIN_DAPP_PORT=8502 make run"
  exit 1
fi
# The dApp's address: on this machine, and for a phone on the same network (https with
# MEDCHAIN_TLS=1: a phone's browser opens the camera only for a secure page). Demo labels
# carry it as their resolver, so a phone scanning a printed label opens its verdict.
SCHEME=http; [ "${MEDCHAIN_TLS:-}" = "1" ] && SCHEME=https
LAN_IP="$(python -c 'from dapp.ui.tls import lan_address; print(lan_address() or "")')"
export MEDCHAIN_RESOLVER_URL="${MEDCHAIN_RESOLVER_URL:-$SCHEME://${LAN_IP:-127.0.0.1}:$DAPP_PORT}"

NEW_CHAIN=1; [ -f "$STATE" ] && NEW_CHAIN=0
if [ -f "$STATE" ]; then say "starting anvil on $MEDCHAIN_RPC_URL with the saved state $STATE"
else say "starting a new anvil chain on $MEDCHAIN_RPC_URL (state will be saved in $STATE)"; fi
# Its own session: a Ctrl-C in this terminal reaches only this script, which stops anvil
# with SIGTERM so that anvil writes its state before it exits.
setsid anvil --host 127.0.0.1 --port "$PORT" --chain-id 31337 --accounts 20 \
  --state "$STATE" --state-interval 60 > "$LOG" 2>&1 &
ANVIL_PID=$!

INDEXER_PID=""
DAPP_PID=""
stop() {
  trap - INT TERM
  if [ -n "$DAPP_PID" ]; then say "stopping the dApp"; kill -INT "$DAPP_PID" 2>/dev/null || true; wait "$DAPP_PID" 2>/dev/null || true; fi
  if [ -n "$INDEXER_PID" ]; then kill -INT "$INDEXER_PID" 2>/dev/null || true; wait "$INDEXER_PID" 2>/dev/null || true; fi
  if [ "${MEDCHAIN_IPFS:-}" = "1" ]; then IPFS_PATH="$DATA/ipfs" tools/ipfs.sh stop || true; fi
  say "stopping anvil (saving its state)..."
  kill -TERM "$ANVIL_PID" 2>/dev/null || true
  wait "$ANVIL_PID" 2>/dev/null || true
  say "stopped. The chain's state is in $STATE; 'make run' continues from it."
  exit 0
}
trap stop INT TERM

for _ in $(seq 1 100); do
  if ! kill -0 "$ANVIL_PID" 2>/dev/null; then say "anvil failed to start:"; cat "$LOG"; exit 1; fi
  python3 -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1', $PORT)))" && break
  sleep 0.1
done

NETWORK="ethereum:local:foundry"
# Documents go to a js-ipfs node instead of the folder when asked (MEDCHAIN_IPFS=1 make run).
if [ "${MEDCHAIN_IPFS:-}" = "1" ]; then
  say "starting a js-ipfs node for the documents (repository $DATA/ipfs)"
  ipfs_exports="$(IPFS_PATH="$DATA/ipfs" tools/ipfs.sh start)" || stop
  eval "$ipfs_exports"
fi
say "deploying the contracts (skipped when already deployed)"
ape run deploy --network "$NETWORK" --account TEST::0 < /dev/null 2>&1 | grep -v '^INFO' || { stop; }
say "seeding the demo data (skipped when already there)"
ape run seed --network "$NETWORK" --account TEST::0 < /dev/null 2>&1 | grep -v '^INFO' | tail -n 1
# The database (data/platform.db, or MEDCHAIN_DATABASE_URL): caught up now, then kept up to
# date by an indexer following the chain. A new chain means the old events are another
# chain's: they are dropped (the organizations' own norms and quotes stay).
say "indexing the chain's events into the database"
if [ "$NEW_CHAIN" = "1" ]; then INDEX_ARGS=(--rebuild); else INDEX_ARGS=(); fi
ape run index "${INDEX_ARGS[@]}" --network "$NETWORK" < /dev/null 2>&1 | grep -v '^INFO' | tail -n 1
# The demo organizations' own reserve norms and price quotes (once), for the stock commands.
python -m dapp.demo.local_data
ape run index --follow --network "$NETWORK" < /dev/null > "$DATA/indexer.log" 2>&1 &
INDEXER_PID=$!
# The demo labels, made again when the dApp's address (their resolver) changed.
python -m dapp.demo.labels > /dev/null
say "starting the dApp (pages and the GS1 resolver on one port; log $DATA/dapp.log)"
# Dev mode: on this local chain, act as any demo organization through anvil's dev accounts.
MEDCHAIN_DEV_MODE="${MEDCHAIN_DEV_MODE:-1}" python -m dapp.ui.serve --port "$DAPP_PORT" > "$DATA/dapp.log" 2>&1 &
DAPP_PID=$!
for _ in $(seq 1 300); do
  listening "$DAPP_PORT" && break
  if ! kill -0 "$DAPP_PID" 2>/dev/null; then say "the dApp failed to start:"; tail -n 30 "$DATA/dapp.log"; stop; fi
  sleep 0.1
done
python -m dapp.cli.status --state "$STATE" --log "$LOG"
say "the dApp:  $SCHEME://127.0.0.1:$DAPP_PORT"
[ -n "$LAN_IP" ] && say "from a phone on this network:  $SCHEME://$LAN_IP:$DAPP_PORT$([ "$SCHEME" = http ] && echo '  (the camera needs MEDCHAIN_TLS=1 make run)')"
say "running. Press Ctrl-C to stop."
wait "$ANVIL_PID"
