import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { isUserError, type UserError } from '@peakdrill/core';
import { register } from './validate.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = resolve(here, '../../../core/src/scenario/fixtures');
const root = mkdtempSync(join(tmpdir(), 'peakdrill-validate-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const broken = join(root, 'broken.yaml');
writeFileSync(broken, 'name: broken\ntargets:\n  api: "not a url"\nload:\n  model: open\n  stages:\n    - { duration: -5s, rate: 1e12 }\n  bogusKey: 3\n');

async function validate(...args: string[]): Promise<{ out: string; err?: UserError }> {
  const program = new Command('peakdrill').exitOverride();
  register(program);
  const writes: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => writes.push(chunk) > 0) as typeof process.stdout.write;
  try {
    await program.parseAsync(['validate', ...args], { from: 'user' });
    return { out: writes.join('') };
  } catch (err) {
    if (isUserError(err)) return { out: writes.join(''), err };
    throw err;
  } finally {
    process.stdout.write = write;
  }
}

describe('peakdrill validate', () => {
  it('prints one ok line for a valid scenario', async () => {
    const r = await validate(join(fixtures, 'double11.yaml'));
    expect(r.err).toBeUndefined();
    expect(r.out).toBe('ok: double11: 3 journeys, 6 links, open model, up to 2,000 req/s over 2m30s (2 stages)\n');
  });

  it('throws every problem, positioned, for main.ts to print', async () => {
    const r = await validate(broken);
    expect(r.err?.code).toBe('SCENARIO_INVALID');
    expect(r.err?.exitCode).toBe(2);
    expect(r.err?.problems.map((p) => p.code)).toEqual(['MISSING_KEY', 'BAD_URL', 'BAD_DURATION', 'BAD_RATE', 'UNKNOWN_KEY']);
    expect(r.err?.problems.every((p) => p.pos?.file === broken)).toBe(true);
  });

  it('applies --target and checks it against the allowlist', async () => {
    const ok = await validate(join(fixtures, 'smoke.yaml'), '--target', 'api=http://127.0.0.1:9999', '--json');
    const json = JSON.parse(ok.out) as { ok: boolean; plan: { targets: Record<string, string> }; links: string[] };
    expect(json.ok).toBe(true);
    expect(json.plan.targets.api).toBe('http://127.0.0.1:9999');
    expect(json.links).toEqual(['home', 'health']);
    const far = await validate(join(fixtures, 'smoke.yaml'), '--target', 'api=http://example.com');
    expect(far.err?.code).toBe('TARGET_NOT_ALLOWED');
    const typo = await validate(join(fixtures, 'smoke.yaml'), '--target', 'apii=http://127.0.0.1:1');
    expect(typo.err?.problems[0]!.message).toContain('did you mean `api`');
    const malformed = await validate(join(fixtures, 'smoke.yaml'), '--target', 'api');
    expect(malformed.err?.code).toBe('BAD_FLAG');
  });

  it('prints the problems as JSON with --json', async () => {
    const r = await validate(broken, '--json');
    const json = JSON.parse(r.out) as { ok: boolean; problems: unknown[] };
    expect(json.ok).toBe(false);
    expect(json.problems).toHaveLength(5);
  });

  const bin = resolve(here, '../../bin/peakdrill.js');
  // the binary runs the compiled CLI: `npm test` builds it (tsc -b) before vitest starts
  it('the binary prints file:line:col lines, no stack trace, and exits 2', () => {
    const r = spawnSync(process.execPath, [bin, 'validate', broken], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith(broken));
    expect(lines).toHaveLength(5);
    expect(lines[1]).toBe(`${broken}:3:8: targets.api: "not a url" is not a URL; write e.g. \`http://127.0.0.1:8080\` [BAD_URL]`);
    expect(r.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    const ok = spawnSync(process.execPath, [bin, 'validate', join(fixtures, 'smoke.yaml')], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toBe('ok: smoke: 2 journeys, 2 links, open model, 50 req/s for 5s\n');
    const missing = spawnSync(process.execPath, [bin, 'validate', join(root, 'nope.yaml')], { encoding: 'utf8' });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('scenario file not found');
  });
});
