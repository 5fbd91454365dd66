// Secrets never land in run files: the plan kept in summary.json (and shown by the dashboard)
// has credentials written literally in a scenario masked. Templates stay as written — they name
// where a value comes from (`Bearer {{users.token}}`), not the value.

import type { Plan } from '../plan.js';

export const REDACTED = '<redacted>';

const SENSITIVE_HEADER = /^(authorization|proxy-authorization|cookie|set-cookie)$|token|secret|passw|api-?key|session|credential/i;
const SENSITIVE_JSON_FIELD = /("(?:[^"]*(?:password|passwd|secret|token|api_?key|apikey|credential)[^"]*)"\s*:\s*)"(?:[^"\\{]|\\.)*"/gi;

/** A header, query parameter or field whose value is a credential (`authorization`, `api_key`, `token`…). */
export function isSensitiveName(name: string): boolean {
  return SENSITIVE_HEADER.test(name.replace(/_/g, '-')) || /^(key|sig|signature|auth|pwd)$/i.test(name);
}

export function redactHeaderValue(name: string, value: string): string {
  if (!SENSITIVE_HEADER.test(name) || value.includes('{{')) return value;
  return REDACTED;
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.password && !u.username) return url;
    u.password = u.password ? REDACTED : '';
    return u.toString();
  } catch {
    return url;
  }
}

export function redactBody(body: string): string {
  return body.replace(SENSITIVE_JSON_FIELD, `$1"${REDACTED}"`);
}

/** A copy of the plan that is safe to write to disk and to show. */
export function redactPlan(plan: Plan): Plan {
  const headers = (h: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(h).map(([k, v]) => [k, redactHeaderValue(k, v)]));
  return {
    ...plan,
    targets: Object.fromEntries(Object.entries(plan.targets).map(([k, v]) => [k, redactUrl(v)])),
    http: { ...plan.http, headers: headers(plan.http.headers) },
    journeys: plan.journeys.map((j) => ({
      ...j,
      steps: j.steps.map((s) => ({ ...s, headers: headers(s.headers), ...(s.body !== undefined ? { body: redactBody(s.body) } : {}) })),
    })),
  };
}
