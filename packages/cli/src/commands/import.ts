// `peakdrill import access-log|har|openapi FILE`: writes a scenario built from a production
// log, a browser recording or an API description. The scenario goes to stdout (or `-o FILE`);
// what was masked, skipped and how faithful the result is goes to stderr. Every scenario is
// parsed by the real scenario parser before it is written: an import never writes a file
// that `peakdrill run` would refuse.

import type { Command } from 'commander';
import { basename, dirname, extname, relative, resolve } from 'node:path';
import {
  draftYaml,
  formatFidelity,
  formatMaskReport,
  importAccessLog,
  importHar,
  importOpenApi,
  importFidelity,
  logScenario,
  parseScenario,
  UserError,
  writeFileAtomic,
  type Plan,
} from '@peakdrill/core';

const SCENARIO_NAME = /[^A-Za-z0-9._-]+/g;

/** `prod-access.log` → `prod-access` (a valid scenario name). */
function nameFrom(file: string): string {
  return basename(file, extname(file)).replace(SCENARIO_NAME, '-').replace(/^-+|-+$/g, '').slice(0, 100) || 'imported';
}

/** Parses the produced text as `peakdrill run` would; a failure here is a bug in the importer. */
export function checkImported(text: string, out: string | undefined): Plan {
  const file = out ?? resolve('imported.yaml');
  try {
    return parseScenario(text, file);
  } catch (err) {
    if (err instanceof UserError) {
      const details = err.problems.map((p) => `  ${p.message} [${p.code}]`).join('\n');
      throw new Error(`the imported scenario does not validate (a bug in peakdrill import):\n${details}`);
    }
    throw err;
  }
}

export interface AccessLogFlags {
  out?: string;
  format?: string;
  name?: string;
  target: string;
  growth?: string;
  /** `--replay [speed]`: true (speed 1) or the speed as typed. */
  replay?: string | boolean;
}

/** The command without the terminal: the scenario text and the report lines. */
export async function runAccessLogImport(file: string, flags: AccessLogFlags, command: string): Promise<{ text: string; report: string[]; plan: Plan }> {
  const growth = flags.growth === undefined ? 1 : Number(flags.growth);
  if (!Number.isFinite(growth) || growth <= 0 || growth > 1000) throw new UserError('BAD_FLAG', `--growth ${flags.growth}: give a number above 0, e.g. --growth 1.5`);
  const speed = flags.replay === undefined || flags.replay === false ? undefined : flags.replay === true ? 1 : Number(flags.replay);
  if (speed !== undefined && (!Number.isFinite(speed) || speed <= 0 || speed > 1000)) throw new UserError('BAD_FLAG', `--replay ${flags.replay}: give the speed as a number above 0, e.g. --replay 2`);
  const imp = await importAccessLog(file, flags.format !== undefined ? { format: flags.format } : {});
  const outDir = flags.out === undefined ? process.cwd() : dirname(resolve(flags.out));
  const logRef = relative(outDir, resolve(file)) || basename(file);
  const draft = logScenario(imp, {
    name: flags.name ?? nameFrom(file),
    target: flags.target,
    command,
    growth,
    ...(speed !== undefined ? { replay: { log: logRef, speed, ...(flags.format !== undefined ? { format: flags.format } : {}) } } : {}),
  });
  const text = draftYaml(draft);
  const plan = checkImported(text, flags.out === undefined ? undefined : resolve(flags.out));
  const report = [
    `imported ${imp.used.toLocaleString('en-US')} requests of ${imp.lines.toLocaleString('en-US')} lines into ${imp.routes.length} links`,
    ...(imp.skipped > 0 ? [`skipped ${imp.skipped.toLocaleString('en-US')} line(s), e.g.:`, ...imp.skippedExamples.map((x) => `  line ${x.line}: ${x.reason}: ${x.text}`)] : []),
    ...formatMaskReport(imp.masked),
    formatFidelity(importFidelity(imp, plan)),
  ];
  return { text, report, plan };
}

export interface HarFlags {
  out?: string;
  name?: string;
  host: string[];
}

/** A credentials CSV row a person must replace: a scenario needs one data row to validate; the recording's values are never written. */
export const CREDENTIAL_PLACEHOLDER = 'replace-me';

