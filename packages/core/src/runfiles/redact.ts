// The one redactor: secrets never land in run files, on a screen or in a log. The plan kept in
// summary.json, the `--json` output, the dashboard, the report and every message that names a
// URL go through here, so a policy change lands everywhere at once.
//
// What counts as a secret: a credential written literally in a scenario — the password of a
// URL, a query parameter or JSON/form field whose name says token/secret/password/key/session,
// a header of the same kind (or Authorization/Cookie), and the same columns of inline data
// rows. Templates stay as written: `Bearer {{users.token}}` names where a value comes from,
// not the value. Every function is idempotent (redacting twice changes nothing more).

import type { Plan } from '../plan.js';
import type { PostCheckResult, Summary } from './summary.js';

export const REDACTED = '<redacted>';

const SENSITIVE_NAME = /^(authorization|proxy-authorization|cookie|set-cookie|x-peakdrill-shadow)$|token|secret|passw|api[-_]?key|session|credential|signature|^sig$|^key$|^auth$|^pwd$/i;
const SENSITIVE_JSON_FIELD = /("(?:[^"]*(?:password|passwd|secret|token|api_?key|apikey|credential|session)[^"]*)"\s*:\s*)"(?:[^"\\{]|\\.)*"/gi;
/** `name=value` pairs in a query string or a form body, name sensitive, value not a template. */
const SENSITIVE_PAIR = /((?:^|[?&])([^=&#\s?]+)=)([^&#\s]*)/g;
/** `scheme://user:password@` anywhere in a text. */
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^/:@\s]*):([^@/\s]+)@/gi;

const isTemplate = (v: string): boolean => v.includes('{{');

/** A header, query parameter, field or column whose value is a credential (`authorization`, `api_key`, `token`…). */
export function isSensitiveName(name: string): boolean {
  return SENSITIVE_NAME.test(name);
}

export function redactHeaderValue(name: string, value: string): string {
  if (!isSensitiveName(name) || isTemplate(value) || value === REDACTED) return value;
  return REDACTED;
}

export function redactHeaders(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) out[k] = redactHeaderValue(k, String(v));
  return out;
}

function redactPairs(text: string): string {
  return text.replace(SENSITIVE_PAIR, (all, head: string, name: string, value: string) =>
    isSensitiveName(decodeName(name)) && value !== '' && !isTemplate(value) && value !== REDACTED ? `${head}${REDACTED}` : all,
  );
}

function decodeName(name: string): string {
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}

/**
 * Any text that may hold URLs (a URL, a path with a query, a message naming a URL): passwords
 * in `scheme://user:pass@` and sensitive query parameters are masked; the rest is kept.
 */
export function redactText(text: string): string {
  const noPasswords = text.replace(URL_PASSWORD, (all, head: string, pass: string) => (pass === REDACTED || isTemplate(pass) ? all : `${head}:${REDACTED}@`));
  const q = noPasswords.indexOf('?');
  return q < 0 ? noPasswords : noPasswords.slice(0, q) + redactPairs(noPasswords.slice(q));
}

export const redactUrl = redactText;

/**
 * A URL whose whole user-info is a credential (NATS puts a bare token there:
 * `nats://s3cr3t@host`): masked entirely, plus what redactText masks.
 */
export function redactUserinfo(url: string): string {
  return redactText(url.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, (all, scheme: string) => (all === `${scheme}${REDACTED}@` ? all : `${scheme}${REDACTED}@`)));
}

/** A request body: sensitive JSON fields, or `a=b&password=c` form fields. */
export function redactBody(body: string): string {
  const json = body.replace(SENSITIVE_JSON_FIELD, (all, head: string) => (all.endsWith(`"${REDACTED}"`) ? all : `${head}"${REDACTED}"`));
  if (json !== body || /^\s*[[{]/.test(body)) return json;
  return /^[^=&\s]+=/.test(body) ? redactPairs(body) : body;
}

/** An inline data row: sensitive column names are masked. */
export function redactRow(row: Record<string, string>): Record<string, string> {
  return redactHeaders(row);
}

/**
 * A copy of the plan that is safe to write to disk and to show. Tolerates the partial plans of
 * run folders written by older versions (the dashboard reads those too).
 */
export function redactPlan(plan: Plan): Plan {
  const p = plan as Partial<Plan>;
  return {
    ...plan,
    targets: Object.fromEntries(Object.entries(p.targets ?? {}).map(([k, v]) => [k, redactText(String(v))])),
    ...(p.http ? { http: { ...p.http, headers: redactHeaders(p.http.headers) } } : {}),
    journeys: (p.journeys ?? []).map((j) => ({
      ...j,
      steps: (j.steps ?? []).map((s) => ({
        ...s,
        ...(s.path !== undefined ? { path: redactText(s.path) } : {}),
        headers: redactHeaders(s.headers),
        ...(s.body !== undefined ? { body: redactBody(s.body) } : {}),
      })),
    })),
    data: Object.fromEntries(
      Object.entries(p.data ?? {}).map(([k, f]) => [k, f.source?.kind === 'list' ? { ...f, source: { ...f.source, rows: f.source.rows.map(redactRow) } } : f]),
    ),
    abort: (p.abort ?? []).map((r) => ({ ...r, ...('url' in r && typeof r.url === 'string' ? { url: redactText(r.url) } : {}), text: redactText(r.text) })),
    isolation: (p.isolation ?? []).map(redactCheck),
    invariants: (p.invariants ?? []).map(redactCheck),
  };
}

function redactCheck<C extends Plan['isolation'][number]>(c: C): C {
  return c.kind === 'http' ? { ...c, url: redactText(c.url) } : c;
}

/**
 * A summary safe to write and to show: its plan redacted, and every free text that may quote
 * a URL (notes, the abort rule and reason, check results, the error) passed through redactText.
 */
export function redactSummary(summary: Summary): Summary {
  const s = summary as Partial<Summary> & Summary;
  const check = (c: PostCheckResult): PostCheckResult => ({ ...c, expected: redactText(c.expected), actual: redactText(c.actual), ...(c.error !== undefined ? { error: redactText(c.error) } : {}) });
  return {
    ...summary,
    ...(s.plan ? { plan: redactPlan(s.plan) } : {}),
    ...(s.notes ? { notes: s.notes.map(redactText) } : {}),
    ...(s.abort ? { abort: { ...s.abort, rule: redactText(s.abort.rule), reason: redactText(s.abort.reason) } } : {}),
    ...(s.isolation ? { isolation: s.isolation.map(check) } : {}),
    ...(s.invariants ? { invariants: s.invariants.map(check) } : {}),
    ...(typeof s.error === 'string' ? { error: redactText(s.error) } : {}),
  };
}
