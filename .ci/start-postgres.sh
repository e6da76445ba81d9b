#!/usr/bin/env bash
# Starts a throw-away PostgreSQL cluster for the conformance suite and prints
# its URL. Runs the server as the `postgres` system user (initdb refuses root).
set -euo pipefail
PGBIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
PGDATA="${PGDATA_DIR:-/tmp/safepath-pg}"
PORT="${PGPORT_TEST:-55432}"
if ! "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1 && ! su postgres -s /bin/sh -c "'$PGBIN/pg_ctl' -D '$PGDATA' status" >/dev/null 2>&1; then
  rm -rf "$PGDATA"
  mkdir -p "$PGDATA"
  chown postgres:postgres "$PGDATA"
  su postgres -s /bin/sh -c "'$PGBIN/initdb' -D '$PGDATA' -A trust -U postgres --encoding=UTF8 --locale=C.UTF-8" >/dev/null
  su postgres -s /bin/sh -c "'$PGBIN/pg_ctl' -D '$PGDATA' -o '-p $PORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off' -l '$PGDATA/server.log' -w start" >/dev/null
fi
echo "postgres://postgres@127.0.0.1:$PORT/postgres"
