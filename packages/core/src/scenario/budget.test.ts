import { describe, expect, it } from 'vitest';
import { formatBudget, parseBudget } from './budget.js';

describe('parseBudget', () => {
  it.each([
    ['p99<250ms', { kind: 'latency', percentile: 'p99', maxMs: 250 }],
    ['p99<=250ms', { kind: 'latency', percentile: 'p99', maxMs: 250 }],
    ['p99 < 250ms', { kind: 'latency', percentile: 'p99', maxMs: 250 }],
    ['max<2s', { kind: 'latency', percentile: 'max', maxMs: 2000 }],
    ['p999<1s', { kind: 'latency', percentile: 'p999', maxMs: 1000 }],
    ['p50<10ms', { kind: 'latency', percentile: 'p50', maxMs: 10 }],
    ['errors<0.1%', { kind: 'errorRate', max: 0.001 }],
    ['error_rate<=1%', { kind: 'errorRate', max: 0.01 }],
    ['shed<5%', { kind: 'shedRate', max: 0.05 }],
    ['hop:db.p99<50ms', { kind: 'latency', percentile: 'p99', maxMs: 50, hop: 'db' }],
    ['hop:inventory.db.p999<80ms', { kind: 'latency', percentile: 'p999', maxMs: 80, hop: 'inventory.db' }],
  ])('%s', (s, b) => {
    const got = parseBudget(s);
    expect(got.kind).toBe(b.kind);
    expect(got).toMatchObject(b);
    if (got.kind === 'errorRate') expect(got.max).toBeCloseTo((b as { max: number }).max, 12);
  });

  it.each(['p98<250ms', 'p99>250ms', 'p99<250', 'errors<abc', 'errors<200%', 'hop:db.errors<1%', 'latency<1s', '', 'p99<'])('refuses %j', (s) => {
    expect(() => parseBudget(s)).toThrowError(expect.objectContaining({ code: 'BAD_BUDGET' }) as Error);
  });

  it('formats back to the one-line syntax', () => {
    for (const s of ['p99<=250ms', 'errors<=0.1%', 'shed<=5%', 'hop:db.p99<=50ms']) expect(formatBudget(parseBudget(s))).toBe(s);
  });
});
