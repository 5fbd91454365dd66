// Server-Timing (W3C): `inventory;dur=3.1, db;desc="pg";dur=1.2`. Returns name/ms pairs.

export function parseServerTiming(value: string, out: (name: string, ms: number) => void): void {
  for (const entry of value.split(',')) {
    const parts = entry.split(';');
    const name = parts[0]?.trim();
    if (!name) continue;
    for (let i = 1; i < parts.length; i++) {
      const p = parts[i]!.trim();
      if (p.startsWith('dur=')) {
        const ms = Number(p.slice(4));
        if (Number.isFinite(ms) && ms >= 0) out(name, ms);
        break;
      }
    }
  }
}
