import { describe, expect, it } from 'vitest';
import { applyVerdicts, exitCodeOf } from './gate.js';
import { failingVerdict, makeLink, makeSummary } from './verdict.fixture.js';

const passing = { passed: true, window: { fromS: 0, toS: 10 }, achievedRps: 10, budgets: [] };

describe('exitCodeOf', () => {
  it('0 all met · 1 a budget or check failed · 2 error · 3 aborted', () => {
    expect(exitCodeOf(makeSummary([makeLink('a', { verdict: passing }), makeLink('b')]))).toBe(0);
    expect(exitCodeOf(makeSummary([makeLink('a', { verdict: failingVerdict() })]))).toBe(1);
    expect(exitCodeOf(makeSummary([makeLink('a')], { isolation: [{ name: 'x', kind: 'sql', passed: false, expected: '0', actual: '1' }] }))).toBe(1);
    expect(exitCodeOf(makeSummary([makeLink('a')], { invariants: [{ name: 'x', kind: 'sql', passed: false, expected: '0', actual: '1' }] }))).toBe(1);
    expect(exitCodeOf(makeSummary([makeLink('a', { verdict: failingVerdict() })], { status: 'error', error: 'boom' }))).toBe(2);
    expect(exitCodeOf(makeSummary([makeLink('a', { verdict: failingVerdict() })], { status: 'aborted' }))).toBe(3);
  });
});

describe('applyVerdicts', () => {
  it('fills verdicts and targets, sets passed and status, keeps a silent link with its verdict', () => {
    const s = makeSummary([makeLink('a'), makeLink('b')], { status: 'passed', passed: true });
    const out = applyVerdicts(s, new Map([['a', failingVerdict()], ['ghost', passing]]));
    expect(out.links.map((l) => l.name)).toEqual(['a', 'b', 'ghost']);
    expect(out.links[0]!.verdict).toEqual(failingVerdict());
    expect(out.links[0]!.target).toBe(15000);
    expect(out.links[2]!.count).toBe(0);
    expect(out.status).toBe('failed');
    expect(out.passed).toBe(false);
    expect(s.links[0]!.verdict).toBeNull(); // the input is not modified
    const aborted = applyVerdicts(makeSummary([makeLink('a')], { status: 'aborted' }), new Map([['a', passing]]));
    expect(aborted.status).toBe('aborted');
    expect(aborted.passed).toBe(false);
  });
});
