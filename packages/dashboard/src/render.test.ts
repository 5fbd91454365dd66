// Pure pieces: escaping, secrets masking, status, series, compare figures.

import { describe, expect, it } from 'vitest';
import type { Summary, TimeseriesLine } from '@peakdrill/core';
import { comparePage } from './compare.js';
import { html, jsonForScript, raw, scriptForInline } from './html.js';
import { buildSeries } from './series.js';
import { displayStatus, STALE_AFTER_MS } from './view.js';
import { generatorCallout, statusBadge } from './pages/run.js';

describe('the generator section', () => {
  it('an inconclusive run says which generator fell behind and what to do, escaped', () => {
    const generator = {
      boundMs: 5, latenessMs: { p50: 1, p99: 40, p999: 50, max: 60 }, eventLoopDelayMs: { p99: 30, max: 70 }, dropped: 0, cpu: { mean: 0.9, max: 1 }, died: [], keptUp: false,
      behind: [{ generator: 'r/g0<script>', cause: 'lateness' as const, atS: 3, figure: 40, reason: 'r/g0<script> sent late: lateness p99 40 ms' }],
      advice: 'Inconclusive: add workers',
    };
    const out = String(generatorCallout({ generator, status: 'inconclusive' } as unknown as Summary));
    expect(out).toMatch(/Inconclusive: the generator fell behind/);
    expect(out).toContain('r/g0&lt;script&gt; sent late');
    expect(out).not.toContain('<script>');
    expect(out).toMatch(/lateness p99 40/);
    expect(String(statusBadge('inconclusive'))).toMatch(/INCONCLUSIVE/);
    expect(String(generatorCallout({ generator: { ...generator, keptUp: true, behind: [] } } as unknown as Summary))).toMatch(/Generators kept up/);
  });
});

describe('escaping', () => {
  it('escapes every interpolation unless it is our own markup', () => {
    const name = `<script>alert("x")</script>&'`;
    expect(html`<b title="${name}">${name}</b>`.value).toBe('<b title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;</b>');
    expect(html`<p>${html`<i>${name}</i>`}${raw('<br>')}${[1, '<a>']}${null}${false}</p>`.value).toBe('<p><i>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;</i><br>1&lt;a&gt;</p>');
  });

  it('keeps inline JSON inside its script element', () => {
    const text = jsonForScript({ link: '</script><script>alert(1)</script>', sep: '\u2028\u2029', amp: '&' });
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(text)).toEqual({ link: '</script><script>alert(1)</script>', sep: '\u2028\u2029', amp: '&' });
    expect(scriptForInline('var a = "</script>"; // <!--')).toBe('var a = "<\\/script>"; // <\\!--');
  });
});

describe('status', () => {
  it('tells a live run from a stalled one by the age of its files', () => {
    const s = { status: 'running' } as Summary;
    expect(displayStatus(s, 1_000_000, 1_000_000 + 1000)).toBe('live');
    expect(displayStatus(s, 1_000_000, 1_000_000 + STALE_AFTER_MS + 1)).toBe('stalled');
    expect(displayStatus({ status: 'failed' } as Summary, 0)).toBe('failed');
    expect(displayStatus(null, 0)).toBe('error');
  });
});

describe('series', () => {
  const line = (t: number, link: string, outcomes: TimeseriesLine['outcomes']): TimeseriesLine => ({ t, ts: t * 1000, link, planned: null, count: 5, errors: 0, shed: 0, outcomes, rps: 5, latencyMs: { p50: 1, p90: 2, p99: 3, max: 4, mean: 1 }, inFlight: 0 });

  it('orders links as the summary does and keeps only outcome classes that occurred', () => {
    const s = buildSeries([line(0, 'b', { ok: 5 }), line(0, 'a', { ok: 4, http_5xx: 0 }), line(1, 'a', { ok: 3, http_5xx: 2 }), line(1, 'c', { ok: 5 })], 0, ['a', 'b']);
    expect(s.links.map((l) => l.link)).toEqual(['a', 'b', 'c']);
    expect(Object.keys(s.links[0]!.outcomes)).toEqual(['http_5xx']);
    expect(s.links[0]!.outcomes['http_5xx']).toEqual([[1, 2]]);
    expect(s.links[0]!.planned).toEqual([]);
    expect(s.lastT).toBe(1);
  });
});

