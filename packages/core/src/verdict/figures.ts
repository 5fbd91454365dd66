// How peakdrill writes a figure for a person, in one place: the terminal, the markdown, the
// JUnit messages, `compare`, the dashboard's pages and the report (server side) and the
// browser's live figures all say "312.4 ms", "0.42%" and "15,000 req/s" the same way.
// The browser gets this very file (dashboard/src/assets.ts serves it as a script), so it must
// stay pure and self-contained: no imports, only `export function`s.
// en-US digits on every machine (a CI log must not change with the runner's locale); a value
// that is missing or not finite prints as `—`.

type Figure = number | null | undefined;

function fmt(v: number, maxDigits: number, minDigits = 0): string {
  return v.toLocaleString('en-US', { maximumFractionDigits: maxDigits, minimumFractionDigits: minDigits });
}

function missing(v: Figure): v is null | undefined {
  return v === null || v === undefined || !Number.isFinite(v);
}

/** Digits after the point for a value: more for small values, so 0.412 and 312.4 both read well. */
function digitsFor(abs: number): number {
  if (abs >= 100) return 1;
  if (abs >= 10) return 2;
  return 3;
}

/** `312.4 ms`, `0.412 ms`, `2,400 ms`. Always milliseconds, so figures line up with budgets. */
export function formatMs(ms: Figure): string {
  if (missing(ms)) return '—';
  return `${fmt(ms, digitsFor(Math.abs(ms)))} ms`;
}

/** A ratio as a percentage: 0.0042 → `0.42%`, 0.001 → `0.1%`, 0 → `0%`. */
export function formatRatio(ratio: Figure): string {
  if (missing(ratio)) return '—';
  const pct = ratio * 100;
  const abs = Math.abs(pct);
  return `${fmt(pct, abs >= 10 ? 1 : abs >= 1 ? 2 : 3)}%`;
}

/** Requests per second: `15,000 req/s`, `199.6 req/s`, `0.5 req/s`. */
export function formatRps(rps: Figure): string {
  if (missing(rps)) return '—';
  return `${fmt(rps, rps >= 1000 ? 0 : 1)} req/s`;
}

/** A plain number with up to `maxDigits` decimals (exactly that many with `fixed`): `1.5`, `15,000`. */
export function formatNumber(v: Figure, maxDigits = 3, fixed = false): string {
  if (missing(v)) return '—';
  return fmt(v, maxDigits, fixed ? maxDigits : 0);
}

/** A plain count: `4,012`. */
export function formatCount(n: Figure): string {
  if (missing(n)) return '—';
  return fmt(n, 0);
}

/** A signed relative change: +25%, -3.2%, ±0%. */
export function formatChange(relative: Figure): string {
  if (missing(relative)) return 'n/a';
  if (relative === 0) return '±0%';
  const pct = relative * 100;
  const abs = Math.abs(pct);
  const body = fmt(abs, abs >= 10 ? 0 : 1);
  return `${pct > 0 ? '+' : '-'}${body}%`;
}

/** A length of time for reading: `45 s`, `2 min 05 s`, `1 h 02 min`. */
export function formatDuration(seconds: Figure): string {
  if (missing(seconds)) return '—';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  if (h > 0) return `${h} h ${String(m).padStart(2, '0')} min`;
  if (m > 0) return `${m} min ${String(r).padStart(2, '0')} s`;
  return `${r} s`;
}

/** A point in a run, as a clock: `0:05`, `12:30`, `1:02:03`. */
export function formatClock(seconds: Figure): string {
  if (missing(seconds)) return '—';
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const mm = `${String(m).padStart(h > 0 ? 2 : 1, '0')}:${String(s % 60).padStart(2, '0')}`;
  return h > 0 ? `${h}:${mm}` : mm;
}

/** A budget's measured or allowed figure in its unit. */
export function formatBudgetFigure(v: Figure, unit: 'ms' | 'ratio' | 'rps'): string {
  return unit === 'ms' ? formatMs(v) : unit === 'ratio' ? formatRatio(v) : formatRps(v);
}
