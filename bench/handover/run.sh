#!/bin/sh
# Times one handover message's seal and open (release build). Usage: bench/handover/run.sh [ROUNDS]
set -eu
cd "$(dirname "$0")/../.."
exec cargo run --quiet --release -p safepath-crypto --example handover_seal_open -- "${1:-2000}"
