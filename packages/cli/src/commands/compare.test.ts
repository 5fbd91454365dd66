import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { appendRunNote, isUserError } from '@peakdrill/core';
import { parseMaxRegression, register, runCompare } from './compare.js';

const root = mkdtempSync(join(tmpdir(), 'peakdrill-compare-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const lat = (p50: number, p99: number) => ({ p50, p90: p99, p95: p99, p99, p999: p99, max: p99, mean: p50 });

function run(id: string, links: { name: string; rps: number; p50: number; p99: number; errors?: number }[]): string {
  const dir = join(root, id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'summary.json'),
    JSON.stringify({
      id, scenario: 'checkout', startedAt: '2026-11-23T10:30:00.000Z', endedAt: null, status: 'passed', durationS: 60,
      plannedRps: 1000, isolation: [], invariants: [], abort: null, notes: [], journeys: [],
      links: links.map((l) => ({ name: l.name, count: l.rps * 60, errors: l.errors ?? 0, shed: 0, rps: l.rps, latencyMs: lat(l.p50, l.p99), target: null, verdict: null, hops: [] })),
    }),
  );
  return dir;
}

const base = run('20261122-020000-checkout-base', [{ name: 'order.create', rps: 1000, p50: 20, p99: 200 }, { name: 'pay', rps: 400, p50: 30, p99: 90 }]);
const slower = run('20261123-020000-checkout-slow', [{ name: 'order.create', rps: 1000, p50: 21, p99: 240 }, { name: 'pay', rps: 400, p50: 30, p99: 91 }]);

function userError(fn: () => unknown): { code: string; exitCode: number; message: string } {
  try {
    fn();
  } catch (err) {
    if (isUserError(err)) return err;
    throw err;
  }
  throw new Error('expected a UserError');
}

describe('peakdrill compare', () => {
  it('exit 1 when p99 rose beyond --max-regression, 0 within it or without one', () => {
    const gated = runCompare(base, slower, { maxRegression: '10%' });
    expect(gated.exitCode).toBe(1);
    expect(gated.output).toMatch(/^\s+p99\s+200 ms\s+240 ms\s+\+40 ms\s+\(\+20%\)\s+REGRESSION$/m);
    expect(gated.output).toContain('REGRESSION beyond 10%:');
    expect(runCompare(base, slower, { maxRegression: '25%' }).exitCode).toBe(0);
    expect(runCompare(base, slower, {}).exitCode).toBe(0);
    expect(runCompare(base, join(slower, 'summary.json'), { maxRegression: '0.1' }).exitCode).toBe(1);
  });

  it('prints the notes written about either run under the table', () => {
    appendRunNote(slower, 'order pool shrunk to 20 on purpose', 'tpm-li');
    expect(runCompare(base, slower, {}).output).toMatch(/\nnote \(new\): order pool shrunk to 20 on purpose — tpm-li\n$/);
  });

  it('--json prints the comparison', () => {
    const { output } = runCompare(base, slower, { maxRegression: '10%', json: true });
    const r = JSON.parse(output) as { regressed: boolean; maxRegression: number; links: { name: string; p99: { relative: number } }[] };
    expect(r.regressed).toBe(true);
    expect(r.maxRegression).toBe(0.1);
    expect(r.links[0]!.p99.relative).toBeCloseTo(0.2, 9);
  });

  it('bad input is a UserError with exit 2', () => {
    expect(userError(() => runCompare(join(root, 'missing'), slower, {}))).toMatchObject({ code: 'RUN_NOT_FOUND', exitCode: 2 });
    const empty = join(root, 'empty');
    mkdirSync(empty);
    expect(userError(() => runCompare(base, empty, {})).exitCode).toBe(2);
    const broken = join(root, 'broken');
    mkdirSync(broken);
    writeFileSync(join(broken, 'summary.json'), '{"id": "x", "status": "passed", "links": [');
    expect(userError(() => runCompare(base, broken, {})).exitCode).toBe(2);
    writeFileSync(join(broken, 'summary.json'), JSON.stringify({ id: 'x', status: 'passed', links: [{ name: 'a' }] }));
    expect(userError(() => runCompare(base, broken, {})).message).toMatch(/links\[0\] lacks the figures compare needs/);
    expect(userError(() => parseMaxRegression('10'))).toMatchObject({ code: 'BAD_MAX_REGRESSION', exitCode: 2 });
    expect(userError(() => parseMaxRegression('-5%')).exitCode).toBe(2);
    expect(parseMaxRegression('12.5%')).toBe(0.125);
  });

  it('registers `compare <base-run> <new-run>` with its flags', async () => {
    const program = new Command('peakdrill').exitOverride();
    register(program);
    const writes: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => (writes.push(String(chunk)), true)) as typeof process.stdout.write;
    const before = process.exitCode;
    try {
      await program.parseAsync(['compare', base, slower, '--max-regression', '10%'], { from: 'user' });
      expect(process.exitCode).toBe(1);
    } finally {
      process.stdout.write = write;
      process.exitCode = before;
    }
    expect(writes.join('')).toContain('order.create');
  });

  const bin = resolve(dirname(fileURLToPath(import.meta.url)), '../../bin/peakdrill.js');
  // the binary runs the compiled CLI: `npm test` builds it (tsc -b) before vitest starts
  it('the binary exits 1 / 0 / 2', () => {
    const cli = (...args: string[]) => spawnSync(process.execPath, [bin, 'compare', ...args], { encoding: 'utf8' });
    expect(cli(base, slower, '--max-regression', '10%').status).toBe(1);
    expect(cli(base, slower, '--max-regression', '50%').status).toBe(0);
    const missing = cli(join(root, 'missing'), slower);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^peakdrill: no run folder at /);
    expect(missing.stderr).not.toMatch(/at .*\.js:\d+/);
  });
});
