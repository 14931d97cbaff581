#!/usr/bin/env bash
# Builds bench/loopback's binaries in release mode (extra arguments go to cargo, e.g.
# `--bin core-alloc`) and prints the directory they are in, as cargo reports it: this honours
# CARGO_TARGET_DIR, --target-dir in a cargo config, and the like.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
exe="$(cargo build -q --release --manifest-path "$here/Cargo.toml" --message-format=json-render-diagnostics "$@" \
  | grep -o '"executable":"[^"]*"' | tail -1 | cut -d'"' -f4)"
if [[ -z "$exe" ]]; then
  echo "bench/loopback: cargo reported no executable" >&2
  exit 1
fi
dirname "$exe"
