// Runs a drill for the CLI: progress on stderr, signals, run files, exit code.

import { cpus } from 'node:os';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeLoad, exitCodeOf, formatFidelity, formatSteadiness, formatVerdictMarkdown, formatVerdictTable, importAccessLog, readTimeseries, redactSummary, redactText, replayFidelity, RUN_FILES, secondsFidelity, shadowSecretFor, totalDurationMs, writeFileAtomic, type Plan, type ReplayModel, type Summary } from '@peakdrill/core';
import { LiveHub, serveDashboard, writeReport } from '@peakdrill/dashboard';
import { replayLinks, replayRequests } from '@peakdrill/engine';
import { assertRunnable, createNatsFleet, Drill, serveControl, type ControlApi, formatProgress, formatSummaryTable, type AgentLossMode, type DrillOptions, type SecondReport } from '@peakdrill/controller';
import { startLiveOutputs, type LiveOutputs } from './live-metrics.js';
import { numberFlag, type RunFlags } from './plan-flags.js';
import { Terminal } from './terminal.js';

export interface ExecuteHooks {
  /** A dashboard already serving `flags.out` (the demo's): the run is published to it live. */
  dashboard?: LiveDashboard;
}

export interface ExecuteResult {
  exitCode: number;
  summary: Summary;
  dir: string;
}

export async function executeDrill(plan: Plan, flags: RunFlags, hooks: ExecuteHooks = {}): Promise<number> {
  return (await runDrill(plan, flags, hooks)).exitCode;
}

