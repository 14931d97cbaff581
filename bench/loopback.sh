#!/usr/bin/env bash
# The drivers against plain ureq / plain reqwest on loopback (see loopback/src/bin/loopback.rs).
# Ends with RATIO lines, ours divided by plain:
#   RATIO <workload>_rps_ours_over_plain <x>            throughput
#   RATIO <workload>_cpu_per_req_ours_over_plain <x>    target <= 1.10 (ureq), <= 1.05 (reqwest)
#   RATIO <workload>_connections_ours_over_one <x>      target 1 (10,000 sequential calls, one connection)
#   RATIO <adapter>_retry_sleep_actual_over_planned <x>, ..._worst_off_over_2ms <x> (target <= 1)
# Usage: bench/loopback.sh [--cpu C] [--quick] [--n N] [--conc-n N] [--blocks B] [--filter S]
#   --cpu C: pin the benchmark and its server to CPU C (taskset). Unpinned, the scheduler may
#   place one client's server thread on the other core and not the other's, which skews a
#   sequential pair by up to 3x; pinned, the CPU ratios repeat within a few percent (the retry
#   sleeps are better measured unpinned: pinned, they queue behind the server).
# Honours CARGO_TARGET_DIR (cargo says where it put the binaries).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="$("$here/loopback/bin-dir.sh")"
if [[ "${1:-}" == "--cpu" ]]; then
  cpu="${2:?--cpu needs a CPU number}"
  shift 2
  exec taskset -c "$cpu" "$bin/loopback" "$@"
fi
exec "$bin/loopback" "$@"
