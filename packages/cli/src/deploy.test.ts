// The deploy files are correct by construction: there is no Docker engine here, so
// deploy/check.sh validates docker-compose.yml with Debian's docker-compose, lints the
// Dockerfile, and checks the Kubernetes manifests' structure.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CHECK = fileURLToPath(new URL('../../../deploy/check.sh', import.meta.url));

describe('deploy files', () => {
  it('docker-compose.yml validates, the Dockerfile lints, the k8s manifests hold together', () => {
    const r = spawnSync('bash', [CHECK], { encoding: 'utf8', timeout: 240_000 });
    expect(r.stderr + r.stdout).toMatch(/docker-compose\.yml ok/);
    expect(r.stdout).toMatch(/structure ok/);
    expect(r.status, r.stderr).toBe(0);
  }, 250_000);
});
