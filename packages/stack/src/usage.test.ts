// Each service's CPU and shed responses (metrics.ts), and the gateway's /admin/metrics that
// gathers them into the one page a drill's `observe:` source scrapes (usage.ts).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, metric, testStack, type TestStack } from './stack.fixture.js';

describe('the stack\'s CPU and shed counts', () => {
  let s: TestStack;
  beforeAll(async () => {
    s = await testStack('pglite', { rateLimit: { globalRps: 0, skuRps: 2 } });
  }, 60_000);
  afterAll(async () => {
    await s?.close();
  });

  it('counts each 429 a service answers as shed, and /admin/metrics shows every service\'s CPU and sheds on one page', async () => {
    const before = await metric(s.gw, 'peakdrill_stack_shed_responses_total', { service: 'gateway', code: '429' });
    expect(before).toBe(0);
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => call(s.gw, 'POST', '/api/orders', { userId: `U-${String(i + 1).padStart(5, '0')}`, sku: 'SKU-000030', qty: 1 })));
    const limited = answers.filter((a) => a.status === 429).length;
    expect(limited).toBeGreaterThan(0);
    expect(await metric(s.gw, 'peakdrill_stack_shed_responses_total', { service: 'gateway', code: '429' })).toBe(limited);

    const res = await fetch(`${s.gw}/admin/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    for (const svc of ['gateway', 'catalog', 'cart', 'inventory', 'order', 'payment']) {
      expect(text).toMatch(new RegExp(`^peakdrill_stack_cpu_seconds_total\\{service="${svc}",process="\\d+"\\} \\d+(\\.\\d+)?(e-?\\d+)?$`, 'm'));
      expect(text).toMatch(new RegExp(`^peakdrill_stack_shed_responses_total\\{service="${svc}",code="503"\\} \\d+$`, 'm'));
    }
    expect(text).toContain(`peakdrill_stack_shed_responses_total{service="gateway",code="429"} ${limited}`);
    // one HELP and one TYPE per metric, and nothing else of the services' pages
    expect(text.match(/^# TYPE peakdrill_stack_cpu_seconds_total counter$/gm)).toHaveLength(1);
    expect(text.match(/^# HELP peakdrill_stack_shed_responses_total /gm)).toHaveLength(1);
    expect(text).not.toContain('peakdrill_stack_requests_total');
    // the CPU counter moves while the stack works
    const cpu = (t: string): number => Number(/^peakdrill_stack_cpu_seconds_total\{service="catalog"[^}]*\} (\S+)$/m.exec(t)![1]);
    await Promise.all(Array.from({ length: 50 }, () => call(s.gw, 'GET', '/api/items?page=1&size=20')));
    expect(cpu(await (await fetch(`${s.gw}/admin/metrics`)).text())).toBeGreaterThan(cpu(text));
  });

});
