import { describe, expect, it } from 'vitest';
import { durationProblem, formatScenarioDuration, parseDuration, parsePercent, parseRate, rateProblem } from './units.js';

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['1.5s', 1500],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['1h30m', 5_400_000],
    ['.5s', 500],
    [' 10s ', 10_000],
    ['0', 0],
    ['0s', 0],
  ])('%s → %d ms', (s, ms) => expect(parseDuration(s)).toBe(ms));

  it.each(['-5s', '10', '10 s', '5x', 's', '', '1e3s', '1.s', 'NaNs', '10sec'])('refuses %j with BAD_DURATION', (s) => {
    expect(() => parseDuration(s)).toThrowError(expect.objectContaining({ code: 'BAD_DURATION' }) as Error);
  });

  it('says what to write', () => {
    expect(durationProblem('10')).toContain('`10ms` or `10s`');
    expect(durationProblem('-5s')).toContain('negative');
  });
});

describe('parsePercent', () => {
  it.each([
    ['0.1%', 0.001],
    ['5%', 0.05],
    ['100%', 1],
    ['0.001', 0.001],
    [0.25, 0.25],
  ] as const)('%s → %d', (s, f) => expect(parsePercent(s)).toBeCloseTo(f, 12));

  it.each(['101%', '-1%', 'abc', 2, -0.1, '5 percent'])('refuses %j', (s) => {
    expect(() => parsePercent(s)).toThrowError(expect.objectContaining({ code: 'BAD_PERCENT' }) as Error);
  });
});

describe('rates', () => {
  it('accepts 0 to 1,000,000 req/s', () => {
    expect(parseRate(500)).toBe(500);
    expect(parseRate('500/s')).toBe(500);
    expect(parseRate('60/m')).toBe(1);
    expect(parseRate(1_000_000)).toBe(1_000_000);
  });
  it('refuses negative, absurd and non-finite rates', () => {
    expect(rateProblem(-5)).toContain('negative');
    expect(rateProblem(1e12)).toContain('1,000,000');
    expect(rateProblem(Infinity)).toContain('finite');
    expect(rateProblem(NaN)).toContain('finite');
    expect(() => parseRate('fast')).toThrowError(expect.objectContaining({ code: 'BAD_RATE' }) as Error);
  });
});

describe('formatScenarioDuration', () => {
  it.each([
    [250, '250ms'],
    [1500, '1.5s'],
    [120_000, '2m'],
    [90_000, '1m30s'],
    [3_600_000, '1h'],
    [5_400_000, '1h30m'],
  ])('%d → %s', (ms, s) => expect(formatScenarioDuration(ms)).toBe(s));
  it('round-trips through parseDuration', () => {
    for (const ms of [1, 999, 1000, 61_000, 7_200_000, 86_400_000]) expect(parseDuration(formatScenarioDuration(ms))).toBe(ms);
  });
});
