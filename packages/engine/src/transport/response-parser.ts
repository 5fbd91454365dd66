// A minimal incremental HTTP/1.1 *response* parser for the fast transport: the status, the few
// headers peakdrill reads, and where each body ends (content-length, chunked, or the end of the
// connection), across any split of the bytes and any number of pipelined responses per read.
// Why hand-written rather than a library: docs/design/fast-transport.md (measured).
//
// What it accepts is a strict subset of what node's llhttp accepts in its default (strict)
// mode; anything outside it is an error with a stable `HPE_*`-style code, which the fast
// transport reports like undici reports llhttp's (outcome class `other`). Lines must end in
// CRLF. 1xx answers other than 101 are skipped; 101 is refused (nothing here upgrades).

/** What the parser tells about each response, in order. */
export interface ResponseSink {
  /** `headers`: the wanted headers as [lower-case name, value, ...]; reused after the call. */
  onHead(status: number, headers: string[]): void;
  /** Body bytes `buf[start..end)`, only called when `wantsBody()` said so. */
  onBody(buf: Buffer, start: number, end: number): void;
  wantsBody(): boolean;
  /** The response is complete; `keepAlive` false when the server will close the connection. */
  onEnd(keepAlive: boolean): void;
}

export class ParseError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** node's default `--max-http-header-size`: a head (status line and headers) larger than this is refused. */
export const MAX_HEAD_BYTES = 16 * 1024;

const S_HEAD = 0;
const S_LENGTH = 1;
const S_CHUNK_SIZE = 2;
const S_CHUNK_DATA = 3;
const S_CHUNK_CRLF = 4;
const S_TRAILERS = 5;
const S_EOF = 6;
const S_DEAD = 7;

const CR = 13;
const LF = 10;
const CRLFCRLF = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');

/** RFC 9110 token characters (header names). */
const TOKEN = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TOKEN[c.charCodeAt(0)] = 1;
for (let c = 48; c <= 57; c++) TOKEN[c] = 1;
for (let c = 65; c <= 90; c++) TOKEN[c] = 1;
for (let c = 97; c <= 122; c++) TOKEN[c] = 1;

const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 10; c++) HEX[48 + c] = c;
for (let c = 0; c < 6; c++) HEX[65 + c] = HEX[97 + c] = 10 + c;

export class ResponseParser {
  private state = S_HEAD;
  /** Bytes of an unfinished head or chunk-size line carried over to the next read. */
  private partial: Buffer | null = null;
  private remaining = 0;
  private keepAlive = true;
  private body = false;
  private readonly found: string[] = [];
  /** The server's `Keep-Alive: timeout=N` hint in ms from the last head that gave one, or -1. */
  keepAliveHintMs = -1;
  private readonly wanted: string[];
  private readonly wantedLengths: Set<number>;

  /** `wanted`: lower-case names of headers to hand to the sink (besides what framing needs). */
  constructor(
    private readonly sink: ResponseSink,
    wanted: readonly string[],
  ) {
    this.wanted = [...new Set(wanted.map((w) => w.toLowerCase()))];
    this.wantedLengths = new Set(this.wanted.map((w) => w.length));
  }

  /** Whether a response is part-way through (bytes of it were read, it has not ended). */
  get midResponse(): boolean {
    return this.state !== S_HEAD || this.partial !== null;
  }

