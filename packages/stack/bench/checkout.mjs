// Checkout-chain benchmark: N connections each loop `POST /api/orders` then `POST /api/orders/:id/pay`
// against a running stack, for D seconds. Prints one JSON line: checkouts/s and p50/p99 in ms.
// usage: node packages/stack/bench/checkout.mjs [--url http://127.0.0.1:8080] [--connections 50] [--duration 10]
import http from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { url: { type: 'string', default: 'http://127.0.0.1:8080' }, connections: { type: 'string', default: '50' }, duration: { type: 'string', default: '10' }, skus: { type: 'string', default: '3000' }, users: { type: 'string', default: '1000' } },
});
const base = new URL(values.url);
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(values.connections) });
const skus = Number(values.skus);
const users = Number(values.users);

function post(path, body) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request({ host: base.hostname, port: base.port, path, method: 'POST', agent, headers: payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {} }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const lat = [];
let errors = 0;
const end = Date.now() + Number(values.duration) * 1000;
async function worker(w) {
  let i = w;
  while (Date.now() < end) {
    i += 7919;
    const t0 = performance.now();
    const o = await post('/api/orders', { userId: `U-${String((i % users) + 1).padStart(5, '0')}`, sku: `SKU-${String((i % skus) + 1).padStart(6, '0')}`, qty: 1 });
    if (o.status !== 201) { errors++; continue; }
    const p = await post(`/api/orders/${JSON.parse(o.body).id}/pay`);
    if (p.status !== 200) { errors++; continue; }
    lat.push(performance.now() - t0);
  }
}
const t0 = Date.now();
await Promise.all(Array.from({ length: Number(values.connections) }, (_, w) => worker(w)));
const secs = (Date.now() - t0) / 1000;
lat.sort((a, b) => a - b);
const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]?.toFixed(1);
console.log(JSON.stringify({ checkoutsPerSec: Math.round(lat.length / secs), p50Ms: Number(q(0.5)), p99Ms: Number(q(0.99)), errors }));
agent.destroy();
