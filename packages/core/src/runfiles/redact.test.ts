import { describe, expect, it } from 'vitest';
import { quickPlan } from '../scenario/quick.js';
import { redactPlan, REDACTED } from './redact.js';

describe('redactPlan', () => {
  it('masks literal credentials in headers, URLs and JSON bodies, keeps templates', () => {
    const plan = quickPlan({ url: 'http://127.0.0.1:8080/login', rate: 1, durationMs: 1000, headers: ['Authorization: Bearer abc.def', 'X-Api-Key: k-123', 'X-Trace: keep-me'], body: '{"user":"u1","password":"hunter2","apiToken":"t-9"}' });
    plan.targets['admin'] = 'http://root:pw@127.0.0.1:9000';
    plan.journeys[0]!.steps[0]!.headers['Cookie'] = '{{users.cookie}}';
    const r = redactPlan(plan);
    const h = r.journeys[0]!.steps[0]!.headers;
    expect(h['Authorization']).toBe(REDACTED);
    expect(h['X-Api-Key']).toBe(REDACTED);
    expect(h['X-Trace']).toBe('keep-me');
    expect(h['Cookie']).toBe('{{users.cookie}}');
    expect(r.journeys[0]!.steps[0]!.body).toBe(`{"user":"u1","password":"${REDACTED}","apiToken":"${REDACTED}"}`);
    expect(r.targets['admin']).not.toContain('pw');
    expect(JSON.stringify(r)).not.toMatch(/hunter2|abc\.def|k-123|t-9/);
    // the original is untouched
    expect(plan.journeys[0]!.steps[0]!.headers['Authorization']).toBe('Bearer abc.def');
  });
});
