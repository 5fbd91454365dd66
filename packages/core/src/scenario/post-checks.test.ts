import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import type { Plan } from '../plan.js';
import { parseScenario } from './load.js';

function scenario(section: string): string {
  return `name: c\ntargets: { a: "http://127.0.0.1:1" }\nload: { rate: 1, duration: 1s }\njourneys: [{ name: checkout, steps: [{ name: order.create, url: / }] }]\n${section}\n`;
}
function plan(section: string): Plan {
  return parseScenario(scenario(section), 'c.yaml');
}
function codes(section: string): string[] {
  try {
    plan(section);
  } catch (err) {
    if (err instanceof UserError) return err.problems.map((p) => `${p.code}@${p.pos?.line}:${p.pos?.col}`);
    throw err;
  }
  return [];
}

describe('isolation and invariants', () => {
  it('reads HTTP and SQL checks with every kind of expectation', () => {
    const p = plan(
      [
        'isolation:',
        '  - { name: audit, http: { url: "http://127.0.0.1:1/admin/audit", json: "$.leaked.total", equals: 0 } }',
        '  - { name: sql, sql: { query: "select count(*) from public.orders where run_id is not null", equals: 0 } }',
        'invariants:',
        '  - { name: stock, sql: { urlEnv: PG, query: "select min(stock) from shadow.inventory", min: 0, max: 100 } }',
        '  - { name: orders, http: { url: "http://localhost:1/a", status: 201, json: "$.n", equalsFigure: link.order.create.ok } }',
        '  - { name: done, http: { url: "http://localhost:1/a", json: "$.n", equalsFigure: journeys.checkout.completed } }',
        '  - { name: up, http: { url: "http://localhost:1/healthz" } }',
      ].join('\n'),
    );
    expect(p.isolation).toEqual([
      { name: 'audit', kind: 'http', url: 'http://127.0.0.1:1/admin/audit', status: 200, path: '$.leaked.total', expect: { equals: 0 } },
      { name: 'sql', kind: 'sql', urlEnv: 'PEAKDRILL_PG_URL', query: 'select count(*) from public.orders where run_id is not null', expect: { equals: 0 } },
    ]);
    expect(p.invariants.map((c) => c.expect)).toEqual([{ min: 0, max: 100 }, { equalsFigure: 'link.order.create.ok' }, { equalsFigure: 'journeys.checkout.completed' }, {}]);
  });
  it('refuses malformed checks, positioned', () => {
    expect(codes('isolation:\n  - { name: a, http: { url: "http://127.0.0.1/", json: "leaked", equals: 0 } }')).toEqual(['BAD_JSON_PATH@6:56']);
    expect(codes('isolation:\n  - { name: a, sql: { query: "select 1" } }')).toEqual(['MISSING_KEY@6:21']);
    expect(codes('isolation:\n  - { name: a, sql: { query: "select 1", url: "postgres://u:secret@h/db", equals: 1 } }')).toEqual(['UNKNOWN_KEY@6:42']);
    expect(codes('isolation:\n  - { name: a }')).toEqual(['MISSING_KEY@6:5']);
    expect(codes('invariants:\n  - { name: a, sql: { query: q, equals: 1, min: 0 } }')).toEqual(['CONFLICT@6:49']);
    expect(codes('invariants:\n  - { name: a, sql: { query: q, equalsFigure: journeys.checkot.completed } }')).toEqual(['UNKNOWN_FIGURE@6:47']);
    expect(codes('invariants:\n  - { name: a, sql: { query: q, equalsFigure: link.order.create.oks } }')).toEqual(['UNKNOWN_FIGURE@6:47']);
    expect(codes('invariants:\n  - { name: a, http: { url: "http://10.0.0.1/", json: $.a, equals: 1 } }')).toEqual(['TARGET_NOT_ALLOWED@6:29']);
  });
});
