#!/usr/bin/env bash
# A throwaway PostgreSQL from Debian's packages, on loopback, for the tests and benchmarks.
#
#   eval "$(tools/postgres.sh start)"   prints `export` lines: MEDCHAIN_TEST_POSTGRES_URL and
#                                       MEDCHAIN_TEST_POSTGRES_DIR (the cluster made here, or
#                                       empty when a server given by the URL already answers)
#   tools/postgres.sh start --durable   the same, with fsync and synchronous commit left on
#                                       (benchmarks: figures a real server would give)
#   tools/postgres.sh stop              stops and removes the cluster of MEDCHAIN_TEST_POSTGRES_DIR
#
# The cluster lives in a fresh temporary folder, never in /var/lib/postgresql: the machine's
# own clusters are left alone. Messages go to stderr; stdout carries only the export lines.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MARKER=".medchain-throwaway-postgres"  # only folders holding it are ever stopped and removed

say() { printf '\033[1m[postgres]\033[0m %s\n' "$*" >&2; }
fail() { say "$*"; exit 1; }
usage() { fail "usage: tools/postgres.sh start [--durable] | stop"; }

python_bin() { if [ -x "$ROOT/.venv/bin/python" ]; then echo "$ROOT/.venv/bin/python"; else echo python3; fi; }

# Does a server accept a connection on this URL? (psycopg is one of the project's packages.)
answers() {
  "$(python_bin)" - "$1" >/dev/null 2>&1 <<'EOF'
import sys, psycopg
psycopg.connect(sys.argv[1], connect_timeout=3).close()
EOF
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Debian's server binaries, highest major version first; installs them when there are none.
server_bin() {
  local bin
  bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ] || [ ! -x "$bin/pg_ctl" ]; then
    say "no PostgreSQL server on this machine: installing Debian's postgresql package"
    local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get install -y -q postgresql >/dev/null 2>&1 || {
      $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q postgresql >/dev/null; } \
      || fail "could not install Debian's postgresql package (apt-get install postgresql)"
    bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
    [ -n "$bin" ] && [ -x "$bin/initdb" ] || fail "postgresql is installed but no /usr/lib/postgresql/*/bin/initdb"
  fi
  echo "$bin"
}

# initdb refuses to run as root: as root the cluster belongs to the `postgres` system user.
# (From /, which every user may enter: the postgres tools complain about a folder they cannot.)
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

start() {
  local durable=0
  case "${1:-}" in --durable) durable=1 ;; "") ;; *) usage ;; esac

  if [ -n "${MEDCHAIN_TEST_POSTGRES_URL:-}" ]; then
    if answers "$MEDCHAIN_TEST_POSTGRES_URL"; then
      say "reusing the server at MEDCHAIN_TEST_POSTGRES_URL"
      # An empty folder: `stop` in this shell leaves that server to whoever started it.
      printf 'export MEDCHAIN_TEST_POSTGRES_URL=%q\nexport MEDCHAIN_TEST_POSTGRES_DIR=\n' "$MEDCHAIN_TEST_POSTGRES_URL"
      return
    fi
    say "MEDCHAIN_TEST_POSTGRES_URL does not answer: starting a throwaway server instead"
  fi

  local bin dir
  bin="$(server_bin)"
  if [ "$(id -u)" -eq 0 ]; then
    getent passwd postgres >/dev/null \
      || useradd --system --user-group --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin postgres
    dir="$(mktemp -d /tmp/medchain-postgres.XXXXXX)"  # /tmp: the postgres user can reach it
    chown postgres: "$dir"
  else
    dir="$(mktemp -d "${TMPDIR:-/tmp}/medchain-postgres.XXXXXX")"
  fi
  echo "$bin" >"$dir/$MARKER"  # the binaries that made it, for `stop`
  # Whatever fails from here on leaves nothing behind.
  trap 'as_owner "$bin/pg_ctl" -D "$dir/data" stop -m immediate >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT

  as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; fail "initdb failed"; }
  # Trust is safe here: TCP only on 127.0.0.1, and the socket sits in a folder only the owner enters.
  as_owner tee "$dir/data/pg_hba.conf" >/dev/null <<'EOF'
local all all trust
host  all all 127.0.0.1/32 trust
EOF
  {
    echo "listen_addresses = '127.0.0.1'"
    echo "unix_socket_directories = '$dir'"
    echo "max_connections = 200"
    if [ "$durable" -eq 0 ]; then
      # A test server: its data dies with it, so durability buys nothing.
      echo "fsync = off"
      echo "synchronous_commit = off"
      echo "full_page_writes = off"
    fi
  } | as_owner tee -a "$dir/data/postgresql.conf" >/dev/null

  # Another process may take the port between choosing and binding it: try a few.
  local port attempt
  for attempt in 1 2 3; do
    port="$(free_port)"
    if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "-p $port" -w -t 60 start >/dev/null 2>&1; then
      trap - EXIT
      say "PostgreSQL $(basename "$(dirname "$bin")") on 127.0.0.1:$port, cluster in $dir"
      printf 'export MEDCHAIN_TEST_POSTGRES_URL=%q\nexport MEDCHAIN_TEST_POSTGRES_DIR=%q\n' \
        "postgresql://postgres@127.0.0.1:$port/postgres" "$dir"
      return
    fi
  done
  tail -n 20 "$dir/server.log" >&2 || true
  fail "the server did not start (log above)"
}

stop() {
  local dir="${MEDCHAIN_TEST_POSTGRES_DIR:-}"
  [ -n "$dir" ] || return 0  # nothing started here (a reused server, or none)
  [ -d "$dir" ] || return 0
  [ -f "$dir/$MARKER" ] || fail "$dir was not made by tools/postgres.sh start: leaving it alone"
  if [ -f "$dir/data/postmaster.pid" ]; then
    local pg_ctl
    pg_ctl="$(cat "$dir/$MARKER")/pg_ctl"
    as_owner "$pg_ctl" -D "$dir/data" stop -m fast -w -t 60 >/dev/null \
      || as_owner "$pg_ctl" -D "$dir/data" stop -m immediate -w >/dev/null || true
  fi
  rm -rf "$dir"
  say "stopped and removed the throwaway cluster in $dir"
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) [ $# -eq 1 ] || usage; stop ;;
  *) usage ;;
esac
