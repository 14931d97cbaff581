#!/usr/bin/env bash
# The fake Stripe's requests per second on the payments endpoints after the resource registry,
# against the fake before it (the commit the registry branch started from), side by side in one
# run (see fake/src/main.rs): both fakes are release builds run as child processes, driven by
# the same sequential workload (customer, payment intent create/confirm/capture/retrieve/list,
# charge, refund, retrieve) in alternating blocks. Ends with:
#   RATIO fake_registry_rps_over_before <x>        target >= 0.8
#   RATIO fake_registry_cpu_per_req_over_before <x>   the fakes' own CPU per request
# Usage: bench/fake.sh [--quick] [--orders N] [--blocks B]
# FAKE_BENCH_BEFORE=<commit> compares with another commit. The earlier tree is exported with
# `git archive` into the target directory and built there. Honours CARGO_TARGET_DIR.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
before="${FAKE_BENCH_BEFORE:-d18cd1af3b873a03c77fb263563724f3473f31a3}"
target="${CARGO_TARGET_DIR:-$here/target}"
out="$target/fake-bench"
mkdir -p "$out"

args=()
while (($#)); do
  case "$1" in
    --quick) args+=(--orders 60 --blocks 6) ;;
    *) args+=("$1") ;;
  esac
  shift
done

# The fake binary of a source tree, built in a target directory of its own and copied out under
# a name of its own. The two trees must not share one: their units hash alike (a workspace
# member's hash does not depend on its path), so the second build found the first's fingerprint
# fresh and reported the first tree's binary as its own.
build_fake() { # <source dir> <name> <target dir>
  local exe
  exe="$(cd "$1" && cargo build -q --release -p stripe-fake --bin stripe-fake --target-dir "$3" \
    --message-format=json-render-diagnostics \
    | grep -o '"executable":"[^"]*stripe-fake[^"]*"' | tail -1 | cut -d'"' -f4)"
  [[ -n "$exe" ]] || { echo "bench/fake: no stripe-fake built from $1" >&2; exit 1; }
  cp "$exe" "$out/$2"
}

src="$out/before-src-${before:0:12}"
if [[ ! -f "$src/Cargo.toml" ]]; then
  rm -rf "$src" && mkdir -p "$src"
  git -C "$root" archive "$before" | tar -x -C "$src"
fi
build_fake "$src" stripe-fake-before "$out/before-target"
build_fake "$root" stripe-fake-registry "$target"

exe="$(cargo build -q --release --manifest-path "$here/fake/Cargo.toml" --target-dir "$target" \
  --message-format=json-render-diagnostics \
  | grep -o '"executable":"[^"]*fake-bench[^"]*"' | tail -1 | cut -d'"' -f4)"
[[ -n "$exe" ]] || { echo "bench/fake: cargo reported no fake-bench" >&2; exit 1; }
echo "# before: $before; registry: $(git -C "$root" rev-parse HEAD)"
"$exe" --before "$out/stripe-fake-before" --now "$out/stripe-fake-registry" "${args[@]}"
