// `peakdrill ctl` steers a running drill: a target this test started counts arrivals per second
// by its own clock, and each change shows there within 1 s; the summary's count equals the
// target's; the verdict uses the stages that ran; the secret stays out of summary.json.

import { mkdtempSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTarget, type Target } from '@peakdrill/engine/testing';
import type { Summary, TimeseriesLine } from '@peakdrill/core';
import type { ControlRecord } from '@peakdrill/controller';
import { startPeakdrill } from '../spawn.fixture.js';

let target: Target | null = null;
afterEach(async () => {
  await target?.close();
  target = null;
});

async function ctl(dir: string, ...words: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = startPeakdrill(['ctl', dir, ...words, '--who', 'test-commander']);
  const code = await p.exited;
  return { code, stdout: p.stdout, stderr: p.stderr };
}

/** Resolves once the target has counted an arrival at or after `wallMs` (its own clock). */
async function targetReached(arrivals: number[], wallMs: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((arrivals.at(-1) ?? 0) < wallMs) {
    if (Date.now() > deadline) throw new Error(`the target saw no arrival after ${new Date(wallMs).toISOString()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('peakdrill ctl', () => {
  it(
    'hold, rate and stop take effect within 1 s by the target\'s own per-second count; counts and verdict follow what ran',
    async () => {
      target = await startTarget();
      const arrivals: number[] = [];
      target.handler = () => {
        arrivals.push(Date.now());
        return false;
      };
      const dir0 = mkdtempSync(join(tmpdir(), 'peakdrill-ctl-'));
      const scenario = join(dir0, 'steer.yaml');
      // a ramp 50 → 650/s over 60 s (a hold shows as the count no longer climbing), long enough
      // for a CLI that takes seconds to start on a busy machine; the test stops it when it has seen enough
      writeFileSync(
        scenario,
        `name: steer\ntargets: { api: "${target.url}" }\nload: { startRate: 50, stages: [{ duration: 60s, rate: 650 }] }\nshadow: { enabled: false }\nrequests:\n  - { name: hit, url: /hit }\ncapacity: { links: { hit: { rps: 120 } } }\n`,
      );
      const run = startPeakdrill(['run', scenario, '--workers', '1', '--out', join(dir0, 'runs'), '--json']);
      const dir = (await run.waitFor(/control: peakdrill ctl (\S+) /, 60_000))[1]!;
      expect(statSync(join(dir, 'control.secret')).mode & 0o777).toBe(0o600);
      const secret = readFileSync(join(dir, 'control.secret'), 'utf8').trim();

      const hold = await ctl(dir, 'hold');
      expect(hold.code, hold.stderr).toBe(0);
      expect(hold.stdout).toMatch(/hold → [\d.]+ journeys\/s from t=[\d.]+ s .* by test-commander/);
      const r1 = JSON.parse(readFileSync(join(dir, 'control.ndjson'), 'utf8').trim().split('\n')[0]!) as ControlRecord;
      await targetReached(arrivals, Date.parse(r1.at) + 3_500, 30_000);

      // the same control over the documented HTTP API (what `ctl` does): the secret is required
      const { url } = JSON.parse(readFileSync(join(dir, 'control.json'), 'utf8')) as { url: string };
      const post = (auth: string, body: object): Promise<Response> =>
        fetch(`${url}/v1/control`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ ...body, who: 'test-commander' }) });
      // above the held level, so the new hold is the peak the verdict takes
      const raisedTo = Math.round(r1.level!) + 100;
      expect((await post('Bearer not-the-secret', { command: 'rate', value: raisedTo })).status).toBe(401);
      const rate = await post(`Bearer ${secret}`, { command: 'rate', value: raisedTo });
      expect(rate.status, run.stderr).toBe(200);
      const r2 = (await rate.json()) as ControlRecord;
      await targetReached(arrivals, Date.parse(r2.at) + 4_500, 30_000);
      expect((await post(`Bearer ${secret}`, { command: 'stop' })).status).toBe(200);
      const code = await run.exited;
      expect(code, run.stderr).toBe(3); // stopped: aborted, like Ctrl-C
      const summary = JSON.parse(run.stdout) as Summary;
      const records = readFileSync(join(dir, 'control.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as ControlRecord);
      expect(records.map((r) => [r.command.command, r.who, r.via])).toEqual([
        ['hold', 'test-commander', 'ctl'],
        ['rate', 'test-commander', 'api'],
        ['stop', 'test-commander', 'api'],
      ]);
      const [h, r, stop] = records as [ControlRecord, ControlRecord, ControlRecord];
      for (const rec of records) expect(Date.parse(rec.at) - Date.parse(rec.requestedAt)).toBeLessThan(1_000);

      // the target's own per-second counts: every whole second after a change shows its level
      const perSecond = new Map<number, number>();
      for (const t of arrivals) perSecond.set(Math.floor(t / 1000), (perSecond.get(Math.floor(t / 1000)) ?? 0) + 1);
      const startMs = Date.parse(summary.startedAt);
      const endMs = Date.parse(stop.at);
      const plannedAt = (wallS: number): number => 50 + (10 * (wallS * 1000 - startMs)) / 1000;
      const secondsBetween = (fromMs: number, toMs: number): number[] => [...perSecond.keys()].filter((s) => s * 1000 >= fromMs && (s + 1) * 1000 <= toMs).sort();
      // one second by the target's clock may gain or lose a few arrivals that the busy machine
      // delivered late; over several seconds that jitter cancels out
      const near = (count: number, level: number): boolean => Math.abs(count - level) <= Math.max(5, level * 0.12);
      const nearOver = (seconds: number[], level: number): boolean => Math.abs(seconds.reduce((a, s) => a + perSecond.get(s)!, 0) - level * seconds.length) <= 3 + level * seconds.length * 0.04;
      const held = secondsBetween(Date.parse(h.at), Date.parse(r.at));
      expect(held.length).toBeGreaterThanOrEqual(2);
      // the plan would have kept climbing: by the last held second it is well above the held level
      expect(plannedAt(held.at(-1)!)).toBeGreaterThan(h.level! * 1.1);
      for (const s of held) expect(near(perSecond.get(s)!, h.level!), `second ${s}: ${perSecond.get(s)} vs held ${h.level}`).toBe(true);
      expect(nearOver(held, h.level!)).toBe(true);
      const raised = secondsBetween(Date.parse(r.at), endMs);
      expect(raised.length).toBeGreaterThanOrEqual(2);
      // the first whole second after the change already runs at the new rate: within 1 s
      expect(raised[0]! * 1000 - Date.parse(r.at)).toBeLessThan(1_000);
      for (const s of raised) expect(near(perSecond.get(s)!, raisedTo), `second ${s}: ${perSecond.get(s)} vs ${raisedTo}`).toBe(true);
      expect(nearOver(raised, raisedTo)).toBe(true);

      // stop: nothing new arrives a second after it took effect
      expect(arrivals.filter((t) => t > Date.parse(stop.at) + 1_000)).toEqual([]);
      // counts equal the target's; the verdict covers the raised hold that ran, not the planned ramp
      expect(summary.links[0]!.count).toBe(target.received);
      const v = summary.links[0]!.verdict!;
      expect(v.window.fromS).toBe(Math.ceil(r.atS));
      expect(v.windowSource).toBe('hold');
      expect(v.window.toS).toBeLessThanOrEqual(Math.ceil(stop.atS));
      // the verdict's rate is that of exactly these seconds; all but the one the stop cut short ran at the raised rate
      const lines = readFileSync(join(dir, 'timeseries.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TimeseriesLine);
      const inWindow = lines.filter((l) => l.t >= v.window.fromS && l.t < v.window.toS);
      expect(inWindow.length).toBe(v.window.toS - v.window.fromS);
      expect(v.achievedRps).toBeCloseTo(inWindow.reduce((a, l) => a + l.count, 0) / inWindow.length, 0);
      for (const l of inWindow.filter((x) => x.t + 1 < stop.atS)) expect(near(l.count, raisedTo), `drill second ${l.t}: ${l.count} vs ${raisedTo}`).toBe(true);
      expect(v.budgets.every((b) => b.passed)).toBe(true);
      expect(summary.plan.load.stages.at(-1)).toMatchObject({ target: raisedTo });
      expect(summary.status).toBe('aborted');
      expect(summary.notes.join('\n')).toMatch(/live control: 3 changes/);
      // the secret never reaches summary.json, and the control files go with the drill
      expect(readFileSync(join(dir, 'summary.json'), 'utf8')).not.toContain(secret);
      expect(existsSync(join(dir, 'control.secret'))).toBe(false);
      const bad = await ctl(dir, 'step', '20');
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/signed percentage/);
      const late = await ctl(dir, 'hold');
      expect(late.code).toBe(2);
      expect(late.stderr).toMatch(/not the directory of a running drill/);
    },
    // up to a 60 s drill (stopped as soon as the seconds to check are in), three CLI start-ups, on a busy 2-core machine
    120_000,
  );
});
