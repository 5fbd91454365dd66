import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readLines, MAX_LINE_BYTES } from './lines.js';
import { compilePattern, COMBINED, parseTimeLocal } from './log-format.js';
import { Masker } from './mask.js';
import { linkName, routeOf } from './route.js';
import { Peaks, TopKeys } from './tally.js';
import { weightedList } from './log-scenario.js';

const root = mkdtempSync(join(tmpdir(), 'peakdrill-import-core-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('route templates', () => {
  it('replaces numbers, uuids, long hex and ids with digits; keeps words and versions', () => {
    expect(routeOf('/api/v2/items/SKU-000042').template).toBe('/api/v2/items/:item_id');
    expect(routeOf('/orders/123/pay').params).toEqual([{ name: 'order_id', value: '123' }]);
    expect(routeOf('/carts/6f1c2a3b-1d2e-4f50-8a9b-0c1d2e3f4a5b/items/7').template).toBe('/carts/:cart_id/items/:item_id');
    expect(routeOf('/blobs/deadbeefcafe0123').template).toBe('/blobs/:blob_id');
    expect(routeOf('/categories/shoes').template).toBe('/categories/shoes');
    expect(routeOf('/').template).toBe('/');
    expect(linkName('get', '/a/:a_id')).toBe('GET /a/:a_id');
  });
});

describe('masking', () => {
  it('masks emails, tokens, phones and Luhn-valid card numbers, and leaves ids alone', () => {
    const m = new Masker();
    expect(m.text('mail jane@example.org now', 'x')).toBe('mail <masked:email> now');
    expect(m.text('4111 1111 1111 1111', 'x')).toBe('<masked:card>');
    expect(m.text('4111111111111112', 'x')).toBe('4111111111111112'); // fails Luhn: an id, not a card
    expect(m.text('+86 138 0013 8000', 'x')).toBe('<masked:phone>');
    expect(m.text('Bearer abcdefgh12345678', 'x')).toBe('Bearer <masked:token>');
    expect(m.text('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.sig_abcdef', 'x')).toBe('<masked:token>');
    expect(m.text('SKU-000042', 'x')).toBe('SKU-000042');
    expect(m.named('api_key', 'abc', 'query')).toBe('<masked:token>');
    expect(m.report.byKind).toEqual({ token: 3, email: 1, phone: 1, card: 1 });
  });
});

describe('log formats', () => {
  it('reads nginx time_local with its offset and a combined line with extra fields', () => {
    expect(parseTimeLocal('10/Oct/2000:13:55:36 -0700')).toBe(Date.UTC(2000, 9, 10, 20, 55, 36));
    const parse = compilePattern(COMBINED);
    const e = parse('1.2.3.4 - bob [10/Oct/2000:13:55:36 +0000] "GET /a?b=1 HTTP/1.1" 404 5 "-" "Mozilla/5.0 (X11)" 0.004');
    expect(e).toEqual({ timeMs: Date.UTC(2000, 9, 10, 13, 55, 36), method: 'GET', target: '/a?b=1', status: 404 });
    expect(parse('1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "\\x16\\x03" 400 0 "-" "-"')).toMatch(/unreadable request/);
  });
});

describe('bounded tallies', () => {
  it('TopKeys keeps the hot keys of a long tail in bounded memory', () => {
    const t = new TopKeys(50);
    for (let i = 0; i < 200_000; i++) t.add(i % 4 === 0 ? 'hot' : `cold-${i}`);
    expect(t.top(1)).toEqual([['hot', 50_000]]);
    expect(t.approximate).toBe(true);
    expect(t.top(1000).length).toBeLessThanOrEqual(100);
  });

  it('Peaks finds the busiest second and minute over a stream slightly out of order', () => {
    const p = new Peaks();
    const t0 = Date.UTC(2026, 11, 2, 10, 0, 0);
    for (let s = 0; s < 600; s++) for (let k = 0; k < (s === 301 ? 40 : 5); k++) p.add(t0 + s * 1000 + ((k * 37) % 1000) - (k % 2 ? 300 : 0));
    const { second, minute } = p.finish();
    expect(second.atMs).toBe(t0 + 301_000);
    expect(second.count).toBeGreaterThanOrEqual(20);
    expect(minute.atMs).toBe(t0 + 300_000);
  });

  it('weightedList repeats keys in proportion, the rarest once', () => {
    expect(weightedList([['a', 30], ['b', 10], ['c', 10]])).toEqual(['a', 'a', 'a', 'b', 'c']);
    expect(weightedList([['a', 1_000_000], ['b', 1]], 500).length).toBeLessThanOrEqual(501);
  });
});

describe('line reader', () => {
  it('cuts a line longer than 64 KiB instead of buffering it, and keeps counting lines', async () => {
    const f = join(root, 'long.log');
    writeFileSync(f, `first\n${'x'.repeat(MAX_LINE_BYTES * 3)}\nlast`);
    const lines = [];
    for await (const l of readLines(f)) lines.push({ no: l.no, len: l.text.length, cut: l.cut });
    expect(lines).toEqual([
      { no: 1, len: 5, cut: false },
      { no: 2, len: MAX_LINE_BYTES, cut: true },
      { no: 3, len: 4, cut: false },
    ]);
  });
});
