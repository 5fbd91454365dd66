// How peakdrill writes a figure for a person: one place, so the terminal table, the
// markdown, the JUnit messages and `compare` all say "312.4 ms", "0.42%" and "15,000 req/s"
// the same way. Pure functions; en-US digits on every machine (a CI log must not change with
// the runner's locale).

const fmt = (v: number, maxDigits: number): string =>
  v.toLocaleString('en-US', { maximumFractionDigits: maxDigits, minimumFractionDigits: 0 });

/** Digits after the point for a value: more for small values, so 0.412 and 312.4 both read well. */
function digitsFor(abs: number): number {
  if (abs >= 100) return 1;
  if (abs >= 10) return 2;
  return 3;
}

/** `312.4 ms`, `0.412 ms`, `2,400 ms`. Always milliseconds, so figures line up with budgets. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  return `${fmt(ms, digitsFor(Math.abs(ms)))} ms`;
}

/** A ratio as a percentage: 0.0042 → `0.42%`, 0.001 → `0.1%`, 0 → `0%`. */
export function formatRatio(ratio: number): string {
  if (!Number.isFinite(ratio)) return '—';
  const pct = ratio * 100;
  const abs = Math.abs(pct);
  return `${fmt(pct, abs >= 10 ? 1 : abs >= 1 ? 2 : 3)}%`;
}

/** Requests per second: `15,000 req/s`, `199.6 req/s`, `0.5 req/s`. */
export function formatRps(rps: number): string {
  if (!Number.isFinite(rps)) return '—';
  return `${fmt(rps, rps >= 1000 ? 0 : 1)} req/s`;
}

/** A plain number with up to `maxDigits` decimals: `1.5`, `15,000`, `499.5`. */
export function formatNumber(v: number, maxDigits = 3): string {
  return fmt(v, maxDigits);
}

/** A plain count: `4,012`. */
export function formatCount(n: number): string {
  return fmt(n, 0);
}

/** A signed relative change: +25%, -3.2%, ±0%. */
export function formatChange(relative: number | null): string {
  if (relative === null || !Number.isFinite(relative)) return 'n/a';
  if (relative === 0) return '±0%';
  const pct = relative * 100;
  const abs = Math.abs(pct);
  const body = fmt(abs, abs >= 10 ? 0 : 1);
  return `${pct > 0 ? '+' : '-'}${body}%`;
}
