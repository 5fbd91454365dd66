// How faithful a drill is to the traffic it came from: the recorded vs the generated share of
// each link, the gaps between arrivals (p50/p99), and the skew of keys (the share the hottest
// key and the ten hottest took). Printed after an import (recorded vs the scenario's weights
// and pools) and after a replay run (recorded vs what was sent).

import type { Plan, ReplayModel } from '../plan.js';
import type { Summary } from '../runfiles/summary.js';
import type { LogImport } from './access-log.js';
import { formatMs, formatNumber, formatRatio } from '../verdict/figures.js';
import { linkName } from './route.js';

export interface FidelityLink {
  name: string;
  recordedShare: number;
  generatedShare: number;
}

export interface FidelityKeys {
  /** `GET /api/items/:item_id item_id` */
  what: string;
  recordedTop1: number;
  generatedTop1: number;
  recordedTop10: number;
  generatedTop10: number;
}

/** A replay, second by second: the requests its schedule put in second t (the recorded ones ÷ speed) and those it sent then. */
export interface FidelitySecond {
  t: number;
  recorded: number;
  sent: number;
}

export interface Fidelity {
  links: FidelityLink[];
  gaps: { recorded: { p50Ms: number; p99Ms: number }; generated?: { p50Ms: number; p99Ms: number }; note?: string };
  keys: FidelityKeys[];
  /** After a replay run: per second, recorded (as scheduled) vs sent. */
  seconds?: FidelitySecond[];
  /** The largest |sent − recorded| / recorded over the seconds after the first (second 0 holds the start-up); null with fewer than two seconds. */
  worstSecondDiff?: number | null;
}

/** Per-second fidelity of a replay from the requests scheduled and those sent in each second. */
export function secondsFidelity(recorded: readonly number[], sent: readonly number[]): Pick<Fidelity, 'seconds' | 'worstSecondDiff'> {
  const n = Math.max(recorded.length, sent.length);
  const seconds: FidelitySecond[] = Array.from({ length: n }, (_, t) => ({ t, recorded: recorded[t] ?? 0, sent: sent[t] ?? 0 }));
  let worst: number | null = null;
  for (const x of seconds.slice(1)) if (x.recorded > 0) worst = Math.max(worst ?? 0, Math.abs(x.sent - x.recorded) / x.recorded);
  return { seconds, worstSecondDiff: worst };
}

function shares(counts: [string, number][]): { top1: number; top10: number } {
  const total = counts.reduce((a, [, c]) => a + c, 0) || 1;
  const sorted = [...counts].sort((a, b) => b[1] - a[1]);
  const sum = (n: number): number => sorted.slice(0, n).reduce((a, [, c]) => a + c, 0) / total;
  return { top1: sum(1), top10: sum(10) };
}

function countValues(values: string[]): [string, number][] {
  const m = new Map<string, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return [...m];
}

