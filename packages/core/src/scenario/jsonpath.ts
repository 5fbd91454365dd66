// The JSON path subset of captures and checks: `$`, `.name`, `[0]`, `["any key"]`.
// Validation parses every path (a bad one is a positioned problem); the engine walks parsed
// JSON with the segments.

import { UserError } from '../errors.js';

export type JsonPathSegment = string | number;

/** Why `s` is not a supported JSON path, or undefined. */
export function jsonPathProblem(s: string): string | undefined {
  try {
    parseJsonPath(s);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** `$.a.b[0].c` → ['a', 'b', 0, 'c']; `$` → []. Throws UserError `BAD_JSON_PATH`. */
export function parseJsonPath(s: string): JsonPathSegment[] {
  const bad = (why: string): never => {
    throw new UserError('BAD_JSON_PATH', `\`${s}\` is not a JSON path: ${why}; write e.g. \`$.items[0].id\``);
  };
  if (!s.startsWith('$')) bad('it must start with `$`');
  const out: JsonPathSegment[] = [];
  let i = 1;
  while (i < s.length) {
    const c = s[i];
    if (c === '.') {
      const m = /^[A-Za-z_$][A-Za-z0-9_$-]*/.exec(s.slice(i + 1));
      if (!m) bad(`expected a name after \`.\` at character ${i + 1}`);
      out.push(m![0]);
      i += 1 + m![0].length;
    } else if (c === '[') {
      const rest = s.slice(i + 1);
      const idx = /^(\d+)\]/.exec(rest);
      const quoted = /^(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\]/.exec(rest);
      if (idx) {
        const n = Number(idx[1]);
        if (!Number.isSafeInteger(n)) bad('the index is too large');
        out.push(n);
        i += 1 + idx[0].length;
      } else if (quoted) {
        out.push((quoted[1] ?? quoted[2]!).replace(/\\(.)/g, '$1'));
        i += 1 + quoted[0].length;
      } else {
        bad(`expected \`[0]\` or \`["key"]\` at character ${i + 1} (wildcards and filters are not supported)`);
      }
    } else {
      bad(`unexpected \`${c}\` at character ${i + 1}`);
    }
  }
  return out;
}

/** Walks parsed JSON along a path; undefined when any segment is missing. */
export function walkJsonPath(value: unknown, path: readonly JsonPathSegment[]): unknown {
  let v: unknown = value;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    if (typeof seg === 'number') {
      if (!Array.isArray(v)) return undefined;
      v = v[seg];
    } else {
      if (Array.isArray(v) || !Object.prototype.hasOwnProperty.call(v, seg)) return undefined;
      v = (v as Record<string, unknown>)[seg];
    }
  }
  return v;
}
