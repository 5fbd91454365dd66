// The `capacity:` section: per link, a throughput target (absolute `rps`, or `baseline`
// × `growth` — last peak times the buffer) and budgets (latency percentiles, error rate,
// shed rate, Server-Timing hops).

import type { CapacitySettings, LinkTarget } from '../plan.js';
import type { Ranged } from './problems.js';
import { PERCENTILES, scanBudget } from './budget.js';
import { put, duration, entries, fields, fraction, isEmpty, list, num, str, type Ctx, type Val } from './reader.js';
import { didYouMean } from './suggest.js';
import { MAX_RATE } from './units.js';

const LINK_KEYS = ['rps', 'baseline', 'growth', ...PERCENTILES, 'errors', 'shed', 'hops', 'budgets'] as const;

export function readCapacity(ctx: Ctx, v: Val, links: ReadonlyMap<string, Ranged | null>): CapacitySettings {
  const out: CapacitySettings = { growth: 1, links: {} };
  const f = fields(ctx, v, { keys: ['growth', 'links'] });
  if (!f) return out;
  const growthV = f.get('growth');
  if (growthV && !isEmpty(growthV)) out.growth = num(ctx, growthV, { above: 0, max: 1000 }) ?? 1;
  const linksV = f.get('links');
  if (!linksV || isEmpty(linksV)) return out;
  for (const e of entries(ctx, linksV) ?? []) {
    if (!links.has(e.key)) {
      ctx.p.add('UNKNOWN_LINK', `capacity.links: no step named \`${e.key}\`${didYouMean(e.key, links.keys())}; links: ${[...links.keys()].join(', ') || '(none)'}`, e.keyAt);
    }
    const g = fields(ctx, e.value, {
      keys: LINK_KEYS,
      elsewhere: { p75: 'percentiles are p50, p90, p95, p99, p999 and max', error_rate: 'the error budget is `errors:`', target: 'the throughput target is `rps:` (or `baseline:` × `growth:`)' },
    });
    if (!g) continue;
    const get = (k: string): Val | undefined => (g.has(k) && !isEmpty(g.get(k)) ? g.get(k) : undefined);
    const t: LinkTarget = { budgets: [] };
    const rpsV = get('rps');
    const baseV = get('baseline');
    const growV = get('growth');
    if (rpsV && baseV) ctx.p.add('CONFLICT', `${e.value.path}: give \`rps:\` (absolute) or \`baseline:\` (× growth), not both`, baseV.at);
    if (rpsV) {
      const r = num(ctx, rpsV, { above: 0, max: MAX_RATE, what: `${rpsV.path} (req/s)` });
      if (r !== undefined) t.rps = r;
    }
    if (baseV) {
      const b = num(ctx, baseV, { above: 0, max: MAX_RATE, what: `${baseV.path} (req/s)` });
      if (b !== undefined) t.baseline = b;
    }
    if (growV) {
      if (!baseV) ctx.p.add('CONFLICT', `${growV.path}: growth multiplies \`baseline:\`, which this link does not have`, growV.at);
      const gr = num(ctx, growV, { above: 0, max: 1000 });
      if (gr !== undefined) t.growth = gr;
    }
    // `baseline` stays as given (no derived `rps`): the verdict shows "1.5 × last peak 10,000".
    for (const pct of PERCENTILES) {
      const pv = get(pct);
      if (!pv) continue;
      const ms = duration(ctx, pv);
      if (ms !== undefined) t.budgets.push({ kind: 'latency', percentile: pct, maxMs: ms });
    }
    const errV = get('errors');
    if (errV) {
      const x = fraction(ctx, errV);
      if (x !== undefined) t.budgets.push({ kind: 'errorRate', max: x });
    }
    const shedV = get('shed');
    if (shedV) {
      const x = fraction(ctx, shedV);
      if (x !== undefined) t.budgets.push({ kind: 'shedRate', max: x });
    }
    const hopsV = get('hops');
    if (hopsV) {
      for (const h of entries(ctx, hopsV) ?? []) {
        const hf = fields(ctx, h.value, { keys: PERCENTILES });
        if (!hf) continue;
        for (const pct of PERCENTILES) {
          const pv = hf.get(pct);
          if (!pv || isEmpty(pv)) continue;
          const ms = duration(ctx, pv);
          if (ms !== undefined) t.budgets.push({ kind: 'latency', percentile: pct, maxMs: ms, hop: h.key });
        }
      }
    }
    const budgetsV = get('budgets');
    if (budgetsV) {
      for (const item of list(ctx, budgetsV, { single: true }) ?? []) {
        const s = str(ctx, item, { want: 'a budget such as `p99<250ms`' });
        if (s === undefined) continue;
        const r = scanBudget(s);
        if ('problem' in r) ctx.p.add('BAD_BUDGET', `${item.path}: ${r.problem}`, item.at);
        else t.budgets.push(r.budget);
      }
    }
    put(out.links, e.key, t);
  }
  return out;
}

