// The plan: a validated, normalized scenario. Everything downstream (engine, controller,
// dashboard, report) reads this shape, never the raw YAML. Pure data: it crosses threads
// and machines as JSON, so no functions, no Maps, no class instances.
//
// Units are fixed: durations in milliseconds, rates in requests (or journeys) per second,
// ratios as fractions (0.001 = 0.1%).

/** Where in the scenario file a value came from; carried along so late errors can point at it. */
export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

export interface Plan {
  name: string;
  description?: string;
  /** Absolute path of the scenario file, or '<quick>' for quick mode. */
  source: string;
  /** target name → base URL (origin plus optional path prefix, no trailing slash). */
  targets: Record<string, string>;
  /** Hosts (besides loopback) that traffic may go to. Loopback is always allowed. */
  allow: string[];
  http: HttpSettings;
  load: LoadModel;
  journeys: Journey[];
  data: Record<string, DataFeeder>;
  shadow: ShadowSettings;
  capacity: CapacitySettings;
  abort: AbortRule[];
  isolation: PostCheck[];
  invariants: PostCheck[];
  /** Faults injected and undone on the drill's timeline (`faults:`); absent = none. */
  faults?: Fault[];
  /** Who owns each service or dependency of the chain (`owners:`), keyed by its chain-map name. */
  owners?: Record<string, Owner>;
  /** The campaign (series of rounds before a peak) this drill belongs to, e.g. `double11-2026`. */
  campaign?: string;
  /** Target metrics scraped each second during the drill (`observe:`), stored in observe.ndjson. */
  observe?: ObserveSource[];
}

export interface Owner {
  owner: string;
  /** The latency the owner promises for the hop (its p99), ms. */
  slaMs?: number;
}

/** One Prometheus /metrics page of the system under test and the series to read from it. */
export interface ObserveSource {
  /** What the charts call it (default: the URL's host:port). */
  name: string;
  url: string;
  /** Metric names with an optional label selector; several matching series are summed. */
  series: string[];
}

export interface HttpSettings {
  /** Connections per origin per worker (undici Pool `connections`). */
  connections: number;
  pipelining: number;
  timeoutMs: number;
  headers: Record<string, string>;
  /**
   * Before the clock starts each generator opens its pools' connections to every target origin
   * and runs its request path hot on untagged, uncounted requests to its own loopback server, or
   * to `path` on every target origin when set (see docs/scenario.md `http.warmup`).
   * Absent in plans of older releases: treated as the default (on, loopback).
   */
  warmup?: WarmupSettings;
  /**
   * `auto` (default): steps whose requests never change take the fast transport, the rest
   * undici; `undici`: every step takes undici (docs/scenario.md `http.transport`).
   * Absent in plans of older releases: `auto`.
   */
  transport?: HttpTransport;
}

export type HttpTransport = 'auto' | 'undici';

export interface WarmupSettings {
  enabled: boolean;
  /**
   * Set: the warm-up requests go to this path (from the origin, e.g. `/healthz`) on the drill's
   * targets. Unset: to the generator's loopback server, and the targets only see connections.
   */
  path?: string;
}

export type LoadModel = OpenModel | ClosedModel | ReplayModel;

/**
 * Open model: journeys start on a schedule (arrival rate) whether or not earlier ones
 * returned. Stages ramp linearly from the previous stage's rate (or `startRate`) to `rate`.
 */
export interface OpenModel {
  model: 'open';
  startRate: number;
  stages: Stage[];
  /**
   * Upper bound of journeys in flight per whole drill; arrivals beyond it wait (as many again)
   * and start late, measured from their due time; beyond that they are dropped and counted.
   */
  maxInFlight: number;
}

/**
 * Replay: the requests of a recorded access log, each sent at its recorded offset divided by
 * `speed` (an exact due time, latency measured from it). Each log request goes to the step
 * whose name is its link (`GET /api/items/:item_id`, as `peakdrill import access-log` names
 * them) with the recorded path; generators split the log by request index modulo their count.
 */
export interface ReplayModel {
  model: 'replay';
  /** Absolute path of the log. */
  log: string;
  /** Log format: `auto`, `combined`, `common`, `json` or a `log_format` pattern. */
  format: string;
  speed: number;
  /** Send recorded POST/PUT/PATCH/DELETE requests too (off by default: replay reads, not writes). */
  unsafe: boolean;
  /** One stage: the replayed window (the log's span / speed, or `duration:`); `target` is the log's mean rate × speed. */
  stages: Stage[];
  maxInFlight: number;
}

export interface Stage {
  durationMs: number;
  /** Rate (open: journeys/s; closed: virtual users) reached at the end of the stage. */
  target: number;
}

/** Closed model: `vus` virtual users, each looping over journeys with think time between them. */
export interface ClosedModel {
  model: 'closed';
  /**
   * Virtual users at the start of the first stage (the first stage ramps from here to its
   * `target`). Scenarios always set it; when absent, the first stage starts at its own target.
   */
  startVus?: number;
  stages: Stage[];
  thinkTimeMs: ThinkTime;
}

export interface ThinkTime {
  minMs: number;
  maxMs: number;
}

