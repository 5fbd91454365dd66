// `peakdrill capacity --url … --protect` as a user runs it: quick mode has no `shed:` to
// declare, so a rate limiter's 429 must count as shed (as in a scenario with `shed: [429]`),
// not as an error — else goodput counts the refusals and the shed share reads 0.

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProtectResult } from '@peakdrill/controller';
import type { Summary } from '@peakdrill/core';
import { tokenBucketTarget, type Target } from '@peakdrill/engine/testing';
import { startPeakdrill } from '../spawn.fixture.js';

let target: Target | null = null;
afterEach(async () => {
  await target?.close();
  target = null;
});

describe('peakdrill capacity --url --protect', () => {
  // a capacity search of 2.5 s steps and two steps past the knee, each a drill in a child
  // process, on a busy 2-core machine
  it('counts the limiter\'s 429 as shed: goodput plateaus at the limit, the shed share grows, protection holds', async () => {
    target = await tokenBucketTarget(50, 429);
    const out = mkdtempSync(join(tmpdir(), 'peakdrill-cli-protect-'));
    const p = startPeakdrill(['capacity', '--url', `${target.url}/`, '--protect', '--beyond', '2', '--budget', 'errors<1%', '--budget', 'shed<5%', '--start-rate', '10', '--step-duration', '2500ms', '--warmup', '1s', '--precision', '0.25', '--max-rate', '1000', '--timeout', '500ms', '--workers', '1', '--out', out, '--json', '--quiet']);
    const code = await p.exited;
    expect(code, p.stderr).toBe(0);
    const r = JSON.parse(p.stdout) as ProtectResult;
    expect(r.steps.map((s) => s.multiple)).toEqual([1.5, 2]);
    for (const s of r.steps) {
      expect(s.goodputRps, s.why).toBeLessThanOrEqual(50 * 1.15); // the 429s are not goodput
      expect(s.goodputRps, s.why).toBeGreaterThanOrEqual(r.kneeGoodputRps * 0.9);
      expect(s.hardFailureShare).toBe(0);
    }
    expect(r.steps.at(-1)!.shedShare).toBeGreaterThan(0.2);
    expect(r.passed).toBe(true);
    // in the step's own run files: shed, and not one 4xx error
    const last = JSON.parse(readFileSync(join(r.steps.at(-1)!.runDir, 'summary.json'), 'utf8')) as Summary;
    expect(last.links[0]!.outcomes.shed).toBeGreaterThan(0);
    expect(last.links[0]!.outcomes.http_4xx).toBe(0);
    expect(last.links[0]!.errors).toBe(0);
  }, 240_000);
});
