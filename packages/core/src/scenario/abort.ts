// Safety stops: rules evaluated live on the per-second aggregate; when one holds for its
// `for:` window the drill stops. Forms:
//   `error_rate > 5%` / `error_rate(order.create) > 5%`      (errors over all answers)
//   `p99 > 2s` / `p99(order.create) > 2s` (any of p50 p90 p95 p99 p999 max)
//   `{ health: URL }`                                          (the URL stops answering 2xx)
//   `{ metric: "pool_waiting > 10", url: URL }`                (a Prometheus figure crosses a line)
// Each takes `for: 10s` (default 0: the first bad second fires); the string form may end in
// `for 10s` instead. Without a link, a rule looks at all links together.

import { UserError } from '../errors.js';
import type { AbortRule } from '../plan.js';
import { isPercentile } from './budget.js';
import { durationProblem, fractionProblem, parseDuration, parsePercent, formatScenarioDuration } from './units.js';
import { urlProblem } from './allowlist.js';
import { isScalar } from 'yaml';
import type { UrlUse } from './post-checks.js';
import type { Ranged } from './problems.js';
import { duration, fields, isEmpty, list, str, type Ctx, type Val } from './reader.js';
import { didYouMean } from './suggest.js';
import { resolveTargetUrl } from './target-url.js';

export interface AbortRuleInput {
  when?: string;
  health?: string;
  metric?: string;
  url?: string;
  for?: string | number;
}

const WHEN_RE = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\(\s*([^()]*?)\s*\))?\s*(>=|>)\s*(\S+)\s*(?:for\s+(\S+))?\s*$/;
const METRIC_RE = /^\s*([A-Za-z_:][A-Za-z0-9_:]*(?:\{[^{}]*\})?)\s*(>=|>)\s*(\S+)\s*$/;

type Scan = { rule: AbortRule } | { problem: string };

function forMs(v: string | number | undefined): { ms: number } | { problem: string } {
  if (v === undefined) return { ms: 0 };
  if (typeof v === 'number') return v === 0 ? { ms: 0 } : { problem: `\`for: ${v}\` has no unit; write \`${v}s\`` };
  const p = durationProblem(v);
  if (p !== undefined) return { problem: `for: ${p}` };
  return { ms: parseDuration(v) };
}

/** Parses `error_rate > 5% for 10s`, `p99(order.create) > 2s`, or the object forms. */
export function scanAbortRule(input: string | AbortRuleInput): Scan {
  const obj: AbortRuleInput = typeof input === 'string' ? { when: input } : input;
  const kinds = ['when', 'health', 'metric'].filter((k) => obj[k as keyof AbortRuleInput] !== undefined);
  if (kinds.length !== 1) return { problem: 'an abort rule needs exactly one of `when:`, `health:` or `metric:`' };
  const f = forMs(obj.for);
  if ('problem' in f) return f;
  const forText = obj.for !== undefined ? ` for ${typeof obj.for === 'number' ? formatScenarioDuration(obj.for) : obj.for}` : '';

  if (obj.health !== undefined) {
    const p = urlProblem(obj.health);
    if (p !== undefined) return { problem: `health: ${p}` };
    return { rule: { kind: 'health', url: obj.health, forMs: f.ms, text: `health ${obj.health}${forText}` } };
  }
  if (obj.metric !== undefined) {
    const m = METRIC_RE.exec(obj.metric);
    if (!m) return { problem: `\`${obj.metric}\` is not a metric rule; write e.g. \`pool_waiting > 10\`` };
    const above = Number(m[3]);
    if (!Number.isFinite(above)) return { problem: `\`${obj.metric}\`: \`${m[3]}\` is not a number` };
    if (obj.url === undefined) return { problem: 'a metric rule needs the `url:` of the Prometheus /metrics page' };
    const p = urlProblem(obj.url);
    if (p !== undefined) return { problem: `url: ${p}` };
    return { rule: { kind: 'metric', url: obj.url, metric: m[1]!, above, forMs: f.ms, text: `${obj.metric.trim()} at ${obj.url}${forText}` } };
  }
  if (obj.url !== undefined) return { problem: '`url:` belongs to a `metric:` rule' };
  const when = obj.when!;
  const m = WHEN_RE.exec(when);
  const help = 'write e.g. `error_rate > 5%` or `p99(order.create) > 2s`';
  if (!m) return { problem: `\`${when}\` is not an abort rule; ${help}` };
  const [, measure, link, , value, inlineFor] = m;
  let ms = f.ms;
  let text = when.trim();
  if (inlineFor !== undefined) {
    if (obj.for !== undefined) return { problem: `\`${when}\` says \`for\` twice` };
    const g = forMs(inlineFor);
    if ('problem' in g) return g;
    ms = g.ms;
  } else text += forText;
  const linkPart = link !== undefined && link !== '' ? { link } : {};
  if (link === '') return { problem: `\`${when}\`: empty link name in \`()\`` };
  if (measure === 'error_rate' || measure === 'errors') {
    const p = fractionProblem(value!);
    if (p !== undefined) return { problem: `\`${when}\`: ${p}` };
    return { rule: { kind: 'errorRate', ...linkPart, above: parsePercent(value!), forMs: ms, text } };
  }
  if (isPercentile(measure!)) {
    const p = durationProblem(value!);
    if (p !== undefined) return { problem: `\`${when}\`: ${p}` };
    return { rule: { kind: 'latency', ...linkPart, percentile: measure, aboveMs: parseDuration(value!), forMs: ms, text } };
  }
  return { problem: `\`${when}\`: unknown measure \`${measure}\`${didYouMean(measure!, ['error_rate', 'p50', 'p90', 'p95', 'p99', 'p999', 'max'])}; measures: error_rate, p50, p90, p95, p99, p999, max` };
}

