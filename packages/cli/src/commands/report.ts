// `peakdrill report <run-dir>`: (re)writes report.html (the self-contained run page) and
// junit.xml (one testcase per budget) of a run folder.

import type { Command } from 'commander';
import { join } from 'node:path';
import { readRunDir, renderJUnit, RUN_FILES, writeFileAtomic } from '@peakdrill/core';
import { writeReport } from '@peakdrill/dashboard';

/** The command without the terminal: the paths written. Throws UserError (exit 2) for a missing or invalid folder. */
export function runReport(runDir: string): { report: string; junit: string } {
  const run = readRunDir(runDir);
  const report = writeReport(run.path);
  const junit = join(run.path, RUN_FILES.junit);
  writeFileAtomic(junit, renderJUnit(run.summary));
  return { report, junit };
}

export function register(program: Command): void {
  program
    .command('report')
    .argument('<run-dir>', 'a run folder, e.g. runs/20261123-103000-double11-ab12')
    .description('(re)write report.html (opens from disk, no network) and junit.xml of a run')
    .addHelpText('after', '\nExit codes: 0 written · 2 not a run folder\n')
    .action((runDir: string) => {
      const { report, junit } = runReport(runDir);
      process.stdout.write(`${report}\n${junit}\n`);
    });
}