/** Recorded log vs the plan made from it: link weights and data pools. */
export function importFidelity(imp: LogImport, plan: Plan): Fidelity {
  const weights = new Map<string, number>();
  let total = 0;
  for (const j of plan.journeys) for (const s of j.steps) {
    weights.set(s.name, (weights.get(s.name) ?? 0) + j.weight);
    total += j.weight;
  }
  const links = imp.routes.map((r) => {
    const name = linkName(r.method, r.template);
    return { name, recordedShare: r.count / imp.used, generatedShare: (weights.get(name) ?? 0) / (total || 1) };
  });
  const keys: FidelityKeys[] = [];
  for (const r of imp.routes) {
    const step = plan.journeys.flatMap((j) => j.steps).find((s) => s.name === linkName(r.method, r.template));
    for (const p of r.params) {
      const pool = step?.path.match(/\{\{([A-Za-z0-9_-]+)\.value\}\}/g)?.map((m) => m.slice(2, -8)).find((n) => plan.data[n]?.source.kind === 'list' && n.startsWith(p.name));
      const feeder = pool !== undefined ? plan.data[pool] : undefined;
      if (!feeder || feeder.source.kind !== 'list') continue;
      const rec = shares(p.top);
      const gen = shares(countValues(feeder.source.rows.map((row) => row.value ?? '')));
      keys.push({ what: `${linkName(r.method, r.template)} ${p.name}`, recordedTop1: rec.top1, generatedTop1: gen.top1, recordedTop10: rec.top10, generatedTop10: gen.top10 });
    }
  }
  return { links, gaps: { recorded: { p50Ms: imp.gaps.p50Ms, p99Ms: imp.gaps.p99Ms } }, keys };
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Recorded log vs a replay run of it: the share of each link among the requests the replay
 * was to send (safe methods unless `unsafe: true`) against the share of what it sent; the
 * gaps it scheduled are the recorded ones ÷ speed, and the sends were late by the generator's
 * measured lateness. Keys are replayed as recorded (the recorded paths are sent).
 */
export function replayFidelity(imp: LogImport, load: ReplayModel, summary: Summary): Fidelity {
  const eligible = imp.routes.filter((r) => load.unsafe || SAFE.has(r.method));
  const recordedTotal = eligible.reduce((a, r) => a + r.count, 0) || 1;
  const sent = new Map(summary.links.map((l) => [l.name, l.count]));
  const sentTotal = summary.links.reduce((a, l) => a + l.count, 0) || 1;
  const links = eligible.map((r) => {
    const name = linkName(r.method, r.template);
    return { name, recordedShare: r.count / recordedTotal, generatedShare: (sent.get(name) ?? 0) / sentTotal };
  });
  const late = summary.generator?.latenessMs;
  return {
    links,
    gaps: {
      recorded: { p50Ms: imp.gaps.p50Ms, p99Ms: imp.gaps.p99Ms },
      generated: { p50Ms: imp.gaps.p50Ms / load.speed, p99Ms: imp.gaps.p99Ms / load.speed },
      note: `generated = scheduled (recorded ÷ ${load.speed})${late ? `; sends were late by p50 ${formatMs(late.p50)}, p99 ${formatMs(late.p99)}` : ''}`,
    },
    keys: [],
  };
}

const pct = formatRatio;
const ms = formatMs;

/** The fidelity table as text (pure). */
export function formatFidelity(f: Fidelity): string {
  const rows = f.links.map((l) => [l.name, pct(l.recordedShare), pct(l.generatedShare), `${formatNumber((l.generatedShare - l.recordedShare) * 100, 2, true)} pp`]);
  const head = ['link', 'recorded', 'generated', 'diff'];
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(width[i]!) : c.padStart(width[i]!))).join('  ').trimEnd();
  const out = ['fidelity: traffic mix per link', line(head), ...rows.map(line)];
  const g = f.gaps;
  out.push(`inter-arrival gaps: recorded p50 ${ms(g.recorded.p50Ms)}, p99 ${ms(g.recorded.p99Ms)}${g.generated ? `; generated p50 ${ms(g.generated.p50Ms)}, p99 ${ms(g.generated.p99Ms)}` : ''}${g.note ? ` (${g.note})` : ''}`);
  if (f.seconds && f.seconds.length > 0) {
    const worst = f.seconds.slice(1).filter((x) => x.recorded > 0).sort((a, b) => Math.abs(b.sent - b.recorded) / b.recorded - Math.abs(a.sent - a.recorded) / a.recorded)[0];
    out.push(`per second: ${f.seconds.length} seconds${worst ? `; the worst after the first, second ${worst.t}: ${worst.recorded} recorded (÷ speed), ${worst.sent} sent (${pct(Math.abs(worst.sent - worst.recorded) / worst.recorded)} off)` : ''}`);
  }
  for (const k of f.keys) {
    out.push(`key skew ${k.what}: top 1 ${pct(k.recordedTop1)} recorded / ${pct(k.generatedTop1)} generated; top 10 ${pct(k.recordedTop10)} / ${pct(k.generatedTop10)}`);
  }
  return out.join('\n');
}
