// Every scenario of scenarios/ against the reference stack: on PGlite always, and on
// PostgreSQL with Redis where the machine has them (CI must: the stack fixture fails there
// when they are missing). The drill's own isolation checks run, and the test checks the
// stack's audit independently.

import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario, type Summary } from '@peakdrill/core';
import { signShadowTag } from '@peakdrill/stack';
import { hasPg, hasRedis, SECRET, testStack, type TestStack } from '@peakdrill/stack/testing';
import { SCENARIOS_DIR } from './commands/demo.js';
import { runDrill } from './execute.js';

const stores = ['pglite', ...(hasPg ? ['pg'] : [])] as const;

async function audit(stack: TestStack, runId?: string): Promise<{ leaked: { total: number }; production: Record<string, number>; run?: { rows: Record<string, number> } }> {
  const res = await fetch(`${stack.gw}/admin/audit${runId ? `?run=${runId}` : ''}`);
  expect(res.status).toBe(200);
  return (await res.json()) as never;
}

async function drill(stack: TestStack, name: string, durationMs?: number, gateway = stack.gw, rate?: number): Promise<Summary> {
  const plan = loadScenario(join(SCENARIOS_DIR, `${name}.yaml`), { targets: { gateway }, ...(durationMs ? { durationMs } : {}), ...(rate ? { rate } : {}) });
  const out = mkdtempSync(join(tmpdir(), `peakdrill-${name}-`));
  const { summary, dir } = await runDrill(plan, { out, quiet: true, workers: '2', target: [], header: [], budget: [], allow: [] });
  // the shadow secret signs every request but is written nowhere
  for (const f of readdirSync(dir)) expect(readFileSync(join(dir, f), 'utf8').includes(SECRET), f).toBe(false);
  return summary;
}

for (const store of stores) {
  describe(`scenarios against the stack on ${store}${store === 'pg' && hasRedis ? ' + Redis' : ''}`, () => {
    let stack: TestStack;
    beforeAll(async () => {
      process.env['PEAKDRILL_SHADOW_SECRET'] = SECRET;
      stack = await testStack(store, { seed: { skus: 3000, users: 1000 }, redis: store === 'pg' && hasRedis });
    }, 60_000);
    afterAll(async () => {
      await stack?.close();
    });

    it('smoke: every link answers, tagged end to end, each captured order is paid by the next step', async () => {
      const s = await drill(stack, 'smoke');
      expect(s.status).toBe('passed');
      expect(s.shadow.mode).toBe('tagged');
      for (const l of s.links) {
        expect(l.count, l.name).toBeGreaterThan(0);
        expect(l.errors, l.name).toBe(0);
        expect(l.tagCoverage?.acknowledged, l.name).toBe(l.tagCoverage?.sent);
      }
      expect(s.isolation.every((c) => c.passed)).toBe(true);
      expect(s.invariants.every((c) => c.passed)).toBe(true);
      const checkout = s.journeys.find((j) => j.name === 'checkout')!;
      const pay = s.links.find((l) => l.name === 'order.pay')!;
      const a = await audit(stack, s.id);
      expect(a.leaked.total).toBe(0);
      expect(a.production['orders']).toBe(0);
      expect(a.production['payments']).toBe(0);
      // the stack's own books: one shadow payment per captured-and-paid order
      expect(a.run!.rows['payments']).toBe(pay.outcomes.ok);
      expect(a.run!.rows['payments']).toBe(checkout.completed);
      expect(a.run!.rows['orders']).toBeGreaterThanOrEqual(checkout.completed);
    }, 60_000);

    it('double11: the full mix, verdicts against the targets from the hold only', async () => {
      const s = await drill(stack, 'double11', 6000);
      // Every latency and error budget holds. A throughput target may be missed only by the
      // noise of the drill itself: a link planned at 7.5 req/s is offered about 30 requests in
      // the 4 s window by a weighted random mix, a count whose spread is ±√30 ≈ ±18% (CI saw
      // order.pay offered 6.3 req/s, -17%). So a throughput miss is the drill's when the drill
      // offered less than the target and the stack answered what it was offered; a stack that
      // falls behind answers less than it is offered. Anything else missed fails this test.
      const missed = s.links.flatMap((l) => (l.verdict?.budgets ?? []).filter((b) => !b.passed).map((b) => ({ link: l.name, b, offered: l.verdict?.offeredRps })));
      const why = missed.map((m) => `${m.link}: ${m.b.reason}`).join('\n') + (s.generator?.advice ?? '');
      const drillsOwn = (m: (typeof missed)[number]): boolean => m.b.unit === 'rps' && m.offered !== undefined && m.offered < m.b.allowed && m.b.measured >= 0.9 * m.offered;
      expect(missed.filter((m) => !drillsOwn(m)), why).toEqual([]);
      expect(s.status, why).toBe(missed.length === 0 ? 'passed' : 'failed');
      expect(s.isolation.every((c) => c.passed)).toBe(true);
      expect(s.invariants.every((c) => c.passed)).toBe(true);
      const detail = s.links.find((l) => l.name === 'item.detail')!;
      expect(detail.verdict?.targetRps).toBe(30);
      expect(detail.verdict?.window).toEqual({ fromS: 2, toS: 6 });
      const order = s.links.find((l) => l.name === 'order.create')!;
      expect(order.hops.map((h) => h.name)).toContain('order.inventory');
      for (const l of s.links) expect(l.errors, l.name).toBe(0);
      expect((await audit(stack)).leaked.total).toBe(0);
    }, 60_000);

    it('flash-sale: never oversold, the rest shed, not errors', async () => {
      const before = await audit(stack);
      // The scenario's 2,000 buyers/s is a figure for a quiet machine (bench/flash-sale.sh); a
      // busy shared test machine runs the same drill at 300/s: 1,350 buyers for 100 units.
      const s = await drill(stack, 'flash-sale', undefined, stack.gw, 200);
      const order = s.links.find((l) => l.name === 'flash.order')!;
      // no timeout or 5xx on any link: the stack holds the spike, the losers are shed
      for (const l of s.links) expect(l.errors, l.name).toBe(0);
      expect(order.shed).toBeGreaterThan(order.count / 2);
      expect(s.invariants.every((c) => c.passed)).toBe(true);
      const a = await audit(stack, s.id);
      // 900 buyers for 100 units on a fresh FLASH-1: exactly the stock is sold, never more
      expect(a.run!.rows['stock_movements']).toBe(100);
      expect(a.run!.rows['payments']).toBe(s.journeys[0]!.completed);
      expect(a.leaked.total).toBe(0);
      expect(a.production['orders']).toBe(before.production['orders']);
    }, 60_000);
  });
}

