// `load: { model: replay, log: access.log, speed: 2 }`: the replay model's keys. The log is
// checked here (exists, in its format) and its span read from its first and last lines, so the
// drill's window is known before it starts; the generators stream the log themselves.

import { isAbsolute, resolve as resolvePath } from 'node:path';
import type { ReplayModel } from '../plan.js';
import { compilePattern, FormatError } from '../import/log-format.js';
import { logSpan } from '../import/log-span.js';
import { DEFAULT_MAX_IN_FLIGHT, MAX_IN_FLIGHT_LIMIT } from './defaults.js';
import { bool, duration, fields, isEmpty, num, str, type Ctx, type Val } from './reader.js';
import { formatScenarioDuration, MAX_DURATION_MS } from './units.js';

export const REPLAY_KEYS = ['model', 'log', 'format', 'speed', 'unsafe', 'duration', 'maxInFlight'] as const;
const BUILT_IN_FORMATS = ['auto', 'combined', 'common', 'json'];

export function readReplay(ctx: Ctx, v: Val, baseDir: string): ReplayModel | undefined {
  const f = fields(ctx, v, {
    keys: REPLAY_KEYS,
    required: ['log'],
    elsewhere: {
      rate: '`model: replay` sends at the recorded rate; scale it with `speed:` (2 = twice as fast)',
      stages: '`model: replay` follows the log; cut it short with `duration:`',
      vus: '`vus` belongs to the closed model',
    },
  });
  if (!f) return undefined;
  const get = (k: string): Val | undefined => (f.has(k) && !isEmpty(f.get(k)) ? f.get(k) : undefined);
  let ok = true;
  let formatOk = true;
  const formatV = get('format');
  const format = formatV ? str(ctx, formatV, { nonEmpty: true }) : 'auto';
  if (format === undefined) ok = formatOk = false;
  else if (!BUILT_IN_FORMATS.includes(format)) {
    try {
      compilePattern(format);
    } catch (err) {
      if (!(err instanceof FormatError)) throw err;
      ctx.p.add('BAD_VALUE', `${formatV!.path}: ${err.message}`, formatV!.at);
      ok = false;
      formatOk = false;
    }
  }
  const speedV = get('speed');
  const speed = speedV ? num(ctx, speedV, { above: 0, max: 1000 }) : 1;
  const unsafeV = get('unsafe');
  const unsafe = unsafeV ? bool(ctx, unsafeV) : false;
  const mifV = get('maxInFlight');
  const maxInFlight = mifV ? num(ctx, mifV, { min: 1, max: MAX_IN_FLIGHT_LIMIT, int: true }) : DEFAULT_MAX_IN_FLIGHT;
  const durV = get('duration');
  const cut = durV ? duration(ctx, durV) : undefined;
  if (speed === undefined || unsafe === undefined || maxInFlight === undefined || (durV && cut === undefined)) ok = false;

  const logV = get('log');
  const rel = logV ? str(ctx, logV, { nonEmpty: true, want: 'the path of an access log' }) : undefined;
  if (rel === undefined || !formatOk) return undefined;
  const log = isAbsolute(rel) ? rel : resolvePath(baseDir, rel);
  const span = logSpan(log, format!);
  if ('problem' in span) {
    ctx.p.add('LOG_UNUSABLE', `${logV!.path}: ${span.problem}`, logV!.at);
    return undefined;
  }
  if (!ok) return undefined;
  // A log with whole-second times spreads each second's requests over that second: add it.
  const recordedMs = span.lastMs - span.firstMs + 1000;
  const windowMs = Math.ceil(recordedMs / speed!);
  const durationMs = cut !== undefined ? Math.min(cut, windowMs) : windowMs;
  if (durationMs > MAX_DURATION_MS) {
    ctx.p.add('BAD_DURATION', `${v.path}: the replay lasts ${formatScenarioDuration(durationMs)}, more than the 24h a drill may last; raise \`speed:\` or set \`duration:\``, v.at);
    return undefined;
  }
  return { model: 'replay', log, format: format!, speed: speed!, unsafe: unsafe!, stages: [{ durationMs, target: 0 }], maxInFlight: maxInFlight! };
}
