// Errors a user can cause: a stable code, a message that says what to change, and the exit
// code of DESIGN.md. The CLI prints `message` alone (no stack trace) for these; anything else
// that escapes is a bug in peakdrill and is printed with its stack.

export const EXIT = {
  ok: 0,
  budgetMissed: 1,
  badInput: 2,
  aborted: 3,
  /** The generator fell behind (lateness, dropped arrivals, a generator died): the figures describe the tool. */
  inconclusive: 4,
} as const;

export interface Positioned {
  file: string;
  line: number;
  col: number;
}

export interface ProblemDetail {
  code: string;
  message: string;
  pos?: Positioned;
}

export class UserError extends Error {
  readonly code: string;
  readonly exitCode: number;
  readonly problems: ProblemDetail[];

  constructor(code: string, message: string, options: { exitCode?: number; problems?: ProblemDetail[] } = {}) {
    super(message);
    this.name = 'UserError';
    this.code = code;
    this.exitCode = options.exitCode ?? EXIT.badInput;
    this.problems = options.problems ?? [];
  }
}

export function isUserError(err: unknown): err is UserError {
  return err instanceof Error && err.name === 'UserError' && typeof (err as UserError).code === 'string';
}

/** `file:line:col: message` — the form editors and CI annotators understand. */
export function formatProblem(p: ProblemDetail): string {
  return p.pos ? `${p.pos.file}:${p.pos.line}:${p.pos.col}: ${p.message} [${p.code}]` : `${p.message} [${p.code}]`;
}
