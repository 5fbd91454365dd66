// The `load:` section: the open model (arrival rate in stages with linear ramps) or the
// closed model (virtual users looping with think time).

import type { ClosedModel, LoadModel, OpenModel, Stage, ThinkTime } from '../plan.js';
import { DEFAULT_MAX_IN_FLIGHT, MAX_IN_FLIGHT_LIMIT, MAX_VUS } from './defaults.js';
import { duration, fields, isEmpty, list, num, str, type Ctx, type Val } from './reader.js';
import { formatScenarioDuration, MAX_DURATION_MS, rateProblem } from './units.js';
import { totalDurationMs } from './profile.js';
import { isMap } from 'yaml';
import { readReplay } from './replay.js';

const OPEN_KEYS = ['model', 'startRate', 'stages', 'maxInFlight', 'rate', 'duration'] as const;
const CLOSED_KEYS = ['model', 'startVus', 'stages', 'vus', 'duration', 'thinkTime'] as const;

const OPEN_ONLY: Record<string, string> = {
  vus: '`vus` belongs to the closed model; add `model: closed` (or use `rate:` for the open model)',
  thinkTime: '`thinkTime` belongs to the closed model (`model: closed`); in the open model journeys arrive on schedule',
  startVus: '`startVus` belongs to the closed model (`model: closed`)',
};
const CLOSED_ONLY: Record<string, string> = {
  rate: '`rate` belongs to the open model (`model: open`); the closed model takes `vus:`',
  startRate: '`startRate` belongs to the open model (`model: open`)',
  maxInFlight: '`maxInFlight` belongs to the open model (`model: open`); in the closed model `vus` bounds what is in flight',
};

/** A think time: a duration (`200ms`) or a range (`{min: 50ms, max: 200ms}`). */
export function readThink(ctx: Ctx, v: Val): ThinkTime | undefined {
  if (isMap(v.node)) {
    const f = fields(ctx, v, { keys: ['min', 'max'], required: ['min', 'max'] });
    if (!f) return undefined;
    const min = f.get('min') && !isEmpty(f.get('min')) ? duration(ctx, f.get('min')!, { zero: true }) : undefined;
    const max = f.get('max') && !isEmpty(f.get('max')) ? duration(ctx, f.get('max')!, { zero: true }) : undefined;
    if (min === undefined || max === undefined) return undefined;
    if (min > max) {
      ctx.p.add('OUT_OF_RANGE', `${v.path}: min ${formatScenarioDuration(min)} is above max ${formatScenarioDuration(max)}`, v.at);
      return undefined;
    }
    return { minMs: min, maxMs: max };
  }
  const ms = duration(ctx, v, { zero: true });
  return ms === undefined ? undefined : { minMs: ms, maxMs: ms };
}

function readStages(ctx: Ctx, v: Val, unit: 'rate' | 'vus'): Stage[] | undefined {
  const items = list(ctx, v);
  if (!items) return undefined;
  if (items.length === 0) {
    ctx.p.add('MISSING_KEY', `${v.path} needs at least one stage, e.g. { duration: 30s, ${unit}: ${unit === 'rate' ? 100 : 10} }`, v.at);
    return undefined;
  }
  const out: Stage[] = [];
  let ok = true;
  for (const item of items) {
    const f = fields(ctx, item, {
      keys: ['duration', unit],
      required: ['duration', unit],
      elsewhere: unit === 'rate' ? { vus: OPEN_ONLY.vus! } : { rate: CLOSED_ONLY.rate! },
    });
    if (!f) {
      ok = false;
      continue;
    }
    const d = f.get('duration') && !isEmpty(f.get('duration')) ? duration(ctx, f.get('duration')!) : undefined;
    const t = f.get(unit) && !isEmpty(f.get(unit)) ? readAmount(ctx, f.get(unit)!, unit) : undefined;
    if (d === undefined || t === undefined) ok = false;
    else out.push({ durationMs: d, target: t });
  }
  return ok ? out : undefined;
}

function readAmount(ctx: Ctx, v: Val, unit: 'rate' | 'vus'): number | undefined {
  if (unit === 'vus') return num(ctx, v, { min: 0, max: MAX_VUS, int: true, what: `${v.path} (virtual users)` });
  const r = num(ctx, v);
  if (r === undefined) return undefined;
  const problem = rateProblem(r);
  if (problem !== undefined) {
    ctx.p.add('BAD_RATE', `${v.path}: ${problem}`, v.at);
    return undefined;
  }
  return r;
}

