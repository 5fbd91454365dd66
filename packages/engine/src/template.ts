// Templates are compiled once, before the run, into closures over parts; per request they only
// concatenate. The parser (and the validation of names) lives in core, shared with `validate`.

import { randomUUID } from 'node:crypto';
import { parseTemplate, type TemplatePart } from '@peakdrill/core/plan';

/** What a template can read while a journey runs. */
export interface TemplateScope {
  runId: string;
  journeyIndex: number;
  vu: number;
  vars: Record<string, string>;
  /** Column of the current row of a data feeder. */
  feeder(name: string, column: string): string;
  nextSeq(): number;
}

export type Render = (scope: TemplateScope) => string;

export function isStatic(source: string): boolean {
  return !source.includes('{{');
}

/** `json`: expression values land inside JSON strings, so they are JSON-escaped. */
export function compileTemplate(source: string, escape: 'none' | 'json' = 'none'): Render {
  if (isStatic(source)) return () => source;
  const pieces = parseTemplate(source).map((part) => {
    const render = compilePart(part);
    if (escape === 'none' || part.kind === 'text') return render;
    return (scope: TemplateScope) => JSON.stringify(render(scope)).slice(1, -1);
  });
  if (pieces.length === 1) return pieces[0]!;
  return (scope) => {
    let s = '';
    for (let i = 0; i < pieces.length; i++) s += pieces[i]!(scope);
    return s;
  };
}

function compilePart(part: TemplatePart): Render {
  switch (part.kind) {
    case 'text': {
      const text = part.text;
      return () => text;
    }
    case 'var': {
      const name = part.name;
      return (s) => s.vars[name] ?? '';
    }
    case 'feeder': {
      const { feeder, column } = part;
      return (s) => s.feeder(feeder, column);
    }
    case 'builtin':
      switch (part.name) {
        case 'run.id':
          return (s) => s.runId;
        case 'journey.index':
          return (s) => String(s.journeyIndex);
        case 'vu.id':
          return (s) => String(s.vu);
        case 'seq':
          return (s) => String(s.nextSeq());
        case 'now':
          return () => String(Date.now());
      }
      break;
    case 'randomInt': {
      const { min, max } = part;
      return () => String(min + Math.floor(Math.random() * (max - min + 1)));
    }
    case 'randomUuid':
      return () => randomUUID();
    case 'randomPick': {
      const choices = part.choices.length > 0 ? part.choices : [''];
      return () => choices[Math.floor(Math.random() * choices.length)]!;
    }
  }
  return () => '';
}

/**
 * A scope for rendering outside a running generator (preflight, --dry-run): it draws one row
 * per feeder the first time a template asks, like a journey does.
 */
export class OneOffScope implements TemplateScope {
  readonly vu = 0;
  readonly vars: Record<string, string> = {};
  private readonly rows = new Map<string, Record<string, string>>();

  constructor(
    readonly runId: string,
    readonly journeyIndex: number,
    private readonly feeders: ReadonlyMap<string, { take(): Record<string, string> }>,
    private readonly seq: { n: number },
  ) {}

  feeder(name: string, column: string): string {
    let row = this.rows.get(name);
    if (!row) {
      row = this.feeders.get(name)?.take() ?? {};
      this.rows.set(name, row);
    }
    return row[column] ?? '';
  }

  nextSeq(): number {
    return this.seq.n++;
  }
}
