// Before a drill: every target must accept a TCP connection. A typo in a port or a stack that
// is not up is a user's mistake (exit 2, one clear line), not a drill full of connect errors.

import { connect } from 'node:net';
import { UserError, type Plan } from '@peakdrill/core';

const PROBE_TIMEOUT_MS = 3_000;

export async function assertTargetsReachable(plan: Plan): Promise<void> {
  const problems: string[] = [];
  await Promise.all(
    Object.entries(plan.targets).map(async ([name, base]) => {
      const u = new URL(base);
      const port = Number(u.port) || (u.protocol === 'https:' ? 443 : 80);
      const host = u.hostname.replace(/^\[|\]$/g, '');
      const err = await probe(host, port);
      if (err) problems.push(`target ${name} (${u.origin}) is not reachable: ${err}`);
    }),
  );
  if (problems.length > 0) {
    throw new UserError('TARGET_UNREACHABLE', `${problems.join('; ')} — is the system under test running, and is the URL right? (nothing was sent)`);
  }
}

function probe(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (result: string | null): void => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(`no answer within ${PROBE_TIMEOUT_MS / 1000} s`));
    socket.once('connect', () => done(null));
    socket.once('error', (e: NodeJS.ErrnoException) => done(e.code === 'ECONNREFUSED' ? 'connection refused' : (e.code ?? e.message)));
  });
}
