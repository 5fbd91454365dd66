// Which transport a step's requests take. The fast transport (fast-pool.ts) sends a request
// serialized once, so it takes only steps whose bytes never change; everything else goes
// through undici. The rules, in order (docs/design/fast-transport.md):
//   - `http.transport: undici` in the scenario forces undici for every step;
//   - https targets go through undici (the fast transport speaks plain TCP only);
//   - a step with a template in its body goes through undici; one with templates only in its
//     path or headers takes the fast transport, serialized per send from its rendered parts
//     (checked as undici checks them: no line break may smuggle a header in);
//   - HEAD and CONNECT (responses without the body their headers announce, tunnels) and
//     requests carrying `expect`, `upgrade`, `connection` or `transfer-encoding` headers go
//     through undici, which implements those semantics.
// Redirects need no rule: neither transport follows them (a 3xx is the answer, as in undici's
// Pool.dispatch).

import type { Plan, Step } from '@peakdrill/core/plan';
import { isStatic } from '../template.js';

export type TransportName = 'fast' | 'undici';

const UNDICI_METHODS = new Set(['HEAD', 'CONNECT']);
const UNDICI_HEADERS = new Set(['expect', 'upgrade', 'connection', 'transfer-encoding']);

/** The transport of `step` under `plan`, and why when it is undici. */
export function stepTransport(step: Step, plan: Plan): { transport: TransportName; why: string } {
  if (plan.http.transport === 'undici') return { transport: 'undici', why: 'http.transport: undici' };
  // a replay sends each request to its recorded path, decided per arrival
  if (plan.load.model === 'replay') return { transport: 'undici', why: 'replay (a recorded path per request)' };
  const base = plan.targets[step.target];
  if (base === undefined || !base.startsWith('http://')) return { transport: 'undici', why: 'not a plain http:// target' };
  const headers = { ...plan.http.headers, ...step.headers };
  if (step.body !== undefined && !isStatic(step.body)) return { transport: 'undici', why: 'templated body' };
  if (UNDICI_METHODS.has(step.method.toUpperCase())) return { transport: 'undici', why: `${step.method.toUpperCase()} request` };
  const special = Object.keys(headers).find((k) => UNDICI_HEADERS.has(k.toLowerCase()));
  if (special !== undefined) return { transport: 'undici', why: `\`${special}\` header` };
  return { transport: 'fast', why: '' };
}

/** Per link name (steps of one name in several journeys share a link): fast, undici, or mixed. */
export function linkTransports(plan: Plan): Map<string, TransportName | 'mixed'> {
  const out = new Map<string, TransportName | 'mixed'>();
  for (const j of plan.journeys) {
    for (const s of j.steps) {
      const t = stepTransport(s, plan).transport;
      const seen = out.get(s.name);
      out.set(s.name, seen === undefined || seen === t ? t : 'mixed');
    }
  }
  return out;
}
