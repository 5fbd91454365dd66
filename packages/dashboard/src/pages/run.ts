// The run page: one function for the dashboard and the report (only the asset mode differs).
// Verdict first (what a TPM asks), then the curves, then the evidence (checks, scenario).

import type { BudgetResult, LinkSummary, PostCheckResult, Summary } from '@peakdrill/core';
import { fmtTime } from '../format.js';
import { formatBudgetFigure, formatCount, formatDuration, formatMs, formatNumber, formatRatio, formatRps } from '@peakdrill/core';
import { html, type SafeHtml } from '../html.js';
import { renderDocument, type AssetMode } from '../layout.js';
import type { DisplayStatus, RunView } from '../view.js';
import { faultsSection } from './faults.js';
import { steadinessSection } from './steadiness.js';
import { chainSection } from './chain.js';
import { fidelitySection } from './fidelity.js';
import { runNotesSection } from './campaign-notes.js';
import { controlSection } from './control.js';

const STATUS_TEXT: Record<DisplayStatus, { icon: string; text: string }> = {
  passed: { icon: '✓', text: 'PASSED' },
  failed: { icon: '✗', text: 'FAILED' },
  aborted: { icon: '■', text: 'ABORTED' },
  live: { icon: '', text: 'LIVE' },
  stalled: { icon: '?', text: 'STALLED' },
  error: { icon: '!', text: 'ERROR' },
  inconclusive: { icon: '?', text: 'INCONCLUSIVE' },
};

/** How the generators kept up: a warning when they did not (the figures then describe the tool). */
export function generatorCallout(s: Summary): SafeHtml | '' {
  const g = s.generator;
  if (!g) return '';
  const figures = html`<div class="small mono">lateness p99 ${formatMs(g.latenessMs.p99)} (bound ${formatMs(g.boundMs)}) · max ${formatMs(g.latenessMs.max)} · event-loop delay p99 ${formatMs(g.eventLoopDelayMs.p99)} · cpu mean ${formatRatio(g.cpu.mean)}, max ${formatRatio(g.cpu.max)} · dropped ${formatCount(g.dropped)}</div>`;
  if (g.keptUp) return html`<p class="small muted" data-testid="generator">Generators kept up. ${figures}</p>`;
  return html`<div class="callout inconclusive" data-testid="generator"><strong>Inconclusive: the generator fell behind, so these figures describe the tool, not the target</strong><ul>${g.behind.map((b) => html`<li>${b.reason}</li>`)}</ul>${g.advice}${figures}</div>`;
}

export function statusBadge(status: DisplayStatus): SafeHtml {
  const s = STATUS_TEXT[status];
  return html`<span class="badge ${status}" data-status="${status}">${status === 'live' ? html`<span class="dot"></span>` : html`<span aria-hidden="true">${s.icon}</span>`}${s.text}</span>`;
}

export function statusPill(status: DisplayStatus | 'none'): SafeHtml {
  if (status === 'none') return html`<span class="pill none">no target</span>`;
  const s = STATUS_TEXT[status];
  return html`<span class="pill ${status}" data-status="${status}">${status === 'live' ? '●' : s.icon} ${s.text.toLowerCase()}</span>`;
}

function budgetChip(b: BudgetResult): SafeHtml {
  return html`<span class="budget ${b.passed ? 'ok' : 'bad'}" title="${b.reason}" data-budget="${b.passed ? 'passed' : 'failed'}">${b.passed ? '✓' : '✗'} ${b.budget}: <b>${formatBudgetFigure(b.measured, b.unit)}</b></span>`;
}

function worstP99(s: Summary): { link: string; ms: number } | null {
  let w: { link: string; ms: number } | null = null;
  for (const l of s.links) if (!w || (l.latencyMs?.p99 ?? 0) > w.ms) w = { link: l.name, ms: l.latencyMs?.p99 ?? 0 };
  return w;
}

function verdictTable(s: Summary): SafeHtml {
  if (s.links.length === 0) return html`<p class="muted">No link has reported yet.</p>`;
  const win = s.links.find((l) => l.verdict)?.verdict?.window;
  return html`<table class="verdict" data-testid="verdict-table">
<thead><tr><th>Link</th><th>Verdict</th><th class="num">Target</th><th class="num">Achieved</th><th class="num">Headroom</th><th class="num">p99</th><th class="num">Errors</th><th>Budgets</th></tr></thead>
<tbody>${s.links.map((l) => verdictRow(l))}</tbody>
</table>
${win ? html`<p class="small muted">Verdicts are computed over the hold stages: seconds ${win.fromS}–${win.toS} of the run. Headroom = achieved ÷ target.</p>` : ''}`;
}

