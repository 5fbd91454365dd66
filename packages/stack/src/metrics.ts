// Prometheus text exposition for one service. The request path only bumps numbers in maps;
// all formatting happens when /metrics is scraped. Every service also shows its CPU and its shed
// responses, the series a drill charts beside its own (`observe:`; usage.ts gathers them).

export type TrafficKind = 'production' | 'shadow';

/** Statuses a service answers when it refuses work it cannot take now (rate limit, shield, overload). */
export const SHED_STATUSES: ReadonlySet<number> = new Set([429, 503]);

export const CPU_METRIC = 'peakdrill_stack_cpu_seconds_total';
export const SHED_METRIC = 'peakdrill_stack_shed_responses_total';

/**
 * CPU seconds (user + system) of the process serving `service`. Node 20 has no per-thread CPU
 * clock, so services started in one process share the figure (the `process` label says which
 * process); `peakdrill stack --service NAME` runs one service per process, one figure each.
 */
export function cpuLines(service: string): string[] {
  const u = process.cpuUsage();
  return [
    `# HELP ${CPU_METRIC} CPU time (user + system) of the process serving this service; services in one process share it.`,
    `# TYPE ${CPU_METRIC} counter`,
    `${CPU_METRIC}{service="${service}",process="${process.pid}"} ${(u.user + u.system) / 1e6}`,
  ];
}

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface RequestCount {
  route: string;
  kind: TrafficKind;
  code: number;
  n: number;
}

interface Latency {
  route: string;
  kind: TrafficKind;
  buckets: Float64Array;
  sum: number;
  count: number;
}

interface Counter {
  help: string;
  values: Map<string, number>;
}

type GaugeFn = () => ReadonlyArray<readonly [labels: Record<string, string>, value: number]>;

export class Metrics {
  readonly service: string;
  readonly #requests = new Map<string, RequestCount>();
  readonly #latency = new Map<string, Latency>();
  readonly #counters = new Map<string, Counter>();
  readonly #gauges = new Map<string, { help: string; fn: GaugeFn }>();
  /** Responses that refused work (429, 503), by status code. */
  readonly #shed = new Map<number, number>([
    [429, 0],
    [503, 0],
  ]);

  constructor(service: string) {
    this.service = service;
  }

  request(route: string, kind: TrafficKind, code: number, seconds: number): void {
    const key = `${route} ${kind} ${code}`;
    const c = this.#requests.get(key);
    if (c) c.n++;
    else this.#requests.set(key, { route, kind, code, n: 1 });
    const lkey = `${route} ${kind}`;
    let l = this.#latency.get(lkey);
    if (!l) {
      l = { route, kind, buckets: new Float64Array(BUCKETS.length), sum: 0, count: 0 };
      this.#latency.set(lkey, l);
    }
    l.sum += seconds;
    l.count++;
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]!) l.buckets[i]!++;
    if (SHED_STATUSES.has(code)) this.#shed.set(code, (this.#shed.get(code) ?? 0) + 1);
  }

  /** Adds `by` to counter `name` (without the `peakdrill_stack_` prefix) for one label set. */
  inc(name: string, help: string, labels: Record<string, string> = {}, by = 1): void {
    let c = this.#counters.get(name);
    if (!c) {
      c = { help, values: new Map() };
      this.#counters.set(name, c);
    }
    const key = labelText({ service: this.service, ...labels });
    c.values.set(key, (c.values.get(key) ?? 0) + by);
  }

  gauge(name: string, help: string, fn: GaugeFn): void {
    this.#gauges.set(name, { help, fn });
  }

  render(): string {
    const out: string[] = [];
    const svc = this.service;
    out.push('# HELP peakdrill_stack_requests_total Requests answered, by route, status code and traffic kind.');
    out.push('# TYPE peakdrill_stack_requests_total counter');
    for (const c of this.#requests.values()) {
      out.push(`peakdrill_stack_requests_total${labelText({ service: svc, route: c.route, code: String(c.code), kind: c.kind })} ${c.n}`);
    }
    out.push('# HELP peakdrill_stack_request_duration_seconds Time to answer a request, by route and traffic kind.');
    out.push('# TYPE peakdrill_stack_request_duration_seconds histogram');
    for (const l of this.#latency.values()) {
      const base = { service: svc, route: l.route, kind: l.kind };
      for (let i = 0; i < BUCKETS.length; i++) {
        out.push(`peakdrill_stack_request_duration_seconds_bucket${labelText({ ...base, le: String(BUCKETS[i]) })} ${l.buckets[i]}`);
      }
      out.push(`peakdrill_stack_request_duration_seconds_bucket${labelText({ ...base, le: '+Inf' })} ${l.count}`);
      out.push(`peakdrill_stack_request_duration_seconds_sum${labelText(base)} ${l.sum}`);
      out.push(`peakdrill_stack_request_duration_seconds_count${labelText(base)} ${l.count}`);
    }
    for (const [name, c] of this.#counters) {
      out.push(`# HELP peakdrill_stack_${name} ${c.help}`);
      out.push(`# TYPE peakdrill_stack_${name} counter`);
      for (const [labels, v] of c.values) out.push(`peakdrill_stack_${name}${labels} ${v}`);
    }
    for (const [name, g] of this.#gauges) {
      out.push(`# HELP peakdrill_stack_${name} ${g.help}`);
      out.push(`# TYPE peakdrill_stack_${name} gauge`);
      for (const [labels, v] of g.fn()) out.push(`peakdrill_stack_${name}${labelText({ service: svc, ...labels })} ${v}`);
    }
    out.push(...cpuLines(svc));
    out.push(`# HELP ${SHED_METRIC} Responses that refused work under load (429 or 503), by status code.`);
    out.push(`# TYPE ${SHED_METRIC} counter`);
    for (const [code, n] of this.#shed) out.push(`${SHED_METRIC}${labelText({ service: svc, code: String(code) })} ${n}`);
    return out.join('\n') + '\n';
  }
}

function labelText(labels: Record<string, string>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(labels)) {
    parts.push(`${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  }
  return `{${parts.join(',')}}`;
}
