// `peakdrill dashboard` as a user starts it: what it prints must be safe to land in logs.

import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/peakdrill.js', import.meta.url));
const TOKEN = 'log-safe-token-0123456789';

describe('peakdrill dashboard', () => {
  // Spawning node and the express app takes a few seconds on a busy 2-core machine.
  it('prints its URL without the token, and says where the token is', { timeout: 30_000 }, async () => {
    const child = spawn(process.execPath, [BIN, 'dashboard', '--port', '0', '--runs', mkdtempSync(join(tmpdir(), 'peakdrill-dash-'))], {
      env: { ...process.env, PEAKDRILL_DASHBOARD_TOKEN: TOKEN },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    const closed = new Promise<number | null>((r) => child.on('close', r));
    try {
      const line = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          stdout += d;
          if (stdout.includes('\n')) resolve(stdout.split('\n')[0]!);
        });
        child.on('close', () => reject(new Error(`peakdrill dashboard ended first: ${stdout}`)));
      });
      expect(line).not.toContain(TOKEN);
      expect(line).toContain('$PEAKDRILL_DASHBOARD_TOKEN');
      const url = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(line)![1]!;
      expect((await fetch(url)).status).toBe(401);
      expect((await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    } finally {
      child.kill('SIGINT');
      await closed;
    }
  });
});
