// Access-log line formats: nginx/Apache `combined`, `common`, JSON lines, and a custom
// pattern in nginx `log_format` notation (`--format '$remote_addr [$time_local] "$request" $status'`).
// A pattern is literal text with `$variables`; the variables peakdrill reads are listed in
// KNOWN_VARIABLES (docs/import.md), every other `$name` matches one field and is ignored.

export interface LogEntry {
  /** Milliseconds since the epoch. */
  timeMs: number;
  method: string;
  /** Path and query as requested, e.g. `/api/items?page=2`. */
  target: string;
  status: number;
}

export type LineParser = (line: string) => LogEntry | string;

export const COMBINED = '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"';
export const COMMON = '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent';

/** Variables with a meaning; a pattern needs a time (`time_local`, `time_iso8601` or `msec`) and a request (`request`, or `request_method` with `request_uri`/`uri`). */
export const KNOWN_VARIABLES = ['time_local', 'time_iso8601', 'msec', 'request', 'request_method', 'request_uri', 'uri', 'args', 'status'] as const;

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };
const TIME_LOCAL = /^(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))? ([+-])(\d{2})(\d{2})$/;

/** `10/Oct/2000:13:55:36 -0700` (optionally with `.123` milliseconds) → epoch ms. */
export function parseTimeLocal(s: string): number | undefined {
  const m = TIME_LOCAL.exec(s);
  if (!m) return undefined;
  const month = MONTHS[m[2]!];
  if (month === undefined) return undefined;
  const frac = m[7] ? Number(`0.${m[7]}`) * 1000 : 0;
  const utc = Date.UTC(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6])) + frac;
  const offset = (Number(m[9]) * 60 + Number(m[10])) * 60_000 * (m[8] === '-' ? -1 : 1);
  return utc - offset;
}

function parseTime(v: string, kind: string): number | undefined {
  if (kind === 'msec') {
    const n = Number(v);
    return Number.isFinite(n) && n > 0 ? n * 1000 : undefined;
  }
  if (kind === 'time_local') return parseTimeLocal(v);
  const t = Date.parse(v);
  return Number.isFinite(t) ? t : undefined;
}

const REQUEST = /^([A-Z][A-Z0-9_-]{0,19}) (\S+)(?: HTTP\/[\d.]+)?$/;

function entryFrom(fields: Record<string, string | undefined>): LogEntry | string {
  const timeKind = fields.msec !== undefined ? 'msec' : fields.time_iso8601 !== undefined ? 'time_iso8601' : 'time_local';
  const timeText = fields[timeKind];
  if (timeText === undefined) return 'no time in the line';
  const timeMs = parseTime(timeText, timeKind);
  if (timeMs === undefined) return `unreadable time ${JSON.stringify(timeText.slice(0, 40))}`;
  let method = fields.request_method;
  let target = fields.request_uri ?? (fields.uri !== undefined ? fields.uri + (fields.args ? `?${fields.args}` : '') : undefined);
  if (fields.request !== undefined) {
    const m = REQUEST.exec(fields.request);
    if (!m) return `unreadable request ${JSON.stringify(fields.request.slice(0, 60))}`;
    method = m[1]!;
    target = m[2]!;
  }
  if (method === undefined || target === undefined) return 'no request method and path in the line';
  if (!target.startsWith('/')) {
    try {
      const u = new URL(target);
      target = u.pathname + u.search;
    } catch {
      return `request target ${JSON.stringify(target.slice(0, 60))} is not a path`;
    }
  }
  const status = Number(fields.status ?? 0);
  return { timeMs, method, target, status: Number.isInteger(status) ? status : 0 };
}

export class FormatError extends Error {}

/** Compiles a `log_format`-style pattern into a line parser. Throws FormatError for a pattern that cannot work. */
export function compilePattern(pattern: string): LineParser {
  const names: string[] = [];
  let re = '^';
  const parts = pattern.split(/(\$[A-Za-z_][A-Za-z0-9_]*)/);
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (i % 2 === 0) {
      re += part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ +/g, ' +');
      continue;
    }
    const name = part.slice(1);
    const next = parts[i + 1]?.[0];
    // A field runs up to the literal character that follows it (a quote, a bracket, a space).
    const field = next === undefined ? '(.*?)' : `([^${next === ']' ? '\\]' : next === '\\' ? '\\\\' : next}]*)`;
    names.push(name);
    re += field;
  }
  re += '(?:\\s.*)?$'; // nginx configs often append fields ($request_time …): allowed after the pattern
  const hasTime = names.some((n) => n === 'time_local' || n === 'time_iso8601' || n === 'msec');
  const hasRequest = names.includes('request') || (names.includes('request_method') && (names.includes('request_uri') || names.includes('uri')));
  if (!hasTime) throw new FormatError('the pattern needs a time: `$time_local`, `$time_iso8601` or `$msec`');
  if (!hasRequest) throw new FormatError('the pattern needs the request: `"$request"`, or `$request_method` with `$request_uri`');
  const regex = new RegExp(re);
  return (line) => {
    const m = regex.exec(line);
    if (!m) return 'does not match the format';
    const fields: Record<string, string | undefined> = {};
    names.forEach((n, i) => {
      if ((KNOWN_VARIABLES as readonly string[]).includes(n)) fields[n] = m[i + 1];
    });
    return entryFrom(fields);
  };
}

const JSON_KEYS: Record<string, readonly string[]> = {
  msec: ['msec', 'ts', 'epoch'],
  time_iso8601: ['time_iso8601', 'time', 'timestamp', '@timestamp', 'date'],
  time_local: ['time_local'],
  request: ['request'],
  request_method: ['request_method', 'method', 'verb'],
  request_uri: ['request_uri', 'uri', 'path', 'url'],
  status: ['status', 'status_code', 'response_code'],
};

/** JSON lines: one object per line, with nginx variable names or the usual synonyms (`method`, `path`, `timestamp`). */
export const parseJsonLine: LineParser = (line) => {
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch {
    return 'not a JSON object';
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return 'not a JSON object';
  const rec = obj as Record<string, unknown>;
  const fields: Record<string, string | undefined> = {};
  for (const [field, keys] of Object.entries(JSON_KEYS)) {
    const k = keys.find((key) => rec[key] !== undefined && rec[key] !== null && rec[key] !== '');
    if (k === undefined) continue;
    const v = rec[k];
    if (field === 'time_iso8601' && typeof v === 'number') fields.msec = String(v > 1e12 ? v / 1000 : v);
    else fields[field] = String(v);
  }
  if (fields.msec !== undefined && Number(fields.msec) > 1e12) fields.msec = String(Number(fields.msec) / 1000);
  return entryFrom(fields);
};

/** `combined`, `common`, `json` or a custom pattern; `auto` picks by the first usable line. */
export function parserFor(format: string): LineParser {
  if (format === 'combined') return compilePattern(COMBINED);
  if (format === 'common') return compilePattern(COMMON);
  if (format === 'json') return parseJsonLine;
  if (format === 'auto') return autoParser();
  return compilePattern(format);
}

function autoParser(): LineParser {
  const candidates: LineParser[] = [compilePattern(COMBINED), compilePattern(COMMON), parseJsonLine];
  let chosen: LineParser | undefined;
  return (line) => {
    if (chosen) return chosen(line);
    let first: string | undefined;
    for (const c of candidates) {
      const r = c(line);
      if (typeof r !== 'string') {
        chosen = c;
        return r;
      }
      first ??= r;
    }
    return line.trimStart().startsWith('{') ? 'not a usable JSON log line' : 'not in combined, common or JSON-lines format (give --format)';
  };
}
