import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import type { Plan } from '../plan.js';
import { parseScenario } from './load.js';

function scenario(capacity: string): string {
  return `name: c\ntargets: { a: "http://127.0.0.1:1" }\nload: { rate: 1, duration: 1s }\nrequests: [{ name: order.create, url: / }, { name: item.detail, url: /i }]\ncapacity:\n${capacity.replace(/^/gm, '  ')}\n`;
}
function plan(capacity: string): Plan {
  return parseScenario(scenario(capacity), 'c.yaml');
}
function codes(capacity: string): string[] {
  try {
    plan(capacity);
  } catch (err) {
    if (err instanceof UserError) return err.problems.map((p) => `${p.code}@${p.pos?.line}:${p.pos?.col}`);
    throw err;
  }
  return [];
}

describe('capacity', () => {
  it('reads targets and budgets in both forms', () => {
    const p = plan(
      'growth: 1.5\nlinks:\n  order.create: { baseline: 10000, p99: 250ms, errors: 0.1%, shed: 5%, hops: { inventory: { p99: 50ms } } }\n  item.detail: { rps: 15000, max: 2s, budgets: ["p999<1s", "hop:db.p50<5ms"] }',
    );
    expect(p.capacity.growth).toBe(1.5);
    expect(p.capacity.links['order.create']).toEqual({
      baseline: 10_000,
      budgets: [
        { kind: 'latency', percentile: 'p99', maxMs: 250 },
        { kind: 'errorRate', max: 0.001 },
        { kind: 'shedRate', max: 0.05 },
        { kind: 'latency', percentile: 'p99', maxMs: 50, hop: 'inventory' },
      ],
    });
    expect(p.capacity.links['item.detail']).toEqual({
      rps: 15_000,
      budgets: [
        { kind: 'latency', percentile: 'max', maxMs: 2000 },
        { kind: 'latency', percentile: 'p999', maxMs: 1000 },
        { kind: 'latency', percentile: 'p50', maxMs: 5, hop: 'db' },
      ],
    });
  });
  it('uses a link growth over the scenario growth', () => {
    expect(plan('growth: 2\nlinks: { order.create: { baseline: 100, growth: 3 } }').capacity.links['order.create']).toEqual({ baseline: 100, growth: 3, budgets: [] });
  });
  it('refuses unknown links, conflicting targets and bad budgets', () => {
    expect(codes('links: { order.creat: { p99: 1s } }')).toEqual(['UNKNOWN_LINK@6:12']);
    expect(codes('links: { order.create: { rps: 1, baseline: 1 } }')).toEqual(['CONFLICT@6:46']);
    expect(codes('links: { order.create: { growth: 2 } }')).toEqual(['CONFLICT@6:36']);
    expect(codes('links: { order.create: { p99: 250, errors: 2, p75: 1s, budgets: [p99>1s] } }')).toEqual([
      'BAD_DURATION@6:33',
      'BAD_PERCENT@6:46',
      'UNKNOWN_KEY@6:49',
      'BAD_BUDGET@6:68',
    ]);
    expect(codes('growth: 0')).toEqual(['OUT_OF_RANGE@6:11']);
  });
});