/** Throws UserError `BAD_ABORT_RULE` when the rule is malformed. */
export function parseAbortRule(input: string | AbortRuleInput): AbortRule {
  const r = scanAbortRule(input);
  if ('problem' in r) throw new UserError('BAD_ABORT_RULE', r.problem);
  return r.rule;
}

/** Reads the `abort:` list: each item a string or `{when|health|metric, url, for}`. */
export function readAbort(ctx: Ctx, v: Val, links: ReadonlyMap<string, Ranged | null>, urls: UrlUse[], targets: Readonly<Record<string, string>> = {}): AbortRule[] {
  const out: AbortRule[] = [];
  for (const item of list(ctx, v) ?? []) {
    let input: string | AbortRuleInput;
    let whenV: Val | undefined;
    let urlV: Val | undefined;
    if (isScalar(item.node) && typeof item.node.value === 'string') {
      input = item.node.value;
      whenV = item;
    } else {
      const f = fields(ctx, item, { keys: ['when', 'health', 'metric', 'url', 'target', 'for'] });
      if (!f) continue;
      const obj: AbortRuleInput = {};
      let ok = true;
      for (const k of ['when', 'health', 'metric', 'url'] as const) {
        const kv = f.get(k);
        if (!kv || isEmpty(kv)) continue;
        const s = str(ctx, kv);
        if (s === undefined) ok = false;
        else obj[k] = s;
      }
      const forV = f.get('for');
      if (forV && !isEmpty(forV)) {
        const ms = duration(ctx, forV, { zero: true });
        if (ms === undefined) ok = false;
        else obj.for = isScalar(forV.node) && typeof forV.node.value === 'string' ? forV.node.value : '0s';
      }
      const targetV = f.get('target');
      const target = targetV && !isEmpty(targetV) ? str(ctx, targetV) : undefined;
      for (const k of ['health', 'url'] as const) {
        const u = obj[k];
        if (u === undefined) continue;
        const r = resolveTargetUrl(u, target, targets);
        if ('problem' in r) {
          ctx.p.add('BAD_URL', `${item.path}.${k}: ${r.problem}`, f.get(k)!.at);
          ok = false;
        } else obj[k] = r.url;
      }
      if (!ok) continue;
      whenV = f.get('when') ?? f.get('metric');
      urlV = f.get('health') ?? f.get('url');
      input = obj;
    }
    const r = scanAbortRule(input);
    if ('problem' in r) {
      ctx.p.add('BAD_ABORT_RULE', `${item.path}: ${r.problem}`, (whenV ?? urlV ?? item).at);
      continue;
    }
    const rule = r.rule;
    if ((rule.kind === 'errorRate' || rule.kind === 'latency') && rule.link !== undefined && !links.has(rule.link)) {
      ctx.p.add('UNKNOWN_LINK', `${item.path}: no step named \`${rule.link}\`${didYouMean(rule.link, links.keys())}; links: ${[...links.keys()].join(', ') || '(none)'}`, (whenV ?? item).at);
      continue;
    }
    if (rule.kind === 'health' || rule.kind === 'metric') urls.push({ url: rule.url, what: `abort rule \`${rule.text}\``, at: (urlV ?? item).at });
    out.push(rule);
  }
  return out;
}
