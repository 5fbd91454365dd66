// The runs list: every run, newest first, with what a TPM scans for (status, achieved rate,
// worst p99, budgets), filters by scenario and status, and two-run selection for compare.

import type { RunListEntry, Summary } from '@peakdrill/core';
import { fmtTime } from '../format.js';
import { formatCount, formatDuration, formatMs, formatNumber } from '@peakdrill/core';
import { html } from '../html.js';
import { renderDocument } from '../layout.js';
import { displayStatus, type DisplayStatus } from '../view.js';
import { statusPill } from './run.js';

export interface RunRow {
  id: string;
  scenario: string;
  startedAt: string | null;
  durationS: number | null;
  status: DisplayStatus;
  plannedRps: number | null;
  achievedRps: number | null;
  peakRps: number | null;
  worstP99: { link: string; ms: number } | null;
  links: number;
  budgets: { total: number; failed: number };
  isolationFailed: number;
  abortReason: string | null;
  problem: string | null;
}

export function runRow(e: RunListEntry, nowMs = Date.now()): RunRow {
  const s: Summary | null = e.summary;
  let worst: RunRow['worstP99'] = null;
  for (const l of s?.links ?? []) if (!worst || (l.latencyMs?.p99 ?? 0) > worst.ms) worst = { link: l.name, ms: l.latencyMs?.p99 ?? 0 };
  const budgets = (s?.links ?? []).flatMap((l) => l.verdict?.budgets ?? []);
  return {
    id: e.id,
    scenario: s?.scenario ?? '(unreadable)',
    startedAt: s?.startedAt ?? null,
    durationS: s?.durationS ?? null,
    status: displayStatus(s, e.updatedMs, nowMs),
    plannedRps: s?.plannedRps ?? null,
    achievedRps: s?.achievedRps ?? null,
    peakRps: s?.peakRps ?? null,
    worstP99: worst,
    links: s?.links.length ?? 0,
    budgets: { total: budgets.length, failed: budgets.filter((b) => !b.passed).length },
    isolationFailed: [...(s?.isolation ?? []), ...(s?.invariants ?? [])].filter((c) => !c.passed).length,
    abortReason: s?.abort ? s.abort.reason : null,
    problem: e.problem,
  };
}

export interface RunsFilter {
  scenario?: string;
  status?: string;
}

export function filterRows(rows: RunRow[], f: RunsFilter): RunRow[] {
  return rows.filter((r) => (!f.scenario || r.scenario === f.scenario) && (!f.status || r.status === f.status));
}

export interface RunsView {
  page: 'runs';
  rows: RunRow[];
  scenarios: string[];
  filter: RunsFilter;
  total: number;
  live: number;
}

export function renderRunsPage(v: RunsView): string {
  const statuses: DisplayStatus[] = ['live', 'passed', 'failed', 'aborted', 'error', 'stalled'];
  const body = html`
<section class="card">
<form class="toolbar" method="get" action="/">
<h2>Runs</h2>
<span class="muted">${formatCount(v.rows.length)} of ${formatCount(v.total)}${v.live ? html` · <b class="pill live">● ${formatCount(v.live)} live</b>` : ''}</span>
<span class="spacer"></span>
<label>Scenario <select name="scenario" data-filter="scenario"><option value="">all</option>${v.scenarios.map((s) => html`<option value="${s}" ${v.filter.scenario === s ? 'selected' : ''}>${s}</option>`)}</select></label>
<label>Status <select name="status" data-filter="status"><option value="">all</option>${statuses.map((s) => html`<option value="${s}" ${v.filter.status === s ? 'selected' : ''}>${s}</option>`)}</select></label>
<button type="submit">Filter</button>
</form>
${v.rows.length === 0
    ? html`<p class="muted">${v.total === 0 ? 'No runs yet. Start one with `peakdrill run scenario.yaml` (or `peakdrill demo`); it appears here as soon as it starts.' : 'No run matches these filters.'}</p>`
    : html`<form method="get" action="/compare" data-compare-form>
<table class="runs" data-testid="runs-table">
<thead><tr><th title="pick two runs to compare">Compare</th><th>Status</th><th>Scenario · run</th><th>Started</th><th class="num">Duration</th><th class="num">Achieved rate</th><th class="num">Worst p99</th><th>Budgets</th></tr></thead>
<tbody>${v.rows.map((r) => html`<tr class="${r.status === 'failed' || r.status === 'error' ? 'failed-row' : ''}" data-run="${r.id}" data-status="${r.status}">
<td><input type="checkbox" name="run" value="${r.id}" aria-label="compare ${r.id}"></td>
<td>${statusPill(r.status)}</td>
<td><a class="scenario" href="/runs/${encodeURIComponent(r.id)}">${r.scenario}</a><div class="small muted mono">${r.id}</div>${r.abortReason ? html`<div class="small">■ ${r.abortReason}</div>` : ''}${r.problem ? html`<div class="small muted">${r.problem}</div>` : ''}</td>
<td>${fmtTime(r.startedAt)}</td>
<td class="num">${formatDuration(r.durationS)}</td>
<td class="num">${r.achievedRps === null ? '—' : html`${formatNumber(r.achievedRps, r.achievedRps < 100 ? 1 : 0)} req/s`}${r.peakRps ? html`<div class="small muted">peak ${formatCount(r.peakRps)}</div>` : ''}${r.plannedRps ? html`<div class="small muted">planned ${formatCount(r.plannedRps)}</div>` : ''}</td>
<td class="num">${r.worstP99 ? html`${formatMs(r.worstP99.ms)}<div class="small muted">${r.worstP99.link}</div>` : '—'}</td>
<td>${r.budgets.total ? html`<span class="${r.budgets.failed ? 'budget bad' : 'budget ok'}">${r.budgets.failed ? `✗ ${r.budgets.failed} of ${r.budgets.total} missed` : `✓ ${r.budgets.total} met`}</span>` : html`<span class="muted small">no budgets</span>`}${r.isolationFailed ? html` <span class="budget bad">✗ ${r.isolationFailed} isolation</span>` : ''}</td>
</tr>`)}</tbody>
</table>
<div class="toolbar top-gap"><button type="submit" class="primary" data-action="compare">Compare the two selected runs</button><span class="small muted">tick a base run and a new run</span></div>
</form>`}
</section>`;
  return renderDocument({ title: 'Runs · peakdrill', body, data: v, assets: 'linked', nav: 'runs', charts: false });
}
