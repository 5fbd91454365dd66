import type { Command } from 'commander';
import { UserError, type Plan } from '@peakdrill/core';
import { planFromFlags, runFlags, type RunFlags } from '../plan-flags.js';
import { executeDrill } from '../execute.js';

export function register(program: Command): void {
  const cmd = program
    .command('run')
    .argument('[scenario]', 'scenario YAML file (or use --url for quick mode)')
    .description('run a drill: live progress on stderr, the run written to <out>/<run-id>/')
    .addHelpText(
      'after',
      `
Exit codes: 0 all budgets met · 1 a budget missed or an isolation check failed · 2 bad input or could not run · 3 stopped by an abort rule or SIGINT

Examples:
  peakdrill run scenarios/smoke.yaml --target gateway=http://127.0.0.1:8080
  peakdrill run --url http://127.0.0.1:8080/ --rate 500 --duration 10s --budget "p99<250ms"`,
    );
  runFlags(cmd);
  cmd.action(async (scenario: string | undefined, flags: RunFlags) => {
    const plan: Plan = planFromFlags(scenario, flags);
    if (flags.dryRun !== undefined) throw new UserError('DRY_RUN_UNAVAILABLE', '--dry-run is not available yet');
    const code = await executeDrill(plan, flags);
    process.exitCode = code;
  });
}
