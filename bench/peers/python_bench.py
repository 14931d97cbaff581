"""The official stripe-python retrieving a charge from the canned server, sequentially.

Prints `PEER stripe-python <req/s> <client CPU ms per 1,000>`. Usage: python python_bench.py PORT N
"""
import sys
import time

import stripe

port = int(sys.argv[1])
n = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
client = stripe.StripeClient(
    "sk_test_bench_0123456789abcdefghijklmnop",
    base_addresses={"api": f"http://127.0.0.1:{port}"},
    max_network_retries=0,
)


def one():
    charge = client.v1.charges.retrieve("ch_3PbQx2LkdIwHu7ix0rbXyZ1a")
    assert charge.id


for _ in range(50):
    one()
c0, t0 = time.process_time(), time.perf_counter()
for _ in range(n):
    one()
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
print(f"PEER stripe-python {n / wall:.0f} {cpu * 1e3 * 1000 / n:.1f}")
