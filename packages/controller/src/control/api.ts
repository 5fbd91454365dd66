// The control API of one running drill (docs/control.md): HTTP on 127.0.0.1, a random port, a
// per-run secret in <run-dir>/control.secret (mode 0600) sent as `Authorization: Bearer`.
// <run-dir>/control.json says where it listens; both files are removed when the drill ends.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { isUserError, RUN_FILES } from '@peakdrill/core';
import type { ControlRecord, ControlState, ControlVia } from './drill-control.js';
import { parseControlWords, type ControlCommand } from './replan.js';

export interface Controllable {
  apply(cmd: ControlCommand, who: string, via: ControlVia): ControlRecord;
  state(): ControlState;
}

/** What control.json holds. */
export interface ControlEndpointFile {
  url: string;
  runId: string;
  pid: number;
}

export interface ControlApi {
  url: string;
  close(): Promise<void>;
}

const MAX_BODY = 4096;

export async function serveControl(target: Controllable, dir: string, runId: string): Promise<ControlApi> {
  const secret = randomBytes(32).toString('base64url');
  const expected = Buffer.from(`Bearer ${secret}`);
  const authorized = (req: IncomingMessage): boolean => {
    const got = Buffer.from(req.headers.authorization ?? '');
    return got.length === expected.length && timingSafeEqual(got, expected);
  };
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (!authorized(req)) return send(res, 401, { error: 'UNAUTHORIZED', message: `send Authorization: Bearer <the secret in ${RUN_FILES.controlSecret} of the run directory>` });
    if (req.method === 'GET' && path === '/v1/state') return send(res, 200, target.state());
    if (req.method === 'POST' && path === '/v1/control') return void readBody(req, res, (body) => control(target, body, res));
    send(res, 404, { error: 'NOT_FOUND', message: 'GET /v1/state or POST /v1/control' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  const url = `http://127.0.0.1:${port}`;
  const secretPath = join(dir, RUN_FILES.controlSecret);
  writeFileSync(secretPath, secret + '\n', { mode: 0o600 });
  chmodSync(secretPath, 0o600); // the mode of writeFileSync only applies to a new file
  const endpoint: ControlEndpointFile = { url, runId, pid: process.pid };
  writeFileSync(join(dir, RUN_FILES.controlEndpoint), JSON.stringify(endpoint, null, 2) + '\n');
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        rmSync(join(dir, RUN_FILES.controlEndpoint), { force: true });
        rmSync(secretPath, { force: true });
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Body: `{ "command": "rate", "value": 3000 }`, or `{ "words": "step +20%" }`; optional `who`, `via`. */
function control(target: Controllable, body: string, res: ServerResponse): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return send(res, 400, { error: 'BAD_REQUEST', message: 'the body must be JSON, e.g. {"command":"rate","value":3000}' });
  }
  const b = (parsed ?? {}) as Record<string, unknown>;
  const cmd = typeof b.words === 'string' ? parseControlWords(b.words.trim().split(/\s+/)) : commandOf(b);
  if (typeof cmd === 'string') return send(res, 400, { error: 'BAD_COMMAND', message: cmd });
  const who = typeof b.who === 'string' && b.who.length > 0 ? b.who.slice(0, 200) : 'api';
  const via: ControlVia = b.via === 'ctl' || b.via === 'dashboard' ? b.via : 'api';
  try {
    send(res, 200, target.apply(cmd, who, via));
  } catch (err) {
    if (isUserError(err)) return send(res, 409, { error: err.code, message: err.message });
    throw err;
  }
}

function commandOf(b: Record<string, unknown>): ControlCommand | string {
  switch (b.command) {
    case 'rate':
      return parseControlWords(['rate', String(b.value)]);
    case 'step':
      return parseControlWords(['step', typeof b.percent === 'number' ? `${b.percent >= 0 ? '+' : ''}${b.percent}%` : String(b.percent)]);
    case 'hold':
    case 'resume':
    case 'stop':
      return { command: b.command };
    default:
      return parseControlWords([String(b.command ?? '')]);
  }
}

function readBody(req: IncomingMessage, res: ServerResponse, then: (body: string) => void): void {
  let body = '';
  let tooBig = false;
  req.setEncoding('utf8');
  req.on('data', (c: string) => {
    body += c;
    if (body.length > MAX_BODY) tooBig = true;
  });
  req.on('end', () => (tooBig ? send(res, 413, { error: 'TOO_LARGE', message: `a control request is at most ${MAX_BODY} bytes` }) : then(body)));
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body) + '\n');
}
