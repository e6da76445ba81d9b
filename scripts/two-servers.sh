#!/usr/bin/env bash
# Two SafePath deployments on one machine, partners of each other, to try the
# cross-border handover by hand (issue 12; docs/handover.md):
#   destination  http://127.0.0.1:8081  (data in $ROOT/destination)
#   origin       http://127.0.0.1:8082  (data in $ROOT/origin)
# Each is the synthetic demo. On each, the other deployment stands for the
# demo's "Organisation C — Mekong Return Partners" (the recipient that
# consents name). Try: on the destination, as demo-cm-a, record a security
# assessment and a cross-border handover consent for organisation C on a
# case, then start the handover from the case's "Return and handover" page;
# on the origin, demo-partner or demo-cm-c finds it under Handovers.
# Every demo account's password is safepath-demo. Ctrl-C stops both.
#
# Usage: scripts/two-servers.sh   (ROOT=dir to keep the data elsewhere;
#                                  BIN=path to use a built binary)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=${ROOT:-./safepath-two-servers}
BIN=${BIN:-target/release/safepath}
ORG="Organisation C — Mekong Return Partners"
if [ ! -x "$BIN" ]; then
  cargo build --release -p safepath
fi
mkdir -p "$ROOT/destination" "$ROOT/origin"

pids=()
stop() { kill -INT "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap stop EXIT INT TERM

start() { # NAME PORT
  if curl -fsS "http://127.0.0.1:$2/healthz" >/dev/null 2>&1; then
    echo "something already serves on 127.0.0.1:$2: stop it first" >&2
    exit 1
  fi
  "$BIN" demo --data-dir "$ROOT/$1" --addr "127.0.0.1:$2" --cases 40 >"$ROOT/$1.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 120); do
    curl -fsS "http://127.0.0.1:$2/healthz" >/dev/null 2>&1 && return 0
    kill -0 "${pids[-1]}" 2>/dev/null || { cat "$ROOT/$1.log"; exit 1; }
    sleep 1
  done
  echo "the $1 server did not start (see $ROOT/$1.log)" >&2
  exit 1
}
start destination 8081
start origin 8082

# Each side's public keys (created on first use), read as JSON.
field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
identity() { "$BIN" handover identity --data-dir "$ROOT/$1" --json; }
dest=$(identity destination)
orig=$(identity origin)

register() { # ON OTHER-JSON NAME URL
  local keys=$2
  if "$BIN" handover partner add --data-dir "$ROOT/$1" --name "$3" \
      --signing-key "$(field signing_key <<<"$keys")" \
      --encryption-key "$(field encryption_key <<<"$keys")" \
      --fingerprint "$(field fingerprint <<<"$keys")" \
      --inbox-url "$4" --org "$ORG" 2>"$ROOT/register.err"; then
    :
  elif grep -qi "already" "$ROOT/register.err"; then
    echo "($1: partner already registered)"
  else
    cat "$ROOT/register.err" >&2
    exit 1
  fi
}
register destination "$orig" "Origin deployment (synthetic)" http://127.0.0.1:8082
register origin "$dest" "Destination deployment (synthetic)" http://127.0.0.1:8081

cat <<MSG

Two deployments are running and registered as partners:
  destination  http://127.0.0.1:8081   fingerprint $(field fingerprint <<<"$dest")
  origin       http://127.0.0.1:8082   fingerprint $(field fingerprint <<<"$orig")
Sign in with any demo account (password safepath-demo). Ctrl-C stops both.
MSG
wait
