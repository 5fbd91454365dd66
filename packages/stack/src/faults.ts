// Fault endpoints of every service, for peak-day rehearsals (`faults:` in a scenario):
//   POST   /admin/faults  { "delay": "300ms", "fail": "20%", "pause": true, "for": "5m" }
//   DELETE /admin/faults  (undo)          GET /admin/faults (what is on)
// `delay` slows each of the service's answers (its hop, as callers see it), `fail` answers a
// share of its calls 503 FAULT_INJECTED (every n-th, not at random, so a share is exact), and
// `pause` holds its requests until the fault is undone, as when its store stops answering.
// A fault undoes itself after `for` (default 5 minutes), so a drill that died mid-fault never
// leaves the stack broken. Admin routes (audit, reset, these) are never faulted. Loopback or
// x-admin-token only, like every admin route.

import { requireAdmin } from './admin.js';
import { HttpError } from './errors.js';
import type { Handler, Route } from './http.js';

const DEFAULT_FOR_MS = 5 * 60_000;
const MAX_MS = 3_600_000;

export interface FaultSettings {
  delayMs: number;
  failShare: number;
  paused: boolean;
}

export class FaultState {
  private settings: FaultSettings = { delayMs: 0, failShare: 0, paused: false };
  private expiry: NodeJS.Timeout | null = null;
  private failCredit = 0;
  private resume: (() => void) | null = null;
  private resumed: Promise<void> = Promise.resolve();

  get idle(): boolean {
    return this.settings.delayMs === 0 && this.settings.failShare === 0 && !this.settings.paused;
  }

  get current(): FaultSettings {
    return { ...this.settings };
  }

  set(s: FaultSettings, forMs: number): void {
    this.clear();
    this.settings = s;
    if (s.paused) this.resumed = new Promise((r) => (this.resume = r));
    this.expiry = setTimeout(() => this.clear(), forMs);
    this.expiry.unref();
  }

  clear(): void {
    if (this.expiry) clearTimeout(this.expiry);
    this.expiry = null;
    this.settings = { delayMs: 0, failShare: 0, paused: false };
    this.failCredit = 0;
    this.resume?.();
    this.resume = null;
  }

  /** Applies the fault to one request before its handler runs. */
  async gate(): Promise<void> {
    const s = this.settings;
    if (s.paused) await this.resumed;
    if (s.delayMs > 0) await new Promise((r) => setTimeout(r, s.delayMs));
    if (s.failShare > 0) {
      this.failCredit += s.failShare;
      if (this.failCredit >= 1 - 1e-9) {
        this.failCredit -= 1;
        throw new HttpError(503, 'FAULT_INJECTED', 'This call failed on purpose: a fault is injected (DELETE /admin/faults undoes it).');
      }
    }
  }
}

function msOf(v: unknown, name: string): number {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= MAX_MS) return v;
  const m = typeof v === 'string' ? /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(v.trim()) : null;
  const ms = m ? Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 's' ? 1000 : 60_000) : NaN;
  if (!(ms >= 0 && ms <= MAX_MS)) throw new HttpError(400, 'BAD_FIELD', `"${name}" must be a duration such as "300ms", "10s" or "5m" (at most 1 h), or a number of ms.`, { field: name });
  return ms;
}

function shareOf(v: unknown): number {
  const x = typeof v === 'number' ? v : typeof v === 'string' && /^\d+(\.\d+)?%$/.test(v.trim()) ? Number(v.trim().slice(0, -1)) / 100 : NaN;
  if (!(x >= 0 && x <= 1)) throw new HttpError(400, 'BAD_FIELD', '"fail" must be a share such as "20%" or 0.2.', { field: 'fail' });
  return x;
}

/** The fault routes of one service. */
export function faultRoutes(state: FaultState): Route[] {
  return [
    {
      method: 'POST',
      pattern: '/admin/faults',
      handler(ctx) {
        requireAdmin(ctx);
        const b = ctx.json();
        for (const k of Object.keys(b)) {
          if (!['delay', 'fail', 'pause', 'for'].includes(k)) throw new HttpError(400, 'BAD_FIELD', `Unknown field "${k}"; a fault takes "delay", "fail", "pause" and "for".`, { field: k });
        }
        if (b['pause'] !== undefined && typeof b['pause'] !== 'boolean') throw new HttpError(400, 'BAD_FIELD', '"pause" must be true or false.', { field: 'pause' });
        const s: FaultSettings = {
          delayMs: b['delay'] === undefined ? 0 : msOf(b['delay'], 'delay'),
          failShare: b['fail'] === undefined ? 0 : shareOf(b['fail']),
          paused: b['pause'] === true,
        };
        if (s.delayMs === 0 && s.failShare === 0 && !s.paused) throw new HttpError(400, 'BAD_FIELD', 'Say what to inject: "delay", "fail" or "pause".');
        state.set(s, b['for'] === undefined ? DEFAULT_FOR_MS : msOf(b['for'], 'for'));
        return { status: 200, body: { faults: state.current } };
      },
    },
    {
      method: 'DELETE',
      pattern: '/admin/faults',
      handler(ctx) {
        requireAdmin(ctx);
        state.clear();
        return { status: 200, body: { faults: state.current } };
      },
    },
    {
      method: 'GET',
      pattern: '/admin/faults',
      handler(ctx) {
        requireAdmin(ctx);
        return { status: 200, body: { faults: state.current } };
      },
    },
  ];
}

/** The service's own routes with the fault gate in front (admin routes are left alone). */
export function withFaults(routes: readonly Route[], state: FaultState): Route[] {
  return routes.map((r) => {
    if (r.pattern.startsWith('/admin/')) return r;
    const handler: Handler = (ctx) => (state.idle ? r.handler(ctx) : state.gate().then(() => r.handler(ctx)));
    return { ...r, handler };
  });
}