/** Reads `load:`; undefined (with problems recorded) when it is not usable. `baseDir` resolves a replay log's path. */
export function readLoad(ctx: Ctx, v: Val, baseDir = '.'): LoadModel | undefined {
  // Decide the model first so the keys of the other one get a helpful message.
  let model: 'open' | 'closed' | 'replay' = 'open';
  if (isMap(v.node)) {
    const pair = v.node.items.find((i) => (i.key as { value?: unknown } | null)?.value === 'model');
    if (pair) {
      const mv: Val = { node: pair.value as Val['node'], at: (pair.value as Val['at']) ?? (pair.key as Val['at']), path: `${v.path}.model` };
      const m = str(ctx, mv, { want: '`open`, `closed` or `replay`' });
      if (m === 'closed' || m === 'replay') model = m;
      else if (m !== undefined && m !== 'open') ctx.p.add('BAD_VALUE', `${v.path}.model must be \`open\`, \`closed\` or \`replay\`, got ${JSON.stringify(m)}`, mv.at);
    }
  }
  if (model === 'replay') return readReplay(ctx, v, baseDir);
  const f = fields(ctx, v, model === 'open' ? { keys: OPEN_KEYS, elsewhere: OPEN_ONLY } : { keys: CLOSED_KEYS, elsewhere: CLOSED_ONLY });
  if (!f) return undefined;
  const get = (k: string): Val | undefined => (f.has(k) && !isEmpty(f.get(k)) ? f.get(k) : undefined);
  const unit = model === 'open' ? 'rate' : 'vus';
  const stagesV = get('stages');
  const shortV = get(unit);
  const durV = get('duration');
  let stages: Stage[] | undefined;
  let start: number | undefined;
  if (stagesV) {
    if (shortV || durV) {
      ctx.p.add('CONFLICT', `${v.path}: give either \`stages:\` or \`${unit}:\` with \`duration:\`, not both`, (shortV ?? durV)!.at);
    }
    stages = readStages(ctx, stagesV, unit);
    const startKey = model === 'open' ? 'startRate' : 'startVus';
    start = get(startKey) ? readAmount(ctx, get(startKey)!, unit) : 0;
  } else if (shortV || durV) {
    if (!shortV) ctx.p.add('MISSING_KEY', `${v.path} needs \`${unit}:\` next to \`duration:\``, durV!.at);
    if (!durV) ctx.p.add('MISSING_KEY', `${v.path} needs \`duration:\` next to \`${unit}:\` (e.g. \`duration: 30s\`)`, shortV!.at);
    const t = shortV ? readAmount(ctx, shortV, unit) : undefined;
    const d = durV ? duration(ctx, durV) : undefined;
    if (t !== undefined && d !== undefined) {
      stages = [{ durationMs: d, target: t }];
      start = t;
    }
    const startKey = model === 'open' ? 'startRate' : 'startVus';
    if (get(startKey)) ctx.p.add('CONFLICT', `${v.path}.${startKey} goes with \`stages:\`; a constant \`${unit}:\` starts at that ${unit}`, get(startKey)!.at);
  } else {
    ctx.p.add('MISSING_KEY', `${v.path} needs \`stages:\` or \`${unit}:\` with \`duration:\` (e.g. ${model === 'open' ? '`rate: 100` and `duration: 30s`' : '`vus: 10` and `duration: 30s`'})`, v.at);
  }
  if (stages) {
    const total = totalDurationMs(stages);
    if (total > MAX_DURATION_MS) ctx.p.add('BAD_DURATION', `${v.path}: the stages last ${formatScenarioDuration(total)}, more than the 24h a drill may last`, stagesV?.at ?? durV?.at ?? v.at);
    if (stages.every((s) => s.target === 0) && (start ?? 0) === 0) {
      ctx.p.add('OUT_OF_RANGE', `${v.path}: every stage has ${unit} 0, so the drill would send nothing`, (stagesV ?? shortV ?? v).at);
    }
  }
  if (model === 'open') {
    const mif = get('maxInFlight') ? num(ctx, get('maxInFlight')!, { min: 1, max: MAX_IN_FLIGHT_LIMIT, int: true }) : DEFAULT_MAX_IN_FLIGHT;
    if (!stages || start === undefined || mif === undefined) return undefined;
    const open: OpenModel = { model: 'open', startRate: start, stages, maxInFlight: mif };
    return open;
  }
  const think = get('thinkTime') ? readThink(ctx, get('thinkTime')!) : { minMs: 0, maxMs: 0 };
  if (!stages || start === undefined || think === undefined) return undefined;
  const closed: ClosedModel = { model: 'closed', startVus: start, stages, thinkTimeMs: think };
  return closed;
}
