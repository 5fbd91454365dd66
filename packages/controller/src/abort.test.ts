import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAbortRule, quickPlan, type AbortRuleInput } from '@peakdrill/core';
import { startTarget, type Target } from '@peakdrill/engine/testing';
import { Drill } from './drill.js';
import { metricValue, watchAbortRules } from './abort.js';
import type { SecondReport } from './aggregate.js';

let target: Target | null = null;
afterEach(async () => {
  await target?.close();
  target = null;
});

/** A drill of 15 s whose target degrades at +1.5 s; returns when the run stopped and why. */
async function degrade(rule: string | AbortRuleInput, breakIt: (t: Target) => void) {
  target = await startTarget();
  let health = 200;
  let poolWaiting = 0;
  target.handler = (req, res) => {
    if (req.url === '/healthz') {
      res.writeHead(health).end();
      return true;
    }
    if (req.url === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`# TYPE pool_waiting gauge\npool_waiting{pool="db"} ${poolWaiting}\npool_waiting_total 99\n`);
      return true;
    }
    return false;
  };
  const t = target;
  const input = typeof rule === 'string' ? rule : { ...rule, ...(rule.health ? { health: `${t.url}/healthz` } : {}), ...(rule.metric ? { url: `${t.url}/metrics` } : {}) };
  const plan = quickPlan({ url: `${t.url}/api`, rate: 100, durationMs: 15_000, timeoutMs: 5000 });
  plan.shadow.enabled = false;
  plan.abort = [parseAbortRule(input)];
  const drill = new Drill({ plan, outDir: mkdtempSync(join(tmpdir(), 'peakdrill-abort-')), workers: 1 });
  const started = Date.now();
  setTimeout(() => {
    breakIt(t);
    health = 503;
    poolWaiting = 25;
  }, 1500);
  const result = await drill.run();
  return { result, elapsedS: (Date.now() - started) / 1000 };
}

describe('abort rules fire within a second of their window against a degrading target', () => {
  it('error rate', async () => {
    const { result, elapsedS } = await degrade('error_rate > 50% for 1s', (t) => (t.status = 500));
    expect(result.exitCode).toBe(3);
    expect(result.summary.status).toBe('aborted');
    expect(result.summary.abort?.rule).toMatch(/error_rate/);
    expect(result.summary.abort!.figures.errorRate).toBeGreaterThan(0.5);
    // broke at 1.5 s, bad seconds from 2 s, fires at the end of second 2-3, stops within 1 s
    expect(result.summary.abort!.atS).toBeLessThanOrEqual(4);
    expect(elapsedS).toBeLessThan(7);
  });

  it('latency percentile of a link', async () => {
    const { result } = await degrade('p99(GET /api) > 200ms for 1s', (t) => {
      t.mode = 'slow';
      t.slowMs = 400;
    });
    expect(result.summary.status).toBe('aborted');
    expect(result.summary.abort!.figures.p99Ms).toBeGreaterThan(200);
    expect(result.summary.abort!.atS).toBeLessThanOrEqual(4);
  });

  it('health URL', async () => {
    const { result } = await degrade({ health: 'x', for: '1s' }, () => undefined);
    expect(result.summary.status).toBe('aborted');
    expect(result.summary.abort!.figures.status).toBe(503);
    expect(result.summary.abort!.atS).toBeLessThanOrEqual(4);
  });

  it('Prometheus metric', async () => {
    const { result } = await degrade({ metric: 'pool_waiting > 10', for: '1s' }, () => undefined);
    expect(result.summary.status).toBe('aborted');
    expect(result.summary.abort!.figures.pool_waiting).toBe(25);
    expect(result.summary.abort!.atS).toBeLessThanOrEqual(4);
  });
});

describe('health and metric polls', () => {
  it('follow no redirect: a redirected health URL is unhealthy, and the place it points to gets nothing', async () => {
    const elsewhere = await startTarget();
    target = await startTarget();
    const t = target;
    t.handler = (_req, res) => {
      res.writeHead(302, { location: `${elsewhere.url}/healthz` }).end();
      return true;
    };
    const watch = watchAbortRules([parseAbortRule({ health: `${t.url}/healthz`, for: '1s' })]);
    try {
      const second = { t: 0 } as unknown as SecondReport;
      const deadline = Date.now() + 10_000; // a poll every second; a busy machine may delay the first
      let fired = watch.check(second);
      while (!fired && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
        fired = watch.check(second);
      }
      expect(fired?.reason).toContain(`HTTP 302 redirect to ${elsewhere.url}/healthz, not followed`);
      expect(elsewhere.received).toBe(0);
    } finally {
      watch.close();
      await elsewhere.close();
    }
  });
});

describe('metricValue', () => {
  it('reads exact names, label selectors and sums series', () => {
    const text = '# HELP x\nreq_total{route="a"} 3\nreq_total{route="b"} 4\nreq_total_sum 100\nup 1\n';
    expect(metricValue(text, 'req_total')).toBe(7);
    expect(metricValue(text, 'req_total{route="b"}')).toBe(4);
    expect(metricValue(text, 'up')).toBe(1);
    expect(metricValue(text, 'missing')).toBeNull();
  });
});