function verdictRow(l: LinkSummary): SafeHtml {
  const v = l.verdict;
  const failed = v ? !v.passed : false;
  const headroom = v?.headroom;
  const errRate = l.count > 0 ? l.errors / l.count : 0;
  // Red when the throughput budget failed (the verdict allows a tolerance below the target).
  const rpsBudget = v?.budgets.find((b) => b.unit === 'rps');
  const short = rpsBudget ? !rpsBudget.passed : (headroom ?? 1) < 1;
  return html`<tr class="${failed ? 'failed-row' : ''}" data-link="${l.name}" data-verdict="${v ? (v.passed ? 'passed' : 'failed') : 'none'}">
<td><b>${l.name}</b>${l.journey ? html`<div class="small muted">journey ${l.journey}</div>` : ''}</td>
<td>${v ? statusPill(v.passed ? 'passed' : 'failed') : statusPill('none')}</td>
<td class="num">${v?.targetRps !== undefined ? formatRps(v.targetRps) : l.target !== null && l.target !== undefined ? formatRps(l.target) : '—'}</td>
<td class="num">${formatRps(v?.achievedRps ?? l.rps)}</td>
<td class="num">${headroom !== undefined && headroom !== null ? html`<div class="headroom"><span>${formatNumber(headroom, 2)}×</span><span class="bar ${short ? 'short' : ''}"><i data-width="${Math.max(0, Math.min(100, headroom * 50)).toFixed(0)}"></i></span></div>` : '—'}</td>
<td class="num">${formatMs(l.latencyMs?.p99)}</td>
<td class="num">${formatRatio(errRate)}</td>
<td><div class="budgets">${v && v.budgets.length ? v.budgets.map(budgetChip) : html`<span class="muted small">none</span>`}</div></td>
</tr>`;
}

function checksTable(title: string, checks: PostCheckResult[], what: string): SafeHtml {
  return html`<section class="card" data-testid="${what}">
<h2>${title}</h2>
${checks.length === 0
    ? html`<p class="muted">No ${what} checks in this scenario.</p>`
    : html`<table><thead><tr><th>Check</th><th>Kind</th><th>Expected</th><th>Actual</th><th>Result</th></tr></thead><tbody>
${checks.map((c) => html`<tr class="${c.passed ? '' : 'failed-row'}"><td><b>${c.name}</b>${c.error ? html`<div class="small muted">${c.error}</div>` : ''}</td><td>${c.kind}</td><td class="mono">${c.expected}</td><td class="mono">${c.actual}</td><td>${statusPill(c.passed ? 'passed' : 'failed')}</td></tr>`)}
</tbody></table>`}
</section>`;
}

function chart(kind: string, link: number | null, label: string, tall = false): SafeHtml {
  return html`<div class="chart${tall ? ' tall' : ''}"><canvas data-chart="${kind}" data-link="${link === null ? '' : String(link)}" role="img" aria-label="${label}"></canvas></div>`;
}

function linkSection(view: RunView, l: { link: string }, i: number): SafeHtml {
  const s = view.summary.links.find((x) => x.name === l.link);
  const hasHops = (s?.hops?.length ?? 0) > 0;
  return html`<section class="card link" data-link-section="${l.link}">
<div class="link-head"><h3>${l.link}</h3>${s?.verdict ? statusPill(s.verdict.passed ? 'passed' : 'failed') : ''}
<span class="stats" data-link-stats="${String(i)}">${s ? html`${formatCount(s.count)} requests · ${formatCount(s.errors)} errors · ${formatCount(s.shed)} shed · p50 ${formatMs(s.latencyMs?.p50)} · p99 ${formatMs(s.latencyMs?.p99)} · max ${formatMs(s.latencyMs?.max)}` : ''}</span></div>
<div class="charts">
${chart('rps', i, `${l.link}: achieved vs planned rate`)}
${chart('latency', i, `${l.link}: latency over time`)}
${chart('outcomes', i, `${l.link}: errors and sheds by class`)}
${chart('percentiles', i, `${l.link}: latency by percentile`)}
${hasHops ? chart('hops', i, `${l.link}: Server-Timing by hop`) : ''}
</div>
</section>`;
}

