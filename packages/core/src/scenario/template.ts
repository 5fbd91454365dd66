// Templates in URLs, headers and bodies: literal text and `{{ ... }}` expressions. Parsed
// once — by validation (to find unknown names with positions) and by the engine (which
// compiles the parts into closures before the run; nothing is re-parsed per request).
//
// Expressions:
//   {{name}}                 a variable: captured by an earlier step, or a journey `vars:` entry
//   {{feeder.column}}        a column of the journey's current row of a data feeder
//   {{run.id}}               the run id
//   {{journey.index}}        the journey's sequence number within its generator (0-based)
//   {{vu.id}}                the virtual user's number (closed model only)
//   {{seq}}                  a per-generator counter, incremented at each use
//   {{now}}                  epoch milliseconds at render time
//   {{random.int MIN MAX}}   a uniform integer in [MIN, MAX]
//   {{random.uuid}}          a random UUID v4
//   {{random.pick a b "c d"}} one of the words (double quotes keep spaces)
// There is no escape: `{{` always opens an expression.

import { UserError, type ErrorCode } from '../errors.js';
import { didYouMean } from './suggest.js';

export const BUILTINS = ['run.id', 'journey.index', 'vu.id', 'seq', 'now'] as const;
export type Builtin = (typeof BUILTINS)[number];
export const HELPERS = ['random.int', 'random.uuid', 'random.pick'] as const;
export type Helper = (typeof HELPERS)[number];
/** Names that cannot be feeders or variables because expressions already use them. */
export const RESERVED_NAMES = ['run', 'journey', 'vu', 'random', 'seq', 'now'] as const;

/** `src` is the expression as written, braces included (for messages). */
export type TemplatePart =
  | { kind: 'text'; text: string }
  | { kind: 'var'; name: string; src: string }
  | { kind: 'feeder'; feeder: string; column: string; src: string }
  | { kind: 'builtin'; name: Builtin; src: string }
  | { kind: 'randomInt'; min: number; max: number; src: string }
  | { kind: 'randomUuid'; src: string }
  | { kind: 'randomPick'; choices: string[]; src: string };

export type ExpressionPart = Exclude<TemplatePart, { kind: 'text' }>;

export interface TemplateProblem {
  code: 'BAD_TEMPLATE' | 'UNKNOWN_HELPER' | 'UNKNOWN_VARIABLE';
  message: string;
  /** Offset of the `{{` in the template string. */
  offset: number;
  /** The expression as written, braces included (to find it in the file). */
  src: string;
}

export const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const FEEDER_REF = /^([A-Za-z_][A-Za-z0-9_-]*)\.(\S+)$/;

/** Parses a template, collecting every problem instead of stopping at the first. */
export function scanTemplate(s: string): { parts: TemplatePart[]; problems: TemplateProblem[] } {
  const parts: TemplatePart[] = [];
  const problems: TemplateProblem[] = [];
  let i = 0;
  let text = '';
  while (i < s.length) {
    const open = s.indexOf('{{', i);
    if (open < 0) {
      text += s.slice(i);
      break;
    }
    text += s.slice(i, open);
    const close = s.indexOf('}}', open + 2);
    if (close < 0) {
      const src = s.slice(open, Math.min(s.length, open + 30));
      problems.push({ code: 'BAD_TEMPLATE', message: `\`${src}\` opens \`{{\` without a closing \`}}\``, offset: open, src });
      text += s.slice(open);
      break;
    }
    const src = s.slice(open, close + 2);
    const expr = s.slice(open + 2, close);
    const r = parseExpression(expr.trim(), src);
    if ('problem' in r) problems.push({ ...r.problem, offset: open, src });
    else {
      if (text !== '') parts.push({ kind: 'text', text });
      text = '';
      parts.push(r.part);
    }
    i = close + 2;
  }
  if (text !== '') parts.push({ kind: 'text', text });
  return { parts, problems };
}

/** Parses a template; throws UserError `BAD_TEMPLATE` (with every problem) when it is malformed. */
export function parseTemplate(s: string): TemplatePart[] {
  const { parts, problems } = scanTemplate(s);
  if (problems.length > 0) {
    throw new UserError('BAD_TEMPLATE', `bad template ${JSON.stringify(s)}: ${problems[0]!.message}`, {
      problems: problems.map((p) => ({ code: p.code, message: p.message })),
    });
  }
  return parts;
}

/** True when the string holds no expression (the engine can send it as is). */
export function isLiteral(parts: TemplatePart[]): boolean {
  return parts.every((p) => p.kind === 'text');
}

type ExprResult = { part: ExpressionPart } | { problem: Omit<TemplateProblem, 'offset' | 'src'> };

function splitArgs(expr: string): string[] | undefined {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const m of expr.matchAll(re)) {
    if (m[1] !== undefined) out.push(m[1].replace(/\\(.)/g, '$1'));
    else if (m[2]!.includes('"')) return undefined;
    else out.push(m[2]!);
  }
  return out;
}

