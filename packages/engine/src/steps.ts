// A step compiled once before the run: its pool, its link recorder, its request parts as
// closures (or a prebuilt request when nothing in it varies), and what the response handling
// needs (body? which headers?).

import { Pool, type Dispatcher } from 'undici';
import { parseJsonPath, type Capture, type Check, type Plan, type Step, type ThinkTime } from '@peakdrill/core/plan';
import { LinkRecorder } from './recorder.js';
import { compileTemplate, isStatic, type Render, type TemplateScope } from './template.js';
import { stepTransport, type TransportName } from './transport/choose.js';
import { FastPool } from './transport/fast-pool.js';
import { PreopenedSockets, type Opened } from './transport/preopened.js';

export interface RequestOptions {
  path: string;
  method: string;
  headers: string[];
  body: string | null;
}

export interface CompiledCapture {
  as: string;
  header?: string;
  json?: (string | number)[];
}

export interface CompiledCheck {
  check: Check;
  json?: (string | number)[];
}

/**
 * Where a step's requests go: an undici Pool, or the fast transport's pool for requests that
 * never change (transport/choose.ts), which has undici's `dispatch(opts, handler)` shape.
 */
export interface StepPool {
  dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean;
  request: Pool['request'];
}

export interface CompiledStep {
  name: string;
  link: LinkRecorder;
  pool: StepPool;
  transport: TransportName;
  staticRequest: RequestOptions | null;
  /** The target's base path (`/v2`, or ''), which every request path starts with. */
  prefix: string;
  render: (scope: TemplateScope) => RequestOptions;
  needsBody: boolean;
  /** Lower-case names of response headers captures or checks read. */
  headerNames: string[];
  captures: CompiledCapture[];
  checks: CompiledCheck[];
  /** Status codes that count as success (from a status check), or null for 2xx/3xx. */
  okStatuses: Set<number> | null;
  shed: Set<number>;
  stopOnFailure: boolean;
  think: ThinkTime;
}

export class Pools {
  private readonly byOrigin = new Map<string, Pool>();
  private readonly fastByOrigin = new Map<string, FastPool>();
  private readonly preopened = new Map<string, PreopenedSockets>();

  constructor(private readonly plan: Plan) {}

  get(origin: string): Pool {
    let pool = this.byOrigin.get(origin);
    if (!pool) {
      const { connections, pipelining, timeoutMs } = this.plan.http;
      const sockets = new PreopenedSockets(new URL(origin), Math.min(timeoutMs, 10_000));
      this.preopened.set(origin, sockets);
      pool = new Pool(origin, {
        connections,
        pipelining,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        connect: sockets.connect,
        keepAliveTimeout: 60_000,
        keepAliveMaxTimeout: 600_000,
      });
      this.byOrigin.set(origin, pool);
    }
    return pool;
  }

  /** The fast transport's pool for `origin` (plain http only). */
  fast(origin: string): FastPool {
    let pool = this.fastByOrigin.get(origin);
    if (!pool) {
      const { connections, pipelining, timeoutMs } = this.plan.http;
      pool = new FastPool(new URL(origin), { connections, pipelining, timeoutMs, connectTimeoutMs: Math.min(timeoutMs, 10_000) }, () => this.get(origin));
      this.fastByOrigin.set(origin, pool);
    }
    return pool;
  }

  /** Every undici pool made so far, by origin (all of them once every step is compiled). */
  all(): [string, Pool][] {
    return [...this.byOrigin];
  }

  /** Every fast-transport pool made so far, by origin. */
  allFast(): [string, FastPool][] {
    return [...this.fastByOrigin];
  }

  /** Opens every pool's connections (`http.connections` per origin) before the first request. */
  async preconnect(): Promise<Opened> {
    const n = this.plan.http.connections;
    const all = await Promise.all([...[...this.preopened.values()].map((s) => s.open(n)), ...[...this.fastByOrigin.values()].map((p) => p.preconnect())]);
    return { opened: all.reduce((a, o) => a + o.opened, 0), failed: all.reduce((a, o) => a + o.failed, 0) };
  }

  async close(): Promise<void> {
    await Promise.all([...this.byOrigin.values(), ...this.fastByOrigin.values()].map((p) => p.close().catch(() => undefined)));
    for (const s of this.preopened.values()) s.destroy();
  }

