// Starts the reference stack: every service on this event loop (services.ts), or with `threads`
// each service in a worker thread of its own (threads.ts).

import { SERVICE_NAMES } from './http.js';
import { checkOptions, type RunningStack, startServices, type StackOptions } from './services.js';
import { startThreaded } from './threads.js';

export { type RunningStack, type StackOptions, StackStartError } from './services.js';

/**
 * Whether `startStack` runs each service in its own worker thread when `threads` is not given.
 * Chosen by measurement (docs/design/stack.md "Services in threads").
 */
export const DEFAULT_THREADS = false;

export async function startStack(opts: StackOptions = {}): Promise<RunningStack> {
  const names = SERVICE_NAMES.filter((n) => (opts.services ?? SERVICE_NAMES).includes(n));
  if ((opts.threads ?? DEFAULT_THREADS) && names.length > 1) {
    checkOptions(opts, names);
    return startThreaded(opts, names);
  }
  return startServices(opts);
}
