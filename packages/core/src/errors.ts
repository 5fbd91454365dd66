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

/**
 * Every code a user-caused error or a scenario problem may carry, with what it means: the one
 * catalog (docs and tests read it; a code not listed here does not compile).
 */
export const ERROR_CODES = {
  // the scenario file
  SCENARIO_NOT_FOUND: 'the scenario file does not exist or cannot be read',
  SCENARIO_EMPTY: 'the scenario file is empty',
  SCENARIO_INVALID: 'the scenario has problems (each listed with file:line:col)',
  SCENARIO_REQUIRED: 'no scenario file and no --url were given',
  SCENARIO_AND_URL: 'a scenario file and --url were both given',
  QUICK_INVALID: 'the quick-mode flags (--url, --rate, --header, …) have problems',
  YAML_SYNTAX: 'the YAML does not parse',
  YAML_ALIAS: 'YAML aliases expand beyond the allowed size',
  TOO_DEEP: 'the YAML nests deeper than allowed',
  TOO_LARGE: 'a file, value, header or body is larger than allowed',
  EXPANSION_TOO_LARGE: 'YAML aliases expand into more text than allowed',
  BODY_TOO_LARGE: 'a request body is larger than allowed',
  HEADERS_TOO_LARGE: "a request's headers are larger than allowed",
  TOO_MANY_PROBLEMS: 'more problems than are listed; the first ones are shown',
  UNKNOWN_KEY: 'a key the scenario format does not have',
  MISSING_KEY: 'a required key is missing',
  WRONG_TYPE: 'a value of the wrong type',
  EMPTY_VALUE: 'a value that must not be empty is empty',
  BAD_VALUE: 'a value that is not one of the allowed ones',
  OUT_OF_RANGE: 'a number outside its allowed range',
  CONFLICT: 'two settings that cannot go together',
  DUPLICATE: 'a name used twice',
  DUPLICATE_JOURNEY: 'two journeys with one name',
  DUPLICATE_LINK: 'two steps with one link name',
  BAD_URL: 'a URL that does not parse or is not http(s)',
  BAD_DURATION: 'a duration that does not parse or is out of range',
  BAD_RATE: 'a rate that does not parse or is out of range',
  BAD_PERCENT: 'a percentage that does not parse',
  BAD_BUDGET: 'a budget that does not parse',
  BAD_ABORT_RULE: 'an abort rule that does not parse',
  BAD_TEMPLATE: 'a {{template}} that does not parse',
  BAD_JSON_PATH: 'a JSON path that does not parse',
  UNKNOWN_TARGET: 'a step or check names a target the scenario does not define',
  UNKNOWN_LINK: 'a rule or budget names a link no step defines',
  UNKNOWN_FIGURE: 'a check names a drill figure that does not exist',
  UNKNOWN_VARIABLE: 'a template names a variable nothing sets',
  UNKNOWN_HELPER: 'a template calls a helper that does not exist',
  UNKNOWN_COLUMN: 'a template names a column its data feeder does not have',
  DURATION_REQUIRED: 'the load has no duration',
  LINK_REQUIRED: 'the command needs --link',
  NO_BUDGETS: 'the command needs budgets and the scenario has none',
  // data files
  CSV_NOT_FOUND: 'a CSV data file does not exist',
  CSV_UNREADABLE: 'a CSV data file cannot be read',
  CSV_BAD: 'a CSV data file does not parse',
  CSV_EMPTY: 'a CSV data file has no data rows',
  DATA_FILE_UNREADABLE: 'a data file cannot be read',
  REPLAY_TOO_LARGE_TO_SHIP: 'a replay log too large to ship to agents',
  // targets and safety
  TARGET_NOT_ALLOWED: 'a target outside loopback and the allow: list',
  TARGET_UNREACHABLE: 'a target does not answer, so nothing was sent',
  SHADOW_SECRET_MISSING: 'shadow tagging is on but its secret variable is not set',
  SHADOW_NOT_ACKNOWLEDGED: 'the target did not acknowledge the shadow tag in the preflight',
  // flags and commands
  BAD_FLAG: 'a command-line flag with a bad value',
  BAD_PORT: 'a port that is not a number in range',
  BAD_MAX_REGRESSION: '--max-regression does not parse',
  RUN_ID_INVALID: 'a run id that is not a valid run folder name',
  RUN_NOT_FOUND: 'no run folder at the given path',
  RUN_SUMMARY_INVALID: 'a run folder whose summary.json does not parse',
  NOTE_INVALID: 'a run note that is empty or too long',
  RUN_FILE_INVALID: 'a run file is damaged (histograms.hlog: a bad line before the last)',
  DEMO_SCENARIO_MISSING: 'the demo scenario is not where the package ships it',
  DASHBOARD_BAD_HOST: 'the dashboard host does not parse',
  DASHBOARD_PORT_IN_USE: 'the dashboard port is taken',
  DASHBOARD_TOKEN_REQUIRED: 'the dashboard binds beyond loopback without a token',
  DASHBOARD_TOKEN_WEAK: 'the dashboard token is too short',
  // live control and outputs (peakdrill ctl, --metrics, --otlp)
  BAD_COMMAND: 'a control command that does not parse (rate R, hold, resume, step ±N%, stop)',
  DRILL_NOT_RUNNING: 'the run folder has no drill running to control',
  DRILL_NOT_STARTED: 'the drill has not started yet, so it cannot be controlled',
  DRILL_ENDED: 'the drill has ended, so it cannot be controlled',
  CONTROL_REFUSED: 'the drill refused the control command (see the message)',
  CONTROL_NOT_SUPPORTED: 'this kind of drill does not take that control command',
  METRICS_LISTEN: 'the metrics endpoint cannot listen where it was asked to',
  // peakdrill import
  IMPORT_NOT_FOUND: 'the file to import does not exist or cannot be read',
  IMPORT_BINARY: 'the file to import is binary, not a text log, HAR or OpenAPI document',
  IMPORT_TOO_LARGE: 'the file to import is larger than that importer reads',
  IMPORT_BAD_HAR: 'the HAR file does not parse or is truncated',
  IMPORT_BAD_OPENAPI: 'the OpenAPI document does not parse or is not OpenAPI 3.x',
  IMPORT_NOTHING_USABLE: 'nothing in the file could be imported (the skipped lines are counted, with examples)',
  IMPORT_WRITE: 'the imported scenario could not be written',
  BAD_FORMAT: 'an access-log --format pattern that does not parse',
  LOG_UNUSABLE: 'the replay log has no line peakdrill can replay',
  // the reference stack (peakdrill stack)
  STORE_UNREACHABLE: 'the stack cannot reach its PostgreSQL',
  REDIS_UNREACHABLE: 'the stack cannot reach its Redis',
  PORT_IN_USE: 'a port the stack wants is taken',
  BAD_OPTION: 'a stack option with a bad value',
  // distributed
  NATS_UNAVAILABLE: 'NATS does not answer at the given URL',
  AGENTS_MISSING: 'fewer agents joined than were asked for',
  STOPPED_WAITING: 'the wait for agents was stopped',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface Positioned {
  file: string;
  line: number;
  col: number;
}

export interface ProblemDetail {
  code: ErrorCode;
  message: string;
  pos?: Positioned;
}

export class UserError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  readonly problems: ProblemDetail[];

  constructor(code: ErrorCode, message: string, options: { exitCode?: number; problems?: ProblemDetail[] } = {}) {
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
