#!/usr/bin/env bash
# Parsing events: stripe-core's EventNotification and Event<T> beside serde_json::from_slice
# into the structs a user derives for the same fields, side by side in one run (without the
# signature check on either side). Ends with RATIO lines:
#   RATIO <workload>_ours_over_plain <x>      target <= 1.05
# Usage: bench/events.sh [--quick]      (honours CARGO_TARGET_DIR)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
cargo bench -q -p stripe-core --features webhook --bench events -- "$@"
