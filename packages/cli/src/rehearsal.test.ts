// Peak-day rehearsal against the reference stack: a fault slows the inventory hop for 10 s
// in the middle of a drill; the run files record it, the recovery verdict measures how long
// the link took to come back within budget, and a recovery made slow on purpose fails the run.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainMap, loadScenario, readTimeseries, type FaultEvent, type TimeseriesLine } from '@peakdrill/core';
import { SCENARIOS_DIR } from './commands/demo.js';
import { SECRET, testStack, type TestStack } from '@peakdrill/stack/testing';
import { runDrill } from './execute.js';

let stack: TestStack;
beforeAll(async () => {
  process.env['PEAKDRILL_SHADOW_SECRET'] = SECRET;
  // the demo's seed: double11's SKUs and users exist, so its drill is not aborted by its own 404s
  stack = await testStack('pglite', { seed: { skus: 3000, users: 1000 } });
}, 60_000); // PGlite boots its WASM PostgreSQL: seconds on a busy 2-core machine
afterAll(async () => {
  await stack?.close();
});

/**
 * 20 s at 20 req/s of one link through the gateway to inventory; the fault slows inventory by
 * 500 ms from second 2 to second 12. `stackFor` is how long the stack keeps the delay on its
 * own: with no undo call, recovery comes only when the stack's fault expires.
 */
function scenario(dir: string, opts: { within: string; undo: boolean; stackFor: string }): string {
  const file = join(dir, 'rehearsal.yaml');
  writeFileSync(
    file,
    `name: rehearsal
targets: { gateway: "${stack.gw}", inventory: "${stack.urls.inventory}" }
load: { rate: 20, duration: 20s }
requests:
  - { name: stock, method: GET, url: /api/inventory/SKU-000001, target: gateway }
capacity:
  links:
    stock: { budgets: ["p99 < 350ms", "errors < 1%"] }
faults:
  - name: slow-inventory
    at: 2s
    for: 10s
    plan: "#37 degrade recommendations"
    http:
      inject: { url: /admin/faults, target: inventory, json: { delay: 500ms, for: ${opts.stackFor} } }
${opts.undo ? '      undo: { url: /admin/faults, target: inventory, method: DELETE }\n' : ''}    recovery: { within: ${opts.within} }
`,
  );
  return file;
}

async function rehearse(opts: { within: string; undo: boolean; stackFor: string }) {
  const dir = mkdtempSync(join(tmpdir(), 'peakdrill-rehearsal-'));
  const plan = loadScenario(scenario(dir, opts));
  const r = await runDrill(plan, { out: dir, quiet: true, workers: '1', target: [], header: [], budget: [], allow: [] });
  const events = readFileSync(join(r.dir, 'faults.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as FaultEvent);
  return { ...r, events };
}

describe('a fault on the drill timeline against the reference stack', () => {
  it('slows the inventory hop for 10 s, records it, and measures the recovery', async () => {
    const { summary, exitCode, events, dir } = await rehearse({ within: '5s', undo: true, stackFor: '1m' });
    expect(events.map((e) => [e.fault, e.phase, e.ok])).toEqual([
      ['slow-inventory', 'inject', true],
      ['slow-inventory', 'undo', true],
    ]);
    expect(events[0]!.atS).toBeGreaterThanOrEqual(2);
    expect(events[1]!.atS).toBeGreaterThanOrEqual(12);
    const [fault] = summary.faults!;
    expect(fault).toMatchObject({ name: 'slow-inventory', kind: 'http', plan: '#37 degrade recommendations', plannedS: { fromS: 2, toS: 12 } });
    expect(fault!.what).toContain('/admin/faults');
    // the fault shows in the per-second figures: p99 over budget while it was on
    const p99 = readFileSync(join(dir, 'timeseries.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TimeseriesLine).filter((l) => l.link === 'stock');
    expect(p99.filter((l) => l.t >= 4 && l.t < 11).every((l) => l.latencyMs.p99 >= 500)).toBe(true);
    expect(fault!.recovery).toMatchObject({ withinMs: 5000, passed: true });
    expect(fault!.recovery!.recoveredS).toBeLessThanOrEqual(5);
    expect(fault!.recovery!.reason).toMatch(/^plan #37 \(degrade recommendations\) held: stock: p99 back in \d s/);
    expect(exitCode, JSON.stringify({ status: summary.status, notes: summary.notes, generator: summary.generator?.behind })).toBe(0);
  }, 90_000);

  it('fails the run when recovery is slower than its budget', async () => {
    // no undo: the stack keeps the delay on for 15 s, 5 s past the fault's end
    const { summary, exitCode } = await rehearse({ within: '1s', undo: false, stackFor: '15s' });
    const recovery = summary.faults![0]!.recovery!;
    expect(recovery.passed).toBe(false);
    expect(recovery.recoveredS === null || recovery.recoveredS >= 2).toBe(true);
    expect(recovery.reason).toContain('did not hold');
    expect(summary.status).toBe('failed');
    expect(exitCode).toBe(1);
  }, 90_000);

  it('maps the chain of double11 on the stack: the six services and their hops, the one missing from owners flagged', async () => {
    // the slow-recovery test above leaves the inventory's delay on past its drill, by design:
    // undo it, so this drill maps the stack as it runs, not a fault of another test
    const undo = await fetch(`${stack.urls.inventory}/admin/faults`, { method: 'DELETE' });
    expect(undo.ok).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'peakdrill-chain-'));
    const plan = loadScenario(join(SCENARIOS_DIR, 'double11.yaml'), { targets: { gateway: stack.gw }, durationMs: 6000 });
    plan.owners = { gateway: { owner: 'team-edge' }, catalog: { owner: 'team-item' }, cart: { owner: 'team-cart' }, order: { owner: 'team-trade' }, payment: { owner: 'team-pay' } };
    const { summary, dir: runDir } = await runDrill(plan, { out: dir, quiet: true, workers: '1', target: [], header: [], budget: [], allow: [] });
    const map = chainMap(summary, readTimeseries(join(runDir, 'timeseries.ndjson')));
    const services = map.nodes.filter((n) => n.kind !== 'dependency').map((n) => n.id).sort();
    // a service missing from the map: say what each link got, so a failure names its cause
    const perLink = summary.links.map((l) => ({ link: l.name, count: l.count, errors: l.errors, outcomes: l.outcomes, hops: l.hops.map((h) => h.name) }));
    // an aborted drill may end before a checkout reaches the order service
    expect(summary.status, JSON.stringify({ abort: summary.abort, perLink })).not.toBe('aborted');
    expect(services, JSON.stringify(perLink)).toEqual(['cart', 'catalog', 'gateway', 'inventory', 'order', 'payment']);
    expect(map.edges).toContainEqual(expect.objectContaining({ from: 'order', to: 'inventory' }));
    expect(map.edges).toContainEqual(expect.objectContaining({ from: 'gateway', to: 'order' }));
    expect(map.nodes.find((n) => n.id === 'inventory')!.flags).toContain('no-owner');
    expect(map.nodes.find((n) => n.id === 'order')!.flags).not.toContain('no-owner');
  }, 90_000);
});
