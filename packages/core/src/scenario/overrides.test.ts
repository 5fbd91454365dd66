import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import type { OpenModel } from '../plan.js';
import { parseScenario } from './load.js';
import type { ScenarioOverrides } from './overrides.js';

const OPEN = 'name: o\ntargets: { gw: "http://127.0.0.1:8080" }\nload: { startRate: 100, stages: [{ duration: 30s, rate: 2000 }, { duration: 90s, rate: 2000 }] }\nrequests: [{ url: / }]\n';
const CLOSED = 'name: o\ntargets: { gw: "http://127.0.0.1:8080" }\nload: { model: closed, vus: 10, duration: 1m }\nrequests: [{ url: / }]\n';

function codes(text: string, o: ScenarioOverrides): string[] {
  try {
    parseScenario(text, 'o.yaml', o);
  } catch (err) {
    if (err instanceof UserError) return err.problems.map((p) => p.code);
    throw err;
  }
  return [];
}

describe('overrides', () => {
  it('--rate scales the open model to a new peak, keeping the ramp', () => {
    const load = parseScenario(OPEN, 'o.yaml', { rate: 500 }).load as OpenModel;
    expect(load.startRate).toBe(25);
    expect(load.stages).toEqual([
      { durationMs: 30_000, target: 500 },
      { durationMs: 90_000, target: 500 },
    ]);
  });
  it('--rate turns the closed model into a constant open model', () => {
    expect(parseScenario(CLOSED, 'o.yaml', { rate: 50 }).load).toEqual({ model: 'open', startRate: 50, stages: [{ durationMs: 60_000, target: 50 }], maxInFlight: 10_000 });
  });
  it('--duration scales every stage to the new total', () => {
    const load = parseScenario(OPEN, 'o.yaml', { durationMs: 20_000 }).load;
    expect(load.stages.map((s) => s.durationMs)).toEqual([5000, 15_000]);
    const odd = parseScenario(OPEN, 'o.yaml', { durationMs: 1001 }).load;
    expect(odd.stages.reduce((a, s) => a + s.durationMs, 0)).toBe(1001);
  });
  it('--target replaces a target base URL and is checked like one', () => {
    expect(parseScenario(OPEN, 'o.yaml', { targets: { gw: 'http://127.0.0.2:9/api/' } }).targets).toEqual({ gw: 'http://127.0.0.2:9/api' });
    expect(codes(OPEN, { targets: { gateway: 'http://127.0.0.1:1' } })).toEqual(['UNKNOWN_TARGET']);
    expect(codes(OPEN, { targets: { gw: 'nope' } })).toEqual(['BAD_URL']);
    expect(codes(OPEN, { targets: { gw: 'http://example.com' } })).toEqual(['TARGET_NOT_ALLOWED']);
    expect(parseScenario(OPEN, 'o.yaml', { targets: { gw: 'http://example.com' }, allow: ['example.com'] }).allow).toEqual(['example.com']);
  });
  it('refuses absurd overrides', () => {
    expect(codes(OPEN, { rate: -5 })).toEqual(['BAD_RATE']);
    expect(codes(OPEN, { rate: 1e12 })).toEqual(['BAD_RATE']);
    expect(codes(OPEN, { rate: 0 })).toEqual(['BAD_RATE']);
    expect(codes(OPEN, { durationMs: 0 })).toEqual(['BAD_DURATION']);
    expect(codes(OPEN, { durationMs: 25 * 3_600_000 })).toEqual(['BAD_DURATION']);
  });
  it('rate and duration together stand in for a missing load section', () => {
    const text = 'name: o\ntargets: { gw: "http://127.0.0.1:8080" }\nrequests: [{ url: / }]\n';
    expect(parseScenario(text, 'o.yaml', { rate: 10, durationMs: 1000 }).load).toEqual({ model: 'open', startRate: 10, stages: [{ durationMs: 1000, target: 10 }], maxInFlight: 10_000 });
    expect(codes(text, {})).toEqual(['MISSING_KEY']);
  });
});
