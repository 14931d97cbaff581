#!/usr/bin/env bash
# Lightness, measured in one run, one clean release build after another (each in its own
# fresh target dir under bench/build-size/target-*, gitignored; sources fetched beforehand so
# downloads are not timed):
#   - minimal programs on stripe-core alone, stripe-ureq, stripe-reqwest, async-stripe 1.0:
#     clean build time and crates compiled ("Compiling" lines, the program itself excluded);
#   - the stripped size of the stripe-cli binary (when the workspace has that crate).
# RATIO lines (ours divided by the reference):
#   RATIO <ureq|reqwest>_app_build_time_ours_over_async_stripe <x>   target <= 0.333
#   RATIO <ureq|reqwest>_app_crates_ours_over_async_stripe <x>
#   RATIO stripe_core_crates_over_20 <x>                             target < 1
# Usage: bench/build-size/run.sh [--quick]   (--quick: stripe-core alone)
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
apps=(core-app ureq-app reqwest-app async-stripe-app)
[[ "${1:-}" == "--quick" ]] && apps=(core-app)
declare -A secs crates
for app in "${apps[@]}"; do
  manifest="$here/apps/$app/Cargo.toml"
  target="$here/target-$app"
  cargo fetch -q --manifest-path "$manifest" || { echo "# $app: fetch failed"; continue; }
  rm -rf "$target"
  log="$(mktemp)"
  t0=$(date +%s.%N)
  if CARGO_TARGET_DIR="$target" cargo build --release --manifest-path "$manifest" >"$log" 2>&1; then
    t1=$(date +%s.%N)
    secs[$app]=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}')
    crates[$app]=$(grep -E '^\s*Compiling ' "$log" | grep -vc " $app v")
    echo "# $app: ${secs[$app]} s, ${crates[$app]} crates"
  else
    echo "# $app: did not build:"; tail -5 "$log"
  fi
  rm -f "$log"
done
cli_size=""
if [[ -f "$root/crates/stripe-cli/Cargo.toml" && "${1:-}" != "--quick" ]]; then
  target="$here/target-stripe-cli"
  if CARGO_TARGET_DIR="$target" cargo build -q --release -p stripe-cli --manifest-path "$root/Cargo.toml" 2>/dev/null; then
    bin="$(find "$target/release" -maxdepth 1 -type f -name 'stripe-cli' | head -1)"
    strip -o "$target/stripe-cli.stripped" "$bin" && cli_size=$(stat -c %s "$target/stripe-cli.stripped")
  fi
fi
echo
echo "| program | clean release build s | crates compiled |"
echo "|---|---:|---:|"
for app in "${apps[@]}"; do
  echo "| $app | ${secs[$app]:-n/a} | ${crates[$app]:-n/a} |"
done
if [[ -n "$cli_size" ]]; then
  echo "| stripe-cli binary, stripped | $(awk -v b="$cli_size" 'BEGIN {printf "%.2f MiB (%d bytes)", b / 1048576, b}') | |"
else
  echo "| stripe-cli binary, stripped | n/a (no crates/stripe-cli, it did not build, or --quick) | |"
fi
echo
echo "# targets: our build <= 1/3 of async-stripe's time; stripe-core alone < 20 crates"
ratio() { awk -v a="$2" -v b="$3" -v n="$1" 'BEGIN { if (a != "" && b != "" && b > 0) printf "RATIO %s %.3f\n", n, a / b }'; }
for app in ureq-app reqwest-app; do
  name="${app%-app}"
  ratio "${name}_app_build_time_ours_over_async_stripe" "${secs[$app]:-}" "${secs[async-stripe-app]:-}"
  ratio "${name}_app_crates_ours_over_async_stripe" "${crates[$app]:-}" "${crates[async-stripe-app]:-}"
done
ratio stripe_core_crates_over_20 "${crates[core-app]:-}" 20