function scenarioSection(s: Summary, load: RunView['load']): SafeHtml {
  const p = s.plan;
  if (!p) return html``;
  return html`<section class="card" data-testid="scenario">
<h2>Scenario as it ran</h2>
<dl class="kv">
<dt>Name</dt><dd>${p.name}</dd>
${p.description ? html`<dt>Description</dt><dd>${p.description}</dd>` : ''}
<dt>Source</dt><dd class="mono">${p.source}</dd>
<dt>Targets</dt><dd>${Object.entries(p.targets ?? {}).map(([k, v]) => html`<div><b>${k}</b> <span class="mono">${v}</span></div>`)}</dd>
<dt>Load</dt><dd data-testid="load">${load ? html`${load.words}${load.stages.length ? html`<div class="small muted">${load.stages.join(' · ')}</div>` : ''}` : '—'}</dd>
<dt>Shadow traffic</dt><dd>${p.shadow?.enabled ? html`tagged; secret read from <span class="mono">$${p.shadow.secretEnv}</span> (never stored)` : 'off'}</dd>
<dt>Journeys</dt><dd>${(p.journeys ?? []).map((j) => html`<div><b>${j.name}</b> (weight ${formatCount(j.weight)}): ${j.steps.map((st, k) => html`${k ? ' → ' : ''}<span class="mono">${st.name}</span>`)}</div>`)}</dd>
</dl>
<details><summary>Full plan (JSON, secrets masked)</summary><pre>${JSON.stringify(p, null, 2)}</pre></details>
</section>`;
}

