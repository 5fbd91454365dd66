import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderJUnit } from './junit.js';
import { failingVerdict, makeLink, makeSummary } from './verdict.fixture.js';

interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

/**
 * A small strict XML parser for the test: one root, every tag closed in order, attributes
 * quoted and unique, only the five predefined entities and numeric references, no raw `<` or
 * `&` in text, no characters XML 1.0 forbids. Throws on anything else.
 */
function parseXml(src: string): XmlElement {
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`not well-formed at ${i}: ${why} near ${JSON.stringify(src.slice(i, i + 40))}`);
  };
  if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/.test(src)) fail('forbidden character');
  const decode = (s: string): string => {
    if (s.includes('<')) fail('raw < in text or attribute');
    return s.replace(/&([^;]*);?/g, (m, body: string) => {
      if (!m.endsWith(';')) fail('unterminated entity');
      const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
      if (body in named) return named[body]!;
      if (/^#[0-9]+$/.test(body)) return String.fromCodePoint(Number(body.slice(1)));
      if (/^#x[0-9a-fA-F]+$/.test(body)) return String.fromCodePoint(parseInt(body.slice(2), 16));
      return fail(`unknown entity &${body};`);
    });
  };
  const skipWs = (): void => {
    while (i < src.length && /\s/.test(src[i]!)) i++;
  };
  const name = (): string => {
    const m = /^[A-Za-z_][\w.-]*/.exec(src.slice(i));
    if (!m) fail('expected a name');
    i += m![0].length;
    return m![0];
  };
  if (src.startsWith('<?xml')) {
    const end = src.indexOf('?>');
    if (end < 0) fail('unterminated declaration');
    i = end + 2;
  }
  skipWs();
  const element = (): XmlElement => {
    if (src[i] !== '<') fail('expected <');
    i++;
    const el: XmlElement = { name: name(), attrs: {}, children: [], text: '' };
    for (;;) {
      skipWs();
      if (src.startsWith('/>', i)) {
        i += 2;
        return el;
      }
      if (src[i] === '>') {
        i++;
        break;
      }
      const a = name();
      skipWs();
      if (src[i] !== '=') fail('expected =');
      i++;
      skipWs();
      const q = src[i];
      if (q !== '"' && q !== "'") fail('unquoted attribute');
      const end = src.indexOf(q!, i + 1);
      if (end < 0) fail('unterminated attribute');
      if (a in el.attrs) fail(`duplicate attribute ${a}`);
      el.attrs[a] = decode(src.slice(i + 1, end));
      i = end + 1;
    }
    for (;;) {
      const lt = src.indexOf('<', i);
      if (lt < 0) fail(`unclosed <${el.name}>`);
      el.text += decode(src.slice(i, lt));
      i = lt;
      if (src.startsWith('</', i)) {
        i += 2;
        if (name() !== el.name) fail(`mismatched close of <${el.name}>`);
        skipWs();
        if (src[i] !== '>') fail('expected >');
        i++;
        return el;
      }
      el.children.push(element());
    }
  };
  const root = element();
  skipWs();
  if (i !== src.length) fail('content after the root element');
  return root;
}

const all = (el: XmlElement, name: string): XmlElement[] => [...(el.name === name ? [el] : []), ...el.children.flatMap((c) => all(c, name))];

function summaryWithChecks() {
  const nasty = makeLink('cart <add> & "remove"\u0001', {
    verdict: {
      passed: true,
      window: { fromS: 10, toS: 70 },
      achievedRps: 50,
      budgets: [{ budget: 'p99 ≤ 100 ms', measured: 41.2, unit: 'ms', allowed: 100, passed: true, reason: "p99 was 41.2 ms, within the 100 ms budget (59% under) — it's <fine>" }],
    },
  });
  return makeSummary([makeLink('order.create', { verdict: failingVerdict() }), nasty, makeLink('catalog.item')], {
    status: 'failed',
    isolation: [
      { name: 'no shadow orders in production', kind: 'sql', passed: true, expected: '0', actual: '0' },
      { name: 'no shadow keys in redis', kind: 'http', passed: false, expected: '0', actual: '3' },
    ],
    invariants: [{ name: 'stock never below zero', kind: 'sql', passed: false, expected: '>= 0', actual: '', error: 'connection refused' }],
  });
}

describe('renderJUnit', () => {
  it('is well-formed, with one testcase per budget and per check', () => {
    const xml = renderJUnit(summaryWithChecks());
    const root = parseXml(xml);
    expect(root.name).toBe('testsuites');
    const suites = all(root, 'testsuite');
    expect(suites).toHaveLength(1);
    const cases = all(root, 'testcase');
    // order.create: rps + p99 + errors; cart: p99; no verdict for catalog.item; 2 isolation + 1 invariant
    expect(cases).toHaveLength(3 + 1 + 3);
    expect(cases.map((c) => c.attrs.name)).toEqual([
      'order.create rps ≥ 15,000',
      'order.create p99 ≤ 250 ms',
      'order.create errors ≤ 0.1%',
      'cart <add> & "remove" p99 ≤ 100 ms',
      'isolation: no shadow orders in production',
      'isolation: no shadow keys in redis',
      'invariant: stock never below zero',
    ]);
    expect(cases[1]!.attrs.classname).toBe('order.create');
    expect(suites[0]!.attrs).toMatchObject({ tests: '7', failures: '2', errors: '1', skipped: '0', timestamp: '2026-11-23T10:30:00' });
    expect(root.attrs).toMatchObject({ tests: '7', failures: '2', errors: '1' });
  });

  it('failures carry the measured figure and the budget; their text, the reason', () => {
    const cases = all(parseXml(renderJUnit(summaryWithChecks())), 'testcase');
    const failure = all(cases[1]!, 'failure')[0]!;
    expect(failure.attrs.message).toBe('p99 312.4 ms > budget 250 ms');
    expect(failure.text).toBe('p99 was 312.4 ms, budget 250 ms: 25% over');
    expect(all(cases[0]!, 'failure')).toHaveLength(0);
    expect(all(cases[5]!, 'failure')[0]!.attrs.message).toBe('expected 0, got 3');
    expect(all(cases[6]!, 'error')[0]!.attrs.message).toBe('connection refused');
  });

  it('an aborted run gets a failing run testcase with the rule', () => {
    const s = makeSummary([makeLink('a', { verdict: failingVerdict() })], {
      status: 'aborted',
      abort: { rule: 'error_rate > 5% for 10s', atS: 42, figures: { errorRate: 0.12 }, reason: 'error rate 12% for 10 s' },
    });
    const cases = all(parseXml(renderJUnit(s)), 'testcase');
    expect(cases).toHaveLength(4);
    const f = all(cases[3]!, 'failure')[0]!;
    expect(f.attrs.message).toBe('aborted at 42 s by error_rate > 5% for 10s');
    expect(f.text).toBe('error rate 12% for 10 s (errorRate=0.12)');
  });

  it('a run without budgets is an empty but valid suite', () => {
    const root = parseXml(renderJUnit(makeSummary([makeLink('a')])));
    expect(all(root, 'testcase')).toHaveLength(0);
    expect(all(root, 'testsuite')[0]!.attrs.tests).toBe('0');
  });

  it('any link name, budget reason and check text stays well-formed and round-trips', () => {
    const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom(']]>', '\uD800x', 'a\uDC00', '\u0000\u001F\uFFFE', '&amp;', '"\'<>', '\r\n\t'));
    // what XML 1.0 can carry: forbidden characters are dropped, everything else comes back as it was
    const carried = (s: string) => s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '');
    fc.assert(
      fc.property(text, text, text, (link, reason, check) => {
        const v = { ...failingVerdict(), budgets: [{ ...failingVerdict().budgets[1]!, reason }] };
        const s = makeSummary([makeLink(link, { verdict: v })], { isolation: [{ name: check, kind: 'sql', passed: false, expected: check, actual: '1' }] });
        const cases = all(parseXml(renderJUnit(s)), 'testcase');
        expect(cases).toHaveLength(2);
        expect(cases[0]!.attrs.classname).toBe(carried(link));
        expect(all(cases[0]!, 'failure')[0]!.text).toBe(carried(reason));
        expect(cases[1]!.attrs.name).toBe(`isolation: ${carried(check)}`);
      }),
      { numRuns: 300 },
    );
  });

  it('the test parser rejects what is not well-formed', () => {
    expect(() => parseXml('<a><b></a>')).toThrow();
    expect(() => parseXml('<a x="1 & 2"/>')).toThrow();
    expect(() => parseXml('<a>1 < 2</a>')).toThrow();
    expect(() => parseXml('<a/><b/>')).toThrow();
  });

  it('Python ElementTree (what CI reporters are like) reads it too', () => {
    const probe = spawnSync('python3', ['-c', 'import sys, xml.etree.ElementTree as ET; t = ET.fromstring(sys.stdin.read()); print(len(t.findall(".//testcase")), len(t.findall(".//testcase/failure")))'], {
      input: renderJUnit(summaryWithChecks()),
      encoding: 'utf8',
    });
    // a second, independent parser is the point of this test: without python3 it fails (.ci/run installs it)
    expect(probe.error, 'python3 is needed for this test: apt-get install -y python3').toBeUndefined();
    expect(probe.stderr).toBe('');
    expect(probe.stdout.trim()).toBe('7 2');
  });
});
