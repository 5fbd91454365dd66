import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { quickPlan } from './quick.js';

function problemsOf(f: () => unknown): { code: string; codes: string[] } {
  try {
    f();
  } catch (err) {
    if (err instanceof UserError) return { code: err.code, codes: err.problems.map((p) => p.code) };
    throw err;
  }
  throw new Error('expected a UserError');
}

describe('quickPlan', () => {
  it('builds an open-model plan at a rate', () => {
    const plan = quickPlan({ url: 'http://127.0.0.1:8080/', rate: 500, durationMs: 10_000 });
    expect(plan.targets).toEqual({ default: 'http://127.0.0.1:8080' });
    expect(plan.journeys).toHaveLength(1);
    const step = plan.journeys[0]!.steps[0]!;
    expect(step).toMatchObject({ name: 'GET /', target: 'default', method: 'GET', path: '/', stopOnFailure: true });
    expect(plan.journeys[0]!.name).toBe('GET /');
    expect(plan.load).toEqual({ model: 'open', startRate: 500, stages: [{ durationMs: 10_000, target: 500 }], maxInFlight: 10_000 });
    expect(plan.shadow).toMatchObject({ enabled: true, preflightRequests: 0, coverageFloor: 0 });
    expect(plan.source).toBe('<quick>');
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
  });

  it('builds a closed-model plan with connections VUs, no think time', () => {
    const plan = quickPlan({ url: 'http://localhost:9000/api/items?page=2', method: 'post', connections: 50, durationMs: 5000, body: '{"a":1}', headers: ['content-type: application/json', 'X-Trace:  abc '] });
    expect(plan.load).toEqual({ model: 'closed', startVus: 50, stages: [{ durationMs: 5000, target: 50 }], thinkTimeMs: { minMs: 0, maxMs: 0 } });
    expect(plan.http.connections).toBe(50);
    const step = plan.journeys[0]!.steps[0]!;
    expect(step).toMatchObject({ name: 'POST /api/items', method: 'POST', path: '/api/items?page=2', body: '{"a":1}', headers: { 'content-type': 'application/json', 'X-Trace': 'abc' } });
  });

  it('puts budgets and the target rate on the link', () => {
    const plan = quickPlan({ url: 'http://127.0.0.1:1/health', rate: 200, durationMs: 30_000, budgets: ['p99<250ms', 'errors<0.1%'], targetRps: 200 });
    expect(plan.capacity.links['GET /health']).toEqual({ rps: 200, budgets: [{ kind: 'latency', percentile: 'p99', maxMs: 250 }, { kind: 'errorRate', max: 0.001 }] });
  });

  it('keeps templates in the URL as typed', () => {
    const plan = quickPlan({ url: 'http://127.0.0.1:1/items/{{random.int 1 9}}', rate: 1, durationMs: 1000 });
    expect(plan.journeys[0]!.steps[0]!.path).toBe('/items/{{random.int 1 9}}');
  });

  it('reports every bad flag at once', () => {
    const r = problemsOf(() => quickPlan({ url: 'not a url', rate: -5, durationMs: 0, budgets: ['p99<<1'], headers: ['nocolon'], method: 'G E T' }));
    expect(r.code).toBe('QUICK_INVALID');
    expect(r.codes.sort()).toEqual(['BAD_BUDGET', 'BAD_DURATION', 'BAD_FLAG', 'BAD_FLAG', 'BAD_RATE', 'BAD_URL'].sort());
  });

  it('wants exactly one of rate and connections', () => {
    expect(problemsOf(() => quickPlan({ url: 'http://127.0.0.1/', durationMs: 1000 })).codes).toEqual(['BAD_FLAG']);
    expect(problemsOf(() => quickPlan({ url: 'http://127.0.0.1/', rate: 1, connections: 1, durationMs: 1000 })).codes).toEqual(['BAD_FLAG']);
    expect(problemsOf(() => quickPlan({ url: 'http://127.0.0.1/', rate: 1e12, durationMs: 1000 })).codes).toEqual(['BAD_RATE']);
    expect(problemsOf(() => quickPlan({ url: 'http://127.0.0.1/', connections: 0, durationMs: 1000 })).codes).toEqual(['OUT_OF_RANGE']);
    expect(problemsOf(() => quickPlan({ url: 'http://127.0.0.1/{{orderId}}', rate: 1, durationMs: 1000 })).codes).toEqual(['UNKNOWN_VARIABLE']);
  });

  it('refuses hosts that are not loopback unless allowed', () => {
    expect(problemsOf(() => quickPlan({ url: 'http://example.com/', rate: 1, durationMs: 1000 })).code).toBe('TARGET_NOT_ALLOWED');
    expect(quickPlan({ url: 'http://example.com/', rate: 1, durationMs: 1000, allow: ['example.com'] }).allow).toEqual(['example.com']);
  });
});
