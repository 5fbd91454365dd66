// Large payloads over NATS: a message is capped (1 MB by default, the server's `max_payload`)
// and an assignment carries CSV files, so it crosses as base64 parts sent one request at a
// time (each acknowledged: flow control for free) and joined on the agent.

/** Base64 characters per part: well under the default 1 MB cap with the JSON envelope. */
export const PART_CHARS = 512 * 1024;

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
    if (part !== this.parts.length || parts < 1 || part >= parts) throw new Error(`assignment part ${part + 1}/${parts} arrived out of order`);
    this.parts.push(data);
    return part === parts - 1 ? fromParts(this.parts) : null;
  }
}
