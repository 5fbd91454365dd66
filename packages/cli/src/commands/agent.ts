// `peakdrill agent --nats URL`: a remote load generator that joins drills over NATS. Logs go to
// stderr; SIGINT/SIGTERM stop a drill in progress (load stops at once), report it, and exit 0.

import type { Command } from 'commander';
import { UserError } from '@peakdrill/core';
import { runAgent } from '@peakdrill/controller';

export interface AgentFlags {
  nats: string;
  name?: string;
  workers?: string;
  prefix?: string;
  once?: boolean;
}

/** The options runAgent gets from the command line (pure: flags in, options out). */
export function agentOptions(f: AgentFlags): { natsUrl: string; name?: string; workers?: number; prefix?: string; once?: boolean } {
  let u: URL;
  try {
    u = new URL(f.nats);
  } catch {
    throw new UserError('BAD_FLAG', `--nats must be a NATS URL such as nats://127.0.0.1:4222, got "${f.nats}"`);
  }
  if (!['nats:', 'tls:', 'ws:', 'wss:'].includes(u.protocol)) throw new UserError('BAD_FLAG', `--nats must be a nats:// or tls:// URL, got "${f.nats}"`);
  let workers: number | undefined;
  if (f.workers !== undefined) {
    workers = Number(f.workers);
    if (!/^\d+$/.test(f.workers.trim()) || workers < 1 || workers > 1024) throw new UserError('BAD_FLAG', `--workers must be a whole number from 1 to 1024, got "${f.workers}"`);
  }
  if (f.name !== undefined && (f.name.trim() === '' || f.name.length > 100)) throw new UserError('BAD_FLAG', '--name must be 1 to 100 characters');
  if (f.prefix !== undefined && !/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(f.prefix)) {
    throw new UserError('BAD_FLAG', `--prefix must be dot-separated tokens of letters, digits, '_' and '-', got "${f.prefix}"`);
  }
  return { natsUrl: f.nats, ...(f.name ? { name: f.name } : {}), ...(workers !== undefined ? { workers } : {}), ...(f.prefix ? { prefix: f.prefix } : {}), ...(f.once ? { once: true } : {}) };
}

export function register(program: Command): void {
  program
    .command('agent')
    .description('a remote load generator: joins drills coordinated over NATS (runs the same engine as local workers)')
    .requiredOption('--nats <url>', 'NATS server, e.g. nats://127.0.0.1:4222 (tls:// for TLS; user:pass@ for credentials)')
    .option('--name <name>', 'name shown in the run summary (default: <hostname>-<pid>)')
    .option('--workers <n>', 'worker threads, each one generator of the drill (default: one per core)')
    .option('--prefix <subject>', 'NATS subject prefix shared with the controller (separate fleets on one NATS)', 'peakdrill')
    .option('--once', 'exit after one drill (a Kubernetes Job, a one-off container)')
    .addHelpText(
      'after',
      `
The shadow secret and the plan arrive with each drill and stay in memory. Set PEAKDRILL_AGENT_TOKEN
(the same on the controller) to take only sealed assignments from controllers holding the token.

Examples:
  peakdrill agent --nats nats://127.0.0.1:4222
  peakdrill agent --nats nats://nats.internal:4222 --name rack1-a --workers 8`,
    )
    .action(async (flags: AgentFlags) => {
      const log = (line: string): void => void process.stderr.write(`${new Date().toISOString()} ${line}\n`);
      const agent = await runAgent({ ...agentOptions(flags), onLog: log });
      await new Promise<void>((done) => {
        let signals = 0;
        const stop = (sig: NodeJS.Signals): void => {
          signals++;
          if (signals > 1) process.exit(130); // a second signal: do not wait for the drill's grace
          log(`agent ${agent.name}: ${sig}: shutting down`);
          void agent.close().then(done);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
        void agent.closed.then(done);
      });
      process.exit(0);
    });
}
