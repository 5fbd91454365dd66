// Which seconds of a run a verdict is computed over: the steady (hold) stages, never the ramp.
//
// A hold stage is one whose rate at its start equals its rate at its end. A stage ramps
// linearly from the previous stage's target; the first one from `startRate` (open model) or
// `startVus` (closed model; when absent, the first stage starts at its own target, so holds).
//
// A plan may hold at several levels (hold 1,000 req/s, spike to 3,000 for a flash sale, hold,
// come back down). Capacity targets are about the peak, and averaging two levels would give a
// throughput that no stage ever planned, so the window is the hold at the highest rate:
// adjacent holds at that rate merge into one span; among equal spans the longest, then the
// first, wins. Holds at rate 0 (pauses) never count.
//
// Only whole seconds count: a hold over [2.5 s, 12.5 s) yields seconds [3, 12), because the
// per-second data is bucketed by whole seconds and a half-ramped second is not steady.

import type { Fault, LoadModel } from '../plan.js';
import { startLevel } from '../scenario/profile.js';

/** Seconds since the run's start, [fromS, toS). */
export interface SteadyWindow {
  fromS: number;
  toS: number;
}

export interface VerdictWindow extends SteadyWindow {
  /** `hold`: the steady stage; `whole-run`: no usable hold stage, so every second of the run. */
  source: 'hold' | 'whole-run';
  /** Why the window is not simply the plan's steady stage, in words for the verdict reason. */
  note?: string;
}

/** The seconds of the plan's peak hold stage, or null when the plan never holds. */
export function steadyWindow(load: LoadModel): SteadyWindow | null {
  let atMs = 0;
  let prev = startLevel(load);
  let best: { fromMs: number; toMs: number; rate: number } | null = null;
  let span: { fromMs: number; toMs: number; rate: number } | null = null;
  const consider = (s: { fromMs: number; toMs: number; rate: number } | null): void => {
    if (!s || s.rate <= 0 || s.toMs <= s.fromMs) return;
    if (!best || s.rate > best.rate || (s.rate === best.rate && s.toMs - s.fromMs > best.toMs - best.fromMs)) best = s;
  };
  for (const stage of load.stages) {
    if (stage.durationMs <= 0) {
      prev = stage.target; // an instant jump: the next stage starts from here
      continue;
    }
    const fromMs = atMs;
    atMs += stage.durationMs;
    const hold = stage.target === prev;
    prev = stage.target;
    if (hold && span && span.rate === stage.target && span.toMs === fromMs) {
      span.toMs = atMs;
      continue;
    }
    consider(span);
    span = hold ? { fromMs, toMs: atMs, rate: stage.target } : null;
  }
  consider(span);
  const b = best as { fromMs: number; toMs: number; rate: number } | null;
  if (!b) return null;
  const fromS = Math.ceil(b.fromMs / 1000);
  const toS = Math.floor(b.toMs / 1000);
  return toS > fromS ? { fromS, toS } : null;
}

/** Every hold stage at a rate above 0, in whole seconds [fromS, toS) (adjacent holds at one rate apart). */
export function holdStages(load: LoadModel): (SteadyWindow & { rate: number })[] {
  const out: (SteadyWindow & { rate: number })[] = [];
  let atMs = 0;
  let prev = startLevel(load);
  for (const stage of load.stages) {
    const fromMs = atMs;
    atMs += stage.durationMs;
    const hold = stage.durationMs > 0 && stage.target === prev && stage.target > 0;
    prev = stage.target;
    const fromS = Math.ceil(fromMs / 1000);
    const toS = Math.floor(atMs / 1000);
    if (hold && toS > fromS) out.push({ fromS, toS, rate: stage.target });
  }
  return out;
}

/** Timer slack tolerated at the end of a run: a 30 s run that lasted 29.95 s still has 30 seconds. */
const END_SLACK_S = 0.1;

/**
 * The window a verdict uses for a run that lasted `durationS`: the steady window clipped to the
 * run, or — when the plan never holds, or the run ended before its hold began — the whole run,
 * with a note that says so (the verdict's reasons carry it, so nobody mistakes a ramp for a hold).
 */
export function verdictWindow(load: LoadModel, durationS: number, faults?: readonly Fault[]): VerdictWindow {
  const w = plainVerdictWindow(load, durationS);
  return faults && faults.length > 0 ? clearOfFaults(w, faults) : w;
}

/**
 * A fault on the timeline is a rehearsal, not steady load: the verdict window keeps clear of
 * each fault and its recovery budget (seconds [at, at + for + recovery.within)), taking the
 * longest stretch of the window that no fault touches (the first among equals). Faults are
 * judged by their recovery verdicts instead. When faults cover the whole window it is kept, and
 * the note says the verdict includes them.
 */
function clearOfFaults(w: VerdictWindow, faults: readonly Fault[]): VerdictWindow {
  const spans = faults
    .map((f) => ({ fromS: Math.floor(f.atMs / 1000), toS: Math.ceil((f.atMs + f.forMs + (f.recovery?.withinMs ?? 0)) / 1000) }))
    .filter((s) => s.toS > w.fromS && s.fromS < w.toS)
    .sort((a, b) => a.fromS - b.fromS);
  if (spans.length === 0) return w;
  let best: SteadyWindow | null = null;
  let at = w.fromS;
  for (const s of [...spans, { fromS: w.toS, toS: w.toS }]) {
    if (s.fromS > at && (!best || s.fromS - at > best.toS - best.fromS)) best = { fromS: at, toS: s.fromS };
    at = Math.max(at, s.toS);
  }
  const faulted = `seconds ${spans.map((s) => `${Math.max(w.fromS, s.fromS)}–${Math.min(w.toS, s.toS)}`).join(', ')}`;
  if (!best) return { ...w, note: [w.note, `faults and their recovery cover the whole window (${faulted}), so this verdict includes them`].filter(Boolean).join('; ') };
  return { ...w, ...best, note: [w.note, `${faulted} left out: faults on the timeline and their recovery (judged by the recovery verdicts)`].filter(Boolean).join('; ') };
}

function plainVerdictWindow(load: LoadModel, durationS: number): VerdictWindow {
  const ranS = Math.max(1, Math.floor(durationS + END_SLACK_S));
  const steady = steadyWindow(load);
  if (!steady) {
    return {
      fromS: 0,
      toS: ranS,
      source: 'whole-run',
      note: 'the plan has no hold stage (a stage whose rate stays the same), so this verdict covers the whole run, ramps included',
    };
  }
  if (steady.fromS >= ranS) {
    return {
      fromS: 0,
      toS: ranS,
      source: 'whole-run',
      note: `the run ended after ${ranS} s, before its steady stage (seconds ${steady.fromS}–${steady.toS}), so this verdict covers the whole run, ramps included`,
    };
  }
  if (steady.toS > ranS) {
    return {
      fromS: steady.fromS,
      toS: ranS,
      source: 'hold',
      note: `the run ended after ${ranS} s, inside its steady stage (planned seconds ${steady.fromS}–${steady.toS})`,
    };
  }
  return { ...steady, source: 'hold' };
}
