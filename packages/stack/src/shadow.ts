// The test-traffic tag: `x-peakdrill-shadow: <run-id>.<hex HMAC-SHA256(secret, run-id)>`.
// Only a tag signed with the shared secret marks a request as shadow traffic.

import { createHmac, timingSafeEqual } from 'node:crypto';

export const SHADOW_HEADER = 'x-peakdrill-shadow';
export const SHADOW_ACK_HEADER = 'x-peakdrill-shadow-ack';
export const RUN_ID_RE = /^[A-Za-z0-9._-]{1,128}$/;

export type TagResult =
  | { kind: 'absent' }
  | { kind: 'forged' }
  | { kind: 'verified'; runId: string };

const ABSENT: TagResult = { kind: 'absent' };
const FORGED: TagResult = { kind: 'forged' };
const CACHE_MAX = 10_000;

/** The header value a load generator sends for `runId`. */
export function signShadowTag(secret: string, runId: string): string {
  return `${runId}.${createHmac('sha256', secret).update(runId).digest('hex')}`;
}

export class ShadowVerifier {
  readonly #secret: Buffer | null;
  // A drill sends the same few tags millions of times; remember the outcome per exact header
  // value so the hot path does one Map lookup instead of one HMAC.
  readonly #cache = new Map<string, TagResult>();

  constructor(secret: string | undefined) {
    this.#secret = secret ? Buffer.from(secret) : null;
  }

  get enabled(): boolean {
    return this.#secret !== null;
  }

  verify(header: string | string[] | undefined): TagResult {
    if (header === undefined) return ABSENT;
    if (typeof header !== 'string') return FORGED;
    const hit = this.#cache.get(header);
    if (hit) return hit;
    const result = this.#check(header);
    if (this.#cache.size >= CACHE_MAX) this.#cache.clear();
    this.#cache.set(header, result);
    return result;
  }

  #check(header: string): TagResult {
    if (!this.#secret) return FORGED;
    const dot = header.lastIndexOf('.');
    if (dot <= 0) return FORGED;
    const runId = header.slice(0, dot);
    const mac = header.slice(dot + 1);
    if (!RUN_ID_RE.test(runId) || mac.length !== 64 || !/^[0-9a-f]{64}$/.test(mac)) return FORGED;
    const expected = createHmac('sha256', this.#secret).update(runId).digest();
    return timingSafeEqual(expected, Buffer.from(mac, 'hex')) ? { kind: 'verified', runId } : FORGED;
  }
}

/** Why a request that claims to be test traffic is not treated as such. */
export type SuspectReason = 'unsigned' | 'forged' | 'wrong_run';
export const SUSPECT_REASONS: readonly SuspectReason[] = ['unsigned', 'forged', 'wrong_run'];

const BAGGAGE_KEY = 'peakdrill-shadow=';

/** The run a W3C `baggage` header names as `peakdrill-shadow=<run>`, or null. */
export function baggageRun(baggage: string | string[] | undefined): string | null {
  if (typeof baggage !== 'string') return null;
  const at = baggage.indexOf(BAGGAGE_KEY);
  if (at === -1 || (at > 0 && baggage.charCodeAt(at - 1) !== 44 /* , */ && baggage.charCodeAt(at - 1) !== 32)) return null;
  const from = at + BAGGAGE_KEY.length;
  let to = from;
  while (to < baggage.length && baggage.charCodeAt(to) !== 44 && baggage.charCodeAt(to) !== 59 /* ; */) to++;
  const run = baggage.slice(from, to).trim();
  return RUN_ID_RE.test(run) ? run : null;
}

/** The run id part of a shadow tag that failed verification, when it has a usable one. */
export function tagRun(header: string | string[] | undefined): string | null {
  if (typeof header !== 'string') return null;
  const dot = header.lastIndexOf('.');
  const run = dot <= 0 ? header : header.slice(0, dot);
  return RUN_ID_RE.test(run) ? run : null;
}

/** A request's claim to be test traffic of `run` that verification did not bear out. */
export interface Suspect {
  run: string | null;
  reason: SuspectReason;
}

/**
 * What a request claims beyond its verified tag: null when it claims nothing it cannot prove.
 * `run` is null when the claim names no usable run id.
 */
export function suspectOf(tag: TagResult, header: string | string[] | undefined, baggage: string | string[] | undefined): Suspect | null {
  if (tag.kind === 'absent') {
    if (baggage === undefined) return null;
    const run = baggageRun(baggage);
    return run === null ? null : { run, reason: 'unsigned' };
  }
  if (tag.kind === 'forged') return { run: baggageRun(baggage) ?? tagRun(header), reason: 'forged' };
  if (baggage === undefined) return null;
  const run = baggageRun(baggage);
  return run !== null && run !== tag.runId ? { run, reason: 'wrong_run' } : null;
}
