#!/usr/bin/env bash
# A local IPFS node for the document store: js-ipfs from npm, offline, API on loopback.
#
#   eval "$(tools/ipfs.sh start)"   starts it (once) and prints `export MEDCHAIN_IPFS_API=...`
#   tools/ipfs.sh status            prints that line again while it runs (exit 1 when it does not)
#   tools/ipfs.sh gateway           prints its read-only HTTP gateway's URL (http://127.0.0.1:PORT)
#   tools/ipfs.sh stop              stops it
#
# IPFS_SWARM=1 starts it online instead, its swarm listening on loopback only (a free TCP port,
# no bootstrap peers, no mDNS, no preload), so that several such nodes can be connected to each
# other (`ipfs swarm connect`) and fetch blocks from one another, as the tests' two nodes do.
#
# Its repository is .cache/ipfs-test, or $IPFS_PATH. The API port is a free one chosen by the
# node, or $IPFS_API_PORT. The pid is in $IPFS_PATH/daemon.pid, the API address in
# $IPFS_PATH/api (written by js-ipfs), the log in $IPFS_PATH/daemon.log. Messages go to
# stderr so that stdout holds only the export line.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JSIPFS="$ROOT/node_modules/.bin/jsipfs"
IPFS_PATH="${IPFS_PATH:-$ROOT/.cache/ipfs-test}"
mkdir -p "$IPFS_PATH"
IPFS_PATH="$(cd "$IPFS_PATH" && pwd)"
export IPFS_PATH
PID_FILE="$IPFS_PATH/daemon.pid"
LOG="$IPFS_PATH/daemon.log"
# Marks a repository this script created: it never rewrites the config of someone else's node.
MARKER="$IPFS_PATH/medchain-test-node"
START_TIMEOUT=60

say() { printf '\033[1m[ipfs]\033[0m %s\n' "$*" >&2; }

running_pid() {
  [ -f "$PID_FILE" ] || return 1
  local pid
  pid="$(cat "$PID_FILE")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  # a daemon that died while this script waits is a zombie until the script exits
  ! grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null || return 1
  echo "$pid"
}

api_address() { [ -s "$IPFS_PATH/api" ] && tr -d '[:space:]' < "$IPFS_PATH/api"; }

# The gateway's URL, from the daemon's log (its port is a free one).
gateway_url() {
  local address
  address="$(sed -n 's|^Gateway (read only) listening on /ip4/\([0-9.]*\)/tcp/\([0-9]*\)/http.*|http://\1:\2|p' "$LOG" | tail -1)"
  [ -n "$address" ] && echo "$address"
}

# Whether the HTTP RPC API at multiaddr $1 answers /api/v0/version.
answers() {
  python3 - "$1" <<'PY'
import sys, urllib.request
parts = sys.argv[1].split("/")  # /ip4/127.0.0.1/tcp/PORT/http
try:
    urllib.request.urlopen(urllib.request.Request(f"http://{parts[2]}:{parts[4]}/api/v0/version", method="POST"), timeout=2)
except Exception:
    sys.exit(1)
PY
}