type Tamper = 'none' | 'strip' | 'forge';

/**
 * A real HTTP proxy between peakdrill and the gateway that tampers with the shadow tag of order
 * creations only (so the drill's preflight, which sends each journey's first step, still sees
 * its tag acknowledged): it strips the signature or re-signs it with another secret, and keeps
 * the baggage, as a middlebox that drops or rewrites an unknown header on one route would.
 */
async function tamperingProxy(upstream: string, tamper: Tamper): Promise<{ url: string; tampered: () => number; close(): Promise<void> }> {
  const up = new URL(upstream);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  let tampered = 0;
  const server = http.createServer((req, res) => {
    const headers = { ...req.headers };
    const tag = headers['x-peakdrill-shadow'];
    if (tamper !== 'none' && req.method === 'POST' && req.url === '/api/orders' && typeof tag === 'string') {
      tampered++;
      if (tamper === 'strip') delete headers['x-peakdrill-shadow'];
      else headers['x-peakdrill-shadow'] = signShadowTag('not-the-secret', tag.slice(0, tag.lastIndexOf('.')));
    }
    const out = http.request({ host: up.hostname, port: up.port, path: req.url, method: req.method, headers, agent }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tampered: () => tampered,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}

describe('the isolation check against a tag tampered with in transit (a real proxy)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    process.env['PEAKDRILL_SHADOW_SECRET'] = SECRET;
    stack = await testStack('pglite', { seed: { skus: 3000, users: 1000 } });
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });

  for (const tamper of ['none', 'strip', 'forge'] as const) {
    it(tamper === 'none' ? 'passes through an honest proxy' : `fails when the proxy ${tamper}s the signature of order creations`, async () => {
      const proxy = await tamperingProxy(stack.gw, tamper);
      try {
        const production = async () => Object.values((await audit(stack)).production).reduce((t, n) => t + n, 0);
        const rowsBefore = await production();
        const s = await drill(stack, 'smoke', undefined, proxy.url);
        const check = s.isolation.find((c) => c.name === 'nothing tagged reached a production table')!;
        const orders = s.links.find((l) => l.name === 'order.create')!;
        expect(orders.count).toBeGreaterThan(0);
        const a = (await (await fetch(`${stack.gw}/admin/audit?run=${s.id}`)).json()) as { leaked: { total: number; rows: number; requests: number; byReason: Record<string, number> } };
        if (tamper === 'none') {
          expect(check.passed).toBe(true);
          expect(a.leaked.total).toBe(0);
          return;
        }
        expect(proxy.tampered()).toBeGreaterThan(0);
        expect(check.passed).toBe(false);
        // peakdrill's own safety stop may end the drill early on unacknowledged tags; either way it does not pass
        expect(['failed', 'aborted']).toContain(s.status);
        // every tampered request is on record, under the run its baggage named, and so are its rows
        expect(a.leaked.requests).toBe(proxy.tampered());
        expect(a.leaked.byReason[tamper === 'strip' ? 'unsigned' : 'forged']).toBe(proxy.tampered());
        // every production row the tampered requests wrote carries the claim (smoke orders from
        // the cart, which the drill filled in shadow tables, so production may refuse them all)
        expect(a.leaked.rows).toBe((await production()) - rowsBefore);
      } finally {
        await proxy.close();
      }
    }, 60_000);
  }
});
