// `peakdrill validate <scenario.yaml>` — checks a scenario without sending traffic.
// Exit 0 and one `ok:` line when it is valid; otherwise the UserError goes to main.ts, which
// prints every problem as `file:line:col: message [CODE]` and exits 2.

import type { Command } from 'commander';
import { checkAllowlist, describeLoad, loadScenario, isUserError, UserError, type Plan } from '@peakdrill/core';

/** `--target NAME=URL`, repeatable. */
function collectTarget(value: string, previous: Record<string, string>): Record<string, string> {
  const i = value.indexOf('=');
  if (i <= 0 || i === value.length - 1) {
    throw new UserError('BAD_FLAG', `--target ${value}: write NAME=URL, e.g. --target gateway=http://127.0.0.1:8080`);
  }
  return { ...previous, [value.slice(0, i).trim()]: value.slice(i + 1).trim() };
}

/** The one-line verdict of a valid scenario (pure: data in, string out). */
export function formatValid(plan: Plan): string {
  const links = plan.journeys.reduce((n, j) => n + j.steps.length, 0);
  const j = plan.journeys.length;
  return `ok: ${plan.name}: ${j} journey${j === 1 ? '' : 's'}, ${links} link${links === 1 ? '' : 's'}, ${describeLoad(plan.load)}`;
}

export function register(program: Command): void {
  program
    .command('validate')
    .description('check a scenario without sending traffic (exit 0 valid, 2 with every problem as file:line:col)')
    .argument('<scenario>', 'the scenario YAML file')
    .option('--target <NAME=URL>', 'replace the base URL of a target (repeatable)', collectTarget, {} as Record<string, string>)
    .option('--json', 'print the result (the normalized plan, or the problems) as JSON on stdout')
    .action((file: string, opts: { target: Record<string, string>; json?: boolean }) => {
      let plan: Plan;
      try {
        plan = loadScenario(file, { targets: opts.target });
        checkAllowlist(plan);
      } catch (err) {
        if (opts.json && isUserError(err)) {
          process.stdout.write(JSON.stringify({ ok: false, code: err.code, message: err.message, problems: err.problems }, null, 2) + '\n');
        }
        throw err;
      }
      if (opts.json) {
        const links = plan.journeys.flatMap((j) => j.steps.map((s) => s.name));
        process.stdout.write(JSON.stringify({ ok: true, name: plan.name, journeys: plan.journeys.length, links, load: describeLoad(plan.load), plan }, null, 2) + '\n');
      } else {
        process.stdout.write(formatValid(plan) + '\n');
      }
    });
}
