#!/usr/bin/env bash
# Statistics benchmark: every dashboard over 1,000,000 synthetic persons, and
# SDS-style k-anonymous aggregates (all 1-, 2-, 3-way combinations, k = 11)
# over 100,000 CTDC-shaped rows by SafePath vs pandas vs DuckDB.
# Usage: bench/stats/run.sh [persons] [rows]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
persons="${1:-1000000}"
rows="${2:-100000}"
mkdir -p "$root/bench/data"
csv="$root/bench/data/ctdc_rows.csv"
venv="$root/bench/.venv"
if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv"; fi
"$venv/bin/python" -c "import pandas, duckdb" 2>/dev/null || "$venv/bin/pip" install -q pandas duckdb
(cd "$root" && cargo build --release -q -p safepath-stats --example bench_stats)
bin="${CARGO_TARGET_DIR:-$root/target}/release/examples/bench_stats"
out="$("$bin" "$persons" "$rows" "$csv")"
py="$("$venv/bin/python" "$here/groupby.py" "$csv")"
get() { printf '%s\n%s\n' "$out" "$py" | awk -v k="$1" '$1 == k { print $2 }'; }
echo
echo "## Dashboards over $persons synthetic persons (SafePath, release build, one run)"
echo
echo "| aggregation | seconds |"
echo "|---|---|"
printf '%s\n' "$out" | awk '$1 ~ /^(table_|durations|dashboard_total|kanon_microdata)/ { printf "| %s | %s |\n", $1, $2 }'
echo
echo "## k-anonymous aggregates (every 1-, 2-, 3-way combination of 7 attributes, k = 11) over $rows rows"
echo
echo "| tool | seconds | aggregates kept | ratio to SafePath |"
echo "|---|---|---|---|"
sp="$(get aggregates_k11_len3)"
for tool in safepath pandas duckdb; do
  case $tool in
    safepath) s="$sp"; k="$(get aggregates_kept)";;
    pandas) s="$(get pandas_aggregates_k11_len3)"; k="$(get pandas_kept)";;
    duckdb) s="$(get duckdb_aggregates_k11_len3)"; k="$(get duckdb_kept)";;
  esac
  ratio="$(awk -v a="$s" -v b="$sp" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')"
  echo "| $tool | $s | $k | $ratio |"
done
