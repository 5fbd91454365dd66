// Authenticating a run's messages on NATS. Anyone who can publish on a subject can put a
// message there, so every message that steers load or reports it carries, in a NATS header,
// a sequence number and an HMAC-SHA256 over (subject, sequence, body) under a key only the
// run's controller and its agents hold:
//   - the controller's messages to its agents (start, control stop/rescale, heartbeat, release)
//     under the run's control key;
//   - each agent's messages to the controller (its generators' intervals, done, failed, its
//     heartbeat while busy) under that agent's data key.
// Both keys derive (HKDF-SHA256, salt = run id) from a random per-run key that the controller
// ships inside the agent's assignment, sealed when a token is set (see seal.ts and
// docs/distributed.md, "Trust model"). The sequence number defeats replays: per subject it
// only goes up, so a receiver refuses any number it has passed.

import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { headers, type MsgHdrs } from '@nats-io/transport-node';

export const AUTH_HEADER = 'Peakdrill-Auth';
const MAC_BYTES = 32;

/** A fresh per-run key (base64), shipped in the assignment. */
export function newRunKey(): string {
  return randomBytes(32).toString('base64');
}

function derive(runKey: string, runId: string, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(runKey, 'base64'), runId, info, 32));
}

/** Key of the controller's messages to every agent of the run. */
export function controlKey(runKey: string, runId: string): Buffer {
  return derive(runKey, runId, 'peakdrill control v1');
}

/** Key of one agent's messages to the controller (an agent cannot speak for another). */
export function dataKey(runKey: string, runId: string, agentId: string): Buffer {
  return derive(runKey, runId, `peakdrill data v1 ${agentId}`);
}

function mac(key: Buffer, subject: string, seq: number, data: Uint8Array): Buffer {
  return createHmac('sha256', key).update(`${subject}\n${seq}\n`).update(data).digest();
}

function claimKey(token: string): Buffer {
  return Buffer.from(hkdfSync('sha256', token, 'peakdrill claim', 'peakdrill claim v1', 32));
}

/** A claim signed with the shared token: an agent holding a token takes claims only from its holders. */
export function signClaim(token: string, subject: string, data: Uint8Array): MsgHdrs {
  const h = headers();
  h.set(AUTH_HEADER, `0.${mac(claimKey(token), subject, 0, data).toString('base64')}`);
  return h;
}

/** null when the claim was signed with `token`; else why not. (A replayed claim names a run the agent has seen: agent.ts refuses it.) */
export function checkClaim(token: string, subject: string, data: Uint8Array, hdrs: MsgHdrs | undefined): string | null {
  const value = hdrs?.get(AUTH_HEADER) ?? '';
  if (value === '') return 'it carries no authentication';
  const given = Buffer.from(value.slice(value.indexOf('.') + 1), 'base64');
  if (!value.startsWith('0.') || given.length !== MAC_BYTES) return 'its authentication is malformed';
  return timingSafeEqual(given, mac(claimKey(token), subject, 0, data)) ? null : 'its authentication does not match (another token)';
}

/**
 * Signs what one sender publishes. One sequence counter per subject: NATS keeps the order of one
 * publisher's messages on one subject, so a receiver can demand strictly increasing numbers.
 */
export class Signer {
  private readonly seqs = new Map<string, number>();

  constructor(private readonly key: Buffer) {}

  headers(subject: string, data: Uint8Array): MsgHdrs {
    const seq = (this.seqs.get(subject) ?? 0) + 1;
    this.seqs.set(subject, seq);
    const h = headers();
    h.set(AUTH_HEADER, `${seq}.${mac(this.key, subject, seq, data).toString('base64')}`);
    return h;
  }

  /** The last number used on `subject`: a receiver that joins late starts above it. */
  last(subject: string): number {
    return this.seqs.get(subject) ?? 0;
  }
}

/**
 * Checks what one sender published: a good MAC, and a sequence number above every one taken
 * before on that subject (a replay, even of a genuine message, is refused).
 */
export class Verifier {
  private readonly max = new Map<string, number>();

  /** `floors`: per subject, numbers at or below which were used before this receiver joined. */
  constructor(
    private readonly key: Buffer,
    floors: Record<string, number> = {},
  ) {
    for (const [subject, n] of Object.entries(floors)) this.max.set(subject, n);
  }

  /** null when the message is authentic and new; else why it is refused (for the log). */
  check(subject: string, data: Uint8Array, hdrs: MsgHdrs | undefined): string | null {
    const value = hdrs?.get(AUTH_HEADER) ?? '';
    if (value === '') return 'it carries no authentication';
    const dot = value.indexOf('.');
    const seq = Number(value.slice(0, dot));
    const given = Buffer.from(value.slice(dot + 1), 'base64');
    if (dot < 1 || !Number.isSafeInteger(seq) || seq < 1 || given.length !== MAC_BYTES) return 'its authentication is malformed';
    if (!timingSafeEqual(given, mac(this.key, subject, seq, data))) return 'its authentication does not match (forged, altered, or signed for another run)';
    if (seq <= (this.max.get(subject) ?? 0)) return `it is a replay (sequence ${seq} was used before)`;
    this.max.set(subject, seq);
    return null;
  }
}
