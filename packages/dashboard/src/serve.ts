// Serving the dashboard: loopback by default; any other address needs a token, because the
// runs show internal URLs, capacity figures and isolation results.

import type { AddressInfo } from 'node:net';
import { UserError } from '@peakdrill/core';
import { createDashboard } from './app.js';
import type { LiveSource } from './live.js';

export interface ServeOptions {
  runsDir: string;
  host?: string;
  /** 0 picks a free port. */
  port: number;
  token?: string;
  live?: LiveSource;
}

export interface ServedDashboard {
  /**
   * Where to point a browser. Never carries the token: the URL gets printed, and printed lines end
   * up in container logs and CI output. With a token, open `url + '?token=<token>'` once.
   */
  url: string;
  tokenRequired: boolean;
  port: number;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
export const MIN_TOKEN_LENGTH = 16;

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host.toLowerCase()) || /^127(\.\d{1,3}){3}$/.test(host);
}

export async function serveDashboard(options: ServeOptions): Promise<ServedDashboard> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token || undefined;
  if (!isLoopback(host) && !token) {
    throw new UserError('DASHBOARD_TOKEN_REQUIRED', `the dashboard on ${host} would be reachable from other machines: pass --token (or set PEAKDRILL_DASHBOARD_TOKEN), e.g. --token $(openssl rand -hex 16)`);
  }
  if (token && token.length < MIN_TOKEN_LENGTH) {
    throw new UserError('DASHBOARD_TOKEN_WEAK', `the dashboard token is ${token.length} characters; use at least ${MIN_TOKEN_LENGTH} (e.g. openssl rand -hex 16)`);
  }
  const app = createDashboard({
    runsDir: options.runsDir,
    ...(token ? { token } : {}),
    ...(options.live ? { live: options.live } : {}),
    ...(token ? {} : { allowedHostnames: ['127.0.0.1', 'localhost', '[::1]', '::1'] }),
  });
  const server = await new Promise<import('node:http').Server>((resolvePromise, reject) => {
    const s = app.listen(options.port, host, (err?: Error) => (err ? reject(err) : resolvePromise(s)));
    s.once('error', reject);
  }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE') throw new UserError('DASHBOARD_PORT_IN_USE', `port ${options.port} on ${host} is taken: pass --port with another number`);
    if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') throw new UserError('DASHBOARD_BAD_HOST', `cannot listen on ${host}: not an address of this machine`);
    throw err;
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const url = `http://${shownHost}:${port}/`;
  return {
    url,
    tokenRequired: token !== undefined,
    port,
    close: () =>
      new Promise<void>((resolvePromise) => {
        server.closeAllConnections();
        server.close(() => resolvePromise());
      }),
  };
}
