// Flags shared by `run` and `capacity`: the scenario or quick mode, overrides, outputs.

import { Option, type Command } from 'commander';
import { checkAllowlist, loadScenario, parseDuration, quickPlan, UserError, type Plan, type QuickOptions } from '@peakdrill/core';

export interface RunFlags {
  out: string;
  workers?: string;
  duration?: string;
  rate?: string;
  target: string[];
  json?: boolean;
  quiet?: boolean;
  ci?: boolean;
  dashboard?: boolean | string;
  nats?: string;
  agents?: string;
  onAgentLoss?: string;
  url?: string;
  method?: string;
  header: string[];
  body?: string;
  connections?: string;
  pipelining?: string;
  budget: string[];
  targetRps?: string;
  timeout?: string;
  allow: string[];
  dryRun?: string | boolean;
  /** `run --metrics [host:port]`: serve the live drill to Prometheus. */
  metrics?: string | boolean;
  /** `run --otlp URL`: push the live drill over OTLP/HTTP. */
  otlp?: string;
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

export function runFlags(cmd: Command): Command {
  return cmd
    .option('--out <dir>', 'folder for run directories', './runs')
    .option('--workers <n>', 'local worker threads (default: one per core)')
    .option('--duration <d>', 'override the duration (e.g. 30s, 5m)')
    .option('--rate <r>', 'override the arrival rate (req/s or journeys/s)')
    .option('--target <name=url>', 'override a target of the scenario (repeatable)', collect, [])
    .option('--json', 'print summary.json on stdout at the end')
    .option('--quiet', 'no progress and no summary table on stderr')
    .option('--ci', 'CI-friendly output: no TTY redraw; the verdict table to $GITHUB_STEP_SUMMARY when set')
    .option('--dashboard [port]', 'serve the live run on the dashboard (127.0.0.1)')
    .option('--nats <url>', 'run on remote agents coordinated over NATS')
    .option('--agents <n|all>', 'how many agents to wait for (with --nats)')
    .addOption(new Option('--on-agent-loss <mode>', 'what to do when an agent is lost').choices(['redistribute', 'continue', 'abort']).default('redistribute'))
    .option('--url <url>', 'quick mode: one URL instead of a scenario file')
    .option('--method <m>', 'quick mode: HTTP method', 'GET')
    .option('--header <k:v>', 'quick mode: request header (repeatable)', collect, [])
    .option('--body <text>', 'quick mode: request body')
    .option('--connections <c>', 'quick mode: closed model with C connections (instead of --rate)')
    .option('--pipelining <p>', 'HTTP/1.1 requests in flight per connection (with --connections: C × P virtual users)')
    .option('--budget <b>', 'quick mode: a budget such as "p99<250ms" or "errors<0.1%" (repeatable)', collect, [])
    .option('--target-rps <n>', 'quick mode: throughput target in req/s')
    .option('--timeout <d>', 'quick mode: request timeout', '10s')
    .option('--allow <host>', 'allow a non-loopback host besides the scenario\'s `allow:` (repeatable)', collect, [])
    .option('--dry-run [n]', 'print the requests of the first N journeys instead of running');
}

/** `quick`: what a command adds to a quick-mode plan beyond the shared flags (capacity --protect: the shed statuses). */
export function planFromFlags(scenario: string | undefined, flags: RunFlags, quick: Pick<QuickOptions, 'shed'> = {}): Plan {
  if (scenario && flags.url) throw new UserError('SCENARIO_AND_URL', 'give either a scenario file or --url, not both');
  let plan: Plan;
  if (flags.url) {
    if (!flags.duration) throw new UserError('DURATION_REQUIRED', 'quick mode needs --duration (e.g. --duration 10s)');
    plan = quickPlan({
      url: flags.url,
      method: flags.method,
      headers: flags.header,
      ...(flags.body !== undefined ? { body: flags.body } : {}),
      ...(flags.rate !== undefined ? { rate: numberFlag('--rate', flags.rate) } : {}),
      ...(flags.connections !== undefined ? { connections: numberFlag('--connections', flags.connections) } : {}),
      durationMs: parseDuration(flags.duration),
      budgets: flags.budget,
      ...(flags.targetRps !== undefined ? { targetRps: numberFlag('--target-rps', flags.targetRps) } : {}),
      ...(flags.timeout !== undefined ? { timeoutMs: parseDuration(flags.timeout) } : {}),
      allow: flags.allow,
      ...quick,
    });
  } else {
    if (!scenario) throw new UserError('SCENARIO_REQUIRED', 'give a scenario file (peakdrill run scenario.yaml) or quick mode flags (--url URL --rate R --duration D)');
    plan = loadScenario(scenario, {
      targets: parseTargets(flags.target),
      allow: flags.allow,
      ...(flags.rate !== undefined ? { rate: numberFlag('--rate', flags.rate) } : {}),
      ...(flags.duration !== undefined ? { durationMs: parseDuration(flags.duration) } : {}),
    });
  }
  if (flags.pipelining !== undefined) applyPipelining(plan, numberFlag('--pipelining', flags.pipelining));
  checkAllowlist(plan);
  return plan;
}

function applyPipelining(plan: Plan, p: number): void {
  if (!Number.isInteger(p) || p < 1 || p > 100) throw new UserError('BAD_FLAG', `--pipelining must be a whole number from 1 to 100, got ${p}`);
  plan.http.pipelining = p;
  // a closed-model quick run keeps every pipeline full: C connections × P requests in flight
  if (plan.source === '<quick>' && plan.load.model === 'closed') {
    for (const s of plan.load.stages) s.target *= p;
    if (plan.load.startVus !== undefined) plan.load.startVus *= p;
  }
}

export function numberFlag(name: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new UserError('BAD_FLAG', `${name} must be a number, got "${value}"`);
  return n;
}

function parseTargets(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of list) {
    const eq = t.indexOf('=');
    if (eq <= 0) throw new UserError('BAD_FLAG', `--target takes NAME=URL, got "${t}"`);
    out[t.slice(0, eq)] = t.slice(eq + 1);
  }
  return out;
}
