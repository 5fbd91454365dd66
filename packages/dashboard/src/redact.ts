// The scenario as it ran, shown on the run page, with secrets nowhere: the plan never holds
// the shadow secret (only its variable's name), but authors put tokens in headers and
// passwords in URLs; those are masked before anything is rendered.

import type { Plan } from '@peakdrill/core';

const SENSITIVE_HEADER = /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api-key|x-auth-token|x-peakdrill-shadow)$|token|secret|password|passwd|session/i;
export const MASK = '•••••• (hidden)';

export function redactHeaders(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) out[k] = SENSITIVE_HEADER.test(k) ? MASK : v;
  return out;
}

/** `https://user:pass@host/x?token=abc` → `https://user:••••••@host/x?token=••••••`. */
export function redactUrl(url: string): string {
  return url
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^/:@\s]*):[^@/\s]*@/i, '$1:••••••@')
    .replace(/([?&](?:token|access_token|api_key|apikey|key|secret|password|sig|signature)=)[^&#\s]*/gi, '$1••••••');
}

export function redactPlan(plan: Plan | undefined): Plan | undefined {
  if (!plan) return plan;
  const p = structuredClone(plan);
  const targets: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.targets ?? {})) targets[k] = redactUrl(String(v));
  p.targets = targets;
  if (p.http) p.http.headers = redactHeaders(p.http.headers);
  for (const j of p.journeys ?? []) for (const s of j.steps ?? []) s.headers = redactHeaders(s.headers);
  for (const r of p.abort ?? []) if ('url' in r && typeof r.url === 'string') r.url = redactUrl(r.url);
  for (const c of [...(p.isolation ?? []), ...(p.invariants ?? [])]) if (c.kind === 'http') c.url = redactUrl(c.url);
  return p;
}