describe('compare', () => {
  const link = (name: string, p99: number, rps: number, errors = 0) => ({ name, count: 1000, errors, shed: 0, rps, latencyMs: { p50: p99 / 3, p90: p99 / 2, p95: p99 / 1.5, p99, p999: p99 * 2, max: p99 * 3, mean: p99 / 3 }, verdict: null }) as unknown as Summary['links'][number];
  const summary = (links: Summary['links']): Summary => ({ id: 'x', scenario: 's', startedAt: '', status: 'passed', durationS: 60, plannedRps: 100, links }) as unknown as Summary;

  it('marks worse and better beyond the noise band, and links present on one side only', () => {
    const c = comparePage(summary([link('a', 100, 100), link('b', 100, 100), link('gone', 1, 1)]), summary([link('a', 150, 101), link('b', 80, 100, 20), link('new', 1, 1)]));
    const m = (l: string, k: string) => c.links.find((x) => x.link === l)!.metrics.find((x) => x.key === k)!;
    expect(m('a', 'p99').verdict).toBe('worse');
    expect(m('a', 'throughput').verdict).toBe('same');
    expect(m('b', 'p99').verdict).toBe('better');
    expect(m('b', 'errors').verdict).toBe('worse');
    expect(c.links.find((x) => x.link === 'gone')!.presence).toBe('base-only');
    expect(c.links.find((x) => x.link === 'new')!.presence).toBe('new-only');
  });
});

describe('figures in the browser', () => {
  it('are written by the same module as on the server (figures.js is core verdict/figures)', async () => {
    const { runInNewContext } = await import('node:vm');
    const core = await import('@peakdrill/core');
    const { assetText } = await import('./assets.js');
    const window: { pdFigures?: Record<string, (...a: unknown[]) => string> } = {};
    runInNewContext(assetText('figures.js'), { window });
    const browser = window.pdFigures!;
    for (const v of [0, 0.4123, 9.87, 312.4, 2400, 12_345.6, null]) {
      expect(browser['formatMs']!(v)).toBe(core.formatMs(v));
      expect(browser['formatRatio']!(v === null ? v : v / 1e4)).toBe(core.formatRatio(v === null ? v : v / 1e4));
      expect(browser['formatRps']!(v)).toBe(core.formatRps(v));
      expect(browser['formatDuration']!(v)).toBe(core.formatDuration(v));
    }
    expect(browser['formatMs']!(12_345.6)).toBe('12,345.6 ms');
  });
});

describe('the load on the run page', () => {
  it("is in core's words (describeLoad, describeStages), a replay's included", async () => {
    const { mkdtempSync, readFileSync, rmSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { describeLoad, describeStages, readRunDir } = await import('@peakdrill/core');
    const { writeFixtureRun } = await import('./runs.fixture.js');
    const { buildRunView } = await import('./view.js');
    const { renderRunBody } = await import('./pages/run.js');
    const dir = mkdtempSync(join(tmpdir(), 'pd-load-'));
    try {
      const run = writeFixtureRun({ runsDir: dir, id: '20261203-080000-load-ld01', scenario: 'load', status: 'passed', durationS: 20, samplesPerSecond: 2, links: [{ name: 'a', rps: 300, p50Ms: 5 }] });
      const row = (): string => { const r = renderRunBody(buildRunView(readRunDir(run.dir))).value; return r.slice(r.indexOf('data-testid="load"'), r.indexOf('</dd>', r.indexOf('data-testid="load"'))); };
      const load = readRunDir(run.dir).summary.plan.load;
      const open = row();
      expect(open).toContain(describeLoad(load));
      expect(open).toContain('open model, up to 300 req/s over 20s (2 stages)');
      expect(open).toContain(describeStages(load).join(' · '));
      expect(open).toContain('ramp 0 → 300 req/s over 2s · hold 300 req/s for 18s');
      // a replay was listed as "closed model (virtual users)" before
      const path = join(run.dir, 'summary.json');
      const s = JSON.parse(readFileSync(path, 'utf8')) as Summary;
      writeFileSync(path, JSON.stringify({ ...s, model: 'replay', plan: { ...s.plan, load: { model: 'replay', log: '/var/log/nginx/access.log', speed: 2, unsafe: false, stages: [{ durationMs: 60_000, target: 1 }] } } }));
      expect(buildRunView(readRunDir(run.dir)).load).toEqual({ words: 'replay of access.log at 2× for 1m', stages: [] });
      expect(row()).not.toMatch(/closed model|VUs/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
