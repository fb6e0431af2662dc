#!/usr/bin/env bash
# Prints the PostgreSQL URL to use: DATABASE_URL when set; else the server on 127.0.0.1:5432
# when one answers (AIRSPACE_RISK_SHARED_PG_PORT overrides the port); else a project-local
# cluster under .data/, started on 127.0.0.1:55432.
set -euo pipefail

DB_NAME="${AIRSPACE_RISK_DB_NAME:-airspace_risk}"
if [ -n "${DATABASE_URL:-}" ]; then
  echo "$DATABASE_URL"
  exit 0
fi

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

SHARED_PORT="${AIRSPACE_RISK_SHARED_PG_PORT:-5432}"
if answers "$SHARED_PORT"; then
  echo "database: using the PostgreSQL server on 127.0.0.1:$SHARED_PORT" >&2
  echo "postgresql://postgres@127.0.0.1:$SHARED_PORT/$DB_NAME"
  exit 0
fi

PORT=55432
PG_BIN=/usr/lib/postgresql/15/bin
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
