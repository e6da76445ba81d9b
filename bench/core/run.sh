#!/usr/bin/env bash
# Measures the core: demo start time (first start with seeding, and restart),
# resident memory at idle, and GET /api/v1/cases/{id} under 32 connections
# (every request is an audited, fsync'ed transaction). Needs wrk and curl.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null
cargo build --release -q -p safepath
BIN=target/release/safepath
DIR="$(mktemp -d)"
ADDR=127.0.0.1:18181
now() { date +%s.%N; }
wait_ready() { until curl -fs "http://$ADDR/healthz" >/dev/null 2>&1; do sleep 0.01; done; }

t0=$(now); $BIN demo --data-dir "$DIR" --addr $ADDR >/dev/null 2>&1 & PID=$!; wait_ready; t1=$(now)
first=$(echo "$t1 - $t0" | bc); sleep 3; rss_seeded=$(awk '/VmRSS/ {print $2}' /proc/$PID/status)
kill -INT $PID; wait $PID || true
t0=$(now); $BIN demo --data-dir "$DIR" --addr $ADDR >/dev/null 2>&1 & PID=$!; wait_ready; t1=$(now)
restart=$(echo "$t1 - $t0" | bc); sleep 3; rss_idle=$(awk '/VmRSS/ {print $2}' /proc/$PID/status)
TOKEN=$(curl -s "http://$ADDR/api/v1/auth/login" -d '{"username":"demo-cm-a","password":"safepath-demo"}' | python3 -c 'import sys,json;print(json.load(sys.stdin)["token"])')
ID=$(curl -s -H "Authorization: Bearer $TOKEN" "http://$ADDR/api/v1/cases?per_page=1" | python3 -c 'import sys,json;print(json.load(sys.stdin)["items"][0]["id"])')
rate=$(wrk -t2 -c32 -d15s -H "Authorization: Bearer $TOKEN" "http://$ADDR/api/v1/cases/$ID" | awk '/Requests\/sec/ {print $2}')
rss_load=$(awk '/VmRSS/ {print $2}' /proc/$PID/status)
$BIN audit verify --data-dir "$DIR" >/dev/null && verified=yes || verified=NO
kill -INT $PID; wait $PID || true
printf '| measure | value |\n|---|---|\n'
printf '| first demo start (migrate, keys, seed 240 cases), to /healthz 200 | %.2f s |\n' "$first"
printf '| demo restart, to /healthz 200 | %.3f s |\n' "$restart"
printf '| resident memory at idle (after restart) | %d MiB |\n' $((rss_idle / 1024))
printf '| resident memory after seeding | %d MiB |\n' $((rss_seeded / 1024))
printf '| GET /api/v1/cases/{id}, 32 connections, 15 s (each an audited fsync commit) | %s req/s |\n' "$rate"
printf '| resident memory after the load | %d MiB |\n' $((rss_load / 1024))
printf '| audit chain intact after the load | %s |\n' "$verified"
rm -rf "$DIR"
