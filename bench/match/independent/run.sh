#!/usr/bin/env bash
# Independent tracing set (SPEC.md): SafePath `match link` and Splink 5 (DuckDB) on the same
# frozen files, in one run; one table, best pair per request.
#
#   bench/match/independent/run.sh
#
# Environment: SAFEPATH_BIN (default $CARGO_TARGET_DIR/release/safepath or target/release/safepath,
# built with `cargo build --release -p safepath` if SAFEPATH_BIN is not set).
# Creates bench/.venv (python3 -m venv) and pip-installs Splink 5 and pandas from PyPI, as
# bench/match/run.sh does. Outputs go to bench/data/independent/ (not committed).
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"

DIR=bench/match/independent
TARGET="${CARGO_TARGET_DIR:-target}"
if [ -z "${SAFEPATH_BIN:-}" ]; then
  SAFEPATH_BIN="$TARGET/release/safepath"
  cargo build --release -p safepath >&2
fi
OUT=bench/data/independent
mkdir -p "$OUT"
VENV=bench/.venv
PY="$VENV/bin/python"
if [ ! -x "$PY" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install -q --disable-pip-version-check "splink>=5,<6" pandas >&2
if [ ! -x /usr/bin/time ]; then
  apt-get install -y -q time >&2
fi

# 1. The files are the frozen ones, and the generator still makes them byte for byte.
(cd "$DIR" && sha256sum --quiet -c FROZEN.sha256) >&2
python3 "$DIR/make_set.py" --out "$OUT/regenerated" >&2
for f in registry.csv requests.csv truth.csv; do
  cmp -s "$DIR/$f" "$OUT/regenerated/$f" || { echo "make_set.py no longer reproduces $f" >&2; exit 1; }
done

RESULTS="$OUT/results.jsonl"
: > "$RESULTS"
# run TOOL PAIRS COMMAND... : runs COMMAND under /usr/bin/time, scores PAIRS, appends one JSON line.
run() {
  local tool="$1" pairs="$2"
  shift 2
  local log="${pairs%.csv}.log"
  echo "== independent / $tool" >&2
  /usr/bin/time -f "TIME %e %M" "$@" > "$log" 2>&1 || { cat "$log" >&2; return 1; }
  local wall rss
  wall=$(grep '^TIME' "$log" | tail -1 | cut -d' ' -f2)
  rss=$(grep '^TIME' "$log" | tail -1 | cut -d' ' -f3)
  python3 "$DIR/evaluate.py" score "$tool" "$pairs" "$wall" "$rss" >> "$RESULTS"
}

run "safepath match link" "$OUT/safepath.csv" \
  "$SAFEPATH_BIN" match link --left "$DIR/requests.csv" --right "$DIR/registry.csv" \
  --settings "$DIR/settings.toml" --output "$OUT/safepath.csv"
run "splink 5 (duckdb)" "$OUT/splink.csv" \
  "$PY" "$DIR/splink_run.py" "$DIR/requests.csv" "$DIR/registry.csv" "$OUT/splink.csv"

python3 "$DIR/evaluate.py" table "$RESULTS"