start() {
  if pid="$(running_pid)" && address="$(api_address)" && answers "$address"; then
    say "already running (pid $pid, repository $IPFS_PATH)"
    echo "export MEDCHAIN_IPFS_API=$address"
    return
  fi
  [ -x "$JSIPFS" ] || { say "js-ipfs is not installed ($JSIPFS): run 'make setup' (tools/setup.sh) first"; exit 1; }

  if [ ! -f "$IPFS_PATH/config" ]; then
    say "creating a test repository in $IPFS_PATH (once, about 10 s)"
    "$JSIPFS" init --profile test > "$LOG" 2>&1 || { cat "$LOG" >&2; exit 1; }
    touch "$MARKER"
  elif [ ! -f "$MARKER" ]; then
    say "$IPFS_PATH holds an IPFS repository this script did not create; it leaves it alone."
    say "Point IPFS_PATH at another folder (or unset it to use $ROOT/.cache/ipfs-test)."
    exit 1
  fi
  # A daemon killed without its shutdown leaves its lock behind; none runs now.
  rm -rf "$IPFS_PATH/repo.lock" "$IPFS_PATH/api"

  # Ports 0 (free ones, so several nodes can run side by side), unless IPFS_API_PORT fixes the
  # API's. Offline, no swarm address; with IPFS_SWARM=1, a swarm on loopback only (which needs
  # tools/ipfs-multiaddr-fix.mjs: without it js-ipfs hung there) and nothing that reaches out.
  local swarm="${IPFS_SWARM:-0}"
  node - "${IPFS_API_PORT:-0}" "$swarm" <<'JS'
const fs = require("fs");
const file = `${process.env.IPFS_PATH}/config`;
const config = JSON.parse(fs.readFileSync(file, "utf8"));
const online = process.argv[3] === "1";
Object.assign(config.Addresses, {
  Swarm: online ? ["/ip4/127.0.0.1/tcp/0"] : [],
  API: `/ip4/127.0.0.1/tcp/${process.argv[2]}`,
  Gateway: "/ip4/127.0.0.1/tcp/0",
  RPC: "/ip4/127.0.0.1/tcp/0",
  Delegates: [],
});
config.Bootstrap = [];
config.Discovery = Object.assign(config.Discovery || {}, {
  MDNS: { Enabled: false, Interval: 10 }, webRTCStar: { Enabled: false } });
fs.writeFileSync(file, JSON.stringify(config, null, 2));
JS

  local mode=(--offline) fix=()
  if [ "$swarm" = 1 ]; then
    mode=(--enable-preload=false)
    fix=(--import "$ROOT/tools/ipfs-multiaddr-fix.mjs")
  fi
  say "starting js-ipfs ($([ "$swarm" = 1 ] && echo "swarm on loopback" || echo offline)) from $IPFS_PATH"
  # Its own session, so that a Ctrl-C in the caller's terminal does not reach it; the shell
  # writes its pid before it becomes the daemon.
  setsid sh -c 'echo $$ > "$1"; shift; exec "$@"' sh "$PID_FILE" node "${fix[@]}" "$JSIPFS" daemon "${mode[@]}" \
    < /dev/null > "$LOG" 2>&1 &
  local waited=0
  while :; do
    sleep 0.5
    waited=$((waited + 1))
    if pid="$(running_pid)"; then
      if address="$(api_address)" && answers "$address"; then break; fi
    elif [ "$waited" -gt 4 ]; then
      say "js-ipfs stopped while starting; its log ($LOG):"; cat "$LOG" >&2; exit 1
    fi
    if [ "$waited" -ge $((START_TIMEOUT * 2)) ]; then
      say "js-ipfs did not answer within $START_TIMEOUT s; stopping it. Its log ($LOG):"
      cat "$LOG" >&2
      stop
      exit 1
    fi
  done
  say "ready: API $address (pid $pid); 'tools/ipfs.sh stop' stops it"
  echo "export MEDCHAIN_IPFS_API=$address"
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then
    say "no node running from $IPFS_PATH"
    rm -f "$PID_FILE"
    return
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 40); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.25
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "js-ipfs did not stop within 10 s; killing it"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$PID_FILE"
  say "stopped (pid $pid)"
}

status() {
  local pid address
  if pid="$(running_pid)" && address="$(api_address)" && answers "$address"; then
    say "running (pid $pid, repository $IPFS_PATH)"
    echo "export MEDCHAIN_IPFS_API=$address"
  else
    say "no node answering from $IPFS_PATH"
    exit 1
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  gateway) running_pid > /dev/null && gateway_url || { say "no node running from $IPFS_PATH"; exit 1; } ;;
  *) echo "usage: tools/ipfs.sh start|stop|status|gateway   (start prints: export MEDCHAIN_IPFS_API=...)" >&2; exit 2 ;;
esac
