// `peakdrill note <run> "..."`: writes a note beside a run (notes.ndjson in its folder), shown
// on its run page and on its campaign's readiness page. <run> is a run folder, or a run id
// under --runs (default ./runs).

import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { appendRunNote, isRunId, readRun, readRunDir, type RunNote } from '@peakdrill/core';

function author(): string | undefined {
  const env = process.env['PEAKDRILL_AUTHOR'];
  if (env) return env;
  try {
    return userInfo().username || undefined;
  } catch {
    return undefined;
  }
}

/** The command without the terminal. Throws UserError (exit 2) for a missing run or a bad note. */
export function runNote(run: string, text: string, runsDir = 'runs'): { dir: string; note: RunNote } {
  const files = !existsSync(run) && isRunId(run) ? readRun(runsDir, run) : readRunDir(run);
  return { dir: files.path, note: appendRunNote(files.path, text, author()) };
}

export function register(program: Command): void {
  program
    .command('note')
    .argument('<run>', 'a run folder (runs/20261123-103000-double11-ab12) or a run id')
    .argument('<text>', 'the note, e.g. "inventory pool raised from 40 to 80 before this round"')
    .option('--runs <dir>', 'where run ids are looked up', 'runs')
    .description('write a note beside a run: shown on its run page and its campaign page')
    .addHelpText('after', '\nExit codes: 0 written · 2 no such run, or an empty or overlong note\n')
    .action((run: string, text: string, opts: { runs: string }) => {
      const { dir, note } = runNote(run, text, opts.runs);
      process.stdout.write(`note added to ${dir} at ${note.at}\n`);
    });
}
