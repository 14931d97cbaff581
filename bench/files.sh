#!/usr/bin/env bash
# What an upload and a download of 10 MiB cost each client in memory (see
# files/src/bin/files-bench.rs): the peak heap above the client's baseline, streamed through
# stripe-ureq and stripe-reqwest, and beside them the same clients over a transport that only
# sends whole bodies (the buffered default), all in one run against the fake Stripe (a child
# process). Ends with RATIO lines:
#   RATIO files_<ureq|reqwest>_<upload|download>_peak_over_2mib <x>         target <= 1
#   RATIO files_<ureq|reqwest>_<upload|download>_streamed_over_buffered <x>
# Usage: bench/files.sh [--runs N]   (each figure is the largest of N runs, default 3)
# Honours CARGO_TARGET_DIR (cargo says where it put the binaries).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
exe="$(cargo build -q --release --manifest-path "$here/files/Cargo.toml" --message-format=json-render-diagnostics \
  | grep -o '"executable":"[^"]*files-bench[^"]*"' | tail -1 | cut -d'"' -f4)"
if [[ -z "$exe" ]]; then
  echo "bench/files: cargo reported no executable" >&2
  exit 1
fi
"$exe" "$@"
