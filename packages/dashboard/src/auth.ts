// The token gate for a dashboard reachable beyond loopback. Checked on every request
// (pages, assets, API, the live stream): `Authorization: Bearer <token>`, or the HttpOnly
// cookie that `?token=<token>` sets once (then the address bar is cleaned by a redirect).

import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

export const TOKEN_COOKIE = 'peakdrill_token';

/** Constant time in the token's content: both sides are hashed to the same length first. */
export function tokenMatches(given: string | undefined, token: string): boolean {
  if (typeof given !== 'string' || given.length === 0) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

function cookieValue(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

export function tokenGate(token: string) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const q = req.query['token'];
    if (typeof q === 'string' && tokenMatches(q, token)) {
      res.append('Set-Cookie', `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`);
      if (req.method === 'GET' && !req.path.startsWith('/api/')) {
        const url = new URL(req.originalUrl, 'http://x');
        url.searchParams.delete('token');
        res.redirect(303, url.pathname + url.search);
        return;
      }
      next();
      return;
    }
    const auth = req.get('authorization');
    const bearer = auth && /^Bearer\s+(.+)$/i.exec(auth)?.[1];
    if ((bearer && tokenMatches(bearer.trim(), token)) || tokenMatches(cookieValue(req, TOKEN_COOKIE), token)) {
      next();
      return;
    }
    res.status(401).set('WWW-Authenticate', 'Bearer realm="peakdrill"');
    if (req.path.startsWith('/api/')) res.json({ error: 'TOKEN_REQUIRED', message: 'this dashboard needs its token: Authorization: Bearer <token>' });
    else res.type('html').send('<!doctype html><meta charset="utf-8"><title>Token required</title><body><h1>This dashboard needs its token</h1><p>Open this address once with <code>?token=&lt;token&gt;</code> added (the token the dashboard was started with: <code>--token</code> or <code>$PEAKDRILL_DASHBOARD_TOKEN</code>), or send <code>Authorization: Bearer &lt;token&gt;</code>.</p></body>');
  };
}
