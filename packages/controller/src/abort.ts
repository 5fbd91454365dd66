// Safety stops: rules evaluated live on every closed second. A rule fires when its condition
// held for `for` consecutive seconds; the drill then stops sending within a second and the run
// is written as aborted, with the rule and the figures that fired it.
//
// Health and metric rules poll their URL once a second in the background (never more than one
// poll in flight per rule); the per-second evaluation reads their latest answer.

import type { AbortInfo, AbortRule, Percentile } from '@peakdrill/core';
import type { SecondReport } from './aggregate.js';
import { probeGet, redirectNote } from './probe-fetch.js';

const POLL_TIMEOUT_MS = 900;
/** A health answer or a Prometheus page; a larger answer counts as a failed poll. */
const POLL_MAX_BODY_BYTES = 8 * 1024 * 1024;

export interface AbortWatch {
  check(s: SecondReport): AbortInfo | null;
  close(): void;
}

export function watchAbortRules(rules: AbortRule[], coverage?: { floor: number }): AbortWatch {
  const watchers = rules.map(ruleWatcher);
  if (coverage && coverage.floor > 0) watchers.push(coverageWatcher(coverage.floor));
  return {
    check: (s) => {
      for (const w of watchers) {
        const fired = w.check(s);
        if (fired) return fired;
      }
      return null;
    },
    close: () => {
      for (const w of watchers) w.close();
    },
  };
}

function ruleWatcher(rule: AbortRule): AbortWatch {
  const forS = Math.max(1, Math.round(rule.forMs / 1000));
  let streak = 0;
  const fire = (s: SecondReport, figures: Record<string, number>, reason: string): AbortInfo => ({
    rule: rule.text,
    atS: s.t + 1,
    figures,
    reason,
  });
  switch (rule.kind) {
    case 'errorRate':
      return {
        check: (s) => {
          const f = rule.link ? s.perLink.get(rule.link) : s.all;
          const count = f?.count ?? 0;
          const rate = count > 0 ? f!.errors / count : 0;
          streak = count > 0 && rate > rule.above ? streak + 1 : 0;
          if (streak < forS) return null;
          return fire(s, { errorRate: rate, errors: f!.errors, count }, `error rate ${pct(rate)} above ${pct(rule.above)} for ${forS} s${rule.link ? ` on ${rule.link}` : ''}`);
        },
        close: () => undefined,
      };
    case 'latency':
      return {
        check: (s) => {
          const f = rule.link ? s.perLink.get(rule.link) : s.all;
          const v = f && f.count > 0 ? f.latency[rule.percentile] : 0;
          streak = v > rule.aboveMs ? streak + 1 : 0;
          if (streak < forS) return null;
          return fire(s, { [rule.percentile + 'Ms']: v }, `${label(rule.percentile)}${rule.link ? ` of ${rule.link}` : ''} was ${v} ms, above ${rule.aboveMs} ms for ${forS} s`);
        },
        close: () => undefined,
      };
    case 'health':
    case 'metric': {
      const poller = new Poller(rule.url);
      return {
        check: (s) => {
          const last = poller.latest;
          if (last === null) return null;
          let bad: boolean;
          let figure: number;
          if (rule.kind === 'health') {
            bad = !last.ok;
            figure = last.status;
          } else {
            const value = last.ok ? metricValue(last.body, rule.metric) : null;
            figure = value ?? NaN;
            bad = value !== null && value > rule.above;
          }
          streak = bad ? streak + 1 : 0;
          if (streak < forS) return null;
          if (rule.kind === 'health') return fire(s, { status: figure }, `${rule.url} was unhealthy (${last.error ?? `HTTP ${last.status}`}) for ${forS} s`);
          return fire(s, { [rule.metric]: figure }, `${rule.metric} was ${figure}, above ${rule.above} for ${forS} s`);
        },
        close: () => poller.close(),
      };
    }
  }
}

/** Stops the drill when a link's shadow tags stop being acknowledged (cumulative per link). */
function coverageWatcher(floor: number): AbortWatch {
  const totals = new Map<string, { sent: number; ack: number }>();
  return {
    check: (s) => {
      for (const [link, f] of s.perLink) {
        if (f.tagSent === 0) continue;
        const t = totals.get(link) ?? { sent: 0, ack: 0 };
        t.sent += f.tagSent;
        t.ack += f.tagAcknowledged;
        totals.set(link, t);
        const coverage = t.ack / t.sent;
        if (coverage < floor) {
          return {
            rule: `shadow tag coverage(${link}) < ${pct(floor)}`,
            atS: s.t + 1,
            figures: { sent: t.sent, acknowledged: t.ack, coverage },
            reason: `${link}: only ${t.ack} of ${t.sent} tagged answers acknowledged the shadow tag (${pct(coverage)}, floor ${pct(floor)}): test traffic may be reaching production data`,
          };
        }
      }
      return null;
    },
    close: () => undefined,
  };
}

interface Poll {
  ok: boolean;
  status: number;
  body: string;
  error?: string;
}

class Poller {
  latest: Poll | null = null;
  private readonly timer: NodeJS.Timeout;
  private busy = false;

  constructor(private readonly url: string) {
    this.timer = setInterval(() => void this.poll(), 1000);
    this.timer.unref();
    void this.poll();
  }

  private async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const res = await probeGet(this.url, { timeoutMs: POLL_TIMEOUT_MS, maxBytes: POLL_MAX_BODY_BYTES });
      const redirected = res.status >= 300 && res.status < 400;
      this.latest = { ok: res.status >= 200 && res.status < 300, status: res.status, body: res.body, ...(redirected ? { error: redirectNote(res) } : {}) };
    } catch (err) {
      this.latest = { ok: false, status: 0, body: '', error: (err as { code?: string; name?: string }).code ?? (err as Error).name };
    } finally {
      this.busy = false;
    }
  }

  close(): void {
    clearInterval(this.timer);
  }
}

/**
 * The value of a metric in Prometheus text format: the sample named exactly `name` (any
 * labels), or with a label selector `name{k="v"}`; several matching series are summed.
 */
export function metricValue(text: string, name: string): number | null {
  const brace = name.indexOf('{');
  const metric = brace < 0 ? name : name.slice(0, brace);
  const wanted = brace < 0 ? [] : [...name.slice(brace + 1, name.lastIndexOf('}')).matchAll(/(\w+)\s*=\s*"([^"]*)"/g)].map((m) => `${m[1]}="${m[2]}"`);
  let sum = 0;
  let found = false;
  for (const line of text.split('\n')) {
    if (!line.startsWith(metric) || line.startsWith('#')) continue;
    const rest = line.slice(metric.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    let labels = '';
    let valuePart = rest;
    if (rest[0] === '{') {
      const close = rest.indexOf('}');
      labels = rest.slice(1, close);
      valuePart = rest.slice(close + 1);
    }
    if (wanted.some((w) => !labels.includes(w))) continue;
    const v = Number(valuePart.trim().split(/\s+/)[0]);
    if (Number.isFinite(v)) {
      sum += v;
      found = true;
    }
  }
  return found ? sum : null;
}

const pct = (r: number): string => `${(r * 100).toFixed(r < 0.01 ? 2 : 1)}%`;
const label = (p: Percentile): string => (p === 'max' ? 'max latency' : p === 'p999' ? 'p99.9' : p);
