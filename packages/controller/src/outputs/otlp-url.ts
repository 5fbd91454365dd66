// `--otlp URL`, apart from otlp.ts so that checking the flag does not load the OpenTelemetry SDK.

import { UserError } from '@peakdrill/core';

/** A collector base (`http://127.0.0.1:4318`) gets `/v1/metrics`; a full endpoint path is kept. */
export function otlpMetricsUrl(value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new UserError('BAD_FLAG', `--otlp takes an http(s) URL such as http://127.0.0.1:4318, got "${value}"`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UserError('BAD_FLAG', `--otlp takes an http(s) URL (OTLP/HTTP), got "${value}"`);
  if (u.pathname === '/' || u.pathname === '') u.pathname = '/v1/metrics';
  return u.toString();
}
