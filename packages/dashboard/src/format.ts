// The page-specific date format. Every figure on a page (ms, %, req/s, durations) comes from
// core's one formatter, which the terminal, JUnit and the browser use too.

/** `2026-11-23 10:30:00 UTC` */
export function fmtTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}
