// Units a user types: durations (`250ms`, `1.5s`, `2m`, `1h`, `1m30s`), percentages
// (`0.1%`) and rates (req/s). Everything downstream is in ms, req/s and fractions.

import { UserError } from '../errors.js';

/** The longest drill (and any duration) a scenario may ask for: 24 hours. */
export const MAX_DURATION_MS = 24 * 3_600_000;
/** The highest arrival rate a scenario may ask for, in req/s (journeys/s). */
export const MAX_RATE = 1_000_000;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION_RE = /^(?:(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h))+$/;
const PART_RE = /(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h)/g;

/**
 * Why `s` is not a duration, or undefined when it is one. Kept apart from parseDuration so
 * validation can phrase the problem without exceptions.
 */
export function durationProblem(s: string): string | undefined {
  const t = s.trim();
  if (t === '') return 'an empty duration; write e.g. `250ms`, `10s`, `2m` or `1h`';
  if (t.startsWith('-')) return `\`${s}\` is negative; a duration must be positive`;
  if (/^\d+(\.\d+)?$/.test(t)) return t === '0' ? undefined : `\`${s}\` has no unit; write \`${t}ms\` or \`${t}s\``;
  if (!DURATION_RE.test(t)) return `\`${s}\` is not a duration; write e.g. \`250ms\`, \`1.5s\`, \`2m\`, \`1h\` or \`1m30s\``;
  return undefined;
}

/** `250ms` → 250, `1.5s` → 1500, `2m` → 120000, `1h` → 3600000, `1m30s` → 90000, `0` → 0. */
export function parseDuration(s: string): number {
  const problem = durationProblem(s);
  if (problem !== undefined) throw new UserError('BAD_DURATION', problem);
  const t = s.trim();
  if (t === '0') return 0;
  let ms = 0;
  for (const m of t.matchAll(PART_RE)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  if (!Number.isFinite(ms)) throw new UserError('BAD_DURATION', `\`${s}\` is too long`);
  return ms;
}

/** Why `s` is not a percentage/fraction, or undefined. Accepts `0.1%` or a fraction `0.001`. */
export function fractionProblem(s: string | number): string | undefined {
  if (typeof s === 'number') {
    if (!Number.isFinite(s) || s < 0 || s > 1) return `\`${s}\` is not a fraction between 0 and 1; write a percentage such as \`0.1%\``;
    return undefined;
  }
  const t = s.trim();
  const m = /^(\d+(?:\.\d+)?|\.\d+)\s*%$/.exec(t);
  if (m) {
    const v = Number(m[1]);
    if (v > 100) return `\`${s}\` is more than 100%`;
    return undefined;
  }
  if (/^-/.test(t)) return `\`${s}\` is negative`;
  if (/^(\d+(?:\.\d+)?|\.\d+)$/.test(t)) return fractionProblem(Number(t));
  return `\`${s}\` is not a percentage; write e.g. \`0.1%\` or \`5%\``;
}

/** `0.1%` → 0.001; `5%` → 0.05; a bare number is already a fraction (`0.001`). */
export function parsePercent(s: string | number): number {
  const problem = fractionProblem(s);
  if (problem !== undefined) throw new UserError('BAD_PERCENT', problem);
  if (typeof s === 'number') return s;
  const t = s.trim();
  return t.endsWith('%') ? Number(t.slice(0, -1).trim()) / 100 : Number(t);
}

/** Why `v` is not an acceptable rate in req/s, or undefined. */
export function rateProblem(v: number): string | undefined {
  if (!Number.isFinite(v)) return `rate \`${v}\` is not a finite number`;
  if (v < 0) return `rate ${v} is negative`;
  if (v > MAX_RATE) return `rate ${v.toLocaleString('en-US', { maximumFractionDigits: 3 })} req/s is more than the ${MAX_RATE.toLocaleString('en-US')} req/s a drill may ask for`;
  return undefined;
}

/** A rate: a number, or a string such as `500`, `500/s`, `500 rps`, `30000/m`. Returns req/s. */
export function parseRate(s: string | number): number {
  let v: number;
  if (typeof s === 'number') v = s;
  else {
    const m = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*(\/s|\/m|rps|req\/s)?\s*$/i.exec(s);
    if (!m) throw new UserError('BAD_RATE', `\`${s}\` is not a rate; write a number of requests per second, e.g. \`500\``);
    v = Number(m[1]) / (m[2]?.toLowerCase() === '/m' ? 60 : 1);
  }
  const problem = rateProblem(v);
  if (problem !== undefined) throw new UserError('BAD_RATE', problem);
  return v;
}

/** `1500` → `1.5s`, `250` → `250ms`, `120000` → `2m`: a duration as a scenario writes it (parseDuration reads it back), for messages about scenario values. */
export function formatScenarioDuration(ms: number): string {
  if (ms >= 3_600_000 && ms % 60_000 === 0) {
    const h = Math.floor(ms / 3_600_000);
    const m = (ms % 3_600_000) / 60_000;
    return m === 0 ? `${h}h` : `${h}h${m}m`;
  }
  if (ms >= 60_000 && ms % 1000 === 0) {
    const m = Math.floor(ms / 60_000);
    const s = (ms % 60_000) / 1000;
    return s === 0 ? `${m}m` : `${m}m${s}s`;
  }
  if (ms >= 1000) return `${+(ms / 1000).toFixed(3)}s`;
  return `${+ms.toFixed(3)}ms`;
}
