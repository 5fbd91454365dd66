// The shadow (test-traffic) tag of DESIGN.md: W3C baggage plus a signed header, so that
// nobody outside can mark a real request as test traffic.

import { createHmac } from 'node:crypto';

export const SHADOW_HEADER = 'x-peakdrill-shadow';
export const SHADOW_ACK_HEADER = 'x-peakdrill-shadow-ack';

export function signRunId(runId: string, secret: string): string {
  return `${runId}.${createHmac('sha256', secret).update(runId).digest('hex')}`;
}

/** Headers every tagged request carries. */
export function shadowHeaders(runId: string, secret: string): Record<string, string> {
  return { baggage: `peakdrill-shadow=${runId}`, [SHADOW_HEADER]: signRunId(runId, secret) };
}
