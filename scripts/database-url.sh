#!/usr/bin/env bash
# Prints the PostgreSQL URL to use: DATABASE_URL when set; else the server on 127.0.0.1:5432
# when one answers and lets postgres in without a password (AIRSPACE_RISK_SHARED_PG_PORT
# overrides the port); else a project-local cluster under .data/, started on 127.0.0.1:55432
# (AIRSPACE_RISK_LOCAL_PG_PORT). Debian's own cluster asks for a password over TCP: then the
# local cluster is used, and the script says so.
set -euo pipefail

DB_NAME="${AIRSPACE_RISK_DB_NAME:-airspace_risk}"
if [ -n "${DATABASE_URL:-}" ]; then
  echo "$DATABASE_URL"
  exit 0
fi

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

PG_BIN=/usr/lib/postgresql/15/bin
# Whether postgres may log in over TCP without a password (-w: never prompt).
logs_in() {
  local psql
  psql="$(command -v psql || true)"
  [ -z "$psql" ] && return 0  # no client to ask with: try it, as before
  PGCONNECT_TIMEOUT=5 "$psql" -w -h 127.0.0.1 -p "$1" -U postgres -d postgres -Atqc 'SELECT 1' \
    >/dev/null 2>&1
}

SHARED_PORT="${AIRSPACE_RISK_SHARED_PG_PORT:-5432}"
if answers "$SHARED_PORT"; then
  if logs_in "$SHARED_PORT"; then
    echo "database: using the PostgreSQL server on 127.0.0.1:$SHARED_PORT" >&2
    echo "postgresql://postgres@127.0.0.1:$SHARED_PORT/$DB_NAME"
    exit 0
  fi
  echo "database: the server on 127.0.0.1:$SHARED_PORT wants a password for postgres;" \
    "using a project-local cluster instead (set DATABASE_URL to use that server)" >&2
fi

PORT="${AIRSPACE_RISK_LOCAL_PG_PORT:-55432}"
DATA_DIR="$(pwd)/.data/postgres"
if ! answers "$PORT"; then
  if [ ! -x "$PG_BIN/initdb" ]; then
    echo "database: error: no server on 127.0.0.1:5432 and no PostgreSQL binaries in $PG_BIN" >&2
    exit 1
  fi
  as_owner=()
  if [ "$(id -u)" -eq 0 ]; then
    # PostgreSQL refuses to run as root; the Debian package's postgres user owns the cluster.
    as_owner=(runuser -u postgres --)
  fi
  mkdir -p "$DATA_DIR"
  [ "$(id -u)" -eq 0 ] && chown -R postgres:postgres "$(pwd)/.data"
  if [ ! -f "$DATA_DIR/PG_VERSION" ]; then
    echo "database: creating a local cluster in $DATA_DIR" >&2
    "${as_owner[@]}" "$PG_BIN/initdb" -D "$DATA_DIR" -U postgres --auth=trust -E UTF8 >/dev/null
  fi
  echo "database: starting the local cluster on 127.0.0.1:$PORT" >&2
  "${as_owner[@]}" "$PG_BIN/pg_ctl" -D "$DATA_DIR" -l "$DATA_DIR/server.log" -w \
    -o "-p $PORT -k $DATA_DIR -c listen_addresses=127.0.0.1" start >/dev/null
fi
echo "postgresql://postgres@127.0.0.1:$PORT/$DB_NAME"
