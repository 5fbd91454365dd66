// A request serialized once into the bytes the fast transport writes for every send: the same
// head undici would send (request line, host, the step's headers, content-length when there is
// a body), keep-alive being HTTP/1.1's default.

export interface WireRequest {
  path: string;
  method: string;
  /** Flat [name, value, ...], as steps.ts builds them for undici. */
  headers: string[];
  body: string | null;
}

export function serializeRequest(req: WireRequest, host: string): Buffer {
  let head = `${req.method} ${req.path} HTTP/1.1\r\n`;
  let hasHost = false;
  for (let i = 0; i < req.headers.length; i += 2) {
    const name = req.headers[i]!;
    if (name.toLowerCase() === 'host') hasHost = true;
    head += `${name}: ${req.headers[i + 1]!}\r\n`;
  }
  if (!hasHost) head = head.replace('\r\n', `\r\nhost: ${host}\r\n`);
  const body = req.body === null ? null : Buffer.from(req.body);
  if (body !== null || req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH') head += `content-length: ${body?.length ?? 0}\r\n`;
  head += '\r\n';
  return body === null ? Buffer.from(head, 'latin1') : Buffer.concat([Buffer.from(head, 'latin1'), body]);
}
