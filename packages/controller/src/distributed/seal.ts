// Sealing the assignment with a token shared by the controller and its agents
// (PEAKDRILL_AGENT_TOKEN). AES-256-GCM, key = HKDF-SHA256(token, salt = run id): the plan and
// the shadow secret cross NATS unreadable to anyone without the token, and since GCM
// authenticates, an agent with a token takes work only from a controller holding the same
// token. Without a token, the same box is sealed with a key agreed in the claim (exchange.ts):
// unreadable to a listener, but no proof of who the controller is, so NATS itself must be
// private (TLS, credentials): see docs/distributed.md, "Trust model".

import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { SealedBox } from '@peakdrill/core';

const INFO = 'peakdrill agent assignment v1';

function keyFor(token: string, runId: string): Buffer {
  return Buffer.from(hkdfSync('sha256', token, runId, INFO, 32));
}

export function seal(token: string, runId: string, plaintext: string): SealedBox {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFor(token, runId), iv);
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
}

/** The plaintext, or null when the token (or the run id) differs or the box was tampered with. */
export function open(token: string, runId: string, box: SealedBox): string | null {
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyFor(token, runId), Buffer.from(box.iv, 'base64'));
    decipher.setAuthTag(Buffer.from(box.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(box.data, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}
