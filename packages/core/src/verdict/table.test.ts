import { describe, expect, it } from 'vitest';
import { formatVerdictMarkdown } from './markdown.js';
import { alignColumns, displayWidth, formatVerdictTable } from './table.js';
import { failingVerdict, makeLink, makeSummary } from './verdict.fixture.js';

const summary = () =>
  makeSummary(
    [
      makeLink('order.create', { verdict: failingVerdict(), target: 15000 }),
      makeLink('cart.add', {
        verdict: { passed: true, window: { fromS: 10, toS: 70 }, windowSource: 'hold', achievedRps: 1002.3, budgets: [{ budget: 'p99 ≤ 100 ms', measured: 41.23, unit: 'ms', allowed: 100, passed: true, reason: 'fine' }] },
      }),
      makeLink('catalog|item'),
    ],
    { status: 'failed', isolation: [{ name: 'no shadow orders in production', kind: 'sql', passed: false, expected: '0', actual: '3' }] },
  );

describe('formatVerdictTable', () => {
  it('one aligned row per budget: target, achieved, headroom, measured, PASS/FAIL', () => {
    const text = formatVerdictTable(summary());
    const lines = text.split('\n');
    const header = lines[0]!;
    expect(header).toMatch(/^link\s+target\s+achieved\s+headroom\s+budget\s+measured\s+result$/);
    expect(lines[1]).toMatch(/^order\.create\s+15,000 req\/s\s+15,230 req\/s\s+101\.5%\s+rps ≥ 15,000\s+15,230 req\/s\s+PASS$/);
    expect(lines[2]).toMatch(/^\s+p99 ≤ 250 ms\s+312\.4 ms\s+FAIL$/);
    expect(lines[3]).toMatch(/^\s+errors ≤ 0\.1%\s+0\.02%\s+PASS$/);
    expect(lines[4]).toMatch(/^cart\.add\s+—\s+1,002 req\/s\s+—\s+p99 ≤ 100 ms\s+41\.23 ms\s+PASS$/);
    expect(lines[5]).toMatch(/^catalog\|item\s+—\s+100 req\/s\s+—\s+\(no budgets\)$/);
    // columns line up: every result sits where the header's `result` starts
    const col = header.indexOf('result');
    for (const l of lines.slice(1, 5)) expect(l.slice(col)).toMatch(/^(PASS|FAIL)$/);
    expect(header.indexOf('budget')).toBe(lines[2]!.indexOf('p99'));
  });

  it('says which seconds counted, what was missed in words, the checks and the overall result', () => {
    const text = formatVerdictTable(summary());
    expect(text).toContain('Verdict from seconds 10–70 (the steady stage).');
    expect(text).toContain('  order.create p99 ≤ 250 ms: p99 was 312.4 ms, budget 250 ms: 25% over');
    expect(text).toMatch(/isolation\s+no shadow orders in production\s+FAIL\s+expected 0, got 3/);
    expect(text.trimEnd().split('\n').pop()).toBe('FAIL: 1 of 4 budgets missed; 1 isolation check failed');
  });

  it('a passing run, an aborted run, a whole-run window note', () => {
    const pass = makeSummary([makeLink('a', { verdict: { passed: true, window: { fromS: 0, toS: 30 }, windowSource: 'whole-run', note: 'the plan has no hold stage', achievedRps: 10, budgets: [{ budget: 'p99 ≤ 5,000 ms', measured: 3, unit: 'ms', allowed: 5000, passed: true, reason: 'ok' }] } })]);
    const text = formatVerdictTable(pass);
    expect(text).toContain('Verdict from seconds 0–30 (the whole run): the plan has no hold stage.');
    expect(text.trimEnd().split('\n').pop()).toBe('PASS: 1 budget met on 1 link');
    const aborted = makeSummary([makeLink('a')], { status: 'aborted', abort: { rule: 'p99(a) > 2s for 5s', atS: 12, figures: {}, reason: 'p99 was 2.4 s for 5 s' } });
    expect(formatVerdictTable(aborted)).toContain('ABORTED at 12 s by `p99(a) > 2s for 5s`: p99 was 2.4 s for 5 s');
  });
});

describe('alignColumns', () => {
  it('counts wide (CJK) characters as two columns', () => {
    const text = alignColumns([['link', 'result'], ['下单', 'PASS'], ['order.create', 'FAIL']], ['l', 'l']);
    const [h, a, b] = text.split('\n');
    expect(displayWidth(a!.slice(0, a!.indexOf('PASS')))).toBe(h!.indexOf('result'));
    expect(b!.indexOf('FAIL')).toBe(h!.indexOf('result'));
  });
});

describe('formatVerdictMarkdown', () => {
  it('is a GitHub table with escaped cells and the missed budgets in words', () => {
    const md = formatVerdictMarkdown(summary());
    expect(md.split('\n')[0]).toBe('### ❌ peakdrill: fixture — FAIL: 1 of 4 budgets missed; 1 isolation check failed');
    expect(md).toContain('| link | target | achieved | headroom | budget | measured | result |');
    expect(md).toContain('| `order.create` | 15,000 req/s | 15,230 req/s | 101.5% | rps ≥ 15,000 | 15,230 req/s | ✅ pass |');
    expect(md).toContain('|  |  |  |  | p99 ≤ 250 ms | 312.4 ms | ❌ **FAIL** |');
    expect(md).toContain('| catalog\\|item |');
    expect(md).toContain('- `order.create` p99 ≤ 250 ms: p99 was 312.4 ms, budget 250 ms: 25% over');
    expect(md).toContain('| isolation | no shadow orders in production | ❌ **FAIL** | expected 0, got 3 |');
    // every table row has the same number of unescaped cell separators as its header
    const rows = md.split('\n').filter((l) => l.startsWith('| `') || l.startsWith('|  |'));
    for (const r of rows) expect(r.replace(/\\\|/g, '').split('|').length).toBe(9);
  });
});
