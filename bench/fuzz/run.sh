#!/usr/bin/env bash
# Longer fuzzing than CI's 30 seconds a target: bench/fuzz/run.sh [SECONDS]
# (default 600 per target). The corpus in fuzz/corpus/ is kept between runs,
# so each run starts where the last one stopped. See docs/reliability.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec bash .ci/fuzz.sh "${1:-600}"
