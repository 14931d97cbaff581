// The official stripe-node retrieving a charge from the canned server, sequentially.
// Prints `PEER stripe-node <req/s> <client CPU ms per 1,000>`. Usage: node node_bench.mjs PORT N
import Stripe from 'stripe';

const port = Number(process.argv[2]);
const n = Number(process.argv[3] || 10000);
const stripe = new Stripe('sk_test_bench_0123456789abcdefghijklmnop', {
  host: '127.0.0.1',
  port,
  protocol: 'http',
  maxNetworkRetries: 0,
});
const one = async () => {
  const charge = await stripe.charges.retrieve('ch_3PbQx2LkdIwHu7ix0rbXyZ1a');
  if (charge.id === undefined) throw new Error('no charge');
};
for (let i = 0; i < 50; i++) await one();
const c0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
for (let i = 0; i < n; i++) await one();
const wall = Number(process.hrtime.bigint() - t0) / 1e9;
const c = process.cpuUsage(c0);
const cpuMsPer1000 = ((c.user + c.system) / 1000) * (1000 / n);
console.log(`PEER stripe-node ${(n / wall).toFixed(0)} ${cpuMsPer1000.toFixed(1)}`);
