// The isolation audit: per table, how many rows real and test traffic wrote, and how many
// production rows carry a run id (a leak). Each service counts the tables it writes; the
// gateway merges them into one answer, so the audit works whether the services share one
// store or each has its own.

import { type Ctx, HttpError, ok, requireAdmin, type Route } from './http.js';
import { RUN_ID_RE, SUSPECT_REASONS, type SuspectReason } from './shadow.js';
import type { AuditedTable } from './schema.js';

export interface TableAudit {
  production: number;
  shadow: number;
  /** Production rows written by requests that claimed to be test traffic (of `?run=` when given). */
  leaked: number;
  /** Shadow rows of the run asked for with `?run=`. */
  run?: number;
  /** Production rows written inside the run's window (tables with a write time only). */
  window?: number;
}

/** When each table's rows were written, for the production delta over a drill's window. */
const WRITTEN_AT: Partial<Record<AuditedTable, string>> = {
  cart_items: 'updated_at',
  orders: 'created_at',
  payments: 'created_at',
  stock_movements: 'created_at',
};

/** Requests that claimed to be test traffic but failed verification, as the gateway saw them. */
export type SuspectCounts = Record<SuspectReason, number>;

export interface Audit {
  tables: Partial<Record<AuditedTable, TableAudit>>;
  /**
   * `rows`: production rows written under a test-traffic claim; `requests`: requests whose claim
   * failed verification (routed to production or to another run); `total`: both. Non-zero means
   * test traffic reached production: a stripped or forged tag, or a stack without the secret.
   */
  leaked: { total: number; rows: number; requests: number; byReason: SuspectCounts };
  production: Partial<Record<AuditedTable, number>>;
  shadow: Partial<Record<AuditedTable, number>>;
  run?: { id: string; rows: Partial<Record<AuditedTable, number>> };
  /**
   * With `?run=`: from the run's first to its last tagged request the gateway saw, the
   * production rows written meanwhile. Real traffic running alongside writes some too, so it
   * is a figure to read, not a leak by itself; on a stack no real buyer uses it must be 0.
   */
  window?: { from: string; to: string; production: Partial<Record<AuditedTable, number>> };
  /** The hottest SKUs of test traffic (item reads since the last shadow reset), hottest first. */
  hot: Array<{ sku: string; requests: number }>;
}

export interface RunWindow {
  fromMs: number;
  toMs: number;
}

function windowParam(ctx: Ctx): RunWindow | null {
  const q = ctx.query();
  const from = Number(q.get('from'));
  const to = Number(q.get('to'));
  return q.has('from') && q.has('to') && Number.isFinite(from) && Number.isFinite(to) ? { fromMs: from, toMs: to } : null;
}

export function runParam(ctx: Ctx): string | null {
  const run = ctx.query().get('run');
  if (run === null || run === '') return null;
  if (!RUN_ID_RE.test(run)) throw new HttpError(400, 'BAD_QUERY', `"run" must match ${RUN_ID_RE.source}.`, { param: 'run' });
  return run;
}

/** `GET /admin/audit` of one service, over the tables it writes. */
export function auditRoute(tables: readonly AuditedTable[]): Route {
  return {
    method: 'GET',
    pattern: '/admin/audit',
    async handler(ctx) {
      requireAdmin(ctx);
      const run = runParam(ctx);
      const win = windowParam(ctx);
      const out: Partial<Record<AuditedTable, TableAudit>> = {};
      for (const t of tables) {
        const at = WRITTEN_AT[t];
        const inWindow = win && at ? `(SELECT count(*)::int FROM public.${t} WHERE ${at} >= to_timestamp($2::float8 / 1000) AND ${at} <= to_timestamp($3::float8 / 1000))` : '0';
        const [row] = await ctx.sql<{ p: number; s: number; l: number; r: number; w: number }>(
          `SELECT (SELECT count(*)::int FROM public.${t}) AS p,
                  (SELECT count(*)::int FROM shadow.${t}) AS s,
                  (SELECT count(*)::int FROM public.${t} WHERE run_id IS NOT NULL AND ($1 = '' OR run_id = $1)) AS l,
                  (SELECT count(*)::int FROM shadow.${t} WHERE run_id = $1) AS r,
                  ${inWindow} AS w`,
          win && at ? [run ?? '', win.fromMs, win.toMs] : [run ?? ''],
        );
        out[t] = { production: row?.p ?? 0, shadow: row?.s ?? 0, leaked: row?.l ?? 0, ...(run ? { run: row?.r ?? 0 } : {}), ...(win && at ? { window: row?.w ?? 0 } : {}) };
      }
      return { status: 200, body: { tables: out } };
    },
  };
}

/** `POST /admin/shadow/reset` of one service: puts its shadow data back to the seed between drills. */
export function shadowResetRoute(reset: (ctx: Ctx) => Promise<void> | void): Route {
  return {
    method: 'POST',
    pattern: '/admin/shadow/reset',
    async handler(ctx) {
      requireAdmin(ctx);
      await reset(ctx);
      return ok({ reset: true });
    },
  };
}

/** Folds the per-service table counts into the documented audit shape. */
export function mergeAudit(
  parts: ReadonlyArray<Partial<Record<AuditedTable, TableAudit>>>,
  run: string | null,
  suspects: SuspectCounts,
  win: RunWindow | null = null,
  hot: Audit['hot'] = [],
): Audit {
  const tables: Partial<Record<AuditedTable, TableAudit>> = {};
  for (const p of parts) Object.assign(tables, p);
  let requests = 0;
  for (const r of SUSPECT_REASONS) requests += suspects[r];
  const audit: Audit = { tables, leaked: { total: requests, rows: 0, requests, byReason: suspects }, production: {}, shadow: {}, hot };
  const rows: Partial<Record<AuditedTable, number>> = {};
  for (const [name, t] of Object.entries(tables) as Array<[AuditedTable, TableAudit]>) {
    audit.leaked.total += t.leaked;
    audit.leaked.rows += t.leaked;
    audit.production[name] = t.production;
    audit.shadow[name] = t.shadow;
    if (run !== null) rows[name] = t.run ?? 0;
  }
  if (run !== null) audit.run = { id: run, rows };
  if (run !== null && win !== null) {
    const production: Partial<Record<AuditedTable, number>> = {};
    for (const [name, t] of Object.entries(tables) as Array<[AuditedTable, TableAudit]>) if (t.window !== undefined) production[name] = t.window;
    audit.window = { from: new Date(win.fromMs).toISOString(), to: new Date(win.toMs).toISOString(), production };
  }
  return audit;
}
