#!/usr/bin/env bash
# Core benchmarks: criterion timings of stripe-core beside a hand-written http + serde_json
# baseline, then allocation counts (bench/loopback's core-alloc). Ends with RATIO lines:
#   RATIO <op>_time_ours_over_baseline <x>      target <= 1.15
#   RATIO <op>_allocs_ours_over_baseline <x>    target <= 1 (nothing beyond what's needed)
# Usage: bench/core.sh [--quick]      (honours CARGO_TARGET_DIR)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
crit_args=()
if [[ "${1:-}" == "--quick" ]]; then
  crit_args=(--quick --warm-up-time 1 --measurement-time 2)
fi
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
cargo bench -q -p stripe-core --bench core -- "${crit_args[@]}" 2>&1 | tee "$log"
bin="$(bench/loopback/bin-dir.sh --bin core-alloc)"
echo
"$bin/core-alloc" | tee -a "$log"
echo
echo "| operation | ours | baseline | ratio |"
echo "|---|---:|---:|---:|"
awk '
  function ns(v, u) { return u == "ps" ? v / 1000 : u == "ns" ? v : (u == "µs" || u == "us") ? v * 1000 : u == "ms" ? v * 1e6 : v * 1e9 }
  /^[a-z0-9_]+\/(ours|baseline)/ { name = $1 }
  /time:/ && name != "" {
    sub(/.*\[/, ""); split($0, f, " "); t = ns(f[3], f[4])
    split(name, p, "/"); times[p[1] "," p[2]] = t; ops[p[1]] = 1; name = ""
  }
  END {
    for (op in ops) {
      o = times[op ",ours"]; b = times[op ",baseline"]
      printf "| %s | %.0f ns | %.0f ns | %.3f |\n", op, o, b, o / b
      ratios[op] = o / b
    }
    for (op in ratios) printf "RATIO %s_time_ours_over_baseline %.3f\n", op, ratios[op]
  }' "$log"
grep '^RATIO' "$log" || true
