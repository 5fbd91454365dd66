import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { parseScenario, type Plan, type UserError } from '@peakdrill/core';
import { startTarget, type Target } from '@peakdrill/engine/testing';
import type { PreflightResult } from '@peakdrill/engine';
import { Drill } from './drill.js';

const targets: Target[] = [];
afterEach(async () => {
  await Promise.all(targets.splice(0).map((t) => t.close()));
});

/** A target that records each method+path and acknowledges the tag only when `ack` is set. */
async function target(ack: boolean): Promise<{ t: Target; seen: string[] }> {
  const t = await startTarget();
  targets.push(t);
  const seen: string[] = [];
  t.handler = (req: IncomingMessage, res: ServerResponse) => {
    seen.push(`${req.method} ${req.url}`);
    const tag = String(req.headers['x-peakdrill-shadow'] ?? '');
    res.writeHead(200, { 'content-type': 'application/json', ...(ack && tag ? { 'x-peakdrill-shadow-ack': tag.split('.')[0]! } : {}) }).end('{"id":"o1"}');
    return true;
  };
  return { t, seen };
}

/** Shop (first step, a read) and payment (only the second step uses it, a write). */
function twoTargetPlan(shop: Target, pay: Target): Plan {
  return parseScenario(
    [
      'name: two-targets',
      `targets: { shop: "${shop.url}", pay: "${pay.url}" }`,
      'load: { rate: 2, duration: 1s }',
      'shadow: { preflight: 2 }',
      'journeys:',
      '  - name: buy',
      '    steps:',
      '      - { name: item, target: shop, url: /items/1, capture: { order: $.id } }',
      '      - { name: pay, target: pay, method: POST, url: "/orders/{{order}}/pay", json: { amount: 1 } }',
      '',
    ].join('\n'),
    join(tmpdir(), 'two-targets.yaml'),
  );
}

const outDir = (): string => mkdtempSync(join(tmpdir(), 'peakdrill-preflight-'));

async function refusal(drill: Drill): Promise<UserError> {
  try {
    await drill.run();
  } catch (err) {
    return err as UserError;
  }
  throw new Error('expected the drill to be refused');
}

describe('the preflight covers every target the drill touches', () => {
  it('a second-step target that does not acknowledge the tag: the drill does not start, nothing is written to it', async () => {
    const shop = await target(true);
    const pay = await target(false);
    const out = outDir();
    const drill = new Drill({ plan: twoTargetPlan(shop.t, pay.t), outDir: out, workers: 1, shadowSecret: 's3cret' });
    const err = await refusal(drill);
    expect(err.code).toBe('SHADOW_NOT_ACKNOWLEDGED');
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('pay (target pay, probed with a tagged GET of its path): 0 of 2 tagged requests acknowledged (HTTP 200)');
    expect(err.message).not.toContain('item (target shop');
    // the write was never sent: only the bodiless GET probe, with the capture still empty
    expect(pay.seen).toEqual(['GET /orders//pay', 'GET /orders//pay']);
    expect(shop.seen).toEqual(['GET /items/1', 'GET /items/1']);
    expect(drill.started).toBe(false);
    expect(readdirSync(out)).toEqual([]);
  });

  it('every target acknowledging: the drill runs, and the preflight says what it sent to each', async () => {
    const shop = await target(true);
    const pay = await target(true);
    let results: PreflightResult[] = [];
    const drill = new Drill({ plan: twoTargetPlan(shop.t, pay.t), outDir: outDir(), workers: 1, shadowSecret: 's3cret', onPreflight: (r) => (results = r) });
    const result = await drill.run();
    expect(results).toEqual([
      { link: 'item', target: 'shop', probe: 'step', sent: 2, acknowledged: 2, statuses: [200, 200] },
      { link: 'pay', target: 'pay', probe: 'get', sent: 2, acknowledged: 2, statuses: [200, 200] },
    ]);
    expect(result.summary.shadow.mode).toBe('tagged');
    expect(pay.seen.filter((s) => s.startsWith('POST /orders/o1/pay')).length).toBeGreaterThan(0);
  });

  it('tagging on without a secret: the Drill API refuses instead of sending untagged traffic under a `tagged` summary', async () => {
    const shop = await target(true);
    const pay = await target(true);
    const err = await refusal(new Drill({ plan: twoTargetPlan(shop.t, pay.t), outDir: outDir(), workers: 1 }));
    expect(err.code).toBe('SHADOW_SECRET_MISSING');
    expect(err.exitCode).toBe(2);
    expect(shop.seen).toEqual([]);
    expect(pay.seen).toEqual([]);
  });
});
