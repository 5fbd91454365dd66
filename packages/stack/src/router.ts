// Routing of one service: its route patterns split once into segments, then each request's
// method and path matched against them (`:name` segments decoded into params).

import type { Handler, Route } from './http.js';

export interface Compiled {
  method: string;
  pattern: string;
  segments: string[];
  handler: Handler;
}

export function compile(routes: readonly Route[]): Compiled[] {
  return routes.map((r) => ({ method: r.method, pattern: r.pattern, segments: r.pattern.split('/').slice(1), handler: r.handler }));
}

export function match(routes: Compiled[], method: string, path: string): { route: Compiled; params: Record<string, string> } | 'method' | null {
  const parts = path.split('/').slice(1);
  let methodMismatch = false;
  outer: for (const r of routes) {
    if (r.segments.length !== parts.length) continue;
    let params: Record<string, string> | null = null;
    for (let i = 0; i < parts.length; i++) {
      const s = r.segments[i]!;
      const p = parts[i]!;
      if (s.charCodeAt(0) === 58 /* : */) {
        if (p.length === 0) continue outer;
        let v: string;
        try {
          v = decodeURIComponent(p);
        } catch {
          continue outer;
        }
        (params ??= {})[s.slice(1)] = v;
      } else if (s !== p) continue outer;
    }
    if (r.method !== method) {
      methodMismatch = true;
      continue;
    }
    return { route: r, params: params ?? {} };
  }
  return methodMismatch ? 'method' : null;
}
