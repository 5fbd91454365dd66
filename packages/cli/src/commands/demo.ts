import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { loadScenario, UserError } from '@peakdrill/core';
import { LiveHub, serveDashboard } from '@peakdrill/dashboard';
import { startStack } from '@peakdrill/stack';
import { DEFAULT_DASHBOARD_PORT, runDrill, runUrl } from '../execute.js';
import { numberFlag, type RunFlags } from '../plan-flags.js';
import { Terminal } from '../terminal.js';

interface DemoFlags {
  out: string;
  port: string;
  workers?: string;
  pg?: string;
  redis?: string;
  threads?: boolean;
  exit?: boolean;
}

/** scenarios/ of the peakdrill checkout (dist/commands/demo.js → ../../../../scenarios). */
export const SCENARIOS_DIR = fileURLToPath(new URL('../../../../scenarios/', import.meta.url));

export function register(program: Command): void {
  program
    .command('demo')
    .description('start the reference stack, drill it with scenarios/double11.yaml (~20 s), serve the dashboard')
    .option('--out <dir>', 'folder for run directories', './runs')
    .option('--port <p>', 'dashboard port (a free one when taken)', String(DEFAULT_DASHBOARD_PORT))
    .option('--workers <n>', 'local worker threads (default: one per core)')
    .option('--pg <url>', 'run the stack on PostgreSQL instead of its embedded store')
    .option('--redis <url>', 'give the stack Redis for flash-sale stock')
    .option('--threads', 'run each stack service in its own worker thread')
    .option('--no-threads', 'run all stack services on one event loop')
    .option('--exit', 'exit after the drill instead of serving the dashboard')
    .action(async (flags: DemoFlags) => {
      const term = new Terminal({ quiet: false, ci: false });
      const scenario = `${SCENARIOS_DIR}double11.yaml`;
      if (!existsSync(scenario)) throw new UserError('DEMO_SCENARIO_MISSING', `the demo scenario is missing: ${scenario} (run the demo from a peakdrill checkout)`);
      // A fresh secret for this demo only: it lives in this process and is never written anywhere.
      const secret = randomBytes(24).toString('hex');
      process.env['PEAKDRILL_SHADOW_SECRET'] = secret;

      term.line(`peakdrill demo: starting the reference stack on ${flags.pg ? 'PostgreSQL' : 'its embedded store (PGlite)'}…`);
      const stack = await startStack({
        port: 0,
        shadowSecret: secret,
        ...(flags.pg ? { pgUrl: flags.pg } : {}),
        ...(flags.redis ? { redisUrl: flags.redis } : {}),
        ...(flags.threads !== undefined ? { threads: flags.threads } : {}),
        log: (line) => term.line(line),
      });
      const hub = new LiveHub();
      const dashboard = await serveDashboard({ runsDir: flags.out, port: numberFlag('--port', flags.port), live: hub }).catch((err: { code?: string }) => {
        if (err.code === 'EADDRINUSE') return serveDashboard({ runsDir: flags.out, port: 0, live: hub });
        throw err;
      });
      const closeAll = async (): Promise<void> => {
        await dashboard.close().catch(() => undefined);
        await stack.close().catch(() => undefined);
      };
      try {
        term.line(`  stack:     ${stack.urls['gateway']} (gateway; catalog, cart, inventory, order, payment behind it)`);
        term.line(`  dashboard: ${dashboard.url}`);
        const plan = loadScenario(scenario, { targets: { gateway: stack.urls['gateway']! } });
        const runFlags: RunFlags = { out: flags.out, target: [], header: [], budget: [], allow: [], ...(flags.workers ? { workers: flags.workers } : {}) };
        const result = await runDrill(plan, runFlags, { dashboard: { url: dashboard.url, hub, close: () => dashboard.close() } });
        const url = runUrl(dashboard.url, result.summary.id);
        term.block(
          [
            `Where to look next:`,
            `  the run in the dashboard   ${url}`,
            `  the self-contained report  ${result.dir}/report.html`,
            `  the run files              ${result.dir}/ (summary.json, timeseries.ndjson, histograms.hlog, junit.xml)`,
            `  a flash sale               peakdrill stack & peakdrill run scenarios/flash-sale.yaml --target gateway=http://127.0.0.1:8080`,
            `  the capacity of a link     peakdrill capacity scenarios/double11.yaml --link order.create --target gateway=…`,
          ].join('\n'),
        );
        if (flags.exit) return;
        openBrowser(url);
        term.line(`Serving the dashboard at ${url} — press Ctrl-C to stop.`);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
      } finally {
        await closeAll();
      }
    });
}

function openBrowser(url: string): void {
  if (process.env['PEAKDRILL_NO_OPEN'] || process.env['CI']) return;
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : process.env['DISPLAY'] || process.env['WAYLAND_DISPLAY'] ? 'xdg-open' : null;
  if (!cmd) return;
  try {
    spawn(cmd, [url], { stdio: 'ignore', detached: true }).on('error', () => undefined).unref();
  } catch {
    // no browser to open: the URL is printed
  }
}
