#!/usr/bin/env bash
# Audited-read throughput with 100,000 cases (issue 9, "Throughput"):
#   * GET /api/v1/cases/{id} (bearer token), 32 connections: req/s and p99;
#   * GET /api/v1/cases, 64 connections for 60 s: req/s, p99 and errors;
#   * resident memory at idle: 3 s after start once search before create is
#     ready (its first check answered: for this tree, its index built in the
#     database from the copied seed), and again after a restart (its first
#     check answered, then 3 s): the server as it idles day to day; the audit
#     chain verified after the load.
# Usage: bench/core/throughput.sh [BIN ...]
#   With no BIN, the release build of this tree. With two or more, each is
#   measured on its own copy of the same seeded database and the table shows
#   every binary side by side with its ratio to the first (the baseline).
# Environment: CASES (default 100000), SEED_DIR (seeded template, kept between
#   runs; default /tmp/safepath-bench-$CASES), READ_SECS (default 30),
#   LIST_SECS (default 60), REPEAT (runs per binary, default 2: both shown).
# Needs wrk, curl, python3. The seeding (once) takes minutes: every case is
# an audited, fsync'ed import, as in production.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null
CASES=${CASES:-100000}
SEED_DIR=${SEED_DIR:-/tmp/safepath-bench-$CASES}
READ_SECS=${READ_SECS:-30}
LIST_SECS=${LIST_SECS:-60}
REPEAT=${REPEAT:-2}
ADDR=127.0.0.1:18182
TARGET=${CARGO_TARGET_DIR:-target}
if [ $# -eq 0 ]; then
  cargo build --release -q -p safepath
  set -- "$TARGET/release/safepath"
fi
wait_ready() { until curl -fs "http://$ADDR/healthz" >/dev/null 2>&1; do sleep 0.05; done; }
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
# wrk latency ("1.23ms", "850.00us", "1.02s") in milliseconds.
to_ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /[0-9]s$/ && v !~ /ms$/) n *= 1000; else if (v ~ /m$/) n *= 60000; printf "%.2f", n }'; }

# Non-2xx answers plus socket errors (connect, read, write, timeout).
errors_of() { awk '/Non-2xx/ {e += $NF} /Socket errors/ {gsub(",", ""); e += $4 + $6 + $8 + $10} END {print e + 0}' <<<"$1"; }

# The demo seeds `--cases N` cases plus N*3/4 for the statistics organisation.
if [ ! -f "$SEED_DIR/.seeded" ]; then
  rm -rf "$SEED_DIR"; mkdir -p "$SEED_DIR"
  demo_cases=$(( (CASES * 4 + 6) / 7 ))
  echo "seeding $CASES cases into $SEED_DIR (demo --cases $demo_cases) …" >&2
  t0=$(date +%s)
  "$1" demo --data-dir "$SEED_DIR" --addr $ADDR --cases "$demo_cases" >/dev/null 2>&1 & PID=$!
  wait_ready; kill -INT $PID; wait $PID || true
  echo "seeded in $(( $(date +%s) - t0 )) s" >&2
  touch "$SEED_DIR/.seeded"
fi

# One duplicate check (search before create): answered once its state is ready.
first_check() {
  curl -s -m 900 -o /dev/null -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
    -d '{"person":{"names":[{"value":"Mya Synthetic Idle"}],"sex":"female","nationalities":["MMR"]}}' \
    "http://$ADDR/api/v1/cases/duplicates"
}
login() { curl -s "http://$ADDR/api/v1/auth/login" -d '{"username":"demo-cm-a","password":"safepath-demo"}' | python3 -c 'import sys,json;print(json.load(sys.stdin)["token"])'; }

measure() { # BIN -> one line of results
  local bin=$1 dir; dir=$(mktemp -d)
  cp -a "$SEED_DIR/." "$dir/"
  "$bin" demo --data-dir "$dir" --addr $ADDR >/dev/null 2>&1 & local pid=$!
  wait_ready
  local token id n
  token=$(login)
  first_check "$token"; sleep 3
  local rss; rss=$(rss_kib $pid)
  id=$(curl -s -H "Authorization: Bearer $token" "http://$ADDR/api/v1/cases?per_page=1" | python3 -c 'import sys,json;print(json.load(sys.stdin)["items"][0]["id"])')
  n=$(curl -s -H "Authorization: Bearer $token" "http://$ADDR/api/v1/cases?per_page=1" | python3 -c 'import sys,json;print(json.load(sys.stdin)["total"])')
  local out rr rp le list lp errs
  out=$(wrk -t2 -c32 -d"${READ_SECS}s" --latency -H "Authorization: Bearer $token" "http://$ADDR/api/v1/cases/$id")
  rr=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  rp=$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
  le=$(errors_of "$out")
  out=$(wrk -t2 -c64 -d"${LIST_SECS}s" --latency -H "Authorization: Bearer $token" "http://$ADDR/api/v1/cases")
  list=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  lp=$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
  errs=$(errors_of "$out")
  # wrk leaves timed-out requests (over its 2 s default) out of the latency
  # distribution; with none answered in time its 99% is "0.00us": not a p99.
  [ "$rp" = "0.00" ] && rp=n/a
  [ "$lp" = "0.00" ] && lp=n/a
  local rss_load; rss_load=$(rss_kib $pid)
  kill -INT $pid; wait $pid || true
  local verified=no
  "$bin" audit verify --data-dir "$dir" >/dev/null 2>&1 && verified=yes
  # Idle again on a restart (migrations done, search before create ready).
  "$bin" demo --data-dir "$dir" --addr $ADDR >/dev/null 2>&1 & pid=$!
  wait_ready
  # 15 s: the sign-in's Argon2 memory (19 MiB) is given back when its
  # blocking thread ends, 10 s after its last use.
  first_check "$(login)"; sleep 15
  local rss_bare; rss_bare=$(rss_kib $pid)
  kill -INT $pid; wait $pid || true
  rm -rf "$dir"
  echo "$rr $rp $le $list $lp $errs $((rss / 1024)) $((rss_load / 1024)) $verified $n $((rss_bare / 1024))"
}

declare -a rows
for bin in "$@"; do
  for r in $(seq 1 "$REPEAT"); do
    echo "measuring $bin (run $r of $REPEAT) …" >&2
    rows+=("$bin $(measure "$bin")")
  done
done

printf '\n%s cases in the database; wrk -t2; each binary run %s times.\n\n' "$CASES" "$REPEAT"
printf '| binary | case reads/s (32 conn, %ss) | p99 ms | errors | list req/s (64 conn, %ss) | p99 ms | errors | idle RSS MiB (first start) | RSS after load MiB | audit verify | cases visible | idle RSS MiB, restarted |\n' "$READ_SECS" "$LIST_SECS"
printf '|---|---|---|---|---|---|---|---|---|---|---|---|\n'
base_read=""; base_list=""
for row in "${rows[@]}"; do
  set -- $row
  [ -z "$base_read" ] && base_read=$2 && base_list=$5
  ratio_r=$(awk -v a="$2" -v b="$base_read" 'BEGIN { printf "%.2f", a / b }')
  ratio_l=$(awk -v a="$5" -v b="$base_list" 'BEGIN { printf "%.2f", a / b }')
  printf '| %s | %s (×%s) | %s | %s | %s (×%s) | %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$2" "$ratio_r" "$3" "$4" "$5" "$ratio_l" "$6" "$7" "$8" "$9" "${10}" "${11}" "${12}"
done
