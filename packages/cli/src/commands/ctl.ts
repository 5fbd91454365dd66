// `peakdrill ctl <run-dir> rate R | hold | resume | step +N% | stop`: steers a running drill
// through its control API (the address and the secret are in the run directory).

import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { RUN_FILES, UserError } from '@peakdrill/core';
import { parseControlWords, type ControlEndpointFile, type ControlRecord } from '@peakdrill/controller';

export function register(program: Command): void {
  program
    .command('ctl')
    .argument('<run-dir>', 'the run directory of a running drill (printed by `peakdrill run`)')
    .argument('<command...>', 'rate R | hold | resume | step +N% | stop')
    .description('steer a running drill; every change becomes a stage in the run files (control.ndjson)')
    .option('--who <name>', 'who made the change, for the record (default: user@host)')
    .addHelpText(
      'after',
      `
Exit codes: 0 applied · 2 bad command, not a running drill, or refused

Examples:
  peakdrill ctl runs/20261123-103000-double11-ab12 rate 3000
  peakdrill ctl runs/20261123-103000-double11-ab12 step +20%
  peakdrill ctl runs/20261123-103000-double11-ab12 hold`,
    )
    .action(async (dir: string, words: string[], flags: { who?: string }) => {
      const cmd = parseControlWords(words);
      if (typeof cmd === 'string') throw new UserError('BAD_COMMAND', cmd);
      const endpoint = readEndpoint(dir);
      const secret = readFileSync(join(dir, RUN_FILES.controlSecret), 'utf8').trim();
      const who = flags.who ?? `${safeUser()}@${hostname()}`;
      let res: Response;
      try {
        res = await fetch(`${endpoint.url}/v1/control`, {
          method: 'POST',
          headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
          body: JSON.stringify({ ...cmd, who, via: 'ctl' }),
        });
      } catch {
        throw new UserError('DRILL_NOT_RUNNING', `the drill of ${dir} does not answer at ${endpoint.url}: it has ended`);
      }
      const body = (await res.json().catch(() => ({}))) as Partial<ControlRecord> & { message?: string };
      if (!res.ok) throw new UserError('CONTROL_REFUSED', `the drill refused: ${body.message ?? `HTTP ${res.status}`}`);
      process.stdout.write(describe(body as ControlRecord) + '\n');
    });
}

function readEndpoint(dir: string): ControlEndpointFile {
  try {
    return JSON.parse(readFileSync(join(dir, RUN_FILES.controlEndpoint), 'utf8')) as ControlEndpointFile;
  } catch {
    throw new UserError('DRILL_NOT_RUNNING', `${dir} has no ${RUN_FILES.controlEndpoint}: it is not the directory of a running drill (it has ended, or not started yet)`);
  }
}

function describe(r: ControlRecord): string {
  const what = r.command.command === 'stop' ? 'stop' : `${r.command.command === 'step' ? `step ${r.command.percent > 0 ? '+' : ''}${r.command.percent}% → ` : r.command.command === 'rate' ? '' : `${r.command.command} → `}${r.level} ${r.unit}`;
  return `${what} from t=${r.atS} s (${r.at}) by ${r.who}${r.capped ? `; ${r.capped}` : ''}`;
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
