// Large payloads over NATS: a message is capped (1 MB by default, the server's `max_payload`)
// and an assignment carries CSV files, so it crosses as base64 parts sent one request at a
// time (each acknowledged: flow control for free) and joined on the agent.

/** Base64 characters per part: well under the default 1 MB cap with the JSON envelope. */
export const PART_CHARS = 512 * 1024;

/**
 * The most parts an agent takes for one assignment (192 MiB of base64): room for the largest
 * replay share the controller ships (replay-ship.ts, 64 MiB before JSON, sealing and base64),
 * and a bound on what a peer can make an agent hold.
 */
export const MAX_PARTS = 384;

export function toParts(text: string, partChars: number = PART_CHARS): string[] {
  const b64 = Buffer.from(text, 'utf8').toString('base64');
  const parts: string[] = [];
  for (let i = 0; i < b64.length; i += partChars) parts.push(b64.slice(i, i + partChars));
  return parts.length > 0 ? parts : [''];
}

export function fromParts(parts: string[]): string {
  return Buffer.from(parts.join(''), 'base64').toString('utf8');
}

/** Collects the parts of one payload as they arrive, in order. */
export class PartCollector {
  private readonly parts: string[] = [];

  /** Adds part `part` of `parts`; returns the whole text after the last one, else null. Throws on a gap. */
  add(part: number, parts: number, data: string): string | null {
    if (parts > MAX_PARTS) throw new Error(`assignment of ${parts} parts is over the limit of ${MAX_PARTS}`);
    if (part !== this.parts.length || parts < 1 || part >= parts) throw new Error(`assignment part ${part + 1}/${parts} arrived out of order`);
    if (data.length > PART_CHARS) throw new Error(`assignment part ${part + 1}/${parts} is over ${PART_CHARS} characters`);
    this.parts.push(data);
    return part === parts - 1 ? fromParts(this.parts) : null;
  }
}
