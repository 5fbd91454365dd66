// Calls to downstream services and what their answers become: a keep-alive request with a
// socket timeout, JSON parsing, and a downstream error re-raised as this service's own answer.

import http, { type IncomingHttpHeaders } from 'node:http';
import { HttpError } from './errors.js';

export interface Downstream {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export function send(agent: http.Agent, url: string, method: string, headers: Record<string, string>, payload: Buffer | undefined, hop: string): Promise<Downstream> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) }));
      res.on('error', () => reject(new HttpError(502, 'UPSTREAM_UNAVAILABLE', `The ${hop} service broke off its answer.`, { hop })));
    });
    req.on('timeout', () => req.destroy(new HttpError(504, 'UPSTREAM_TIMEOUT', `The ${hop} service did not answer in time.`, { hop })));
    req.on('error', (err) => reject(err instanceof HttpError ? err : new HttpError(502, 'UPSTREAM_UNAVAILABLE', `The ${hop} service is not reachable.`, { hop })));
    req.end(payload);
  });
}

/** Parses a downstream JSON answer. */
export function parseJson<T>(d: Downstream): T {
  try {
    return JSON.parse(d.body.toString('utf8')) as T;
  } catch {
    throw new HttpError(502, 'UPSTREAM_BAD_ANSWER', 'A downstream service answered with invalid JSON.');
  }
}

/** Re-raises a downstream 4xx/5xx JSON error as our own answer, unchanged. */
export function passError(d: Downstream): never {
  throw errorOf(d);
}

/** A downstream 4xx/5xx JSON error as our own answer (a 5xx becomes 502). */
export function errorOf(d: Downstream): HttpError {
  let code = 'UPSTREAM_ERROR';
  let message = `A downstream service answered ${d.status}.`;
  let extra: Record<string, unknown> | undefined;
  try {
    const e = JSON.parse(d.body.toString('utf8')) as { code?: unknown; message?: unknown } & Record<string, unknown>;
    if (typeof e.code === 'string') code = e.code;
    if (typeof e.message === 'string') message = e.message;
    const { code: _c, message: _m, ...rest } = e;
    extra = rest;
  } catch {
    // keep the generic message
  }
  return new HttpError(d.status >= 500 ? 502 : d.status, code, message, extra);
}
