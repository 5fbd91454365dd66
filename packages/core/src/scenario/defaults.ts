// The defaults of the scenario format, in one place (docs/scenario.md lists the same).

import type { HttpSettings, ShadowSettings } from '../plan.js';

export const DEFAULT_HTTP: Readonly<HttpSettings> = Object.freeze({
  connections: 50,
  pipelining: 1,
  timeoutMs: 10_000,
  headers: {},
  warmup: Object.freeze({ enabled: true }),
});

export const DEFAULT_SHADOW: Readonly<ShadowSettings> = Object.freeze({
  enabled: true,
  secretEnv: 'PEAKDRILL_SHADOW_SECRET',
  coverageFloor: 1,
  preflightRequests: 3,
});

export const DEFAULT_MAX_IN_FLIGHT = 10_000;
/**
 * What a rate limiter answers with when it turns a request away on purpose: the statuses a
 * quick run that verifies protection (`capacity --url … --protect`) counts as shed, as a
 * scenario's step does with `shed: [429]`. Not 503: nginx answers 503 by default, but a 503 is
 * also what an overloaded server sends, and protection must keep those at ~0.
 */
export const RATE_LIMITED_STATUSES: readonly number[] = Object.freeze([429]);
export const MAX_CONNECTIONS = 10_000;
export const MAX_PIPELINING = 100;
export const MAX_VUS = 100_000;
export const MAX_IN_FLIGHT_LIMIT = 10_000_000;
export const DEFAULT_SQL_URL_ENV = 'PEAKDRILL_PG_URL';

/** Scenario names go into run ids and file names. */
export const SCENARIO_NAME = /^[A-Za-z0-9._-]{1,100}$/;
/** Link (step) names go into histogram tags and abort rules: no commas, parentheses or control characters. */
export const LINK_NAME = /^[^\s,()\u0000-\u001f\u007f](?:[^,()\u0000-\u001f\u007f]{0,198}[^\s,()\u0000-\u001f\u007f])?$/;
export const HTTP_METHOD = /^[A-Z][A-Z0-9_-]{0,19}$/;
