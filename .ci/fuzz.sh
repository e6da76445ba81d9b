#!/usr/bin/env bash
# Fuzzing of every parser that takes outside input (fuzz/, cargo-fuzz +
# libFuzzer), SECONDS_PER_TARGET seconds each (default 30). Any crash fails;
# the input that crashed is in fuzz/artifacts/<target>/.
#
# cargo-fuzz passes nightly-only flags to rustc (-Zsanitizer…, the
# sanitizer-coverage passes). The only toolchain here is stable, so
# RUSTC_BOOTSTRAP=1 lets stable rustc accept them, for this build only (the
# fuzz/ workspace and its own target dir); nothing the binary ships with is
# built this way. No sanitizer (`-s none`): our crates forbid unsafe code, so
# the findings are panics (overflow, slicing, unwrap), which libFuzzer
# catches without one, and AddressSanitizer would double the build time.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET="${1:-${SAFEPATH_FUZZ_SECONDS:-30}}"
TARGETS="${SAFEPATH_FUZZ_TARGETS:-screening_json match_settings match_csv handover_open web_forms}"
export RUSTC_BOOTSTRAP=1
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked --version 0.13.2
BUILD=(-s none --codegen-units 16 --fuzz-dir fuzz)
cargo fuzz build "${BUILD[@]}"
for t in $TARGETS; do
  printf -- '---- fuzz %s (%s s) ----\n' "$t" "$SECONDS_PER_TARGET"
  mkdir -p "fuzz/corpus/$t"
  # The corpus grows in fuzz/corpus/<target> (not committed); the seeds in
  # fuzz/seeds/<target> come from the project's own examples.
  log="fuzz/corpus/$t.log"
  if ! cargo fuzz run "${BUILD[@]}" "$t" "fuzz/corpus/$t" "fuzz/seeds/$t" -- \
    -max_total_time="$SECONDS_PER_TARGET" -max_len=8192 -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    > "$log" 2>&1; then
    tail -60 "$log"
    echo "fuzz target $t failed: the input is in fuzz/artifacts/$t/"
    exit 1
  fi
  grep -E '^(Done|stat::number_of_executed_units|stat::new_units_added|stat::peak_rss_mb)' "$log" || tail -3 "$log"
done
