import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import type { Plan } from '../plan.js';
import { parseScenario } from './load.js';
import { describeLoad, describeStages } from './profile.js';

function withLoad(load: string): string {
  return `name: m\ntargets: { a: "http://127.0.0.1:1" }\nload:\n${load.replace(/^/gm, '  ')}\nrequests: [{ url: / }]\n`;
}
function plan(load: string): Plan {
  return parseScenario(withLoad(load), 'm.yaml');
}
function codes(load: string): string[] {
  try {
    parseScenario(withLoad(load), 'm.yaml');
  } catch (err) {
    if (err instanceof UserError) return err.problems.map((p) => `${p.code}@${p.pos?.line}:${p.pos?.col}`);
    throw err;
  }
  return [];
}

describe('load: open model', () => {
  it('reads stages ramping from startRate', () => {
    expect(plan('startRate: 10\nstages:\n  - { duration: 30s, rate: 2000 }\n  - { duration: 2m, rate: 2000 }\nmaxInFlight: 500').load).toEqual({
      model: 'open',
      startRate: 10,
      stages: [
        { durationMs: 30_000, target: 2000 },
        { durationMs: 120_000, target: 2000 },
      ],
      maxInFlight: 500,
    });
  });
  it('defaults to the open model, startRate 0 and maxInFlight 10000', () => {
    expect(plan('stages: [{ duration: 1s, rate: 5 }]').load).toEqual({ model: 'open', startRate: 0, stages: [{ durationMs: 1000, target: 5 }], maxInFlight: 10_000 });
  });
  it('reads the rate + duration shortcut as one constant stage', () => {
    expect(plan('rate: 500\nduration: 10s').load).toEqual({ model: 'open', startRate: 500, stages: [{ durationMs: 10_000, target: 500 }], maxInFlight: 10_000 });
  });
  it('refuses bad rates, durations and shapes, each positioned', () => {
    expect(codes('rate: -5\nduration: 10s')).toEqual(['BAD_RATE@4:9']);
    expect(codes('rate: 1e12\nduration: 10s')).toEqual(['BAD_RATE@4:9']);
    expect(codes('rate: .inf\nduration: 10s')).toEqual(['OUT_OF_RANGE@4:9']);
    expect(codes('rate: fast\nduration: 10s')).toEqual(['WRONG_TYPE@4:9']);
    expect(codes('rate: 5\nduration: 25h')).toEqual(['BAD_DURATION@5:13']);
    expect(codes('rate: 5\nduration: 0s')).toEqual(['BAD_DURATION@5:13']);
    expect(codes('rate: 5\nduration: 10')).toEqual(['BAD_DURATION@5:13']);
    expect(codes('rate: 5')).toEqual(['MISSING_KEY@4:9']);
    expect(codes('rate: 0\nduration: 1s')).toEqual(['OUT_OF_RANGE@4:9']);
    expect(codes('stages: []')).toEqual(['MISSING_KEY@4:11']);
    expect(codes('stages: [{ duration: 1s }]')).toEqual(['MISSING_KEY@4:12']);
    expect(codes('stages: [{ duration: 1s, vus: 3 }]')).toEqual(['MISSING_KEY@4:12', 'UNKNOWN_KEY@4:28']);
    expect(codes('stages: [{ duration: 20h, rate: 1 }, { duration: 5h, rate: 1 }]')).toEqual(['BAD_DURATION@4:11']);
    expect(codes('stages: [{ duration: 1s, rate: 1 }]\nrate: 5\nduration: 1s')).toEqual(['CONFLICT@5:9']);
    expect(codes('maxInFlight: 0\nrate: 1\nduration: 1s')).toEqual(['OUT_OF_RANGE@4:16']);
    expect(codes('model: opne\nrate: 1\nduration: 1s')).toEqual(['BAD_VALUE@4:10']);
    expect(codes('vus: 5\nduration: 1s')).toEqual(['UNKNOWN_KEY@4:3', 'MISSING_KEY@5:13']);
    expect(codes('[1, 2]')).toEqual(['WRONG_TYPE@4:3']);
  });
});

describe('load: closed model', () => {
  it('reads vus + duration as a constant stage, with think time', () => {
    expect(plan('model: closed\nvus: 50\nduration: 30s\nthinkTime: 100ms').load).toEqual({
      model: 'closed',
      startVus: 50,
      stages: [{ durationMs: 30_000, target: 50 }],
      thinkTimeMs: { minMs: 100, maxMs: 100 },
    });
  });
  it('reads stages of vus and a think-time range', () => {
    expect(plan('model: closed\nstages: [{ duration: 10s, vus: 20 }]\nthinkTime: { min: 50ms, max: 200ms }').load).toEqual({
      model: 'closed',
      startVus: 0,
      stages: [{ durationMs: 10_000, target: 20 }],
      thinkTimeMs: { minMs: 50, maxMs: 200 },
    });
  });
  it('refuses what belongs to the open model and bad VU counts', () => {
    const c = codes('model: closed\nrate: 5\nvus: 1.5\nduration: 1s\nthinkTime: { min: 2s, max: 1s }');
    expect(c).toEqual(['UNKNOWN_KEY@5:3', 'WRONG_TYPE@6:8', 'OUT_OF_RANGE@8:14']);
  });
});

describe('describeLoad', () => {
  it('summarises both models', () => {
    expect(describeLoad(plan('rate: 500\nduration: 10s').load)).toBe('open model, 500 req/s for 10s');
    expect(describeLoad(plan('stages: [{ duration: 30s, rate: 2000 }, { duration: 2m, rate: 2000 }]').load)).toBe('open model, up to 2,000 req/s over 2m30s (2 stages)');
    expect(describeLoad(plan('model: closed\nvus: 5\nduration: 1m').load)).toBe('closed model, 5 VUs for 1m');
  });

  it('lists each stage: ramps from the level before, holds, and the jumps live control adds', () => {
    const open = plan('startRate: 100\nstages: [{ duration: 30s, rate: 2000 }, { duration: 2m, rate: 2000 }]').load;
    expect(describeStages(open)).toEqual(['ramp 100 → 2,000 req/s over 30s', 'hold 2,000 req/s for 2m']);
    expect(describeStages({ ...open, stages: [...open.stages, { durationMs: 0, target: 2500.5 }, { durationMs: 10_000, target: 2500.5 }] }).slice(2)).toEqual(['jump to 2,500.5 req/s', 'hold 2,500.5 req/s for 10s']);
    expect(describeStages(plan('model: closed\nvus: 5\nduration: 1m').load)).toEqual(['hold 5 VUs for 1m']);
  });
});
