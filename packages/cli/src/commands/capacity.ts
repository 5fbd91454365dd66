import { cpus } from 'node:os';
import type { Command } from 'commander';
import { EXIT, parseDuration, RATE_LIMITED_STATUSES, shadowSecretFor, UserError } from '@peakdrill/core';
import { assertRunnable, searchCapacity, table, verifyProtection, type CapacityStep, type ProtectStep } from '@peakdrill/controller';
import { numberFlag, planFromFlags, runFlags, type RunFlags } from '../plan-flags.js';
import { Terminal } from '../terminal.js';

interface CapacityFlags extends RunFlags {
  link?: string;
  maxRate: string;
  startRate?: string;
  stepDuration: string;
  warmup: string;
  growth: string;
  precision: string;
  maxSteps: string;
  protect?: boolean;
  beyond: string;
}

export function register(program: Command): void {
  const cmd = program
    .command('capacity')
    .argument('[scenario]', 'scenario YAML file (or --url for quick mode)')
    .description('search the highest arrival rate a link sustains within its budgets, and compare it with the target')
    .option('--link <name>', 'the link to search (default: the only link of a quick run)')
    .option('--max-rate <r>', 'never offer more than this (journeys/s)', '20000')
    .option('--start-rate <r>', 'first step (default: an eighth of the target, or of --max-rate)')
    .option('--step-duration <d>', 'how long each step holds its rate', '10s')
    .option('--warmup <d>', 'the first part of each step that does not count', '2s')
    .option('--growth <x>', 'multiplier between climbing steps', '2')
    .option('--precision <p>', 'stop when passing and failing rates are this close (fraction)', '0.05')
    .option('--max-steps <n>', 'the most steps to try', '20')
    .option('--protect', 'after the knee, climb past it (to --beyond × the knee) and check that protection holds: goodput on a plateau, 5xx and timeouts ~0')
    .option('--beyond <x>', 'with --protect: how far past the knee to climb, as a multiple of it', '3')
    .addHelpText('after', '\nExit codes: 0 target met (or none set; with --protect: protection held) · 1 target not met (with --protect: protection broke) · 2 bad input · 3 stopped · 4 inconclusive: the generator ran out before the target did');
  runFlags(cmd);
  cmd.action(async (scenario: string | undefined, flags: CapacityFlags) => {
    if (flags.url && flags.rate === undefined && flags.connections === undefined) flags.rate = '1';
    if (flags.url && flags.duration === undefined) flags.duration = flags.stepDuration;
    // quick mode has no `shed:` to declare: with --protect a rate limiter's 429 is shed, as in a scenario that declares it
    const plan = planFromFlags(scenario, flags, flags.protect ? { shed: RATE_LIMITED_STATUSES } : {});
    const links = plan.journeys.flatMap((j) => j.steps.map((s) => s.name));
    const link = flags.link ?? (links.length === 1 ? links[0]! : undefined);
    if (!link) throw new UserError('LINK_REQUIRED', `give --link NAME (one of ${links.join(', ')})`);
    const shadowSecret = shadowSecretFor(plan, process.env);
    assertRunnable(plan, shadowSecret);
    const stepMs = parseDuration(flags.stepDuration);
    const warmupMs = parseDuration(flags.warmup);
    if (warmupMs >= stepMs - 1000) throw new UserError('BAD_FLAG', '--warmup must leave at least 1 s of each step to measure');
    const maxRate = numberFlag('--max-rate', flags.maxRate);
    if (!(maxRate > 0 && maxRate <= 1_000_000)) throw new UserError('BAD_FLAG', `--max-rate must be between 0 and 1,000,000, got ${flags.maxRate}`);
    const growth = numberFlag('--growth', flags.growth);
    if (!(growth > 1 && growth <= 10)) throw new UserError('BAD_FLAG', '--growth must be more than 1 and at most 10');
    const beyond = numberFlag('--beyond', flags.beyond);
    if (flags.protect && !(beyond > 1 && beyond <= 20)) throw new UserError('BAD_FLAG', '--beyond must be more than 1 and at most 20');

    const term = new Terminal({ quiet: flags.quiet === true, ci: flags.ci === true });
    let signals = 0;
    const stopSearch = new AbortController();
    const onSignal = (): void => {
      if (++signals > 1) process.exit(EXIT.aborted);
      term.line('stopping the capacity search after this step…');
      stopped = true;
      stopSearch.abort();
    };
    let stopped = false;
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    term.line(`peakdrill capacity: ${plan.name} · link ${link} · up to ${maxRate.toLocaleString('en-US')}/s · steps of ${flags.stepDuration} (${flags.warmup} warm-up)`);
    const search = {
      plan,
      link,
      outDir: flags.out,
      workers: flags.workers !== undefined ? numberFlag('--workers', flags.workers) : cpus().length,
      ...(shadowSecret ? { shadowSecret } : {}),
      maxRate,
      ...(flags.startRate !== undefined ? { startRate: numberFlag('--start-rate', flags.startRate) } : {}),
      stepMs,
      warmupMs,
      growth,
      precision: numberFlag('--precision', flags.precision),
      maxSteps: numberFlag('--max-steps', flags.maxSteps),
      onStepStart: (rate: number, i: number) => term.status(`step ${i + 1}: ${rate.toLocaleString('en-US')}/s …`),
      onStep: (s: CapacityStep) => term.line(stepLine(s)),
      signal: stopSearch.signal,
    };
    const protection = flags.protect ? verifyProtection({ ...search, beyond, onProtectStep: (p) => term.line(protectLine(p)) }) : null;
    const result = await (protection ? protection.then((p) => p.knee) : searchCapacity(search)).finally(() => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      term.endStatus();
    });
    term.block(
      table(
        ['step', 'rate', 'link planned', 'achieved', 'p99', 'errors', 'result'],
        result.steps.map((s) => [String(s.index + 1), fmt(s.rate), fmt(s.linkPlannedRps), fmt(s.achievedRps), `${s.p99Ms} ms`, `${(s.errorRate * 100).toFixed(2)}%`, s.passed ? 'pass' : s.inconclusive ? 'INCONCLUSIVE' : 'FAIL']),
      ) + `\n\n${result.sentence}\n(${result.stoppedBecause}; steps in ${result.dir})`,
    );
    const p = protection ? await protection : null;
    if (p) {
      term.block(
        table(
          ['beyond', 'rate', 'offered', 'goodput', 'shed', 'p99', '5xx/timeouts', 'result'],
          p.steps.map((s) => [`${s.multiple}×`, fmt(s.rate), fmt(s.offeredRps), fmt(s.goodputRps), `${(s.shedShare * 100).toFixed(1)}%`, `${s.p99Ms} ms`, `${(s.hardFailureShare * 100).toFixed(2)}%`, s.held ? 'held' : 'BROKE']),
        ) + `\n\n${p.sentence}`,
      );
    }
    if (flags.json) process.stdout.write(JSON.stringify(p ?? result, null, 2) + '\n');
    process.exitCode = stopped ? EXIT.aborted : p ? (p.passed ? EXIT.ok : EXIT.budgetMissed) : result.met !== true && result.outOfGenerator ? EXIT.inconclusive : result.met === false ? EXIT.budgetMissed : EXIT.ok;
  });
}

function stepLine(s: CapacityStep): string {
  return `step ${s.index + 1}: ${fmt(s.rate)}/s → ${fmt(s.achievedRps)} req/s, p99 ${s.p99Ms} ms, errors ${(s.errorRate * 100).toFixed(2)}%: ${s.passed ? 'pass' : `${s.inconclusive ? 'INCONCLUSIVE' : 'FAIL'} (${s.reasons.join('; ')})`}`;
}

function protectLine(s: ProtectStep): string {
  return `beyond ${s.multiple}×: ${fmt(s.rate)}/s → goodput ${fmt(s.goodputRps)} req/s, ${(s.shedShare * 100).toFixed(1)}% shed, p99 ${s.p99Ms} ms: ${s.held ? 'held' : `BROKE (${s.why})`}`;
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
