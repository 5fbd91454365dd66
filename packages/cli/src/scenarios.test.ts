// Every scenario of scenarios/ against the reference stack: on PGlite always, and on
// PostgreSQL with Redis where the machine has them (CI must: the stack fixture fails there
// when they are missing). The drill's own isolation checks run, and the test checks the
// stack's audit independently.

import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario, type Summary } from '@peakdrill/core';
import { hasPg, hasRedis, SECRET, testStack, type TestStack } from '@peakdrill/stack/testing';
import { SCENARIOS_DIR } from './commands/demo.js';
import { runDrill } from './execute.js';

const stores = ['pglite', ...(hasPg ? ['pg'] : [])] as const;

async function audit(stack: TestStack, runId?: string): Promise<{ leaked: { total: number }; production: Record<string, number>; run?: { rows: Record<string, number> } }> {
  const res = await fetch(`${stack.gw}/admin/audit${runId ? `?run=${runId}` : ''}`);
  expect(res.status).toBe(200);
  return (await res.json()) as never;
}

async function drill(stack: TestStack, name: string, durationMs?: number): Promise<Summary> {
  const plan = loadScenario(join(SCENARIOS_DIR, `${name}.yaml`), { targets: { gateway: stack.gw }, ...(durationMs ? { durationMs } : {}) });
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
      expect(['passed', 'failed']).toContain(s.status);
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
      const s = await drill(stack, 'flash-sale');
      const order = s.links.find((l) => l.name === 'flash.order')!;
      expect(order.errors).toBe(0);
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
