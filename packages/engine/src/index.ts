export { Generator, type Emit } from './generator.js';
export { signRunId, shadowHeaders, SHADOW_HEADER, SHADOW_ACK_HEADER } from './shadow.js';
export { classifyError } from './classify.js';
export { parseServerTiming, scanServerTiming, type HopSink } from './server-timing.js';
export { WARMUP_HEADER } from './warmup.js';
export type { WorkerTask } from './worker.js';

import { createRequire } from 'node:module';

/** Absolute path of the compiled worker entry, for piscina. */
export function workerFilename(): string {
  return createRequire(import.meta.url).resolve('@peakdrill/engine/worker');
}
export { preflight, type PreflightResult } from './preflight.js';
export { dryRun, formatDryRun, type DryRequest } from './dry-run.js';
export { linkTransports, stepTransport, type TransportName } from './transport/choose.js';
export { replayLinks, replayRequests, replayShares, type ReplayRequest } from './models/replay.js';
