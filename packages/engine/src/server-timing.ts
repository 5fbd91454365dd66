// Server-Timing (W3C): `inventory;dur=3.1, db;desc="pg";dur=1.2`. Read once per response on
// the hot path, so the scanner walks the string by index: no split arrays, no closure per
// response; the only strings made are the hop names.

/** Where hop durations go (a LinkRecorder). */
export interface HopSink {
  recordHop(hop: string, us: number): void;
}

const COMMA = 44;
const SEMI = 59;
const SPACE = 32;
const TAB = 9;

/** Records each entry's `dur` (ms) into `sink` as µs; entries without a valid dur are skipped. */
export function scanServerTiming(value: string, sink: HopSink): void {
  const n = value.length;
  let i = 0;
  while (i < n) {
    // name: up to ';' or ','
    while (i < n && (value.charCodeAt(i) === SPACE || value.charCodeAt(i) === TAB)) i++;
    const nameStart = i;
    while (i < n && value.charCodeAt(i) !== SEMI && value.charCodeAt(i) !== COMMA) i++;
    let nameEnd = i;
    while (nameEnd > nameStart && (value.charCodeAt(nameEnd - 1) === SPACE || value.charCodeAt(nameEnd - 1) === TAB)) nameEnd--;
    let dur = -1;
    // params: `;k=v` until ','
    while (i < n && value.charCodeAt(i) === SEMI) {
      i++;
      while (i < n && (value.charCodeAt(i) === SPACE || value.charCodeAt(i) === TAB)) i++;
      const paramStart = i;
      let inQuote = false;
      while (i < n) {
        const c = value.charCodeAt(i);
        if (c === 34) inQuote = !inQuote;
        else if (!inQuote && (c === SEMI || c === COMMA)) break;
        i++;
      }
      if (dur < 0 && i - paramStart > 4 && value.startsWith('dur=', paramStart)) {
        const ms = Number(value.slice(paramStart + 4, i).trim());
        if (Number.isFinite(ms) && ms >= 0) dur = ms;
      }
    }
    if (nameEnd > nameStart && dur >= 0) sink.recordHop(value.slice(nameStart, nameEnd), dur * 1000);
    if (i < n && value.charCodeAt(i) === COMMA) i++;
    else if (i < n) i++;
  }
}

/** The same as name/ms pairs, for callers off the hot path. */
export function parseServerTiming(value: string, out: (name: string, ms: number) => void): void {
  scanServerTiming(value, { recordHop: (hop, us) => out(hop, us / 1000) });
}
