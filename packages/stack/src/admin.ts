// Who may call the stack's admin and internal endpoints: loopback clients, or a caller with the
// admin token (compared in constant time). Its own room so the fault endpoints and the server
// builder can both use it without importing each other.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HttpError } from './errors.js';
import type { Ctx } from './http.js';

export function isLoopback(req: IncomingMessage): boolean {
  const a = req.socket.remoteAddress ?? '';
  return a === '::1' || a.startsWith('127.') || a.startsWith('::ffff:127.');
}

/** Constant time in the token's content: both sides are hashed to equal-length digests first. */
export function tokenMatches(given: string | string[] | undefined, token: string): boolean {
  if (typeof given !== 'string' || given.length === 0) return false;
  return timingSafeEqual(createHash('sha256').update(given).digest(), createHash('sha256').update(token).digest());
}

export function requireAdmin(ctx: Ctx): void {
  const token = ctx.rt.adminToken;
  if (isLoopback(ctx.req)) return;
  if (token && tokenMatches(ctx.req.headers['x-admin-token'], token)) return;
  throw new HttpError(403, 'FORBIDDEN', 'Admin endpoints answer loopback clients or a valid x-admin-token only.');
}

