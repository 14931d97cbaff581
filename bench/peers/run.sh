#!/usr/bin/env bash
# Peers on the same canned server and workload (sequential retrievals of one 2.5 KB charge):
# ours (stripe-ureq, stripe-reqwest), the official npm `stripe`, the official PyPI `stripe`,
# and async-stripe 1.0 (its own Cargo project here, outside the workspace). Not run in CI.
#
# Ends with one table and RATIO lines, ours divided by each peer, ours being
# stripe-reqwest on tokio's current-thread runtime (single-threaded async, like node):
#   RATIO ours_over_<peer>_cpu_per_req <x>   target: < 1 for every peer (ours the lowest)
#   RATIO ours_over_<peer>_rps <x>
# Usage: bench/peers/run.sh [--quick]      (--quick: 1,000 requests instead of 10,000)
# Honours CARGO_TARGET_DIR (cargo says where it put the binaries).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bench="$(dirname "$here")"
n=10000
[[ "${1:-}" == "--quick" ]] && n=1000

echo "# building and installing peers (first run: several minutes)" >&2
bin="$("$bench/loopback/bin-dir.sh")" || exit 1
async_ok=1
async_exe="$(cargo build -q --release --manifest-path "$here/async-stripe/Cargo.toml" --message-format=json-render-diagnostics \
  | grep -o '"executable":"[^"]*"' | tail -1 | cut -d'"' -f4)" && [[ -n "$async_exe" ]] || async_ok=0
node_ok=1
[[ -d "$here/node_modules/stripe" ]] || (cd "$here" && npm install --no-audit --no-fund >&2) || node_ok=0
py_ok=1
[[ -x "$here/.venv/bin/python" ]] || python3 -m venv "$here/.venv" || py_ok=0
"$here/.venv/bin/python" -c 'import stripe' 2>/dev/null \
  || "$here/.venv/bin/pip" install -q "stripe>=16,<17" >&2 || py_ok=0

out="$(mktemp)"
srv_out="$(mktemp)"
"$bin/canned-server" --stay >"$srv_out" &
srv=$!
trap 'kill $srv 2>/dev/null; rm -f "$out" "$srv_out"' EXIT
for _ in $(seq 50); do grep -q PORT "$srv_out" && break; sleep 0.1; done
port="$(awk '/PORT/ {print $2}' "$srv_out")"
echo "# canned server on 127.0.0.1:$port, $n sequential GET /v1/charges/:id each" >&2

"$bin/loopback" --peer --port "$port" --n "$n" | tee -a "$out"
if [[ $node_ok == 1 ]]; then (cd "$here" && node node_bench.mjs "$port" "$n") | tee -a "$out"
else echo "# stripe-node: not installed (npm install failed)"; fi
if [[ $py_ok == 1 ]]; then "$here/.venv/bin/python" "$here/python_bench.py" "$port" "$n" | tee -a "$out"
else echo "# stripe-python: not installed (pip install failed)"; fi
if [[ $async_ok == 1 ]]; then "$async_exe" "$port" "$n" | tee -a "$out"
else echo "# async-stripe: did not build here (see the cargo error above)"; fi

echo
awk -v ref='stripe-reqwest(current-thread)' '
  /^PEER/ { name[++k] = $2; rps[$2] = $3; cpu[$2] = $4 }
  END {
    print "| client | req/s | client CPU ms / 1,000 req | CPU vs ours |"
    print "|---|---:|---:|---:|"
    for (i = 1; i <= k; i++) printf "| %s | %.0f | %.1f | %.2fx |\n", name[i], rps[name[i]], cpu[name[i]], cpu[name[i]] / cpu[ref]
    print ""
    print "# ours = " ref "; target: ours the lowest CPU per request of all"
    for (i = 1; i <= k; i++) {
      if (name[i] ~ /^stripe-(ureq|reqwest)/) continue
      printf "RATIO ours_over_%s_cpu_per_req %.3f\n", name[i], cpu[ref] / cpu[name[i]]
      printf "RATIO ours_over_%s_rps %.3f\n", name[i], rps[ref] / rps[name[i]]
    }
  }' "$out"
