// A request serialized into the bytes the fast transport writes: the same head undici would
// send (request line, host, the step's headers, content-length when there is a body),
// keep-alive being HTTP/1.1's default. A step that never changes is serialized once; one whose
// path or headers hold templates is serialized per send from its rendered parts.

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

/**
 * What undici would refuse in a rendered request (a captured or fed value with a line break
 * would otherwise smuggle a header into the head), or null.
 */
export function requestProblem(req: WireRequest): string | null {
  if (!VALID_PATH.test(req.path)) return `invalid request path ${JSON.stringify(req.path)}`;
  for (let i = 1; i < req.headers.length; i += 2) if (!VALID_VALUE.test(req.headers[i]!)) return `invalid value for header ${req.headers[i - 1]!}`;
  return null;
}

// undici's own checks: a path is visible ASCII after the leading slash, a header value has
// no control characters but tab
const VALID_PATH = /^\/[\x21-\x7e]*$/;
const VALID_VALUE = /^[^\x00-\x08\x0a-\x1f\x7f]*$/;
