// Pure formatting for pages: numbers with their units, as a TPM reads them.

export function fmtNum(v: number | null | undefined, digits = 0): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function fmtRps(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return `${fmtNum(v, v < 100 ? 1 : 0)} req/s`;
}

export function fmtMs(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  if (v >= 10_000) return `${fmtNum(v / 1000, 1)} s`;
  return `${fmtNum(v, v < 10 ? 2 : v < 100 ? 1 : 0)} ms`;
}

export function fmtPct(ratio: number | null | undefined, digits = 2): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '—';
  return `${fmtNum(ratio * 100, digits)}%`;
}

export function fmtDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  if (h > 0) return `${h} h ${String(m).padStart(2, '0')} min`;
  if (m > 0) return `${m} min ${String(r).padStart(2, '0')} s`;
  return `${r} s`;
}

/** `2026-11-23 10:30:00 UTC` */
export function fmtTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

/** A budget's measured or allowed figure in its unit. */
export function fmtBudgetValue(v: number, unit: 'ms' | 'ratio' | 'rps'): string {
  return unit === 'ms' ? fmtMs(v) : unit === 'ratio' ? fmtPct(v, v < 0.001 ? 3 : 2) : fmtRps(v);
}
