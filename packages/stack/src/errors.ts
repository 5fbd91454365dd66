// The error a handler throws to answer with a JSON error: status, stable code, plain message.

export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly extra: Record<string, unknown> | undefined;
  readonly headers: Record<string, string> | undefined;
  constructor(status: number, code: string, message: string, extra?: Record<string, unknown>, headers?: Record<string, string>) {
    // An answer, not a bug: no stack trace. A flash sale sheds thousands of buyers a second
    // with one of these each, and capturing the stack was the dearest part of the answer.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.status = status;
    this.code = code;
    this.extra = extra;
    this.headers = headers;
  }
}