  /**
   * Feeds bytes; throws ParseError on malformed input (the parser is then dead). `chunk` may be
   * reused by the caller once this returns (the connection reads into one buffer): what is kept
   * for the next read is copied.
   */
  execute(chunk: Buffer): void {
    let buf = chunk;
    if (this.partial !== null) {
      buf = Buffer.concat([this.partial, chunk]);
      this.partial = null;
    }
    let pos = 0;
    const len = buf.length;
    while (pos < len) {
      switch (this.state) {
        case S_HEAD: {
          const end = buf.indexOf(CRLFCRLF, pos);
          if (end < 0) {
            if (len - pos > MAX_HEAD_BYTES) this.fail('HPE_HEADER_OVERFLOW', 'response head too large');
            this.partial = Buffer.from(buf.subarray(pos));
            return;
          }
          if (end - pos > MAX_HEAD_BYTES) this.fail('HPE_HEADER_OVERFLOW', 'response head too large');
          this.head(buf, pos, end);
          pos = end + 4;
          break;
        }
        case S_LENGTH: {
          const n = Math.min(this.remaining, len - pos);
          if (this.body) this.sink.onBody(buf, pos, pos + n);
          pos += n;
          this.remaining -= n;
          if (this.remaining === 0) this.end();
          break;
        }
        case S_CHUNK_SIZE: {
          const eol = buf.indexOf(CRLF, pos);
          if (eol < 0) {
            if (len - pos > 1024) this.fail('HPE_INVALID_CHUNK_SIZE', 'chunk size line too long');
            this.partial = Buffer.from(buf.subarray(pos));
            return;
          }
          let size = 0;
          let i = pos;
          for (; i < eol; i++) {
            const h = HEX[buf[i]!]!;
            if (h < 0) break;
            size = size * 16 + h;
            if (size > Number.MAX_SAFE_INTEGER / 16) this.fail('HPE_INVALID_CHUNK_SIZE', 'chunk size too large');
          }
          // after the digits only an extension (`;name=value`) may follow
          if (i === pos || (i < eol && buf[i] !== 0x3b)) this.fail('HPE_INVALID_CHUNK_SIZE', 'invalid chunk size');
          pos = eol + 2;
          if (size === 0) this.state = S_TRAILERS;
          else {
            this.remaining = size;
            this.state = S_CHUNK_DATA;
          }
          break;
        }
        case S_CHUNK_DATA: {
          const n = Math.min(this.remaining, len - pos);
          if (this.body) this.sink.onBody(buf, pos, pos + n);
          pos += n;
          this.remaining -= n;
          if (this.remaining === 0) this.state = S_CHUNK_CRLF;
          break;
        }
        case S_CHUNK_CRLF: {
          if (len - pos < 2) {
            this.partial = Buffer.from(buf.subarray(pos));
            return;
          }
          if (buf[pos] !== CR || buf[pos + 1] !== LF) this.fail('HPE_STRICT', 'chunk data not followed by CRLF');
          pos += 2;
          this.state = S_CHUNK_SIZE;
          break;
        }
        case S_TRAILERS: {
          // trailer lines are read and ignored, up to the empty line
          const eol = buf.indexOf(CRLF, pos);
          if (eol < 0) {
            if (len - pos > MAX_HEAD_BYTES) this.fail('HPE_HEADER_OVERFLOW', 'trailers too large');
            this.partial = Buffer.from(buf.subarray(pos));
            return;
          }
          const empty = eol === pos;
          pos = eol + 2;
          if (empty) this.end();
          break;
        }
        case S_EOF: {
          if (this.body) this.sink.onBody(buf, pos, len);
          return;
        }
        default:
          return; // the server said it closes: whatever follows is not read
      }
    }
  }

  /**
   * The connection ended. Returns true when that completed a response (a body delimited by the
   * end of the connection); throws ParseError when a response was cut short.
   */
  finish(): boolean {
    if (this.state === S_EOF) {
      this.state = S_DEAD;
      this.sink.onEnd(false);
      return true;
    }
    if (this.midResponse) this.fail('HPE_INCOMPLETE', 'connection closed in the middle of a response');
    return false;
  }

