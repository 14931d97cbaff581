#!/usr/bin/env bash
# What the durable intent journal costs a charge (see journal/src/bin/journal-bench.rs):
# journaled vs plain charges on the fake Stripe (a child process), SQLite and PostgreSQL side
# by side in alternating blocks, PostgreSQL's transactions per charge, 4 workers, and SQLite's
# fsyncs per charge counted by strace. Ends with RATIO lines:
#   RATIO journal_sqlite_over_plain <x>, journal_postgres_over_plain <x>     wall time per charge
#   RATIO journal_<store>_added_ms_over_round_trip_ms <x>   target <= 0.10 with a 20 ms round
#                                                           trip (JOURNAL_BENCH_LATENCY_MS=20)
#   RATIO journal_sqlite_fsyncs_per_charge <x>              target <= 2 durable writes
#   RATIO journal_postgres_commits_per_charge <x>, ..._row_writes_per_charge <x>
#   RATIO journal_postgres_4_workers_charges_per_s <x>, ..._over_plain_4_workers <x>   threads
#   RATIO journal_postgres_4_async_workers_over_plain <x>   tokio tasks, one journal and its pool:
#                                                           target >= 0.5 on loopback, >= 0.95
#                                                           with a 20 ms round trip
# Usage: bench/journal.sh [--quick] [--n N] [--blocks B] [--workers W] [--worker-secs S]
#                         [--rounds R] [--commit-charges M] [--database-url URL] [--dir DIR]
# (journal-bench --async-only ... runs only the async workers; see its docs.)
# JOURNAL_BENCH_LATENCY_MS=N makes the fake answer every request after N ms (its delay_ms
# fault), to set the journal's cost beside a round trip like one over the internet to Stripe.
# PostgreSQL: DATABASE_URL or --database-url (default postgres://postgres@127.0.0.1:5432/test);
# the bench creates a database of its own beside it and drops it at the end.
# Honours CARGO_TARGET_DIR (cargo says where it put the binaries).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
exe="$(cargo build -q --release --manifest-path "$here/journal/Cargo.toml" --message-format=json-render-diagnostics \
  | grep -o '"executable":"[^"]*journal-bench[^"]*"' | tail -1 | cut -d'"' -f4)"
if [[ -z "$exe" ]]; then
  echo "bench/journal: cargo reported no executable" >&2
  exit 1
fi
bin="$(dirname "$exe")"

quick=0
dir_args=()
prev=""
for a in "$@"; do
  [[ "$a" == "--quick" ]] && quick=1
  [[ "$prev" == "--dir" ]] && dir_args=(--dir "$a")
  prev="$a"
done

log="$(mktemp)"
trace="$(mktemp)"
trap 'rm -f "$log" "$trace"' EXIT
"$bin/journal-bench" "$@" | tee "$log"

# SQLite's fsyncs per charge: strace counts fsync + fdatasync of two runs of different sizes;
# the difference divided by the difference in charges leaves out opening and setting up.
small=150 big=450
if ((quick)); then small=40 big=120; fi
fsyncs() {
  strace -f --seccomp-bpf -c -e trace=fsync,fdatasync -o "$trace" \
    "$bin/journal-bench" --fsyncs "$1" "${dir_args[@]}" >/dev/null || return 1
  awk '$NF == "fsync" || $NF == "fdatasync" { n += $4 } END { print n + 0 }' "$trace"
}
echo
if command -v strace >/dev/null && a="$(fsyncs "$small")" && b="$(fsyncs "$big")"; then
  per="$(awk -v a="$a" -v b="$b" -v s="$small" -v l="$big" 'BEGIN { printf "%.3f", (b - a) / (l - s) }')"
  echo "| SQLite fsync + fdatasync (strace) | $small charges | $big charges | per charge |"
  echo "|---|---:|---:|---:|"
  echo "| journal_sqlite | $a | $b | $per |"
  echo "RATIO journal_sqlite_fsyncs_per_charge $per" >>"$log"
else
  bar="$(printf '=%.0s' {1..72})"
  echo "$bar"
  echo "SKIPPED: SQLite fsyncs per charge: strace missing or not permitted (apt-get install strace)"
  echo "$bar"
fi
echo
grep '^RATIO' "$log" || true
