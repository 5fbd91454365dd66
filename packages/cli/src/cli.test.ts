// The binary as a user runs it: exit codes, run files, JUnit, errors without stack traces.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startTarget, type Target } from '@peakdrill/engine/testing';

const BIN = fileURLToPath(new URL('../bin/peakdrill.js', import.meta.url));

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function peakdrill(args: string[], opts: { signalAfterMs?: number; env?: Record<string, string> } = {}): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    if (opts.signalAfterMs) setTimeout(() => child.kill('SIGINT'), opts.signalAfterMs);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const tmp = (): string => mkdtempSync(join(tmpdir(), 'peakdrill-cli-'));
const onlyRun = (out: string): string => join(out, readdirSync(out)[0]!);
const noStack = (s: string): void => expect(s).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);

let target: Target | null = null;
afterEach(async () => {
  await target?.close();
  target = null;
});

describe('peakdrill run --url', () => {
  it('exit 0, the run files, counts equal to what the target received, --json on stdout', async () => {
    target = await startTarget();
    const out = tmp();
    const r = await peakdrill(['run', '--url', `${target.url}/x`, '--rate', '200', '--duration', '2s', '--out', out, '--json', '--workers', '1']);
    expect(r.code).toBe(0);
    const dir = onlyRun(out);
    for (const f of ['summary.json', 'timeseries.ndjson', 'histograms.hlog', 'junit.xml', 'report.html']) expect(existsSync(join(dir, f)), f).toBe(true);
    const summary = JSON.parse(r.stdout);
    expect(summary.links[0].count).toBe(400);
    expect(target.received).toBe(400);
    expect(r.stderr).toMatch(/GET \/x\s+400/);
  });

  it('exit 1 and a JUnit failure carrying the measured figure when a budget is missed', async () => {
    // answers take 100 ms against a 5 ms budget: a miss far larger than any lateness of the
    // generator on a busy machine, so it is the target's (failed), not inconclusive
    target = await startTarget({ mode: 'slow', slowMs: 100 });
    const out = tmp();
    const r = await peakdrill(['run', '--url', `${target.url}/`, '--rate', '100', '--duration', '2s', '--out', out, '--budget', 'p99<5ms', '--budget', 'errors<1%', '--ci']);
    expect(r.code).toBe(1);
    const junit = readFileSync(join(onlyRun(out), 'junit.xml'), 'utf8');
    // one testcase per budget (a busy machine may add the generator's own, which is not asserted here)
    expect(junit.match(/<testcase [^>]*classname="GET \/"/g)).toHaveLength(2);
    expect(junit).toMatch(/<failure message="[^"]*p99 [\d.]+ ms[^"]*budget/);
    expect(r.stderr).toMatch(/FAIL/);
  });

  it('exit 4 when the generator cannot keep up: inconclusive, named in the terminal, JUnit and the step summary', { timeout: 60_000 }, async () => {
    // one worker asked for 150,000 arrivals/s: far more than one Node thread can send
    target = await startTarget();
    const out = tmp();
    const summaryFile = join(tmp(), 'step-summary.md');
    writeFileSync(summaryFile, '');
    const r = await peakdrill(['run', '--url', `${target.url}/`, '--rate', '150000', '--duration', '1s', '--timeout', '2s', '--workers', '1', '--out', out, '--budget', 'p99<1s', '--ci'], { env: { GITHUB_STEP_SUMMARY: summaryFile } });
    expect(r.code).toBe(4);
    const dir = onlyRun(out);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    expect(summary.status).toBe('inconclusive');
    expect(summary.generator.keptUp).toBe(false);
    expect(summary.generator.behind.length).toBeGreaterThan(0);
    expect(summary.generator.behind[0].generator).toBe(`${summary.id}/g0`);
    expect(r.stderr).toMatch(/INCONCLUSIVE, the generator fell behind/);
    expect(r.stderr).toMatch(/\/g0 (sent late|dropped \d+ arrivals)/);
    expect(r.stderr).toMatch(/run INCONCLUSIVE/);
    expect(readFileSync(join(dir, 'junit.xml'), 'utf8')).toMatch(/<error message="inconclusive: [^"]*\/g0/);
    expect(readFileSync(summaryFile, 'utf8')).toMatch(/\*\*Inconclusive\*\*: the generator fell behind/);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toMatch(/Inconclusive: the generator fell behind/);
  });

  it('exit 3 on SIGINT with the run written as aborted', async () => {
    target = await startTarget();
    const out = tmp();
    const r = await peakdrill(['run', '--url', `${target.url}/`, '--rate', '100', '--duration', '30s', '--out', out, '--workers', '1'], { signalAfterMs: 2500 });
    expect(r.code).toBe(3);
    const summary = JSON.parse(readFileSync(join(onlyRun(out), 'summary.json'), 'utf8'));
    expect(summary.status).toBe('aborted');
    expect(summary.links[0].count).toBe(target.received);
    expect(readFileSync(join(onlyRun(out), 'timeseries.ndjson'), 'utf8').trim().split('\n').length).toBeGreaterThanOrEqual(1);
  });
});

