import type { Command } from 'commander';
import { makeRunId, UserError, type Plan } from '@peakdrill/core';
import { dryRun, formatDryRun } from '@peakdrill/engine';
import { numberFlag, planFromFlags, runFlags, type RunFlags } from '../plan-flags.js';
import { executeDrill } from '../execute.js';
import { DEFAULT_METRICS_ADDRESS } from '../live-metrics.js';

export function register(program: Command): void {
  const cmd = program
    .command('run')
    .argument('[scenario]', 'scenario YAML file (or use --url for quick mode)')
    .description('run a drill: live progress on stderr, the run written to <out>/<run-id>/')
    .addHelpText(
      'after',
      `
Exit codes: 0 all budgets met · 1 a budget missed or an isolation check failed · 2 bad input or could not run · 3 stopped by an abort rule or SIGINT · 4 inconclusive: the generator fell behind (lateness, dropped arrivals, a generator died)

Examples:
  peakdrill run scenarios/smoke.yaml --target gateway=http://127.0.0.1:8080
  peakdrill run --url http://127.0.0.1:8080/ --rate 500 --duration 10s --budget "p99<250ms"`,
    );
  runFlags(cmd);
  cmd.option('--metrics [host:port]', `serve the live drill in the Prometheus text format on /metrics (default ${DEFAULT_METRICS_ADDRESS})`);
  cmd.option('--otlp <url>', 'push the live drill over OTLP/HTTP every second (a collector such as http://127.0.0.1:4318)');
  cmd.action(async (scenario: string | undefined, flags: RunFlags) => {
    const plan: Plan = planFromFlags(scenario, flags);
    if (flags.dryRun !== undefined) {
      const n = typeof flags.dryRun === 'string' ? numberFlag('--dry-run', flags.dryRun) : 3;
      if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new UserError('BAD_FLAG', `--dry-run takes a number of journeys from 1 to 10000, got ${flags.dryRun}`);
      const requests = await dryRun(plan, makeRunId(plan.name), n, { tagged: plan.shadow.enabled });
      process.stdout.write(formatDryRun(requests) + '\n');
      return;
    }
    const code = await executeDrill(plan, flags);
    process.exitCode = code;
  });
}
