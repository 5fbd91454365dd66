// The stack's service credential: the internal endpoints (`/orders/:id/paid`,
// `/inventory/reserve`, `/inventory/release`) move money and stock, so they answer only the
// stack's own services, which send the shared token on every downstream call. The gateway
// never forwards a client's copy of the header, and no gateway route leads to them.

import { randomBytes } from 'node:crypto';
import { type Ctx, HttpError, SERVICE_TOKEN_HEADER, tokenMatches } from './http.js';

export { SERVICE_TOKEN_HEADER };

/** A token for a stack whose services all run in this process (nobody else needs to know it). */
export function processServiceToken(): string {
  return randomBytes(24).toString('hex');
}

export function requireService(ctx: Ctx): void {
  if (tokenMatches(ctx.req.headers[SERVICE_TOKEN_HEADER], ctx.rt.serviceToken)) return;
  throw new HttpError(403, 'SERVICE_ONLY', `This endpoint answers the stack's own services only (send the ${SERVICE_TOKEN_HEADER} header they share).`);
}
