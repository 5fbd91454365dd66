#!/usr/bin/env node
// The fast transport's response parser against the registry's HTTP/1.1 parsers on the hot
// path: nginx's answer to `GET /` (its default page, 615 bytes of body), one response per
// read and ten pipelined per read, plus a chunked answer. Prints responses/s per parser.
//   (cd bench/parser && npm install) && npx tsc -b && node bench/parser/parse.mjs
// Candidates: http-parser-js (the maintained pure-JS parser on npm) and, for reference only,
// node's own llhttp through process.binding (internal, deprecated, not an API we may use;
// undici's wasm build of llhttp is internal to undici too: no npm package publishes llhttp).
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const { ResponseParser } = await import(join(here, '../../packages/engine/dist/transport/response-parser.js'));
const { HTTPParser: JsParser } = require('http-parser-js');

const body = 'x'.repeat(615);
const one = Buffer.from(
  'HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Wed, 02 Dec 2026 14:00:00 GMT\r\nContent-Type: text/html\r\n' +
    `Content-Length: ${body.length}\r\nLast-Modified: Mon, 23 Nov 2026 10:00:00 GMT\r\nConnection: keep-alive\r\nETag: "6565f5f0-267"\r\nAccept-Ranges: bytes\r\n\r\n${body}`,
);
const chunked = Buffer.from(
  'HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nServer-Timing: db;dur=1.2\r\n\r\n' +
    '40\r\n' + 'y'.repeat(64) + '\r\n100\r\n' + 'z'.repeat(256) + '\r\n0\r\n\r\n',
);
const ten = Buffer.concat(Array.from({ length: 10 }, () => one));

function ours() {
  let done = 0;
  const sink = { onHead() {}, onBody() {}, wantsBody: () => false, onEnd: () => void done++ };
  const p = new ResponseParser(sink, ['x-request-id']);
  return { feed: (b) => p.execute(b), done: () => done };
}

function httpParserJs() {
  let done = 0;
  const p = new JsParser(JsParser.RESPONSE);
  p[JsParser.kOnHeadersComplete] = () => 0;
  p[JsParser.kOnBody] = () => {};
  p[JsParser.kOnMessageComplete] = () => void done++;
  return { feed: (b) => p.execute(b), done: () => done };
}

function nodeLlhttp() {
  const { HTTPParser } = process.binding('http_parser');
  let done = 0;
  const p = new HTTPParser();
  p.initialize(HTTPParser.RESPONSE, {}, 0, 0);
  p[HTTPParser.kOnHeadersComplete] = () => 0;
  p[HTTPParser.kOnBody] = () => {};
  p[HTTPParser.kOnMessageComplete] = () => void done++;
  return { feed: (b) => p.execute(b), done: () => done };
}

function measure(make, buf, ms = 1500) {
  const p = make();
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < ms) {
    for (let i = 0; i < 1000; i++) p.feed(buf);
    n += 1000;
  }
  const dt = (performance.now() - t0) / 1000;
  return Math.round(p.done() / dt);
}

process.removeAllListeners('warning');
const rows = [];
for (const [name, make] of [['peakdrill ResponseParser', ours], ['http-parser-js 0.5.10', httpParserJs], ['node llhttp (internal, reference)', nodeLlhttp]]) {
  measure(make, one, 300); // warm the JIT
  rows.push([name, measure(make, one), measure(make, ten), measure(make, chunked)]);
}
console.log('| parser | 1 response/read | 10 pipelined/read | chunked |\n|---|---:|---:|---:|');
for (const [n, a, b, c] of rows) console.log(`| ${n} | ${a.toLocaleString('en-US')}/s | ${b.toLocaleString('en-US')}/s | ${c.toLocaleString('en-US')}/s |`);
