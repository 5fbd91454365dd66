// The fast transport's response parser against node's own (llhttp, through node:http) as the
// oracle: the same bytes, served by a real TCP server on port 0 to `http.request` and fed to
// ResponseParser with random split points, must give the same status, the same body length and
// the same outcome class (classify.ts) — for well-formed answers of every framing, huge heads,
// malformed heads and answers cut short.

import { request } from 'node:http';
import { createServer, type Server } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutcomeClass } from '@peakdrill/core';
import { classifyError } from '../classify.js';
import { MAX_HEAD_BYTES, ParseError, ResponseParser } from './response-parser.js';

type Result = { status: number; bodyLength: number } | { error: OutcomeClass };

let server: Server;
let port = 0;
const pending: Buffer[] = [];

beforeAll(async () => {
  // each connection is answered with the next queued byte string, then closed
  server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.once('data', () => socket.end(pending.shift() ?? Buffer.alloc(0)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function oracle(bytes: Buffer): Promise<Result> {
  pending.push(bytes);
  return new Promise((resolve) => {
    let settled = false;
    const settle = (r: Result): void => {
      if (!settled) resolve(r);
      settled = true;
    };
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let n = 0;
      res.on('data', (c: Buffer) => (n += c.length));
      res.on('end', () => settle({ status: res.statusCode!, bodyLength: n }));
      res.on('error', (err) => settle({ error: classifyError(err) }));
      res.on('aborted', () => settle({ error: 'reset' }));
    });
    req.on('error', (err) => settle({ error: classifyError(err) }));
    req.end();
  });
}

/** The fast transport's reading of the same bytes, split at `cuts`, then the end of the connection. */
function ours(bytes: Buffer, cuts: number[]): Result {
  let status = 0;
  let bodyLength = 0;
  let ended = false;
  const p = new ResponseParser(
    {
      onHead: (s) => void (status = s),
      wantsBody: () => true,
      onBody: (_b, s, e) => void (bodyLength += e - s),
      onEnd: () => void (ended = true),
    },
    ['server-timing'],
  );
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  let at = 0;
  try {
    for (const c of [...points, bytes.length]) {
      if (c > at) p.execute(bytes.subarray(at, c));
      at = c;
      if (ended) break;
    }
    if (!ended) p.finish();
  } catch (err) {
    if (!(err instanceof ParseError)) throw err;
    // a response cut short is a reset to the connection (fast-connection.ts), as to undici
    return { error: err.code === 'HPE_INCOMPLETE' ? 'reset' : 'other' };
  }
  if (!ended) return { error: 'reset' }; // closed before any answer
  return { status, bodyLength };
}

const token = fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/);
const value = fc.stringMatching(/^[!-~]([ -~]{0,30}[!-~])?$/);
const framing = fc.constantFrom('length', 'chunked', 'eof');

const wellFormed = fc
  .record({
    version: fc.constantFrom('1.1', '1.0'),
    status: fc.constantFrom(200, 201, 204, 301, 304, 404, 429, 500, 503),
    reason: fc.constantFrom('', ' OK', ' Some Reason', ' '),
    informational: fc.boolean(),
    headers: fc.array(fc.tuple(token, value), { maxLength: 6 }),
    bigHeader: fc.constantFrom(0, 0, 0, 4_000, 40_000),
    framing,
    body: fc.string({ maxLength: 3_000 }),
    chunks: fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 8 }),
  })
  .map((r) => {
    const noBody = r.status === 204 || r.status === 304;
    const body = noBody ? Buffer.alloc(0) : Buffer.from(r.body);
    let head = `HTTP/${r.version} ${r.status}${r.reason}\r\n`;
    for (const [k, v] of r.headers) if (!['content-length', 'transfer-encoding', 'connection'].includes(k)) head += `${k}: ${v}\r\n`;
    if (r.bigHeader > 0) head += `x-big: ${'b'.repeat(r.bigHeader)}\r\n`;
    let payload = body;
    if (r.framing === 'length' || noBody) head += `content-length: ${body.length}\r\n`;
    else if (r.framing === 'chunked') {
      head += 'transfer-encoding: chunked\r\n';
      const parts: Buffer[] = [];
      let at = 0;
      for (let i = 0; at < body.length; i = (i + 1) % r.chunks.length) {
        const n = Math.min(r.chunks[i]!, body.length - at);
        parts.push(Buffer.from(`${n.toString(16)}\r\n`), body.subarray(at, at + n), Buffer.from('\r\n'));
        at += n;
      }
      parts.push(Buffer.from('0\r\n\r\n'));
      payload = Buffer.concat(parts);
    } else head += 'connection: close\r\n';
    const pre = r.informational ? 'HTTP/1.1 100 Continue\r\n\r\n' : '';
    return Buffer.concat([Buffer.from(pre + head + '\r\n', 'latin1'), payload]);
  });