export async function runDrill(plan: Plan, flags: RunFlags, hooks: ExecuteHooks = {}): Promise<ExecuteResult> {
  const term = new Terminal({ quiet: flags.quiet === true, ci: flags.ci === true });
  const shadowSecret = shadowSecretFor(plan, process.env);
  assertRunnable(plan, shadowSecret);
  const workers = flags.workers !== undefined ? Math.max(1, Math.floor(numberFlag('--workers', flags.workers))) : cpus().length;

  const totalS = totalDurationMs(plan.load.stages) / 1000;
  let lastPlain = -Infinity;
  // Waiting for agents can take a while: a Ctrl-C then ends the wait (exit 3).
  const waitForAgents = new AbortController();
  const fleet = flags.nats ? natsFleetFor(flags, (n) => term.line(`note: ${n}`), waitForAgents.signal) : undefined;
  const served = hooks.dashboard ?? (flags.dashboard !== undefined ? await serveLive(flags) : null);
  let metrics: LiveOutputs | null = null;
  let control: Promise<ControlApi | null> = Promise.resolve(null);
  const drill = new Drill({
    plan,
    outDir: flags.out,
    workers,
    ...(fleet ? { fleet } : {}),
    ...(shadowSecret ? { shadowSecret } : {}),
    onSecond: (s: SecondReport) => {
      metrics?.observe(s);
      served?.hub.publish(drill.runId, { type: 'seconds', lines: s.lines });
      if (s.t >= totalS && s.all.count === 0) return; // nothing finished after the window
      const line = formatProgress(s, totalS);
      if (term.live) term.status(line);
      else if (s.t - lastPlain >= 5 || s.t + 1 >= totalS) {
        lastPlain = s.t;
        term.line(line);
      }
    },
    onNote: (n) => term.line(`note: ${redactText(n)}`),
    onStarted: (d) => {
      control = serveControl({ apply: (cmd, who, via) => d.control(cmd, who, via), state: () => d.controlState() }, d.dir, d.runId).then(
        (api) => {
          // the API's address is in control.json: the last URL on the screen stays the dashboard's
          term.line(`control: peakdrill ctl ${d.dir} rate R | hold | resume | step +N% | stop   (HTTP API: ${join(d.dir, RUN_FILES.controlEndpoint)}, docs/control.md)`);
          return api;
        },
        (err: Error) => {
          term.line(`note: live control is off: ${err.message}`);
          return null;
        },
      );
    },
  });

  let firstSignalAt = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    const now = Date.now();
    // One Ctrl-C can arrive twice (the terminal signals the whole process group, and npx
    // forwards its own copy): a repeat within a second is the same request to stop.
    if (firstSignalAt > 0 && now - firstSignalAt < 1_000) return;
    if (firstSignalAt === 0) {
      firstSignalAt = now;
      term.line(`\n${sig}: stopping the drill (in-flight requests get 1 s); press Ctrl-C again to exit at once`);
      waitForAgents.abort();
      drill.stop(sig, { cause: 'signal', rule: sig, atS: drill.runStartMs > 0 ? (Date.now() - drill.runStartMs) / 1000 : 0, figures: {}, reason: `stopped by ${sig}` });
    } else {
      process.stderr.write(`${sig} again: exiting now${drill.started ? `; the seconds already written are in ${drill.dir}` : ''}\n`);
      process.exit(3);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  term.line(`peakdrill: ${plan.name} · ${describeLoad(plan.load)} · ${flags.nats ? `agents over ${flags.nats}` : `${workers} worker${workers === 1 ? '' : 's'}`} · run ${drill.runId}`);
  if (served) term.line(`live: ${runUrl(served.url, drill.runId)}`);
  let summary: Summary;
  try {
    metrics = await startLiveOutputs(flags, { runId: drill.runId, scenario: plan.name, model: plan.load.model });
    if (metrics?.metricsUrl) term.line(`metrics: ${metrics.metricsUrl} (Prometheus text format)`);
    if (metrics?.otlpUrl) term.line(`otlp: exporting to ${metrics.otlpUrl} every second`);
    // what the terminal, the step summary and --json show is what summary.json holds: redacted
    summary = redactSummary((await drill.run()).summary);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    term.endStatus();
    // a scraper that was reading the drill gets the final figures before the endpoint goes
    await metrics?.finish((n) => term.line(`note: ${n}`));
    await (await control)?.close();
  }
  term.block(formatSummaryTable(summary));
  if (summary.links.some((l) => l.verdict !== null) || summary.isolation.length + summary.invariants.length > 0 || (summary.faults?.length ?? 0) > 0) term.block(formatVerdictTable(summary));
  if (summary.steadiness?.length) term.block(formatSteadiness(summary.steadiness).join('\n') + '\n');
  if (flags.ci && process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, formatVerdictMarkdown(summary) + '\n');
  for (const n of summary.notes) term.line(`note: ${n}`);
  const errors = summary.links.reduce((a, l) => a + l.errors, 0);
  if (errors > 0 && summary.links.every((l) => l.verdict === null) && summary.isolation.length + summary.invariants.length === 0) {
    term.line(`note: no budgets were set, so ${errors.toLocaleString('en-US')} errors do not fail this run; gate on them with --budget "errors<1%" or a capacity: section`);
  }
  if (plan.load.model === 'replay') term.block(await writeReplayFidelity(plan, plan.load, summary, drill.dir));
  writeReport(drill.dir);
  served?.hub.publish(drill.runId, { type: 'end', summary });
  term.line(`run ${summary.status.toUpperCase()} · files in ${drill.dir} · report ${join(drill.dir, RUN_FILES.report)}`);
  if (hooks.dashboard) term.line(`dashboard: ${runUrl(hooks.dashboard.url, drill.runId)}`);
  else term.line(`dashboard: peakdrill dashboard --runs ${flags.out}  → http://127.0.0.1:${DEFAULT_DASHBOARD_PORT}/runs/${drill.runId}${served ? '  (the live view stopped with the run)' : ''}`);
  if (flags.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  if (served && !hooks.dashboard) await served.close();
  return { exitCode: exitCodeOf(summary), summary, dir: drill.dir };
}

export const DEFAULT_DASHBOARD_PORT = 4600;

export interface LiveDashboard {
  url: string;
  hub: LiveHub;
  close(): Promise<void>;
}

export function runUrl(base: string, runId: string): string {
  const u = new URL(base);
  u.pathname = `/runs/${encodeURIComponent(runId)}`;
  return u.toString();
}

function natsFleetFor(flags: RunFlags, onNote: (n: string) => void, signal: AbortSignal): NonNullable<DrillOptions['fleet']> {
  const agents = flags.agents === undefined || flags.agents === 'all' ? (flags.agents ?? 'all') : numberFlag('--agents', flags.agents);
  return createNatsFleet({
    natsUrl: flags.nats!,
    agents: agents as number | 'all',
    ...(flags.onAgentLoss ? { onAgentLoss: flags.onAgentLoss as AgentLossMode } : {}),
    onNote,
    signal,
  });
}

async function serveLive(flags: RunFlags): Promise<LiveDashboard> {
  const hub = new LiveHub();
  const port = typeof flags.dashboard === 'string' ? numberFlag('--dashboard', flags.dashboard) : 0;
  const d = await serveDashboard({ runsDir: flags.out, port, live: hub });
  return { url: d.url, hub, close: () => d.close() };
}

/**
 * After a replay: recorded vs sent, written as `fidelity.json` in the run folder (the dashboard
 * and the report show it); returns the table. Per second, the requests the replay's own schedule
 * put in each second against those the generators sent in it (`started`).
 */
async function writeReplayFidelity(plan: Plan, load: ReplayModel, summary: Summary, dir: string): Promise<string> {
  const fidelity = replayFidelity(await importAccessLog(load.log, { format: load.format }), load, summary);
  const durationMs = totalDurationMs(load.stages);
  const recorded: number[] = Array.from({ length: Math.ceil(durationMs / 1000) }, () => 0);
  for await (const r of replayRequests(load, replayLinks(plan), durationMs)) recorded[Math.floor(r.at / 1000)]!++;
  const sent: number[] = [];
  for (const l of readTimeseries(join(dir, RUN_FILES.timeseries))) sent[l.t] = (sent[l.t] ?? 0) + (l.started ?? l.count);
  Object.assign(fidelity, secondsFidelity(recorded, Array.from(sent, (x) => x ?? 0)));
  writeFileAtomic(join(dir, RUN_FILES.fidelity), JSON.stringify(fidelity, null, 2) + '\n');
  return formatFidelity(fidelity);
}

