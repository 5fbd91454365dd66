// The `peakdrill` binary: parses flags and calls the packages. One file per command in
// commands/, named after the command a user types.

import { Command } from 'commander';
import { formatProblem, isUserError } from '@peakdrill/core';
import { register as agent } from './commands/agent.js';
import { register as capacity } from './commands/capacity.js';
import { register as compare } from './commands/compare.js';
import { register as ctl } from './commands/ctl.js';
import { register as dashboard } from './commands/dashboard.js';
import { register as importer } from './commands/import.js';
import { register as demo } from './commands/demo.js';
import { register as note } from './commands/note.js';
import { register as report } from './commands/report.js';
import { register as run } from './commands/run.js';
import { register as stack } from './commands/stack.js';
import { register as validate } from './commands/validate.js';

const program = new Command('peakdrill')
  .description('Full-chain load testing for peak days')
  .version('0.1.0')
  .showHelpAfterError('(run `peakdrill help <command>` for the flags)')
  .exitOverride();

for (const add of [demo, run, validate, capacity, compare, report, importer, note, dashboard, stack, agent, ctl]) add(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  exitOnError(err);
}

function exitOnError(err: unknown): never {
  if (isUserError(err)) {
    if (err.problems.length > 0) for (const p of err.problems) process.stderr.write(formatProblem(p) + '\n');
    process.stderr.write(`peakdrill: ${err.message}\n`);
    process.exit(err.exitCode);
  }
  const code = (err as { code?: string }).code;
  if (typeof code === 'string' && code.startsWith('commander.')) {
    // commander already printed its message (or help/version)
    const helpOrVersion = code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help';
    process.exit(helpOrVersion ? 0 : 2);
  }
  process.stderr.write(`peakdrill: internal error (a bug in peakdrill, please report it):\n${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(2);
}