/** Ways a head goes wrong, each a rewrite of a well-formed answer. */
const breakages: ((b: string) => string)[] = [
  (b) => b.replace(/^HTTP\/1\.[01] \d+/, 'HTTP/1.1 2OO'),
  (b) => b.replace(/^HTTP/, 'HTZP'),
  (b) => b.replace(/^HTTP\/1\.[01] (\d+)/, 'HTTP/1.1 $1$1'),
  (b) => b.replace('\r\n', '\r\nno colon here\r\n'),
  (b) => b.replace('\r\n', '\r\nbad name: x\r\n'),
  (b) => b.replace('\r\n', '\r\ncontent-length: 12abc\r\n'),
  (b) => b.replace('\r\n', '\r\ncontent-length: 5\r\ntransfer-encoding: chunked\r\n'),
  (b) => b.replace(/\r\n\r\n[0-9a-f]+\r\n/, '\r\n\r\nzz\r\n'),
  (b) => b.replace('\r\n', '\r\nx-ctl: a\x01b\r\n'),
  (b) => (b.includes('content-length') ? b.replace('\r\n', '\r\ncontent-length: 0\r\n') : b),
];

describe('response parser against node:http as the oracle', () => {
  it('reads well-formed answers of every framing, split anywhere, as node does', async () => {
    await fc.assert(
      fc.asyncProperty(wellFormed, fc.array(fc.nat(), { maxLength: 12 }), async (bytes, cuts) => {
        expect(ours(bytes, cuts)).toEqual(await oracle(bytes));
      }),
      { numRuns: 300 },
    );
  }, 120_000);

  it('refuses malformed heads and answers cut short with the class node gives', async () => {
    // Node's own head limit is not a fixed byte count: an answer cut short within a few dozen
    // bytes of 16 KiB is a reset or an overflow depending on where llhttp stands in a header
    // (measured). Ours is exactly MAX_HEAD_BYTES; cuts in that band compare two error classes
    // of the same bad answer, so they are left out rather than made to agree by accident.
    const nearLimit = (n: number): boolean => Math.abs(n - MAX_HEAD_BYTES) <= 64;
    const cutShort = fc
      .tuple(wellFormed, fc.nat())
      .map(([b, n]) => b.subarray(0, n % b.length))
      .filter((b) => !nearLimit(b.length));
    const malformed = fc.tuple(wellFormed, fc.nat({ max: breakages.length - 1 })).map(([b, i]) => Buffer.from(breakages[i]!(b.toString('latin1')), 'latin1'));
    await fc.assert(
      fc.asyncProperty(fc.oneof(cutShort, malformed), fc.array(fc.nat(), { maxLength: 12 }), async (bytes, cuts) => {
        expect(ours(bytes, cuts)).toEqual(await oracle(bytes));
      }),
      { numRuns: 400 },
    );
  }, 120_000);

  it('finds the wanted headers by name whatever their case, and not the others', () => {
    const seen: string[][] = [];
    const p = new ResponseParser({ onHead: (_s, h) => void seen.push([...h]), wantsBody: () => false, onBody: () => undefined, onEnd: () => undefined }, ['x-order-id']);
    p.execute(Buffer.from('HTTP/1.1 200 OK\r\nServer-Timing: db;dur=2\r\nX-Order-Id:  o-1 \r\nx-other: y\r\ncontent-length: 0\r\n\r\n'));
    expect(seen).toEqual([['x-order-id', 'o-1']]);
  });
});
