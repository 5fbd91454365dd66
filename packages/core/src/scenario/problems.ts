// The problems of one validation pass: collected (never thrown one by one), positioned as
// `file:line:col` from YAML offsets, sorted by position, and raised once as a UserError.

import type { LineCounter } from 'yaml';
import { UserError, type ErrorCode, type Positioned, type ProblemDetail } from '../errors.js';

/** More than this many problems is noise: the rest are summarised in one line. */
export const MAX_PROBLEMS = 200;

/** Anything with a source range (a YAML node or pair key). */
export interface Ranged {
  range?: [number, number, number] | null;
}

export class Problems {
  private readonly items: { p: ProblemDetail; order: number }[] = [];
  private dropped = 0;

  /**
   * @param file  the scenario file as the user named it (used verbatim in positions), or
   *              undefined for problems that have no file (quick-mode flags).
   */
  constructor(
    readonly file: string | undefined,
    private readonly lines?: LineCounter,
  ) {}

  get count(): number {
    return this.items.length + this.dropped;
  }

  /** The 1-based `file:line:col` of a source offset. */
  at(offset: number): Positioned | undefined {
    if (this.file === undefined || this.lines === undefined) return undefined;
    const { line, col } = this.lines.linePos(Math.max(0, offset));
    // LineCounter reports line 0 before the first newline was registered (one-line files).
    return { file: this.file, line: Math.max(1, line), col: Math.max(1, col) };
  }

  /** Position of a node (its first character), or of the file's start when unknown. */
  posOf(where: Ranged | number | null | undefined): Positioned | undefined {
    if (typeof where === 'number') return this.at(where);
    const r = where?.range;
    if (r) return this.at(r[0]);
    return this.file === undefined ? undefined : this.at(0);
  }

  add(code: ErrorCode, message: string, where?: Ranged | number | null): void {
    if (this.items.length >= MAX_PROBLEMS) {
      this.dropped++;
      return;
    }
    const pos = this.posOf(where);
    const p: ProblemDetail = pos ? { code, message, pos } : { code, message };
    this.items.push({ p, order: this.items.length });
  }

  /** Sorted by position (problems without a position first, in the order found), de-duplicated. */
  sorted(): ProblemDetail[] {
    const sorted = [...this.items].sort((a, b) => {
      const pa = a.p.pos;
      const pb = b.p.pos;
      if (!pa || !pb) return (pa ? 1 : 0) - (pb ? 1 : 0) || a.order - b.order;
      return pa.line - pb.line || pa.col - pb.col || a.order - b.order;
    });
    const seen = new Set<string>();
    const out: ProblemDetail[] = [];
    for (const { p } of sorted) {
      const k = `${p.pos?.line}:${p.pos?.col}:${p.code}:${p.message}`;
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(p);
    }
    if (this.dropped > 0) {
      out.push({ code: 'TOO_MANY_PROBLEMS', message: `${this.dropped} more problems not shown; fix the ones above first` });
    }
    return out;
  }

  /** Throws the collected problems as one UserError when there are any. */
  throwIfAny(code: ErrorCode, what: string): void {
    if (this.count === 0) return;
    const problems = this.sorted();
    const n = this.count;
    // A scenario whose only fault is an unlisted host gets the safety code, so scripts can tell.
    const allAllowlist = problems.every((p) => p.code === 'TARGET_NOT_ALLOWED');
    throw new UserError(allAllowlist ? 'TARGET_NOT_ALLOWED' : code, `${what}: ${n} problem${n === 1 ? '' : 's'}`, { problems });
  }
}
