// The JSON APIs, pages and policies over a real socket (127.0.0.1, port 0).

import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveHub } from './live.js';
import { renderReport, writeReport } from './report.js';
import { serveDashboard, type ServedDashboard } from './serve.js';
import { writeFixtureRun, writeStandardRuns, XSS_NAME } from './runs.fixture.js';

let dir: string;
let dash: ServedDashboard;
let runs: ReturnType<typeof writeStandardRuns>;
const hub = new LiveHub();
let base: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pd-api-'));
  runs = writeStandardRuns(dir);
  dash = await serveDashboard({ runsDir: dir, port: 0, live: hub });
  base = `http://127.0.0.1:${dash.port}`;
});
afterAll(async () => {
  await dash?.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (path: string, init: RequestInit = {}): Promise<Response> => fetch(base + path, { redirect: 'manual', ...init });

/** A request with the path sent byte for byte (fetch would normalize `%2e%2e` and `..` away). */
async function rawGet(path: string): Promise<{ status: number; body: string }> {
  const http = await import('node:http');
  return new Promise((done, fail) => {
    http.get({ host: '127.0.0.1', port: dash.port, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => done({ status: res.statusCode ?? 0, body }));
    }).on('error', fail);
  });
}

describe('JSON API', () => {
  it('/api/runs lists runs newest first with status and figures, and filters', async () => {
    const res = await get('/api/runs');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { runs: { id: string; status: string; budgets: { failed: number } }[]; total: number };
    expect(body.runs.map((r) => r.id)).toEqual([runs.aborted.id, runs.failed.id, runs.passed.id]);
    expect(body.runs.map((r) => r.status)).toEqual(['aborted', 'failed', 'passed']);
    expect(body.runs[1]!.budgets.failed).toBeGreaterThan(0);
    const filtered = (await (await get('/api/runs?status=passed')).json()) as { runs: unknown[] };
    expect(filtered.runs).toHaveLength(1);
  });

  it('/api/runs/:id gives the summary with secrets masked', async () => {
    const res = await get(`/api/runs/${runs.failed.id}`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('"status":"failed"');
    // a run folder written by an older version may hold them on disk: the screen masks them all
    for (const secret of ['super-secret-token', 's3cr3t-pass', 'abc123', 'h3alth-pw', 'sig-777', 'iso-tok-555', 'row-tok-4242']) expect(text).not.toContain(secret);
    expect(text).toContain('<redacted>');
    expect(text).toContain('PEAKDRILL_SHADOW_SECRET');
  });

  it('/api/runs/:id/timeseries downsamples to maxPoints, and 0 gives full resolution', async () => {
    const small = (await (await get(`/api/runs/${runs.failed.id}/timeseries?maxPoints=30`)).json()) as { links: { link: string; rps: unknown[]; p99: [number, number][] }[]; resolutionS: number };
    expect(small.links.map((l) => l.link)).toContain(XSS_NAME);
    for (const l of small.links) expect(l.rps.length).toBeLessThanOrEqual(30);
    expect(small.resolutionS).toBeGreaterThan(1);
    // the 12× spike of catalog.item at second 95 survives downsampling
    const full = (await (await get(`/api/runs/${runs.failed.id}/timeseries?maxPoints=0`)).json()) as typeof small;
    const cat = (s: typeof small) => s.links.find((l) => l.link === 'catalog.item')!;
    expect(cat(full).rps).toHaveLength(180);
    expect(Math.max(...cat(small).p99.map((p) => p[1]))).toBe(Math.max(...cat(full).p99.map((p) => p[1])));
  });

  it('/api/runs/:id/percentiles gives a whole-run curve per link', async () => {
    const body = (await (await get(`/api/runs/${runs.passed.id}/percentiles`)).json()) as { links: { link: string; count: number; curve: { p: number; ms: number }[] }[] };
    expect(body.links.map((l) => l.link).sort()).toEqual(['cart.add', 'catalog.item', 'order.create']);
    for (const l of body.links) {
      expect(l.curve.at(-1)!.p).toBe(100);
      for (let i = 1; i < l.curve.length; i++) expect(l.curve[i]!.ms).toBeGreaterThanOrEqual(l.curve[i - 1]!.ms);
    }
  });

  it('serves raw files from a whitelist only', async () => {
    expect((await get(`/api/runs/${runs.passed.id}/files/timeseries.ndjson`)).status).toBe(200);
    expect((await get(`/api/runs/${runs.passed.id}/files/summary.json`)).status).toBe(404);
    const report = await get(`/api/runs/${runs.passed.id}/files/report.html`);
    expect(report.status).toBe(200);
    expect(report.headers.get('content-security-policy')).toContain("default-src 'none'");
  });
});

describe('safety', () => {
  it('rejects path traversal in every run route, never 200', async () => {
    const bad = ['..%2F..%2Fetc%2Fpasswd', '%2e%2e', '..', '20261123-103000-..%2F..%2F..%2Fetc', 'x', encodeURIComponent('/etc/passwd')];
    for (const id of bad) {
      for (const route of [`/runs/${id}`, `/api/runs/${id}`, `/api/runs/${id}/timeseries`, `/api/runs/${id}/percentiles`, `/api/runs/${id}/files/timeseries.ndjson`]) {
        const res = await rawGet(route);
        expect([400, 404], `${route} → ${res.status}`).toContain(res.status);
        expect(res.body).not.toContain('root:');
      }
    }
    expect((await get('/api/runs/..%2F..%2Fetc')).status).toBe(400);
    expect((await get('/api/runs/20261101-000000-nope')).status).toBe(404);
  });

  it('sets the security headers', async () => {
    const res = await get('/');
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'; script-src 'self'; style-src 'self'/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('answers only to loopback Host names (DNS rebinding)', async () => {
    const http = await import('node:http');
    const status = await new Promise<number>((done) => {
      http.get({ host: '127.0.0.1', port: dash.port, path: '/api/runs', headers: { host: 'evil.example:4600' } }, (res) => { res.resume(); done(res.statusCode ?? 0); });
    });
    expect(status).toBe(421);
  });

  it('escapes what scenario authors wrote, in HTML and in inline JSON', async () => {
    const html = await (await get(`/runs/${runs.failed.id}`)).text();
    expect(html).not.toContain(XSS_NAME);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('\\u003cscript\\u003ealert(1)\\u003c/script\\u003e');
    const list = await (await get('/')).text();
    expect(list).not.toContain('<script>alert');
    const report = renderReport(runs.failed.dir);
    expect(report).not.toContain(XSS_NAME);
    expect(report).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('refuses to serve beyond loopback without a strong token', async () => {
    await expect(serveDashboard({ runsDir: dir, host: '0.0.0.0', port: 0 })).rejects.toMatchObject({ code: 'DASHBOARD_TOKEN_REQUIRED' });
    await expect(serveDashboard({ runsDir: dir, host: '0.0.0.0', port: 0, token: 'short' })).rejects.toMatchObject({ code: 'DASHBOARD_TOKEN_WEAK' });
  });
});

describe('token', () => {
  const TOKEN = 'tok-0123456789abcdef-xyz';
  let guarded: ServedDashboard;
  let gbase: string;
  beforeAll(async () => {
    guarded = await serveDashboard({ runsDir: dir, port: 0, token: TOKEN });
    gbase = `http://127.0.0.1:${guarded.port}`;
  });
  afterAll(() => guarded.close());

  it('is checked on every request: pages, assets, API, live', async () => {
    for (const path of ['/', `/runs/${runs.passed.id}`, '/assets/chart.umd.js', '/api/runs', `/api/runs/${runs.passed.id}/live`]) {
      expect((await fetch(gbase + path)).status, path).toBe(401);
      expect((await fetch(gbase + path, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status, path).toBe(401);
    }
    expect((await fetch(gbase + '/api/runs', { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
  });

  it('?token= sets an HttpOnly cookie and cleans the address', async () => {
    expect(guarded.url).not.toContain(TOKEN); // the URL gets printed: it never carries the token
    expect(guarded.tokenRequired).toBe(true);
    const res = await fetch(`${gbase}/runs/${runs.passed.id}?token=${TOKEN}&maxPoints=50`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/runs/${runs.passed.id}?maxPoints=50`);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const again = await fetch(`${gbase}/api/runs`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(again.status).toBe(200);
  });
});

describe('live', () => {
  it('streams seconds from the growing file and from the LiveSource, each once, then the end', async () => {
    const id = '20261123-120000-live-dd04';
    const run = writeFixtureRun({ runsDir: dir, id, scenario: 'live', status: 'running', durationS: 60, writeSeconds: 5, startMs: Date.now() - 5000, links: [{ name: 'a', rps: 50, p50Ms: 10 }] });
    const ctrl = new AbortController();
    const res = await fetch(`${base}/api/runs/${id}/live?from=0`, { signal: ctrl.signal });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buf = '';
    const events: { event: string; data: unknown }[] = [];
    const until = async (pred: () => boolean): Promise<void> => {
      const deadline = Date.now() + 8000;
      while (!pred() && Date.now() < deadline) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += decoder.decode(value, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev = /^event: (.+)$/m.exec(block)?.[1];
          const data = /^data: (.+)$/m.exec(block)?.[1];
          if (ev && data) events.push({ event: ev, data: JSON.parse(data) });
        }
      }
    };
    const seconds = (): number[] => events.filter((e) => e.event === 'seconds').flatMap((e) => (e.data as { t: number }[]).map((l) => l.t));
    await until(() => seconds().length >= 5);
    expect(seconds()).toEqual([0, 1, 2, 3, 4]);
    // the controller pushes second 5 in process; the file gets it too: sent once
    hub.publish(id, { type: 'seconds', lines: [{ t: 5, ts: Date.now(), link: 'a', planned: 50, count: 50, errors: 0, shed: 0, outcomes: { ok: 50 }, rps: 50, latencyMs: { p50: 10, p90: 12, p99: 20, max: 30, mean: 11 }, inFlight: 1 }] });
    await until(() => seconds().length >= 6);
    run.appendSeconds(5, 8);
    await until(() => seconds().length >= 8);
    expect(seconds()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // faults.ndjson as it grows: each inject and undo once, a torn last line left for later
    const faults = (): unknown[] => events.filter((e) => e.event === 'faults').flatMap((e) => e.data as unknown[]);
    const inject = { fault: 'slow-db', phase: 'inject', atS: 6, ok: true, detail: 'db paused' };
    const undo = { fault: 'slow-db', phase: 'undo', atS: 8, ok: true, detail: 'db resumed' };
    appendFileSync(join(run.dir, 'faults.ndjson'), JSON.stringify(inject) + '\n' + JSON.stringify(undo).slice(0, 20));
    await until(() => faults().length >= 1);
    appendFileSync(join(run.dir, 'faults.ndjson'), JSON.stringify(undo).slice(20) + '\n');
    await until(() => faults().length >= 2);
    expect(faults()).toEqual([inject, undo]);
    // control.ndjson likewise: each change once, as the charts read it (the record's who, via, command name, level, unit)
    const changes = (): unknown[] => events.filter((e) => e.event === 'control').flatMap((e) => e.data as unknown[]);
    const record = (atS: number, command: Record<string, unknown>, level?: number): string =>
      JSON.stringify({ at: new Date().toISOString(), requestedAt: new Date().toISOString(), atS, who: 'ops', via: 'cli', command, ...(level !== undefined ? { level } : {}), unit: 'req/s' }) + '\n';
    const stopLine = record(7.5, { command: 'stop' });
    appendFileSync(join(run.dir, 'control.ndjson'), record(6.5, { command: 'rate', value: 80 }, 80) + stopLine.slice(0, 15));
    await until(() => changes().length >= 1);
    appendFileSync(join(run.dir, 'control.ndjson'), stopLine.slice(15));
    await until(() => changes().length >= 2);
    expect(changes()).toEqual([
      { atS: 6.5, who: 'ops', via: 'cli', command: 'rate', level: 80, unit: 'req/s' },
      { atS: 7.5, who: 'ops', via: 'cli', command: 'stop', unit: 'req/s' },
    ]);
    run.finish('passed');
    await until(() => events.some((e) => e.event === 'end'));
    expect(events.at(-1)).toEqual({ event: 'end', data: { status: 'passed' } });
    ctrl.abort();
  });
});

describe('report', () => {
  it('is one self-contained file: no external script, style or request', () => {
    const path = writeReport(runs.passed.dir);
    expect(existsSync(path)).toBe(true);
    const html = readFileSync(path, 'utf8');
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link[^>]+stylesheet/i);
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;|<meta http-equiv="Content-Security-Policy" content="default-src 'none'/);
    expect(html).toContain('Chart'); // chart.js inlined
    // every inline block is named by its hash; nothing else may run
    const policy = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)![1]!.replaceAll('&#39;', "'");
    expect(policy).not.toContain('unsafe-inline');
    const hash = (t: string): string => `'sha256-${createHash('sha256').update(t, 'utf8').digest('base64')}'`;
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThanOrEqual(3);
    for (const s of scripts) expect(policy).toContain(hash(s));
    expect(policy).toContain(hash(/<style>([\s\S]*?)<\/style>/.exec(html)![1]!));
    expect(html).toContain('"percentiles":[{'); // curves inlined, not fetched
  });

  it('throws RUN_NOT_FOUND for a folder that is not a run', () => {
    expect(() => renderReport(join(dir, 'nope'))).toThrowError(expect.objectContaining({ code: 'RUN_NOT_FOUND' }));
  });
});
