// Isolation and invariant checks, run after the drill: HTTP probes (a status and a JSON value)
// and SQL queries (a PostgreSQL URL from an environment variable). Each result lands in the
// summary; a failed check fails the run. A check that cannot run (target down, bad SQL) fails
// with its error, it is never skipped.

import pg from 'pg';
import { parseJsonPath, walkJsonPath, type Expectation, type PostCheck, type PostCheckResult, type Summary } from '@peakdrill/core';
import { probeGet, redirectNote } from './probe-fetch.js';

const CHECK_TIMEOUT_MS = 10_000;
/** A check reads one status and one JSON value: its answer is small. */
export const CHECK_MAX_BODY_BYTES = 1024 * 1024;

export async function runPostChecks(checks: PostCheck[], summary: Summary): Promise<PostCheckResult[]> {
  const figures = drillFigures(summary);
  const out: PostCheckResult[] = [];
  for (const check of checks) out.push(await runOne(check, figures, summary.id));
  return out;
}

async function runOne(check: PostCheck, figures: Map<string, number>, runId: string): Promise<PostCheckResult> {
  const expected = describeExpectation(check.expect, figures);
  const base = { name: check.name, kind: check.kind, expected } as const;
  try {
    const actual = check.kind === 'http' ? await httpValue(check, runId) : await sqlValue(check);
    if (actual.error) return { ...base, passed: false, actual: actual.shown, error: actual.error };
    const problem = unmet(check.expect, actual.value, figures);
    return { ...base, passed: problem === null, actual: actual.shown, ...(problem ? { error: problem } : {}) };
  } catch (err) {
    return { ...base, passed: false, actual: '—', error: `${(err as { code?: string }).code ?? 'ERROR'}: ${(err as Error).message}` };
  }
}

interface Observed {
  value: unknown;
  shown: string;
  error?: string;
}

async function httpValue(check: Extract<PostCheck, { kind: 'http' }>, runId: string): Promise<Observed> {
  // `{{run.id}}` lets a check ask about this run only (e.g. /admin/audit?run={{run.id}})
  const url = check.url.replaceAll('{{run.id}}', encodeURIComponent(runId));
  const res = await probeGet(url, { timeoutMs: CHECK_TIMEOUT_MS, maxBytes: CHECK_MAX_BODY_BYTES, headers: { accept: 'application/json' } });
  const text = res.body;
  if (res.status !== check.status) {
    const got = res.status >= 300 && res.status < 400 ? redirectNote(res) : String(res.status);
    return { value: undefined, shown: `HTTP ${res.status}`, error: `expected HTTP ${check.status}, got ${got}` };
  }
  if (!check.path) return { value: res.status, shown: `HTTP ${res.status}` };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { value: undefined, shown: text.slice(0, 80), error: 'the answer is not JSON' };
  }
  const value = walkJsonPath(json, parseJsonPath(check.path));
  if (value === undefined) return { value, shown: 'missing', error: `${check.path} is not in the answer` };
  return { value, shown: JSON.stringify(value) };
}

async function sqlValue(check: Extract<PostCheck, { kind: 'sql' }>): Promise<Observed> {
  const url = process.env[check.urlEnv];
  if (!url) return { value: undefined, shown: '—', error: `$${check.urlEnv} is not set: it must hold the PostgreSQL URL of the system under test` };
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CHECK_TIMEOUT_MS, statement_timeout: CHECK_TIMEOUT_MS });
  await client.connect();
  try {
    const res = await client.query({ text: check.query, rowMode: 'array' });
    const row = res.rows[0] as unknown[] | undefined;
    const value = row?.[0];
    if (value === undefined) return { value, shown: 'no rows', error: 'the query returned no rows' };
    // count(*) comes back as a string (bigint): compare numbers as numbers
    const v = typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
    return { value: v, shown: JSON.stringify(v) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

function unmet(e: Expectation, value: unknown, figures: Map<string, number>): string | null {
  if (e.equals !== undefined && value !== e.equals && String(value) !== String(e.equals)) return `expected ${JSON.stringify(e.equals)}, got ${JSON.stringify(value)}`;
  if (e.equalsFigure !== undefined) {
    const f = figures.get(e.equalsFigure);
    if (f === undefined) return `the drill has no figure named ${e.equalsFigure}`;
    if (Number(value) !== f) return `expected ${e.equalsFigure} = ${f}, got ${JSON.stringify(value)}`;
  }
  if (e.min !== undefined || e.max !== undefined) {
    const n = Number(value);
    if (!Number.isFinite(n)) return `expected a number, got ${JSON.stringify(value)}`;
    if (e.min !== undefined && n < e.min) return `${n} is below the minimum ${e.min}`;
    if (e.max !== undefined && n > e.max) return `${n} is above the maximum ${e.max}`;
  }
  return null;
}

function describeExpectation(e: Expectation, figures: Map<string, number>): string {
  const parts: string[] = [];
  if (e.equals !== undefined) parts.push(`= ${JSON.stringify(e.equals)}`);
  if (e.equalsFigure !== undefined) parts.push(`= ${e.equalsFigure} (${figures.get(e.equalsFigure) ?? '?'})`);
  if (e.min !== undefined) parts.push(`≥ ${e.min}`);
  if (e.max !== undefined) parts.push(`≤ ${e.max}`);
  return parts.join(' and ') || 'answers';
}

/** Figures a check can compare with: `journeys.NAME.started|completed|failed`, `link.NAME.count|ok|errors|shed`. */
export function drillFigures(summary: Summary): Map<string, number> {
  const f = new Map<string, number>();
  for (const j of summary.journeys) {
    f.set(`journeys.${j.name}.started`, j.started);
    f.set(`journeys.${j.name}.completed`, j.completed);
    f.set(`journeys.${j.name}.failed`, j.failed);
  }
  for (const l of summary.links) {
    f.set(`link.${l.name}.count`, l.count);
    f.set(`link.${l.name}.ok`, l.outcomes.ok);
    f.set(`link.${l.name}.errors`, l.errors);
    f.set(`link.${l.name}.shed`, l.shed);
  }
  return f;
}