  async destroy(): Promise<void> {
    for (const s of this.preopened.values()) s.destroy();
    await Promise.all([...this.byOrigin.values(), ...this.fastByOrigin.values()].map((p) => p.destroy().catch(() => undefined)));
  }
}

export function compileStep(step: Step, plan: Plan, pools: Pools, extraHeaders: Record<string, string>, link: LinkRecorder): CompiledStep {
  const base = plan.targets[step.target];
  if (base === undefined) throw new Error(`step ${step.name}: unknown target ${step.target}`);
  const baseUrl = new URL(base);
  const prefix = baseUrl.pathname.replace(/\/$/, '');
  const headerSources: [string, string][] = Object.entries({ ...plan.http.headers, ...step.headers });
  const fixedHeaders: string[] = [];
  for (const [k, v] of Object.entries(extraHeaders)) fixedHeaders.push(k, v);
  // Identify ourselves, so a target's logs can tell drill traffic from anything else.
  if (!headerSources.some(([k]) => k.toLowerCase() === 'user-agent')) fixedHeaders.push('user-agent', USER_AGENT);

  const pathRender = compileTemplate(step.path.startsWith('/') ? prefix + step.path : `${prefix}/${step.path}`);
  const headerRenders: [string, Render][] = headerSources.map(([k, v]) => [k, compileTemplate(v)]);
  const bodyRender = step.body === undefined ? null : compileTemplate(step.body, step.bodyKind === 'json' ? 'json' : 'none');
  const method = step.method.toUpperCase();

  const render = (scope: TemplateScope): RequestOptions => {
    const headers = fixedHeaders.slice();
    for (const [k, r] of headerRenders) headers.push(k, r(scope));
    return { path: pathRender(scope), method, headers, body: bodyRender ? bodyRender(scope) : null };
  };
  const allStatic = isStatic(step.path) && headerSources.every(([, v]) => isStatic(v)) && (step.body === undefined || isStatic(step.body));
  let staticRequest = allStatic ? render(NO_SCOPE) : null;

  const captures: CompiledCapture[] = step.captures.map((c: Capture) =>
    c.from === 'header' ? { as: c.as, header: c.name.toLowerCase() } : { as: c.as, json: parseJsonPath(c.path) },
  );
  const checks: CompiledCheck[] = step.checks.map((check) => (check.kind === 'json' ? { check, json: parseJsonPath(check.path) } : { check }));
  const statusCheck = step.checks.find((c) => c.kind === 'status');
  const headerNames = [
    ...captures.filter((c) => c.header).map((c) => c.header!),
    ...step.checks.filter((c) => c.kind === 'header').map((c) => (c as { name: string }).name.toLowerCase()),
  ];
  const needsBody = captures.some((c) => c.json) || step.checks.some((c) => c.kind === 'json' || c.kind === 'bodyContains');
  const { transport } = stepTransport(step, plan);
  let pool: StepPool;
  let renderFor = render;
  if (transport === 'fast') {
    const fast = pools.fast(baseUrl.origin);
    fast.want(headerNames);
    // the serialized bytes ride on the request itself, which stays a valid undici request
    if (staticRequest !== null) staticRequest = fast.prepare(staticRequest, needsBody);
    else renderFor = (scope) => fast.prepareRendered(render(scope), needsBody);
    // the journeys' pooled Call implements every handler method the fast pool calls
    pool = fast as unknown as StepPool;
  } else {
    pool = pools.get(baseUrl.origin);
  }
  return {
    name: step.name,
    link,
    pool,
    transport: pool instanceof Pool ? 'undici' : 'fast',
    staticRequest,
    prefix,
    render: renderFor,
    needsBody,
    headerNames,
    captures,
    checks,
    okStatuses: statusCheck && statusCheck.kind === 'status' ? new Set(statusCheck.oneOf) : null,
    shed: new Set(step.shed),
    stopOnFailure: step.stopOnFailure,
    think: step.thinkTimeMs,
  };
}

export const USER_AGENT = 'peakdrill/0.1.0';

const NO_SCOPE: TemplateScope = {
  runId: '',
  journeyIndex: 0,
  vu: 0,
  vars: {},
  feeder: () => '',
  nextSeq: () => 0,
};
