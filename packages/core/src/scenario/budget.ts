// Budgets: what a link may spend. The one-line syntax (`p99<250ms`, `errors<0.1%`,
// `shed<5%`, `hop:db.p99<50ms`) is shared by quick mode's `--budget` and the scenario's
// `capacity.links.*.budgets` list; the scenario's keyed form (`p99: 250ms`) maps to the same.

import { UserError } from '../errors.js';
import type { Budget, Percentile } from '../plan.js';
import { didYouMean } from './suggest.js';
import { durationProblem, fractionProblem, parseDuration, parsePercent } from './units.js';

export const PERCENTILES: readonly Percentile[] = ['p50', 'p90', 'p95', 'p99', 'p999', 'max'];
const METRICS = ['p50', 'p90', 'p95', 'p99', 'p999', 'max', 'errors', 'error_rate', 'shed', 'shed_rate'] as const;
const BUDGET_RE = /^\s*(?:hop:(\S+)\.(p50|p90|p95|p999|p99|max)|([A-Za-z_][A-Za-z0-9_]*))\s*(<=|<)\s*(\S.*?)\s*$/;

export function isPercentile(s: string): s is Percentile {
  return (PERCENTILES as readonly string[]).includes(s);
}

/** Parses a budget, or says why it is not one. */
export function scanBudget(s: string): { budget: Budget } | { problem: string } {
  const m = BUDGET_RE.exec(s);
  const help = 'write e.g. `p99<250ms`, `errors<0.1%`, `shed<5%` or `hop:db.p99<50ms`';
  if (!m) return { problem: `\`${s}\` is not a budget; ${help}` };
  const [, hop, hopMetric, metric, , value] = m;
  const what = (hopMetric ?? metric)!;
  if (!(METRICS as readonly string[]).includes(what)) {
    return { problem: `\`${s}\`: unknown measure \`${what}\`${didYouMean(what, ['p50', 'p90', 'p95', 'p99', 'p999', 'max', 'errors', 'shed'])}; measures: p50, p90, p95, p99, p999, max, errors, shed` };
  }
  if (isPercentile(what)) {
    const problem = durationProblem(value!);
    if (problem !== undefined) return { problem: `\`${s}\`: ${problem}` };
    const maxMs = parseDuration(value!);
    if (maxMs <= 0) return { problem: `\`${s}\`: a latency budget must be more than 0` };
    return { budget: hop !== undefined ? { kind: 'latency', percentile: what, maxMs, hop } : { kind: 'latency', percentile: what, maxMs } };
  }
  const problem = fractionProblem(value!);
  if (problem !== undefined) return { problem: `\`${s}\`: ${problem}` };
  const max = parsePercent(value!);
  return { budget: what.startsWith('error') ? { kind: 'errorRate', max } : { kind: 'shedRate', max } };
}

/** `p99<250ms` → `{kind:'latency', percentile:'p99', maxMs:250}`. Throws UserError `BAD_BUDGET`. */
export function parseBudget(s: string): Budget {
  const r = scanBudget(s);
  if ('problem' in r) throw new UserError('BAD_BUDGET', r.problem);
  return r.budget;
}

/** A budget in the one-line syntax, for messages and reports: `p99<=250ms`, `errors<=0.1%`. */
export function formatBudget(b: Budget): string {
  const pct = (x: number): string => `${+(x * 100).toPrecision(6)}%`;
  switch (b.kind) {
    case 'latency':
      return `${b.hop !== undefined ? `hop:${b.hop}.` : ''}${b.percentile}<=${+b.maxMs.toPrecision(6)}ms`;
    case 'errorRate':
      return `errors<=${pct(b.max)}`;
    case 'shedRate':
      return `shed<=${pct(b.max)}`;
  }
}
