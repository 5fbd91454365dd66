// Live control as stages: a change at instant `atMs` keeps every stage before it as it was
// (cut at `atMs`), then jumps (a zero-length stage) to the new level. The drill's end stays the
// planned end. Because the stages up to `atMs` are unchanged, the arrival schedule up to then is
// the same, and every arrival keeps its exact due time (latency stays measured from it).

import { MAX_RATE, stageTargetAt, type Stage } from '@peakdrill/core';

export type ControlCommand =
  | { command: 'rate'; value: number }
  | { command: 'hold' }
  | { command: 'resume' }
  | { command: 'step'; percent: number }
  | { command: 'stop' };

/** The load level (open: journeys/s, closed: VUs) at `tMs` of a stage list starting at `start`: the load profile's own reading of stages. */
export const levelAt = stageTargetAt;

/** The stages before `atMs` (the one it falls in cut there) and after it (the rest of that one, then the others). */
export function cutAt(start: number, stages: readonly Stage[], atMs: number): { before: Stage[]; after: Stage[] } {
  const before: Stage[] = [];
  const after: Stage[] = [];
  let from = 0;
  let prev = start;
  for (const s of stages) {
    const to = from + s.durationMs;
    if (to <= atMs) before.push({ ...s });
    else if (from >= atMs) after.push({ ...s });
    else {
      const level = prev + ((s.target - prev) * (atMs - from)) / s.durationMs;
      before.push({ durationMs: atMs - from, target: level });
      after.push({ durationMs: to - atMs, target: s.target });
    }
    from = to;
    prev = s.target;
  }
  return { before, after };
}

export interface Replanned {
  stages: Stage[];
  /** The level right after the change. */
  level: number;
  /** Set when the asked level was above the drill's ceiling and was lowered to it. */
  capped?: string;
}

export interface StageLimits {
  /** The planned drill's length (ms): changes never move its end. */
  totalMs: number;
  /** Highest level a change may ask for. */
  max: number;
  /** `journeys/s` or `VUs`, for the words of a cap. */
  unit: string;
}

/** Default ceiling: the scenario format's own (1,000,000 req/s), for VUs as for rates. */
export const CONTROL_MAX_LEVEL = MAX_RATE;

/**
 * The stages after applying `cmd` at `atMs`. `plan` is the scenario's own stages (what `resume`
 * returns to), `current` the ones in effect now (the plan, or the plan as earlier changes left it).
 */
export function replan(
  cmd: Exclude<ControlCommand, { command: 'stop' }>,
  plan: { start: number; stages: readonly Stage[] },
  current: readonly Stage[],
  atMs: number,
  limits: StageLimits,
): Replanned {
  const at = Math.min(Math.max(0, atMs), limits.totalMs);
  const { before } = cutAt(plan.start, current, at);
  const now = levelAt(plan.start, current, at);
  const rest = limits.totalMs - at;
  if (cmd.command === 'resume') {
    const level = levelAt(plan.start, plan.stages, at);
    return { stages: [...before, { durationMs: 0, target: level }, ...cutAt(plan.start, plan.stages, at).after], level };
  }
  let asked = cmd.command === 'rate' ? cmd.value : cmd.command === 'hold' ? now : now * (1 + cmd.percent / 100);
  asked = Math.max(0, asked);
  let capped: string | undefined;
  if (asked > limits.max) {
    capped = `${round(asked)} ${limits.unit} is above the drill's ceiling of ${limits.max.toLocaleString('en-US')} ${limits.unit}; capped there`;
    asked = limits.max;
  }
  // the open model's rate is a real number; VUs are whole
  const level = limits.unit === 'VUs' ? Math.round(asked) : round(asked);
  const stages = [...before, { durationMs: 0, target: level }, ...(rest > 0 ? [{ durationMs: rest, target: level }] : [])];
  return capped ? { stages, level, capped } : { stages, level };
}

const round = (x: number): number => Math.round(x * 1000) / 1000;

/** `rate 3000` · `hold` · `resume` · `step +20%` · `step -10%` · `stop`: the words of `peakdrill ctl`. */
export function parseControlWords(words: readonly string[]): ControlCommand | string {
  const [verb, arg, extra] = words;
  if (extra !== undefined) return `one command at a time: got "${words.join(' ')}"`;
  switch (verb) {
    case 'rate': {
      const v = arg === undefined ? NaN : Number(arg.replace(/\/s$/, ''));
      if (!Number.isFinite(v) || v < 0) return `rate takes a number ≥ 0 (journeys/s, or VUs for a closed-model drill), got ${arg === undefined ? 'nothing' : `"${arg}"`}`;
      return { command: 'rate', value: v };
    }
    case 'step': {
      const m = arg === undefined ? null : /^([+-]\d+(?:\.\d+)?)%$/.exec(arg);
      if (!m) return `step takes a signed percentage such as +20% or -10%, got ${arg === undefined ? 'nothing' : `"${arg}"`}`;
      const percent = Number(m[1]);
      if (percent <= -100) return `step ${arg} would take the load to nothing or below; use "rate 0" or "stop"`;
      return { command: 'step', percent };
    }
    case 'hold':
    case 'resume':
    case 'stop':
      if (arg !== undefined) return `${verb} takes no argument, got "${arg}"`;
      return { command: verb };
    default:
      return `unknown control command ${verb === undefined ? '(none)' : `"${verb}"`}: use rate R | hold | resume | step +N% | stop`;
  }
}
