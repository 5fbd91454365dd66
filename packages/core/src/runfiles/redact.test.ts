import { describe, expect, it } from 'vitest';
import { quickPlan } from '../scenario/quick.js';
import { redactBody, redactHeaders, redactPlan, redactSummary, redactText, redactUserinfo, REDACTED } from './redact.js';
import type { Summary } from './summary.js';

// The one redactor's policy, pinned: what is masked, what is kept, on disk and on screen alike
// (RunDirWriter.writeSummary and the dashboard's publicSummary both call redactSummary).
describe('the redactor', () => {
  it('masks URL passwords and sensitive query parameters, keeps the rest of the URL', () => {
    expect(redactText('https://u:p4ss@h.example:8443/x?token=abc&page=2')).toBe(`https://u:${REDACTED}@h.example:8443/x?token=${REDACTED}&page=2`);
    expect(redactText('http://127.0.0.1:8080/a?page=2&sort=asc')).toBe('http://127.0.0.1:8080/a?page=2&sort=asc');
    expect(redactText('/admin/audit?access_token=t1&api_key=k2&sig=s3&run={{run.id}}')).toBe(`/admin/audit?access_token=${REDACTED}&api_key=${REDACTED}&sig=${REDACTED}&run={{run.id}}`);
    expect(redactText('/login?password={{users.password}}')).toBe('/login?password={{users.password}}');
    expect(redactText('health http://ops:pw@127.0.0.1:9/h did not answer')).toBe(`health http://ops:${REDACTED}@127.0.0.1:9/h did not answer`);
  });

  it('masks sensitive headers, JSON and form bodies; keeps templates; is idempotent', () => {
    expect(redactHeaders({ Authorization: 'Bearer x', 'X-Api-Key': 'k', 'x-session-id': 's', Cookie: '{{u.cookie}}', accept: 'json' })).toEqual({ Authorization: REDACTED, 'X-Api-Key': REDACTED, 'x-session-id': REDACTED, Cookie: '{{u.cookie}}', accept: 'json' });
    expect(redactBody('{"user":"u1","password":"hunter2","apiToken":"t-9","note":"{{x}}"}')).toBe(`{"user":"u1","password":"${REDACTED}","apiToken":"${REDACTED}","note":"{{x}}"}`);
    expect(redactBody('user=u1&password=hunter2&remember=1')).toBe(`user=u1&password=${REDACTED}&remember=1`);
    expect(redactBody('plain text with token words')).toBe('plain text with token words');
    const once = redactText('https://u:p@h/x?token=abc');
    expect(redactText(once)).toBe(once);
  });

  it('masks a plan everywhere a scenario author can write a credential', () => {
    const plan = quickPlan({ url: 'http://127.0.0.1:8080/login?token=q-1', rate: 1, durationMs: 1000, headers: ['Authorization: Bearer abc.def', 'X-Api-Key: k-123', 'X-Trace: keep-me'], body: '{"user":"u1","password":"hunter2","apiToken":"t-9"}' });
    plan.targets['admin'] = 'http://root:pw-1@127.0.0.1:9000';
    plan.journeys[0]!.steps[0]!.headers['Cookie'] = '{{users.cookie}}';
    plan.data['users'] = { source: { kind: 'list', rows: [{ user: 'u1', token: 'row-tok' }] }, mode: 'random' };
    plan.abort.push({ kind: 'health', url: 'http://ops:hp-2@127.0.0.1:9/h', forMs: 1000, text: 'health http://ops:hp-2@127.0.0.1:9/h' });
    plan.isolation.push({ name: 'audit', kind: 'http', url: 'http://127.0.0.1:8080/admin/audit?access_token=iso-3', status: 200, expect: { equals: 0 } });
    const r = redactPlan(plan);
    const h = r.journeys[0]!.steps[0]!.headers;
    expect(h['Authorization']).toBe(REDACTED);
    expect(h['X-Trace']).toBe('keep-me');
    expect(h['Cookie']).toBe('{{users.cookie}}');
    expect(r.data['users']!.source).toEqual({ kind: 'list', rows: [{ user: 'u1', token: REDACTED }] });
    expect(JSON.stringify(r)).not.toMatch(/hunter2|abc\.def|k-123|t-9|q-1|pw-1|row-tok|hp-2|iso-3/);
    // the original is untouched
    expect(plan.journeys[0]!.steps[0]!.headers['Authorization']).toBe('Bearer abc.def');
  });

  it('masks the free texts of a summary: notes, the abort, check results, the error', () => {
    const plan = quickPlan({ url: 'http://127.0.0.1:8080/', rate: 1, durationMs: 1000 });
    const summary = {
      plan,
      notes: ['health http://a:n-1@127.0.0.1:1/h failed'],
      abort: { rule: 'health http://a:n-2@127.0.0.1:1/h', atS: 1, figures: {}, reason: 'GET /h?token=n-3 refused' },
      isolation: [{ name: 'x', kind: 'http', passed: false, expected: '0', actual: '1', error: 'http://a:n-4@h/ said 500' }],
      invariants: [],
      error: 'connect http://a:n-5@127.0.0.1:1 refused',
    } as unknown as Summary;
    expect(JSON.stringify(redactSummary(summary))).not.toMatch(/n-[1-5]/);
  });
});

describe('URLs whose user-info is the credential', () => {
  it('masks a bare NATS token and a user:password alike', () => {
    expect(redactUserinfo('nats://s3cr3t-tok@127.0.0.1:4222')).toBe(`nats://${REDACTED}@127.0.0.1:4222`);
    expect(redactUserinfo('nats://u:p@127.0.0.1:4222,nats://t2@h2:4222')).not.toMatch(/u:p|t2@/);
    expect(redactUserinfo('nats://127.0.0.1:4222')).toBe('nats://127.0.0.1:4222');
  });
});
