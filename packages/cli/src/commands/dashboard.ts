// `peakdrill dashboard`: serves the runs folder on 127.0.0.1 (any other --host needs a token),
// prints the URL, and stays up until SIGINT/SIGTERM.

import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { UserError } from '@peakdrill/core';
import { serveDashboard } from '@peakdrill/dashboard';

export interface DashboardFlags {
  runs: string;
  port: string;
  host: string;
  token?: string;
}

export const DEFAULT_DASHBOARD_PORT = 4600;

export function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UserError('BAD_PORT', `--port ${JSON.stringify(text)} is not a port: use a number from 1 to 65535 (0 picks a free one)`);
  }
  return port;
}

/** What `peakdrill dashboard` prints: the URL, and where its token is — never the token itself (stdout ends up in logs). */
export function dashboardBanner(served: { url: string; tokenRequired: boolean }, tokenFrom: string): string {
  if (!served.tokenRequired) return `peakdrill dashboard: ${served.url}\n`;
  return `peakdrill dashboard: ${served.url} (needs its token, the one in ${tokenFrom}: open ${served.url}?token=<token> once, or send Authorization: Bearer <token>)\n`;
}

export function register(program: Command): void {
  program
    .command('dashboard')
    .description('serve the dashboard over a runs folder: runs, live runs, run vs targets, run vs run')
    .option('--runs <dir>', 'the runs folder', './runs')
    .option('--port <port>', 'port to listen on', String(DEFAULT_DASHBOARD_PORT))
    .option('--host <host>', 'address to bind; anything but loopback needs --token', '127.0.0.1')
    .option('--token <token>', 'require this token on every request (default: $PEAKDRILL_DASHBOARD_TOKEN)')
    .addHelpText(
      'after',
      `
Examples:
  peakdrill dashboard                       # http://127.0.0.1:4600/ over ./runs
  peakdrill dashboard --runs ci-artifacts/runs --port 8080
  PEAKDRILL_DASHBOARD_TOKEN=$(openssl rand -hex 16) peakdrill dashboard --host 0.0.0.0`,
    )
    .action(async (flags: DashboardFlags) => {
      const runsDir = resolve(flags.runs);
      if (existsSync(runsDir) === false) process.stderr.write(`peakdrill dashboard: ${flags.runs} does not exist yet; runs appear as soon as they are written there\n`);
      const token = flags.token ?? process.env['PEAKDRILL_DASHBOARD_TOKEN'] ?? undefined;
      const served = await serveDashboard({ runsDir, host: flags.host, port: parsePort(flags.port), ...(token ? { token } : {}) });
      process.stdout.write(dashboardBanner(served, flags.token ? '--token' : '$PEAKDRILL_DASHBOARD_TOKEN'));
      await new Promise<void>((done) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void served.close().then(done);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
