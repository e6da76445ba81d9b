#!/usr/bin/env bash
# Time and memory of fund balances over 1,000,000 ledger postings on SQLite.
# Usage: bench/justice/run.sh [POSTINGS]
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo run ${CARGO_PROFILE_FLAG:---release} -q -p safepath-store --example fund_balance -- "${1:-1000000}"
