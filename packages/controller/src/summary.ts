// summary.json from the aggregator's totals. Verdicts and post-drill checks are added by the
// drill's finalize step; this builds the figures.

import { emptyOutcomes, newHistogram, plannedAverageRps, redactPlan, summarizeHistogram, tallyOutcomes, type AbortInfo, type LinkSummary, type RunStatus, type Summary } from '@peakdrill/core';
import { linkTransports } from '@peakdrill/engine';
import type { Aggregator } from './aggregate.js';
import type { Drill } from './drill.js';

export interface SummaryInput {
  drill: Drill;
  aggregator: Aggregator;
  workers: number;
  notes: string[];
}

export function buildSummary(input: SummaryInput, status: RunStatus, abort: AbortInfo | null): Summary {
  const { drill, aggregator } = input;
  const plan = drill.plan;
  const ended = status === 'running' ? null : new Date();
  const plannedS = drill.durationMs / 1000;
  // rates are per second of the planned window (or of the seconds actually run when stopped early)
  const seconds = Math.max(1, status === 'aborted' ? Math.min(aggregator.secondsClosed, plannedS) : plannedS);
  const stepOrder = plan.journeys.flatMap((j) => j.steps.map((s) => ({ name: s.name, journey: j.name })));
  const seen = new Set<string>();
  const transports = linkTransports(plan);
  const links: LinkSummary[] = [];
  for (const { name, journey } of stepOrder) {
    if (seen.has(name)) continue;
    seen.add(name);
    const t = aggregator.links.get(name);
    const tally = t ? tallyOutcomes(t.outcomes) : { count: 0, errors: 0, shed: 0 };
    const count = tally.count;
    const target = plan.capacity.links[name];
    const targetRps = target?.rps ?? (target?.baseline !== undefined ? target.baseline * (target.growth ?? plan.capacity.growth) : undefined);
    links.push({
      name,
      journey,
      count,
      errors: tally.errors,
      shed: t ? t.outcomes.shed : 0,
      outcomes: t ? { ...t.outcomes } : emptyOutcomes(),
      rps: Math.round((count / seconds) * 10) / 10,
      latencyMs: t ? summarizeHistogram(t.latency) : summarizeHistogram(newHistogram()),
      serviceTimeMs: t ? summarizeHistogram(t.service) : summarizeHistogram(newHistogram()),
      target: targetRps ?? null,
      verdict: null,
      hops: t ? [...t.hops].map(([hop, h]) => ({ name: hop, ...pick(summarizeHistogram(h)), count: h.totalCount })).sort((a, b) => b.p99 - a.p99) : [],
      ...(t && t.tagSent > 0 ? { tagCoverage: { sent: t.tagSent, acknowledged: t.tagAcknowledged } } : {}),
      transport: transports.get(name) ?? 'undici',
    });
  }
  const total = links.reduce((a, l) => a + l.count, 0);
  const journeys = plan.journeys.map((j) => {
    const t = aggregator.journeys.get(j.name) ?? { started: 0, completed: 0, failed: 0, shed: 0 };
    return { name: j.name, ...t, interrupted: Math.max(0, t.started - t.completed - t.failed - t.shed) };
  });
  const plannedRps = plan.load.model === 'open' ? plannedAverageRps(plan.load) : null;
  return {
    id: drill.runId,
    scenario: plan.name,
    startedAt: new Date(drill.runStartMs || drill.startedAt.getTime()).toISOString(),
    endedAt: ended ? ended.toISOString() : null,
    status,
    durationS: Math.round(seconds * 1000) / 1000,
    model: plan.load.model,
    latencyFrom: plan.load.model === 'closed' ? 'sent' : 'scheduled',
    plannedRps,
    achievedRps: Math.round((total / seconds) * 10) / 10,
    peakRps: aggregator.peakRps,
    workers: input.workers,
    links,
    journeys,
    dropped: aggregator.dropped,
    ...(plan.load.model !== 'closed' ? { schedulerLateP99Ms: aggregator.lateP99Us / 1000 } : {}),
    maxInFlightHit: aggregator.dropped > 0,
    shadow: drill.tagging ? { mode: 'tagged', secretEnv: plan.shadow.secretEnv } : { mode: 'off' },
    isolation: [],
    invariants: [],
    abort,
    notes: [...input.notes],
    plan: redactPlan(plan),
    passed: status === 'passed' || status === 'running',
  };
}

function pick(s: { p50: number; p99: number }): { p50: number; p99: number } {
  return { p50: s.p50, p99: s.p99 };
}