  private head(buf: Buffer, start: number, end: number): void {
    // status line: HTTP/1.x SSS[ reason]
    if (
      end - start < 12 ||
      buf[start] !== 0x48 || buf[start + 1] !== 0x54 || buf[start + 2] !== 0x54 || buf[start + 3] !== 0x50 ||
      buf[start + 4] !== 0x2f || buf[start + 5] !== 0x31 || buf[start + 6] !== 0x2e ||
      (buf[start + 7] !== 0x31 && buf[start + 7] !== 0x30) || buf[start + 8] !== 0x20
    ) {
      this.fail('HPE_INVALID_CONSTANT', 'not an HTTP/1.x status line');
    }
    const d1 = buf[start + 9]! - 48;
    const d2 = buf[start + 10]! - 48;
    const d3 = buf[start + 11]! - 48;
    if (d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9 || d3 < 0 || d3 > 9) this.fail('HPE_INVALID_STATUS', 'invalid status code');
    const after = buf[start + 12];
    const lineEnd = after === CR ? start + 12 : buf.indexOf(CRLF, start);
    if (after !== CR && after !== 0x20) this.fail('HPE_INVALID_STATUS', 'invalid status code');
    const status = d1 * 100 + d2 * 10 + d3;
    const http10 = buf[start + 7] === 0x30;

    let contentLength = -1;
    let chunked = false;
    let close = http10;
    const found = this.found;
    found.length = 0;
    let line = (lineEnd < 0 || lineEnd > end ? end : lineEnd) + 2;
    while (line < end + 2) {
      let eol = line;
      while (eol < end && !(buf[eol] === CR && buf[eol + 1] === LF)) eol++;
      let colon = line;
      while (colon < eol && TOKEN[buf[colon]!] === 1) colon++;
      if (colon === line || colon === eol || buf[colon] !== 0x3a) this.fail('HPE_INVALID_HEADER_TOKEN', 'invalid header line');
      let vs = colon + 1;
      let ve = eol;
      while (vs < ve && (buf[vs] === 0x20 || buf[vs] === 0x09)) vs++;
      while (ve > vs && (buf[ve - 1] === 0x20 || buf[ve - 1] === 0x09)) ve--;
      for (let i = vs; i < ve; i++) {
        const c = buf[i]!;
        if ((c < 0x20 && c !== 0x09) || c === 0x7f) this.fail('HPE_INVALID_HEADER_TOKEN', 'control character in a header value');
      }
      const nameLen = colon - line;
      const c0 = buf[line]! | 0x20;
      if (nameLen === 14 && c0 === 0x63 && nameIs(buf, line, 'content-length')) {
        const n = parseLength(buf, vs, ve);
        if (n < 0) this.fail('HPE_INVALID_CONTENT_LENGTH', 'invalid content-length');
        if (contentLength >= 0) this.fail('HPE_UNEXPECTED_CONTENT_LENGTH', 'content-length given twice');
        contentLength = n;
      } else if (nameLen === 17 && c0 === 0x74 && nameIs(buf, line, 'transfer-encoding')) {
        // chunked must be the last coding for the body to be framed by chunks
        chunked = ve - vs >= 7 && nameIs(buf, ve - 7, 'chunked') && (ve - vs === 7 || buf[ve - 8] === 0x20 || buf[ve - 8] === 0x2c);
        if (!chunked) close = true;
      } else if (nameLen === 10 && c0 === 0x6b && nameIs(buf, line, 'keep-alive')) {
        const seconds = keepAliveTimeout(buf, vs, ve);
        if (seconds >= 0) this.keepAliveHintMs = seconds * 1000;
      } else if (nameLen === 10 && c0 === 0x63 && nameIs(buf, line, 'connection')) {
        if (indexOfName(buf, vs, ve, 'close') >= 0) close = true;
        else if (http10 && indexOfName(buf, vs, ve, 'keep-alive') >= 0) close = false;
      } else if (this.wantedLengths.has(nameLen)) {
        // compared in place: a string is made only for a header that is wanted
        const name = this.wantedAt(buf, line, nameLen);
        if (name !== null) found.push(name, buf.toString('latin1', vs, ve));
      }
      line = eol + 2;
    }
    if (chunked && contentLength >= 0) this.fail('HPE_UNEXPECTED_CONTENT_LENGTH', 'both content-length and chunked');

    if (status >= 100 && status < 200) {
      if (status === 101) this.fail('PD_FAST_UPGRADE', 'the target switched protocols (101), which the fast transport does not do');
      return; // 100 Continue, 103 Early Hints: the real answer follows
    }
    this.sink.onHead(status, found);
    this.keepAlive = !close;
    this.body = this.sink.wantsBody();
    if (status === 204 || status === 304) this.end();
    else if (chunked) this.state = S_CHUNK_SIZE;
    else if (contentLength >= 0) {
      this.remaining = contentLength;
      if (contentLength === 0) this.end();
      else this.state = S_LENGTH;
    } else {
      this.keepAlive = false;
      this.state = S_EOF;
    }
  }

  /** The wanted name (lower case) the `len` bytes at `at` spell, case-insensitively, or null. */
  private wantedAt(buf: Buffer, at: number, len: number): string | null {
    for (const w of this.wanted) if (w.length === len && nameIs(buf, at, w)) return w;
    return null;
  }

  private end(): void {
    const keepAlive = this.keepAlive;
    this.state = keepAlive ? S_HEAD : S_DEAD;
    this.sink.onEnd(keepAlive);
  }

  private fail(code: string, message: string): never {
    this.state = S_DEAD;
    this.partial = null;
    throw new ParseError(code, message);
  }
}

/** Case-insensitive compare of buf[at..] with a lower-case ASCII name. */
function nameIs(buf: Buffer, at: number, name: string): boolean {
  for (let i = 0; i < name.length; i++) if ((buf[at + i]! | 0x20) !== name.charCodeAt(i)) return false;
  return true;
}

/** Where a lower-case ASCII `name` first occurs in buf[s..e), case-insensitively, or -1. */
function indexOfName(buf: Buffer, s: number, e: number, name: string): number {
  for (let i = s; i + name.length <= e; i++) if (nameIs(buf, i, name)) return i;
  return -1;
}

/** The `timeout=N` of a Keep-Alive value in buf[s..e) (seconds), or -1. */
function keepAliveTimeout(buf: Buffer, s: number, e: number): number {
  const at = indexOfName(buf, s, e, 'timeout=');
  if (at < 0) return -1;
  let i = at + 8;
  let n = 0;
  for (; i < e; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) break;
    n = n * 10 + d;
  }
  return i === at + 8 ? -1 : n;
}

/** Decimal content-length, or -1 when it is not one. */
function parseLength(buf: Buffer, s: number, e: number): number {
  if (s === e) return -1;
  let n = 0;
  for (let i = s; i < e; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
    if (n > Number.MAX_SAFE_INTEGER) return -1;
  }
  return n;
}