describe('signals and CI output', () => {
  it('a second SIGINT exits at once, with what is on disk intact', async () => {
    target = await startTarget({ mode: 'slow', slowMs: 3000 });
    const out = tmp();
    const child = spawn(process.execPath, [BIN, 'run', '--url', `${target.url}/`, '--rate', '50', '--duration', '30s', '--timeout', '20s', '--out', out, '--workers', '1'], { stdio: 'ignore' });
    const exited = new Promise<number | null>((r) => child.on('close', r));
    setTimeout(() => child.kill('SIGINT'), 2000);
    setTimeout(() => child.kill('SIGINT'), 3200);
    const t0 = Date.now();
    const code = await exited;
    expect(code).toBe(3);
    expect(Date.now() - t0).toBeLessThan(4000);
    const dir = onlyRun(out);
    expect(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')).id).toBe(readdirSync(out)[0]);
    expect(readFileSync(join(dir, 'histograms.hlog'), 'utf8')).toMatch(/^#\[StartTime/m);
  });

  it('--ci writes the verdict table to $GITHUB_STEP_SUMMARY as markdown', async () => {
    target = await startTarget();
    const summaryFile = join(tmp(), 'step-summary.md');
    writeFileSync(summaryFile, '');
    const r = await peakdrill(['run', '--url', `${target.url}/`, '--rate', '50', '--duration', '1s', '--out', tmp(), '--budget', 'p99<5s', '--ci'], { env: { GITHUB_STEP_SUMMARY: summaryFile } });
    expect(r.code).toBe(0);
    const md = readFileSync(summaryFile, 'utf8');
    expect(md).toMatch(/\|.*p99.*\|/);
    expect(md).toMatch(/\|\s*-+/);
    expect(r.stderr).not.toMatch(/\x1b\[2K/); // no TTY redraw
  });
});

describe('bad input: one clear message, exit 2, nothing sent', () => {
  it.each([
    [['--rate', '-5'], /rate/],
    [['--rate', '1e12'], /1,000,000/],
    [['--rate', '10', '--connections', '5'], /exactly one/],
  ])('quick mode %j', async (extra, message) => {
    target = await startTarget();
    const r = await peakdrill(['run', '--url', `${target.url}/`, '--duration', '1s', '--out', tmp(), ...extra]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    noStack(r.stderr);
    expect(target.received).toBe(0);
  });

  it('a host outside the allowlist is refused before a single request', async () => {
    const r = await peakdrill(['run', '--url', 'http://example.com/', '--rate', '10', '--duration', '1s', '--out', tmp()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/TARGET_NOT_ALLOWED|not allowed|loopback/i);
    noStack(r.stderr);
  });

  it('an unreachable target', async () => {
    const r = await peakdrill(['run', '--url', 'http://127.0.0.1:1/', '--rate', '10', '--duration', '1s', '--out', tmp()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not reachable: connection refused/);
    noStack(r.stderr);
  });

  it('a broken scenario: every problem with file:line:col', async () => {
    const dir = tmp();
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, 'name: broken\ntargets:\n  api: "not a url"\nload:\n  model: open\n  stages:\n    - { duration: -5s, rate: 1e12 }\n  bogusKey: 3\n');
    for (const cmd of ['validate', 'run']) {
      const r = await peakdrill([cmd, file]);
      expect(r.code).toBe(2);
      expect(r.stderr.match(/broken\.yaml:\d+:\d+/g)!.length).toBeGreaterThanOrEqual(4);
      expect(r.stderr).toMatch(/did you mean|known keys/);
      noStack(r.stderr);
    }
  });

  it('a shadow-tagged scenario without the secret', async () => {
    target = await startTarget();
    const dir = tmp();
    const file = join(dir, 's.yaml');
    writeFileSync(file, `name: s\ntargets: { api: "${target.url}" }\nload: { rate: 10, duration: 1s }\nrequests: [{ url: / }]\n`);
    const env = { PEAKDRILL_SHADOW_SECRET: '' };
    const r = await peakdrill(['run', file, '--out', tmp()], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/PEAKDRILL_SHADOW_SECRET is not set/);
    expect(target.received).toBe(0);
  });

  it('a target that does not acknowledge the shadow tag: the drill does not start', async () => {
    target = await startTarget();
    const dir = tmp();
    const file = join(dir, 's.yaml');
    writeFileSync(file, `name: s\ntargets: { api: "${target.url}" }\nload: { rate: 10, duration: 1s }\nrequests: [{ name: home, url: / }]\n`);
    const r = await peakdrill(['run', file, '--out', tmp()], { env: { PEAKDRILL_SHADOW_SECRET: 'k' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/home: 0 of 3 tagged requests acknowledged/);
    expect(target.received).toBe(3); // the preflight only
  });
});

describe('abort rules from a scenario', () => {
  it('exit 3 when the target degrades', async () => {
    target = await startTarget({ status: 500 });
    const dir = tmp();
    const file = join(dir, 'a.yaml');
    writeFileSync(file, `name: a\ntargets: { api: "${target.url}" }\nshadow: { enabled: false }\nload: { rate: 50, duration: 20s }\nrequests: [{ url: / }]\nabort:\n  - { when: "error_rate > 50%", for: 1s }\n`);
    const out = tmp();
    const t0 = Date.now();
    const r = await peakdrill(['run', file, '--out', out]);
    expect(r.code).toBe(3);
    expect(Date.now() - t0).toBeLessThan(10_000);
    const summary = JSON.parse(readFileSync(join(onlyRun(out), 'summary.json'), 'utf8'));
    expect(summary.abort.rule).toMatch(/error_rate/);
    expect(r.stderr).toMatch(/abort: error rate/);
  });
});

describe('--dry-run', () => {
  it('prints the requests without sending any', async () => {
    target = await startTarget();
    const r = await peakdrill(['run', '--url', `${target.url}/items/{{random.int 1 9}}`, '--rate', '10', '--duration', '1s', '--dry-run', '2']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/journey #0[\s\S]*GET http:\/\/127\.0\.0\.1:\d+\/items\/[1-9]\n/);
    expect(target.received).toBe(0);
  });
});