function parseExpression(expr: string, src: string): ExprResult {
  if (expr === '') return { problem: { code: 'BAD_TEMPLATE', message: `\`${src}\` is empty; write a name such as \`{{orderId}}\`` } };
  const words = splitArgs(expr);
  if (words === undefined || words.length === 0) return { problem: { code: 'BAD_TEMPLATE', message: `\`${src}\` has an unclosed quote` } };
  const [head, ...args] = words as [string, ...string[]];
  if (head.startsWith('random.') || head === 'random') {
    switch (head) {
      case 'random.uuid':
        if (args.length > 0) return { problem: { code: 'BAD_TEMPLATE', message: `\`${src}\`: random.uuid takes no arguments` } };
        return { part: { kind: 'randomUuid', src } };
      case 'random.int': {
        const nums = args.map((a) => (/^-?\d+$/.test(a) ? Number(a) : NaN));
        if (nums.length !== 2 || nums.some((n) => !Number.isSafeInteger(n))) {
          return { problem: { code: 'BAD_TEMPLATE', message: `\`${src}\`: random.int takes two whole numbers, e.g. \`{{random.int 1 100}}\`` } };
        }
        const [min, max] = nums as [number, number];
        if (min > max) return { problem: { code: 'BAD_TEMPLATE', message: `\`${src}\`: random.int ${min} ${max} has its minimum above its maximum` } };
        return { part: { kind: 'randomInt', min, max, src } };
      }
      case 'random.pick':
        if (args.length === 0) return { problem: { code: 'BAD_TEMPLATE', message: `\`${src}\`: random.pick needs at least one word to pick from` } };
        return { part: { kind: 'randomPick', choices: args, src } };
      default:
        return { problem: { code: 'UNKNOWN_HELPER', message: `\`${src}\`: unknown helper \`${head}\`${didYouMean(head, HELPERS)}; helpers: ${HELPERS.join(', ')}` } };
    }
  }
  if (args.length > 0) {
    return { problem: { code: 'UNKNOWN_HELPER', message: `\`${src}\`: \`${head}\` is not a helper and takes no arguments; helpers: ${HELPERS.join(', ')}` } };
  }
  if ((BUILTINS as readonly string[]).includes(head)) return { part: { kind: 'builtin', name: head as Builtin, src } };
  const dot = head.indexOf('.');
  const root = dot < 0 ? head : head.slice(0, dot);
  if (root === 'run' || root === 'journey' || root === 'vu') {
    return { problem: { code: 'UNKNOWN_VARIABLE', message: `\`${src}\`: unknown built-in \`${head}\`${didYouMean(head, BUILTINS)}; built-ins: ${BUILTINS.join(', ')}` } };
  }
  if (dot < 0) {
    if (!VAR_NAME.test(head)) return { problem: { code: 'BAD_TEMPLATE', message: `\`${src}\`: \`${head}\` is not a variable name (letters, digits, _ and -)` } };
    return { part: { kind: 'var', name: head, src } };
  }
  const m = FEEDER_REF.exec(head);
  if (!m) return { problem: { code: 'BAD_TEMPLATE', message: `\`${src}\`: \`${head}\` is neither a variable nor \`feeder.column\`` } };
  return { part: { kind: 'feeder', feeder: m[1]!, column: m[2]!, src } };
}

/** What a template may refer to at one place in a journey. */
export interface TemplateScope {
  /** Variables defined before this point (journey vars and earlier captures). */
  vars: ReadonlySet<string>;
  /** Variables captured by this or a later step (for a better message). */
  laterVars?: ReadonlySet<string>;
  /** Feeder name → its columns. */
  feeders: ReadonlyMap<string, readonly string[]>;
  /** `vu.id` exists only in the closed model. */
  closedModel: boolean;
}

/** The problems of the names a template uses, in a scope: unknown variables, feeders, columns. */
export function checkTemplateNames(parts: TemplatePart[], scope: TemplateScope): { message: string; code: ErrorCode; src: string }[] {
  const out: { message: string; code: ErrorCode; src: string }[] = [];
  for (const part of parts) {
    if (part.kind === 'var') {
      if (scope.vars.has(part.name)) continue;
      if (scope.laterVars?.has(part.name)) {
        out.push({ code: 'UNKNOWN_VARIABLE', src: part.src, message: `\`${part.src}\`: \`${part.name}\` is captured only by this or a later step; a step can use what earlier steps captured` });
        continue;
      }
      const feeder = scope.feeders.get(part.name);
      const hint = feeder ? ` (\`${part.name}\` is a data feeder: write \`{{${part.name}.${feeder[0] ?? 'column'}}}\`)` : didYouMean(part.name, [...scope.vars, ...BUILTINS]);
      out.push({ code: 'UNKNOWN_VARIABLE', src: part.src, message: `\`${part.src}\`: unknown variable \`${part.name}\`${hint}; a variable must be captured by an earlier step of the journey, set in the journey's \`vars:\`, or be a built-in (${BUILTINS.join(', ')})` });
    } else if (part.kind === 'feeder') {
      const cols = scope.feeders.get(part.feeder);
      if (cols === undefined) {
        out.push({ code: 'UNKNOWN_VARIABLE', src: part.src, message: `\`${part.src}\`: no data feeder named \`${part.feeder}\`${didYouMean(part.feeder, scope.feeders.keys())}${scope.feeders.size ? `; feeders: ${[...scope.feeders.keys()].join(', ')}` : '; declare it under `data:`'}` });
      } else if (cols.length > 0 && !cols.includes(part.column)) {
        // (a feeder without columns is broken and already reported)
        out.push({ code: 'UNKNOWN_COLUMN', src: part.src, message: `\`${part.src}\`: data feeder \`${part.feeder}\` has no column \`${part.column}\`${didYouMean(part.column, cols)}; its columns: ${cols.join(', ') || '(none)'}` });
      }
    } else if (part.kind === 'builtin' && part.name === 'vu.id' && !scope.closedModel) {
      out.push({ code: 'UNKNOWN_VARIABLE', src: part.src, message: `\`${part.src}\`: \`vu.id\` exists only in the closed model; use \`{{journey.index}}\`` });
    }
  }
  return out;
}
