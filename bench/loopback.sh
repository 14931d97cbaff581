#!/usr/bin/env bash
# The drivers against raw ureq / raw reqwest on loopback (see loopback/src/bin/loopback.rs).
# Ends with RATIO lines, ours divided by raw:
#   RATIO <workload>_rps_ours_over_raw <x>            target >= 0.97
#   RATIO <workload>_cpu_per_req_ours_over_raw <x>    target <= 1.05
#   RATIO <workload>_connections_ours_over_one <x>    target 1 (10,000 sequential calls, one connection)
#   RATIO <adapter>_retry_sleep_actual_over_planned <x>, ..._worst_overshoot_over_5ms <x> (target <= 1)
# Usage: bench/loopback.sh [--quick] [--n N] [--blocks B]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cargo build -q --release --manifest-path "$here/loopback/Cargo.toml"
exec "$here/loopback/target/release/loopback" "$@"
