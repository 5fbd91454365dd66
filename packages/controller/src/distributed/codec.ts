// JSON on the wire, with the protocol version checked on the way in. Every message crossing
// NATS goes through here, so a peer of another version is recognised in one place.

import { PROTOCOL_VERSION } from '@peakdrill/core';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encode<T extends { v: number; type: string }>(msg: T): Uint8Array {
  return encoder.encode(JSON.stringify(msg));
}

export type Decoded<T> =
  | { ok: true; msg: T }
  /** Another version (`v` is what the peer speaks) or not a peakdrill message at all (`v` null). */
  | { ok: false; v: number | null; type: string | null; raw: Record<string, unknown> | null };

/** Parses a message; only a message of this protocol version comes back typed. */
export function decode<T extends { v: number; type: string }>(data: Uint8Array): Decoded<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(decoder.decode(data));
  } catch {
    return { ok: false, v: null, type: null, raw: null };
  }
  if (typeof raw !== 'object' || raw === null) return { ok: false, v: null, type: null, raw: null };
  const r = raw as Record<string, unknown>;
  const v = typeof r.v === 'number' ? r.v : null;
  const type = typeof r.type === 'string' ? r.type : null;
  if (v !== PROTOCOL_VERSION || type === null) return { ok: false, v, type, raw: r };
  return { ok: true, msg: raw as T };
}

export function versionMismatch(theirs: number | null, who: string): string {
  return theirs === null
    ? `${who} sent a message that is not peakdrill protocol JSON`
    : `${who} speaks peakdrill protocol v${theirs}, this one speaks v${PROTOCOL_VERSION}: run the same peakdrill release on the controller and every agent`;
}

/** What a peer tells the other side when it refuses it for its version. */
export function refusalReason(me: string, theirs: number | null): string {
  return `${me} speaks peakdrill protocol v${PROTOCOL_VERSION} and refuses ${theirs === null ? 'messages that are not peakdrill protocol JSON' : `peers of v${theirs}`}: run the same peakdrill release on the controller and every agent`;
}
