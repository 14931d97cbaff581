#!/usr/bin/env bash
# A year of monthly renewals of 1,000 subscriptions on one test clock of the fake Stripe (a
# release build of this tree's `stripe-fake`, a child process), timed: see
# fake/src/bin/billing-year.rs. Ends with:
#   BENCH fake_clock_year_1000_subscriptions_seconds <s> (limit 2 s)
#   RATIO fake_clock_year_seconds_over_2s_limit <x>        target <= 1
# Usage: bench/billing.sh [--subscriptions N]. Honours CARGO_TARGET_DIR.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
target="${CARGO_TARGET_DIR:-$here/target}"

fake="$(cd "$root" && cargo build -q --release -p stripe-fake --bin stripe-fake --target-dir "$target" \
  --message-format=json-render-diagnostics \
  | grep -o '"executable":"[^"]*stripe-fake[^"]*"' | tail -1 | cut -d'"' -f4)"
[[ -n "$fake" ]] || { echo "bench/billing: no stripe-fake built" >&2; exit 1; }
exe="$(cargo build -q --release --manifest-path "$here/fake/Cargo.toml" --target-dir "$target" \
  --bin billing-year --message-format=json-render-diagnostics \
  | grep -o '"executable":"[^"]*billing-year[^"]*"' | tail -1 | cut -d'"' -f4)"
[[ -n "$exe" ]] || { echo "bench/billing: cargo reported no billing-year" >&2; exit 1; }
echo "# fake: $(git -C "$root" rev-parse HEAD)"
"$exe" --fake "$fake" "$@"
