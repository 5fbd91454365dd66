// GETs that peakdrill itself makes to URLs of a scenario after or beside the drill (isolation and
// invariant checks, abort-rule health and metric polls). Those URLs were checked against the
// allowlist; a redirect could point anywhere, so none is followed. The answer is read up to a
// bound, so a huge or endless body cannot fill the controller's memory.

export interface ProbeAnswer {
  status: number;
  body: string;
  /** The `location` of a redirect answer (3xx), which was not followed. */
  location?: string;
}

export class ProbeError extends Error {
  constructor(
    readonly code: 'BODY_TOO_LARGE',
    message: string,
  ) {
    super(message);
  }
}

export interface ProbeOptions {
  timeoutMs: number;
  maxBytes: number;
  headers?: Record<string, string>;
}

export async function probeGet(url: string, opts: ProbeOptions): Promise<ProbeAnswer> {
  const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(opts.timeoutMs), ...(opts.headers ? { headers: opts.headers } : {}) });
  if (res.status >= 300 && res.status < 400) {
    await res.body?.cancel();
    const location = res.headers.get('location');
    return location === null ? { status: res.status, body: '' } : { status: res.status, body: '', location };
  }
  const tooLarge = (): ProbeError => new ProbeError('BODY_TOO_LARGE', `the answer of ${url} is longer than ${opts.maxBytes} bytes (not read further)`);
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > opts.maxBytes) {
    await res.body?.cancel();
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (res.body) {
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > opts.maxBytes) {
        await reader.cancel();
        throw tooLarge();
      }
      chunks.push(value);
    }
  }
  return { status: res.status, body: Buffer.concat(chunks).toString('utf8') };
}

/** How a redirect that was not followed reads in a result. */
export function redirectNote(a: ProbeAnswer): string {
  return `HTTP ${a.status} redirect${a.location ? ` to ${a.location}` : ''}, not followed (redirects could leave the allowlist; give the final URL)`;
}