/** `peakdrill import har`: the scenario text, the credentials CSV (one placeholder row) when one is needed, the report. */
export function runHarImport(file: string, flags: HarFlags, command: string): { text: string; report: string[]; plan: Plan; csv?: { path: string; text: string } } {
  const name = flags.name ?? nameFrom(file);
  const outPath = resolve(flags.out ?? `${name}.yaml`);
  const credentialsFile = `${basename(outPath, extname(outPath))}.credentials.csv`;
  const r = importHar(file, { name, command, hosts: flags.host, credentialsFile });
  const text = draftYaml(r.draft);
  let csv: { path: string; text: string } | undefined;
  if (r.credentials.length > 0) {
    csv = { path: resolve(dirname(outPath), credentialsFile), text: `${r.credentials.join(',')}\n${r.credentials.map(() => CREDENTIAL_PLACEHOLDER).join(',')}\n` };
    writeOut(csv.text, csv.path);
  }
  const plan = checkImported(text, outPath);
  return { text, report: r.report, plan, ...(csv ? { csv } : {}) };
}

/** `peakdrill import openapi`: one request per operation, validated like the others. */
export async function runOpenApiImport(file: string, flags: { out?: string; name?: string; target: string }, command: string): Promise<{ text: string; report: string[]; plan: Plan }> {
  const r = await importOpenApi(file, { name: flags.name ?? nameFrom(file), command, target: flags.target });
  const text = draftYaml(r.draft);
  const plan = checkImported(text, flags.out === undefined ? undefined : resolve(flags.out));
  return { text, report: r.report, plan };
}

function writeOut(text: string, out: string | undefined): void {
  if (out === undefined) {
    process.stdout.write(text);
    return;
  }
  try {
    writeFileAtomic(resolve(out), text);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError('IMPORT_WRITE', `cannot write ${out} (${code ?? String(err)}); does ${dirname(out)} exist?`);
  }
}

export function register(program: Command): void {
  const imp = program
    .command('import')
    .description('write a scenario built from a production access log, a HAR recording or an OpenAPI document')
    .addHelpText('after', '\nExit codes: 0 written · 2 bad input (unreadable file, nothing usable in it)\nSee docs/import.md.\n');

  imp
    .command('access-log')
    .argument('<file>', 'an nginx/Apache access log (combined, common) or JSON lines')
    .description('traffic mix per route as weights, busiest second per link as capacity baselines, hot keys as data pools')
    .option('-o, --out <file>', 'write the scenario here instead of stdout')
    .option('--format <format>', "combined | common | json | a log_format pattern such as '$remote_addr [$time_local] \"$request\" $status' (default: detected)")
    .option('--name <name>', 'scenario name (default: from the file name)')
    .option('--target <url>', 'base URL the drill sends to', 'http://127.0.0.1:8080')
    .option('--growth <factor>', 'capacity growth over the recorded peak', '1')
    .option('--replay [speed]', 'write `load:` as a replay of this log (model: replay) at this speed (default 1)')
    .action(async (file: string, flags: AccessLogFlags) => {
      const r = await runAccessLogImport(file, flags, `peakdrill import access-log ${basename(file)}`);
      writeOut(r.text, flags.out);
      process.stderr.write(r.report.join('\n') + '\n');
    });

  imp
    .command('openapi')
    .argument('<file>', 'an OpenAPI 3.x document (JSON or YAML)')
    .description('one request per operation, with example parameters and bodies from the schema')
    .option('-o, --out <file>', 'write the scenario here instead of stdout')
    .option('--name <name>', 'scenario name (default: from the file name)')
    .option('--target <url>', "base URL the drill sends to (the document's server path is appended)", 'http://127.0.0.1:8080')
    .action(async (file: string, flags: { out?: string; name?: string; target: string }) => {
      const r = await runOpenApiImport(file, flags, `peakdrill import openapi ${basename(file)}`);
      writeOut(r.text, flags.out);
      process.stderr.write(r.report.join('\n') + '\n');
    });

  imp
    .command('har')
    .argument('<file>', 'a HAR recording (browser devtools "Save all as HAR", Playwright recordHar)')
    .description('journeys from the recorded page flows: one link per endpoint, think times from the gaps, responses correlated into captures')
    .option('-o, --out <file>', 'write the scenario here instead of stdout')
    .option('--name <name>', 'scenario name (default: from the file name)')
    .option('--host <host>', 'keep requests to this host too (repeatable; default: only the recorded page\'s own host)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .action((file: string, flags: HarFlags) => {
      const r = runHarImport(file, flags, `peakdrill import har ${basename(file)}`);
      writeOut(r.text, flags.out);
      process.stderr.write(r.report.join('\n') + (r.csv ? `\nwrote ${r.csv.path}: replace its \`${CREDENTIAL_PLACEHOLDER}\` row with one row per drill user` : '') + '\n');
    });
}
