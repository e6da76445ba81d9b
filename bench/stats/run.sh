#!/usr/bin/env bash
# Statistics benchmark: every dashboard over 1,000,000 synthetic persons, and
# SDS-style k-anonymous aggregates (all 1-, 2-, 3-way combinations, k = 11)
# over 100,000 CTDC-shaped rows by SafePath vs pandas vs DuckDB; and
# differentially private synthetic data of the same rows (ε = 4, δ = 1e-6,
# reporting length 3) by SafePath vs pac-synth (Synthetic Data Showcase),
# both scored by the same code (1-, 2-, 3-way marginal errors).
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
"$venv/bin/python" -c "import pandas, duckdb, pacsynth" 2>/dev/null || "$venv/bin/pip" install -q pandas duckdb pac-synth
(cd "$root" && cargo build --release -q -p safepath-stats --example bench_stats --example synth_csv --example synth_errors)
examples="${CARGO_TARGET_DIR:-$root/target}/release/examples"
bin="$examples/bench_stats"
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

# Differentially private synthetic data: each tool reads the CSV, synthesises
# and writes a CSV, under /usr/bin/time -v (wall time, peak memory); then the
# same function scores both outputs against the rows.
measure() { # name command...: prints "name_wall s" and "name_peak_kb kb"
  local name="$1"; shift
  local t; t="$(mktemp)"
  /usr/bin/time -v "$@" 2>"$t" >>"$t.out"
  awk -v n="$name" '/Elapsed \(wall clock\)/ { split($NF, a, ":"); s = 0; for (i = 1; i <= length(a); i++) s = s * 60 + a[i]; print n "_wall " s }
    /Maximum resident set size/ { print n "_peak_kb " $NF }' "$t"
  cat "$t.out"; rm -f "$t" "$t.out"
}
sp_csv="$root/bench/data/safepath_synth.csv"
pac_csv="$root/bench/data/pacsynth_synth.csv"
dp="$(measure safepath "$examples/synth_csv" "$csv" "$sp_csv"
  measure pacsynth "$venv/bin/python" "$here/pacsynth_dp.py" "$csv" "$pac_csv"
  "$examples/synth_errors" "$csv" "$sp_csv" safepath
  "$examples/synth_errors" "$csv" "$pac_csv" pacsynth)"
dget() { printf '%s\n' "$dp" | awk -v k="$1" '$1 == k { print $2; exit }'; }
echo
echo "## Differentially private synthetic data (ε = 4, δ = 1e-6, reporting length 3) of $rows rows"
echo
echo "| measure | SafePath | pac-synth | SafePath / pac-synth |"
echo "|---|---|---|---|"
row() { # label safepath-key pacsynth-key
  local a b; a="$(dget "$2")"; b="$(dget "$3")"
  echo "| $1 | $a | $b | $(awk -v a="$a" -v b="$b" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }') |"
}
row "synthesis, in-process (s)" safepath_dp_synth_len3 pacsynth_dp_synth_len3
row "process wall time (s)" safepath_wall pacsynth_wall
row "process peak memory (KB)" safepath_peak_kb pacsynth_peak_kb
row "synthetic rows" safepath_rows pacsynth_rows
for k in 1 2 3; do
  row "$k-way mean absolute error" "safepath_mae_$k" "pacsynth_mae_$k"
  row "$k-way mean relative error" "safepath_mre_$k" "pacsynth_mre_$k"
  row "$k-way fabricated combinations" "safepath_fabricated_$k" "pacsynth_fabricated_$k"
  row "$k-way lost combinations" "safepath_lost_$k" "pacsynth_lost_$k"
done
