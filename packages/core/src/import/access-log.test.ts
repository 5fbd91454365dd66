import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importAccessLog } from './access-log.js';

const root = mkdtempSync(join(tmpdir(), 'peakdrill-biglog-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('importAccessLog on a large log', () => {
  // Writes and reads ~90 MB on a shared 2-core machine: tens of seconds at worst.
  it('streams it: heap growth stays far below the file size, with a distinct id on every line', { timeout: 180_000 }, async () => {
    const file = join(root, 'big.log');
    const out = createWriteStream(file);
    const lines = 700_000;
    const t0 = Date.UTC(2026, 10, 11, 0, 0, 0);
    for (let i = 0; i < lines; i++) {
      const d = new Date(t0 + Math.floor(i / 1000) * 1000);
      const stamp = `${String(d.getUTCDate()).padStart(2, '0')}/Nov/2026:${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}:${String(d.getUTCSeconds()).padStart(2, '0')} +0000`;
      const path = i % 10 === 0 ? '/api/items/SKU-000001' : `/api/orders/${100_000_000 + i}`;
      if (!out.write(`10.1.2.3 - - [${stamp}] "GET ${path}?page=${i % 50} HTTP/1.1" 200 512 "https://shop.example/" "Mozilla/5.0 (X11; Linux x86_64)"\n`)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    const size = statSync(file).size;
    expect(size).toBeGreaterThan(80 * 1024 * 1024);

    global.gc?.();
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 10);
    const imp = await importAccessLog(file);
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().heapUsed);

    expect(imp.used).toBe(lines);
    const orders = imp.routes.find((r) => r.template === '/api/orders/:order_id')!;
    expect(orders.count).toBe(lines - lines / 10);
    expect(orders.busiestSecond.count).toBe(900);
    expect(orders.params[0]!.top.length).toBeLessThanOrEqual(100);
    // Holding every distinct id (630,000 strings in a Map) alone would take more than this.
    expect(peak - before).toBeLessThan(48 * 1024 * 1024);
  });
});
