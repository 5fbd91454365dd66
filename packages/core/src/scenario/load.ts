// Scenario file → Plan: read, parse YAML with positions, validate every section, normalize.
// Problems are collected over the whole file and thrown once (UserError SCENARIO_INVALID),
// each `file:line:col` with the file as the user named it.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { UserError } from '../errors.js';
import type { Plan } from '../plan.js';
import type { ScenarioOverrides } from './overrides.js';
import { Problems } from './problems.js';
import { kib, MAX_EXPANDED_BYTES, MAX_SCENARIO_BYTES } from './limits.js';
import { newCtx, TooLarge, val } from './reader.js';
import { readScenario } from './schema.js';

/** Reads a scenario file and returns its Plan. Throws UserError SCENARIO_NOT_FOUND / SCENARIO_EMPTY / SCENARIO_INVALID. */
export function loadScenario(path: string, overrides: ScenarioOverrides = {}): Plan {
  let text: string;
  let fd: number | undefined;
  try {
    // Size first (scenarios are hand-written; anything larger is a mistake or an attack on the
    // parser), then read at most one byte past the limit, in case the file grows meanwhile.
    fd = openSync(path, 'r');
    const st = fstatSync(fd);
    if (st.isDirectory()) throw Object.assign(new Error('directory'), { code: 'EISDIR' });
    const buf = Buffer.alloc(st.size <= MAX_SCENARIO_BYTES ? st.size + 1 : 0);
    let n = 0;
    for (let r = 1; r > 0 && n < buf.length; n += r) r = readSync(fd, buf, n, buf.length - n, null);
    const size = Math.max(st.size, n);
    if (size > MAX_SCENARIO_BYTES) {
      throw new UserError('SCENARIO_INVALID', `${path}: ${size} bytes; a scenario may be at most ${kib(MAX_SCENARIO_BYTES)}`, {
        problems: [{ code: 'TOO_LARGE', message: `the scenario file is larger than ${kib(MAX_SCENARIO_BYTES)}`, pos: { file: path, line: 1, col: 1 } }],
      });
    }
    text = buf.subarray(0, n).toString('utf8');
  } catch (err) {
    if (err instanceof UserError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError('SCENARIO_NOT_FOUND', `scenario file not found: ${path}`);
    if (code === 'EISDIR') throw new UserError('SCENARIO_NOT_FOUND', `${path} is a directory, not a scenario file`);
    throw new UserError('SCENARIO_NOT_FOUND', `cannot read scenario ${path} (${code ?? String(err)})`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return parseScenario(text, path, overrides);
}

/**
 * Parses scenario text. `file` is used verbatim in positions; relative CSV paths resolve
 * against its folder (relative to the current directory).
 */
export function parseScenario(text: string, file: string, overrides: ScenarioOverrides = {}): Plan {
  const source = resolvePath(file);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = new LineCounter();
  const problems = new Problems(file, lines);
  let doc;
  try {
    doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, strict: true });
  } catch (err) {
    // The parser recurses on nesting; a pathological file can exhaust the stack.
    if (err instanceof RangeError) {
      throw new UserError('SCENARIO_INVALID', `${file}: cannot be parsed`, {
        problems: [{ code: 'YAML_SYNTAX', message: 'the YAML nests too deeply to parse', pos: { file, line: 1, col: 1 } }],
      });
    }
    throw err;
  }
  for (const e of doc.errors) {
    let msg = /call stack/i.test(e.message) ? 'the YAML nests too deeply to parse' : e.message.replace(/\s+at line \d+, column \d+:?[\s\S]*$/, '');
    if (e.code === 'DUPLICATE_KEY') {
      const m = /^("(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^:\n,{}[\]]+?)\s*:/.exec(text.slice(e.pos[0], e.pos[0] + 200));
      if (m) msg = `key \`${m[1]!.replace(/^["']|["']$/g, '')}\` appears twice in the same mapping`;
    }
    problems.add('YAML_SYNTAX', `YAML: ${msg}`, e.pos[0]);
  }
  problems.throwIfAny('SCENARIO_INVALID', file);

  if (doc.contents === null || (doc.contents as { value?: unknown }).value === null) {
    throw new UserError('SCENARIO_EMPTY', `${file} is empty; a scenario needs at least \`name:\`, \`targets:\`, \`load:\` and \`requests:\` (see docs/scenario.md)`, {
      problems: [{ code: 'SCENARIO_EMPTY', message: 'the scenario is empty', pos: { file, line: 1, col: 1 } }],
    });
  }

  const ctx = newCtx(problems, doc, text);
  let plan: Plan | undefined;
  try {
    plan = readScenario(ctx, val(ctx, doc.contents, ''), { source, baseDir: dirname(source), overrides });
  } catch (err) {
    if (err instanceof TooLarge && err.bound === 'bytes') {
      problems.add('EXPANSION_TOO_LARGE', `the scenario's aliases expand into more than ${kib(MAX_EXPANDED_BYTES)} of text; write the value out once, or make it smaller`, err.at ?? 0);
    } else if (err instanceof TooLarge) problems.add('TOO_LARGE', 'the scenario expands (through aliases) into too many values to check', err.at ?? 0);
    else if (err instanceof RangeError) problems.add('TOO_DEEP', 'the scenario nests too deeply to check', 0);
    else throw err;
  }
  problems.throwIfAny('SCENARIO_INVALID', file);
  if (plan === undefined) {
    // readScenario returns undefined only with problems recorded; keep the promise anyway.
    throw new UserError('SCENARIO_INVALID', `${file}: invalid scenario`);
  }
  return plan;
}
