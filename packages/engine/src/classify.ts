// Failures are classified by error code (stable across undici and Node versions), never by
// message text.

import type { OutcomeClass } from '@peakdrill/core/protocol';

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT', 'UND_ERR_ABORTED_TIMEOUT']);
const REFUSED_CODES = new Set(['ECONNREFUSED']);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ECONNABORTED', 'UND_ERR_CLOSED']);

export function classifyError(err: unknown): OutcomeClass {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return 'other';
  if (TIMEOUT_CODES.has(code)) return 'timeout';
  if (REFUSED_CODES.has(code)) return 'connect_refused';
  if (RESET_CODES.has(code)) return 'reset';
  return 'other';
}

/** Errors after which a closed-model virtual user backs off briefly instead of spinning. */
/** The request got no answer at all (the warm-ups' "failed"): timed out, or lost at the connection. */
export function unanswered(outcome: OutcomeClass): boolean {
  return outcome === 'timeout' || isConnectionLevel(outcome);
}

export function isConnectionLevel(outcome: OutcomeClass): boolean {
  return outcome === 'connect_refused' || outcome === 'reset' || outcome === 'other';
}
