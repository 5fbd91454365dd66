// Steering a running drill from its run page (docs/control.md "From the dashboard"): the
// dashboard forwards a button's command to the drill's control API, with the per-run secret it
// reads from the run folder (control.json, control.secret). The secret never reaches the browser.
// Who may press: whoever passes the dashboard's own gate — its token when it is not on loopback
// (auth.ts), the loopback Host check otherwise — and only from a page of this dashboard: a
// JSON body (a cross-site form cannot send one without a preflight, which gets no CORS answer)
// and, when the browser sends Origin, the dashboard's own origin.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Request, Response } from 'express';
import { RUN_FILES, type RunFiles } from '@peakdrill/core';

const MAX_BODY = 4096;
const FORWARD_TIMEOUT_MS = 5_000;
const COMMANDS = new Set(['rate', 'hold', 'resume', 'step', 'stop']);

interface Endpoint {
  url: string;
  secret: string;
}

/** The drill's control API, or null when the run is not steerable now (ended, or no API). */
function endpointOf(run: RunFiles): Endpoint | null {
  try {
    const file = JSON.parse(readFileSync(join(run.path, RUN_FILES.controlEndpoint), 'utf8')) as { url?: unknown };
    const secret = readFileSync(join(run.path, RUN_FILES.controlSecret), 'utf8').trim();
    // the API only ever listens on loopback: anything else in control.json is not ours to call
    if (typeof file.url !== 'string' || !/^http:\/\/127\.0\.0\.1:\d+$/.test(file.url) || secret.length === 0) return null;
    return { url: file.url, secret };
  } catch {
    return null;
  }
}

function sameOrigin(req: Request): boolean {
  const origin = req.get('origin');
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.get('host');
  } catch {
    return false;
  }
}

async function forward(e: Endpoint, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(e.url + path, {
    method,
    headers: { authorization: `Bearer ${e.secret}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    redirect: 'manual',
    signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS),
  });
  const text = await res.text();
  return { status: res.status, json: JSON.parse(text.slice(0, 1_000_000)) as unknown };
}

const NOT_STEERABLE = 'this run is not steerable now: it has ended, or it was started without live control';

const notSteerable = (res: Response): void => {
  res.status(409).json({ error: 'NOT_STEERABLE', message: NOT_STEERABLE });
};

/**
 * GET /api/runs/:id/control — `{ steerable: true, ...state }` (level, stages, changes so far), or
 * `{ steerable: false, message }`: a question, so "no" is an answer, not an error.
 */
export async function controlState(run: RunFiles, res: Response): Promise<void> {
  const e = endpointOf(run);
  const no = (): void => void res.json({ steerable: false, message: NOT_STEERABLE });
  if (!e) return no();
  try {
    const r = await forward(e, 'GET', '/v1/state');
    if (r.status !== 200) return no();
    res.json({ steerable: true, ...(r.json as object) });
  } catch {
    no();
  }
}

/** POST /api/runs/:id/control — `{ "command": "rate", "value": 3000 }` (hold, resume, stop; step with `percent`). */
export async function controlRun(req: Request, res: Response, run: RunFiles): Promise<void> {
  if (!sameOrigin(req)) {
    res.status(403).json({ error: 'CROSS_ORIGIN', message: 'a change comes from a page of this dashboard only' });
    return;
  }
  if (!req.is('application/json')) {
    res.status(415).json({ error: 'JSON_REQUIRED', message: 'send the command as JSON (content-type: application/json)' });
    return;
  }
  const b = (req.body ?? {}) as Record<string, unknown>;
  if (typeof b.command !== 'string' || !COMMANDS.has(b.command)) {
    res.status(400).json({ error: 'BAD_COMMAND', message: `command must be one of ${[...COMMANDS].join(', ')}` });
    return;
  }
  const command: Record<string, unknown> = { command: b.command, via: 'dashboard', who: typeof b.who === 'string' && b.who.trim() ? `dashboard: ${b.who.trim().slice(0, 100)}` : 'dashboard' };
  if (b.command === 'rate') command.value = b.value;
  if (b.command === 'step') command.percent = b.percent;
  const e = endpointOf(run);
  if (!e) return notSteerable(res);
  try {
    const r = await forward(e, 'POST', '/v1/control', command);
    res.status(r.status).json(r.json);
  } catch {
    notSteerable(res);
  }
}

export const CONTROL_BODY_LIMIT = MAX_BODY;
