import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { PostCheck, Summary } from '@peakdrill/core';
import { CHECK_MAX_BODY_BYTES, runPostChecks } from './post-checks.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    handler(req, res);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}

const summary = { id: 'run-1', journeys: [], links: [] } as unknown as Summary;
const leakCheck = (url: string): PostCheck => ({ name: 'no leaks', kind: 'http', url, status: 200, path: '$.leaked', expect: { equals: 0 } });

describe('HTTP post-checks', () => {
  it('pass on a direct answer', async () => {
    const target = await serve((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"leaked":0}'));
    const [r] = await runPostChecks([leakCheck(`${target.url}/audit?run={{run.id}}`)], summary);
    expect(r).toMatchObject({ passed: true, actual: '0' });
    expect(target.hits).toEqual(['/audit?run=run-1']);
  });

  it('never follow a redirect: the check fails with where it pointed, and that server gets nothing', async () => {
    // The redirect target answers what the check wants: following it would pass the check.
    const elsewhere = await serve((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"leaked":0}'));
    const target = await serve((_req, res) => res.writeHead(302, { location: `${elsewhere.url}/audit` }).end());
    const [r] = await runPostChecks([leakCheck(`${target.url}/audit`)], summary);
    expect(r).toMatchObject({ passed: false, actual: 'HTTP 302' });
    expect(r!.error).toContain(`redirect to ${elsewhere.url}/audit, not followed`);
    expect(target.hits).toEqual(['/audit']);
    expect(elsewhere.hits).toEqual([]);
  });

  it('read at most a bounded body, declared or streamed', async () => {
    const huge = '{"leaked":0,"pad":"' + 'x'.repeat(CHECK_MAX_BODY_BYTES) + '"}';
    const declared = await serve((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(huge));
    const streamed = await serve((_req, res) => {
      // chunked, no content-length: only counting what arrives can stop it
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = 'x'.repeat(64 * 1024);
      const pump = (): void => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    const results = await runPostChecks([leakCheck(`${declared.url}/a`), leakCheck(`${streamed.url}/b`)], summary);
    for (const r of results) {
      expect(r.passed).toBe(false);
      expect(r.error).toMatch(/^BODY_TOO_LARGE: .* longer than 1048576 bytes/);
    }
  });
});
