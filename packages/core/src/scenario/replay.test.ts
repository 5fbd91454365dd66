import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isUserError } from '../errors.js';
import { parseScenario } from './load.js';

const root = mkdtempSync(join(tmpdir(), 'peakdrill-replay-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const log = join(root, 'access.log');
writeFileSync(
  log,
  [
    '10.0.0.1 - - [02/Dec/2026:10:00:00 +0000] "GET /a HTTP/1.1" 200 5 "-" "ua"',
    '10.0.0.1 - - [02/Dec/2026:10:00:09 +0000] "GET /a HTTP/1.1" 200 5 "-" "ua"',
  ].join('\n') + '\n',
);

const scenario = (load: string): string => `name: r\ntargets: { api: "http://127.0.0.1:1" }\nload: ${load}\nrequests:\n  - { name: "GET /a", url: /a }\n`;

function problems(text: string): { code: string; message: string; line?: number; col?: number }[] {
  try {
    parseScenario(text, join(root, 's.yaml'));
    return [];
  } catch (err) {
    if (!isUserError(err)) throw err;
    return err.problems.map((p) => ({ code: p.code, message: p.message, line: p.pos?.line, col: p.pos?.col }));
  }
}

describe('load: model replay', () => {
  it('reads the log span from its first and last lines: the window is span ÷ speed', () => {
    const plan = parseScenario(scenario('{ model: replay, log: access.log, speed: 2 }'), join(root, 's.yaml'));
    expect(plan.load).toEqual({ model: 'replay', log, format: 'auto', speed: 2, unsafe: false, stages: [{ durationMs: 5000, target: 0 }], maxInFlight: 10_000 });
    const cut = parseScenario(scenario('{ model: replay, log: access.log, duration: 2s, unsafe: true }'), join(root, 's.yaml'));
    expect(cut.load.stages[0]!.durationMs).toBe(2000);
  });

  it('reports every problem with its position', () => {
    const p = problems(scenario('{ model: replay, log: nope.log, speed: -1, rate: 5 }'));
    expect(p.map((x) => x.code)).toEqual(['LOG_UNUSABLE', 'OUT_OF_RANGE', 'UNKNOWN_KEY']);
    expect(p.some((x) => x.message.includes('`model: replay` sends at the recorded rate; scale it with `speed:`') && x.line === 3)).toBe(true);
    expect(p.some((x) => x.message.includes('speed') && x.line === 3 && x.col! > 30)).toBe(true);
    const missing = problems(scenario('{ model: replay, log: nope.log }'));
    expect(missing).toEqual([{ code: 'LOG_UNUSABLE', message: `load.log: log file ${join(root, 'nope.log')} does not exist`, line: 3, col: 29 }]);
    const pattern = problems(scenario("{ model: replay, log: access.log, format: '$status' }"));
    expect(pattern[0]!.message).toContain('the pattern needs a time');
    const notInFormat = problems(scenario('{ model: replay, log: access.log, format: json }'));
    expect(notInFormat[0]!.code).toBe('LOG_UNUSABLE');
  });
});