export interface Journey {
  name: string;
  weight: number;
  /**
   * Journey variables: name → template, rendered once when the journey starts (after its
   * feeder rows are drawn) and usable as `{{name}}` in every step. Optional; absent = none.
   */
  vars?: Record<string, string>;
  steps: Step[];
}

export interface Step {
  /** The link name: its own histograms, counts and budgets. Unique across the scenario. */
  name: string;
  target: string;
  method: string;
  /** Path template relative to the target's base URL (may contain {{...}}). */
  path: string;
  headers: Record<string, string>;
  /** Body template (already JSON-stringified when the scenario gave `json:`). */
  body?: string;
  /**
   * 'json' when the body came from `json:` (values rendered into it sit inside JSON strings
   * and should be JSON-escaped); 'text' for `body:`. Absent when there is no body.
   */
  bodyKind?: 'json' | 'text';
  captures: Capture[];
  checks: Check[];
  /** Statuses the scenario expects under overload (e.g. 429 sold out): counted as shed, not errors. */
  shed: number[];
  /** End the journey when this step fails (error or failed check). Default true. */
  stopOnFailure: boolean;
  thinkTimeMs: ThinkTime;
  pos?: SourcePos;
}

export type Capture =
  | { as: string; from: 'json'; path: string }
  | { as: string; from: 'header'; name: string };

export type Check =
  | { kind: 'status'; oneOf: number[] }
  | { kind: 'header'; name: string; equals?: string; exists?: boolean }
  | { kind: 'json'; path: string; equals?: string | number | boolean | null; exists?: boolean }
  | { kind: 'bodyContains'; text: string };

export interface DataFeeder {
  source: { kind: 'csv'; file: string; columns: string[] } | { kind: 'list'; rows: Record<string, string>[] };
  mode: 'sequential' | 'random' | 'unique';
}

export interface ShadowSettings {
  enabled: boolean;
  /** Name of the environment variable holding the HMAC secret. Never the secret itself. */
  secretEnv: string;
  /** Fraction of tagged requests that must be acknowledged; below it the drill stops. */
  coverageFloor: number;
  /** Preflight: tagged requests per journey's first step and per target only later steps use, before the ramp. 0 turns preflight off. */
  preflightRequests: number;
}

export interface CapacitySettings {
  growth: number;
  links: Record<string, LinkTarget>;
}

export interface LinkTarget {
  /** Throughput target in req/s: `rps`, or `baseline × growth`. */
  rps?: number;
  baseline?: number;
  growth?: number;
  budgets: Budget[];
}

export type Percentile = 'p50' | 'p90' | 'p95' | 'p99' | 'p999' | 'max';

export type Budget =
  | { kind: 'latency'; percentile: Percentile; maxMs: number; hop?: string }
  | { kind: 'errorRate'; max: number }
  | { kind: 'shedRate'; max: number };

export type AbortRule =
  | { kind: 'errorRate'; link?: string; above: number; forMs: number; text: string }
  | { kind: 'latency'; link?: string; percentile: Percentile; aboveMs: number; forMs: number; text: string }
  | { kind: 'health'; url: string; forMs: number; text: string }
  | { kind: 'metric'; url: string; metric: string; above: number; forMs: number; text: string };

export type PostCheck =
  | { name: string; kind: 'http'; url: string; status: number; path?: string; expect: Expectation }
  | { name: string; kind: 'sql'; urlEnv: string; query: string; expect: Expectation };

/** An expected value: exact, or an inclusive range; `equalsVar` compares with a drill figure. */
export interface Expectation {
  equals?: string | number | boolean | null;
  min?: number;
  max?: number;
  /** Name of a drill figure, e.g. `journeys.checkout.completed` or `link.order.create.ok`. */
  equalsFigure?: string;
}

/**
 * A fault on the drill's timeline (`faults:`): injected `atMs` after second 0, undone `forMs`
 * later. Optional on the plan: plans of older releases and quick mode have none.
 */
export interface Fault {
  name: string;
  atMs: number;
  forMs: number;
  /** The contingency plan the fault exercises, in the scenario's words (`#37 degrade recommendations`). */
  plan?: string;
  action: FaultAction;
  /** The recovery budget: every link back within budget this soon after the fault ended. */
  recovery?: RecoveryBudget;
}

export interface RecoveryBudget {
  withinMs: number;
  /** Links judged; absent = every link with a p99 or error-rate budget. */
  links?: string[];
}

/** One HTTP call of a fault (inject or undo). */
export interface FaultCall {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export type FaultAction =
  | { kind: 'http'; inject: FaultCall; undo?: FaultCall }
  /** argv lists: run without a shell (`["sh", "-c", "..."]` when a shell is wanted). */
  | { kind: 'command'; inject: string[]; undo?: string[]; timeoutMs: number }
  | { kind: 'proxy'; target: string; effect: ProxyEffect };

/** What peakdrill's TCP fault proxy does to the traffic of a target while the fault is on. */
export interface ProxyEffect {
  /** Added to every chunk in both directions, ms. */
  latencyMs?: number;
  /** Cap on each direction of each connection, bytes per second. */
  bandwidthBps?: number;
  /** Share (0..1) of connections reset: open ones at injection, new ones while it lasts. */
  resetShare?: number;
  /** Bytes are swallowed in both directions: connections stay open and nothing answers. */
  blackhole?: boolean;
}
