// @peakdrill/stack — the reference order/payment stack that drills run against.
// It imports nothing of the load-testing packages: it speaks HTTP only.

export { startStack, StackStartError, type RunningStack, type StackOptions } from './stack.js';
export type { RateLimitOptions } from './gateway.js';
export type { SeedOptions } from './schema.js';
export { FLASH_SKU } from './schema.js';
export { SERVICE_NAMES, type ServiceName } from './http.js';
export { signShadowTag, SHADOW_HEADER, SHADOW_ACK_HEADER, RUN_ID_RE } from './shadow.js';
export type { Audit, TableAudit } from './audit.js';
