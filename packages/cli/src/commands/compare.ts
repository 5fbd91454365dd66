// `peakdrill compare <base-run> <new-run>`: the per-link regression table of two runs, from
// their summary.json only (runs from other machines or CI artifacts compare the same way).
// Exit 0 no regression beyond --max-regression (or none given) · 1 regression · 2 bad input.

import type { Command } from 'commander';
import { basename, dirname } from 'node:path';
import { compareRuns, EXIT, formatCompare, readRunDir, readRunNotes, UserError, type Summary } from '@peakdrill/core';

export interface CompareFlags {
  maxRegression?: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('compare')
    .argument('<base-run>', 'the run to compare against (a run directory, e.g. runs/20261123-103000-double11-ab12)')
    .argument('<new-run>', 'the run under judgement (a run directory)')
    .description('per-link regression table of two runs: throughput, p50, p99 and errors, each with its change')
    .option('--max-regression <pct>', 'exit 1 when a link’s p99 rose or its throughput fell by more than this (e.g. 10%)')
    .option('--json', 'print the comparison as JSON on stdout instead of the table')
    .addHelpText(
      'after',
      `
Exit codes: 0 no regression beyond --max-regression (or no limit given) · 1 a regression beyond it · 2 bad input

Example:
  peakdrill compare runs/20261122-020000-double11-ab12 runs/20261123-020000-double11-cd34 --max-regression 10%`,
    )
    .action((baseRun: string, newRun: string, flags: CompareFlags) => {
      const { output, exitCode } = runCompare(baseRun, newRun, flags);
      process.stdout.write(output);
      process.exitCode = exitCode;
    });
}

/** The command without the terminal: what to print on stdout and the exit code. Throws UserError. */
export function runCompare(baseRun: string, newRun: string, flags: CompareFlags): { output: string; exitCode: number } {
  const maxRegression = flags.maxRegression === undefined ? undefined : parseMaxRegression(flags.maxRegression);
  const base = readComparable(baseRun);
  const next = readComparable(newRun);
  const result = compareRuns(base, next, maxRegression === undefined ? {} : { maxRegression });
  const output = flags.json ? JSON.stringify(result, null, 2) + '\n' : formatCompare(result) + notesOf('base', baseRun) + notesOf('new', newRun);
  return { output, exitCode: result.regressed ? EXIT.budgetMissed : EXIT.ok };
}

/** The notes written about a run (`peakdrill note`), as lines under the table. */
function notesOf(label: string, path: string): string {
  const dir = basename(path) === 'summary.json' ? dirname(path) : path;
  return readRunNotes(dir).map((n) => `note (${label}): ${n.text}${n.author ? ` — ${n.author}` : ''}\n`).join('');
}

/** `10%` → 0.1; a plain fraction `0.1` is accepted too. */
export function parseMaxRegression(text: string): number {
  const t = text.trim();
  const pct = /^(\d+(?:\.\d+)?)\s*%$/.exec(t);
  let value: number;
  if (pct) value = Number(pct[1]) / 100;
  else if (/^(0(?:\.\d+)?|1(?:\.0+)?|\.\d+)$/.test(t)) value = Number(t);
  else {
    throw new UserError('BAD_MAX_REGRESSION', `--max-regression ${JSON.stringify(text)} is not a percentage: write e.g. --max-regression 10% (or the fraction 0.1)`);
  }
  if (!Number.isFinite(value) || value < 0) throw new UserError('BAD_MAX_REGRESSION', `--max-regression ${JSON.stringify(text)} must be 0% or more`);
  return value;
}

/** A run's summary, checked for the figures compare reads, so a bad file is exit 2, not a crash. */
function readComparable(path: string): Summary {
  const dir = basename(path) === 'summary.json' ? dirname(path) : path;
  const summary = readRunDir(dir).summary;
  const file = `${dir}/summary.json`;
  if (typeof summary.id !== 'string') throw new UserError('RUN_SUMMARY_INVALID', `${file} has no run id`);
  summary.links.forEach((l: unknown, i: number) => {
    const link = l as Partial<Summary['links'][number]> | null;
    const ok =
      !!link &&
      typeof link.name === 'string' &&
      typeof link.count === 'number' &&
      typeof link.errors === 'number' &&
      typeof link.rps === 'number' &&
      typeof link.latencyMs?.p50 === 'number' &&
      typeof link.latencyMs.p99 === 'number';
    if (!ok) throw new UserError('RUN_SUMMARY_INVALID', `${file}: links[${i}] lacks the figures compare needs (name, count, errors, rps, latencyMs.p50/p99)`);
    if (link!.verdict === undefined || (link!.verdict !== null && typeof link!.verdict.achievedRps !== 'number')) link!.verdict = null;
  });
  summary.scenario ??= '?';
  summary.durationS ??= 0;
  summary.plannedRps ??= null;
  return summary;
}