export function renderRunBody(view: RunView): SafeHtml {
  const s = view.summary;
  const w = worstP99(s);
  const budgets = s.links.flatMap((l) => l.verdict?.budgets ?? []);
  const failedBudgets = budgets.filter((b) => !b.passed).length;
  // A live run's summary is the one written at its start: its figures come from the seconds so far.
  const live = view.status === 'live';
  const totals = Object.values(view.totals);
  const totalCount = live ? totals.reduce((a, t) => a + t.count, 0) : s.links.reduce((a, l) => a + (l.count || 0), 0);
  const totalErrors = live ? totals.reduce((a, t) => a + t.errors, 0) : s.links.reduce((a, l) => a + (l.errors || 0), 0);
  const isolationFailed = [...s.isolation, ...s.invariants].filter((c) => !c.passed).length;
  const reportMode = view.api === null;
  return html`
<section class="card hero-card">
<div class="hero">
<div>${statusBadge(view.status)}</div>
<div>
<h1>${s.scenario}</h1>
<div class="meta"><span class="mono">${s.id}</span><span>started ${fmtTime(s.startedAt)}</span><span data-kpi="duration">${formatDuration(s.durationS)}</span><span>${s.model === 'closed' ? 'closed model' : s.model === 'replay' ? 'replay of a recording' : 'open model'}</span><span>latency from ${s.latencyFrom === 'sent' ? 'send' : 'scheduled send (no coordinated omission)'}</span><span>${formatCount(s.workers)} workers</span></div>
</div>
</div>
<div class="kpis">
<div class="kpi"><div class="label">Planned rate</div><div class="value">${s.plannedRps !== null && s.plannedRps !== undefined ? formatCount(s.plannedRps) : '—'} <small>req/s</small></div></div>
<div class="kpi"><div class="label">Achieved rate</div><div class="value" data-kpi="rps">${formatNumber(s.achievedRps, s.achievedRps < 100 ? 1 : 0)} <small>req/s</small></div></div>
<div class="kpi"><div class="label">Requests</div><div class="value" data-kpi="requests">${formatCount(totalCount)}</div></div>
<div class="kpi ${totalErrors > 0 ? 'bad' : ''}"><div class="label">Errors</div><div class="value" data-kpi="errors">${formatCount(totalErrors)} <small>${totalCount ? formatRatio(totalErrors / totalCount) : ''}</small></div></div>
<div class="kpi"><div class="label">Worst p99</div><div class="value" data-kpi="p99">${w ? formatMs(w.ms) : '—'}</div><div class="small muted">${w ? w.link : ''}</div></div>
<div class="kpi ${failedBudgets ? 'bad' : ''}"><div class="label">Budgets met</div><div class="value">${budgets.length ? html`${formatCount(budgets.length - failedBudgets)} <small>of ${formatCount(budgets.length)}</small>` : html`— <small>no budgets</small>`}</div></div>
<div class="kpi ${isolationFailed ? 'bad' : ''}"><div class="label">Isolation &amp; invariants</div><div class="value">${isolationFailed ? `${isolationFailed} failed` : s.isolation.length + s.invariants.length ? 'all passed' : '—'}</div></div>
</div>
</section>
${s.abort ? html`<div class="callout" data-testid="abort"><strong>Stopped by abort rule “${s.abort.rule}” at ${formatDuration(s.abort.atS)}</strong>${s.abort.reason}${Object.keys(s.abort.figures ?? {}).length ? html`<div class="small mono">${Object.entries(s.abort.figures).map(([k, v]) => html`${k} = ${formatNumber(v, 3)}  `)}</div>` : ''}</div>` : ''}
${generatorCallout(s)}
${s.status === 'error' && s.error ? html`<div class="callout error"><strong>The drill could not run</strong>${s.error}</div>` : ''}
${s.notes.length ? html`<div class="callout"><strong>Notes</strong><ul>${s.notes.map((n) => html`<li>${n}</li>`)}</ul></div>` : ''}
${controlSection(view)}
<section class="card"><h2>Verdict against capacity targets</h2>${live ? html`<p class="small muted">The drill is in progress: these verdicts are provisional and become final when it ends.</p>` : ''}${verdictTable(s)}</section>
${runNotesSection(view)}
${faultsSection(s)}
<section class="card">
<div class="toolbar"><h2>All links over time</h2><span class="spacer"></span>
<span class="small muted">shaded: the verdict window (hold stages)${s.abort ? ' · dashed red: the abort' : ''}${s.faults?.length ? ' · orange bands: faults' : ''} · </span><span class="small muted" data-resolution>${view.series.resolutionS > 1 ? `one point ≈ ${view.series.resolutionS} s (min, max and last kept per bucket)` : 'full resolution (1 point per second)'}</span>
${reportMode ? html`<a class="button" href="timeseries.ndjson">Raw per-second data</a>` : html`<button type="button" data-action="full-resolution" ${view.series.resolutionS > 1 ? '' : 'disabled'}>Full resolution</button><a class="button" href="${view.api ?? ''}/files/timeseries.ndjson">timeseries.ndjson</a><a class="button" href="${view.api ?? ''}/files/histograms.hlog">histograms.hlog</a><a class="button" href="${view.api ?? ''}/files/report.html">report.html</a>`}
</div>
<div class="charts">${chart('overview-rps', null, 'achieved rate of every link', true)}${chart('overview-p99', null, 'p99 latency of every link', true)}</div>
</section>
${observeSection(view)}
${view.series.links.map((l, i) => linkSection(view, l, i))}
${fidelitySection(view.fidelity)}
${steadinessSection(s)}
${chainSection(view.chain)}
<div class="grid2">
${checksTable('Isolation checks (no test data in production)', s.isolation, 'isolation')}
${checksTable('Invariants', s.invariants, 'invariants')}
</div>
${s.agents && s.agents.length ? html`<section class="card"><h2>Load generators</h2><table><thead><tr><th>Agent</th><th class="num">Share</th><th class="num">Achieved</th><th class="num">Requests</th><th>Lost</th></tr></thead><tbody>${s.agents.map((a) => html`<tr><td>${a.name}</td><td class="num">${formatRatio(a.share)}</td><td class="num">${formatRps(a.achievedRps)}</td><td class="num">${formatCount(a.count)}</td><td>${a.lost ? `at ${formatDuration(a.lost.atS)}: ${a.lost.reason}` : '—'}</td></tr>`)}</tbody></table></section>` : ''}
${scenarioSection(s, view.load)}
<footer>peakdrill · run ${s.id}</footer>`;
}

/** `observe:` — the target's own metrics, one chart per source, beside the client-side figures. */
function observeSection(view: RunView): SafeHtml | string {
  if (view.observe.length === 0) return '';
  return html`<section class="card" data-testid="observe">
<div class="toolbar"><h2>The target's side</h2><span class="spacer"></span><span class="small muted">scraped each second from the scenario's <code>observe:</code> sources · counters (<code>_total</code>) as per-second increases</span></div>
<div class="charts">${view.observe.map((o, i) => chart('observe', i, `${o.name}: ${o.series.map((x) => x.name).join(', ')}`))}</div>
</section>`;
}

/** The run page as a whole HTML document (dashboard: `linked` assets; report: `inline`). */
export function renderRunPage(view: RunView, assets: AssetMode): string {
  return renderDocument({ title: `${view.summary.scenario} · ${STATUS_TEXT[view.status].text.toLowerCase()} · peakdrill`, body: renderRunBody(view), data: view, assets, nav: 'run', charts: true });
}
