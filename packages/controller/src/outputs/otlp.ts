// `run --otlp URL`: the live drill over OTLP/HTTP (JSON) with the OpenTelemetry JS SDK, every
// second. The figures are the same as Prometheus' (live-figures.ts), handed to the SDK as a
// MetricProducer: the controller holds merged HDR histograms, not samples, so recording each
// request through an instrument again would cost a call per request. Latency goes out as an
// exponential histogram (cumulative), derived from the HDR buckets: exponential histograms of
// one scale add up exactly, so percentiles aggregate across drills and agents in the backend.

import { ValueType, type HrTime } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  MeterProvider,
  PeriodicExportingMetricReader,
  type CollectionResult,
  type ExponentialHistogram,
  type MetricData,
  type MetricProducer,
} from '@opentelemetry/sdk-metrics';
import { forEachRecorded, OUTCOME_CLASSES, type Histogram } from '@peakdrill/core';
import type { LiveFigures } from './live-figures.js';

/** The finest scale kept; exported at the finest scale whose buckets fit MAX_BUCKETS (the SDK's default size). */
const FINEST_SCALE = 5;
const MAX_BUCKETS = 160;

/** Exponential buckets of a latency histogram (µs in, seconds out) at the finest scale that fits. */
export function exponentialBuckets(h: Histogram): ExponentialHistogram {
  const counts = new Map<number, number>();
  forEachRecorded(h, (us, c) => {
    const i = indexAt(us / 1e6, FINEST_SCALE);
    counts.set(i, (counts.get(i) ?? 0) + c);
  });
  const total = h.totalCount;
  const base = { count: total, sum: (h.mean * total) / 1e6, zeroCount: 0, negative: { offset: 0, bucketCounts: [] as number[] } };
  if (counts.size === 0) return { ...base, scale: FINEST_SCALE, positive: { offset: 0, bucketCounts: [] } };
  let lo = Math.min(...counts.keys());
  let hi = Math.max(...counts.keys());
  let scale = FINEST_SCALE;
  // index at scale s-1 is floor(index at s / 2): downscaling merges neighbours exactly
  while (hi - lo + 1 > MAX_BUCKETS) {
    scale--;
    lo = Math.floor(lo / 2);
    hi = Math.floor(hi / 2);
  }
  const shift = 2 ** (FINEST_SCALE - scale);
  const bucketCounts = new Array<number>(hi - lo + 1).fill(0);
  for (const [i, c] of counts) bucketCounts[Math.floor(i / shift) - lo]! += c;
  return { ...base, scale, min: h.minNonZeroValue / 1e6, max: h.maxValue / 1e6, positive: { offset: lo, bucketCounts } };
}

/** The OTel bucket index of value v > 0: bucket i holds (base^i, base^(i+1)], base = 2^(2^-scale). */
export function indexAt(v: number, scale: number): number {
  return Math.ceil(Math.log2(v) * 2 ** scale) - 1;
}

export interface OtlpExport {
  /** Sends the figures now (the last, final export at the end of the drill). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export function startOtlpExport(figures: LiveFigures, url: string, opts: { intervalMs?: number } = {}): OtlpExport {
  const resource = resourceFromAttributes({ 'service.name': 'peakdrill', 'peakdrill.run_id': figures.id.runId, 'peakdrill.scenario': figures.id.scenario, 'peakdrill.model': figures.id.model });
  const producer: MetricProducer = { collect: async () => collect(figures, resource) };
  const reader = new PeriodicExportingMetricReader({
    exporter: new OTLPMetricExporter({ url, temporalityPreference: AggregationTemporality.CUMULATIVE }),
    exportIntervalMillis: opts.intervalMs ?? 1_000,
    exportTimeoutMillis: Math.min(opts.intervalMs ?? 1_000, 30_000),
    metricProducers: [producer],
  });
  const provider = new MeterProvider({ resource, readers: [reader] });
  return {
    flush: () => reader.forceFlush(),
    close: () => provider.shutdown(),
  };
}

function collect(f: LiveFigures, resource: CollectionResult['resourceMetrics']['resource']): CollectionResult {
  const startTime = hr(f.startMs || Date.now());
  const endTime = hr(Date.now());
  const point = <T>(value: T, attributes: Record<string, string> = {}): { startTime: HrTime; endTime: HrTime; attributes: Record<string, string>; value: T } => ({ startTime, endTime, attributes, value });
  const cumulative = AggregationTemporality.CUMULATIVE;
  const sum = (name: string, description: string, unit: string, points: ReturnType<typeof point<number>>[]): MetricData => ({
    descriptor: { name, description, unit, valueType: ValueType.INT },
    aggregationTemporality: cumulative,
    dataPointType: DataPointType.SUM,
    isMonotonic: true,
    dataPoints: points,
  });
  const gauge = (name: string, description: string, unit: string, value: number): MetricData => ({
    descriptor: { name, description, unit, valueType: ValueType.DOUBLE },
    aggregationTemporality: cumulative,
    dataPointType: DataPointType.GAUGE,
    dataPoints: [point(value)],
  });
  const links = f.sortedLinks();
  const metrics: MetricData[] = [
    sum('peakdrill.requests', 'Requests completed, by link and outcome class.', '{request}', links.flatMap(([link, l]) => OUTCOME_CLASSES.map((outcome) => point(l.outcomes[outcome], { link, outcome })))),
    {
      descriptor: { name: 'peakdrill.request.duration', description: 'Latency from the scheduled send time (open model) or the send (closed model).', unit: 's', valueType: ValueType.DOUBLE },
      aggregationTemporality: cumulative,
      dataPointType: DataPointType.EXPONENTIAL_HISTOGRAM,
      dataPoints: links.map(([link, l]) => point(exponentialBuckets(l.latency), { link })),
    },
    sum('peakdrill.shadow_tags.sent', 'Requests sent with the shadow tag.', '{request}', links.map(([link, l]) => point(l.tagSent, { link }))),
    sum('peakdrill.shadow_tags.acknowledged', 'Tagged requests the target acknowledged as test traffic.', '{request}', links.map(([link, l]) => point(l.tagAcknowledged, { link }))),
    sum('peakdrill.arrivals', 'Journeys started.', '{journey}', [point(f.arrivals)]),
    sum('peakdrill.arrivals.planned', 'Arrivals the plan scheduled so far (open model).', '{journey}', [point(Math.round(f.arrivalsPlanned))]),
    sum('peakdrill.arrivals.dropped', 'Arrivals not sent because the in-flight limit was reached.', '{journey}', [point(f.dropped)]),
    gauge('peakdrill.arrival_rate.planned', 'Arrivals per second the plan scheduled in the last closed second.', '{journey}/s', f.plannedRate),
    gauge('peakdrill.arrival_rate.achieved', 'Arrivals per second started in the last closed second.', '{journey}/s', f.achievedRate),
    gauge('peakdrill.in_flight', 'Requests in flight at the end of the last closed second.', '{request}', f.inFlight),
    gauge('peakdrill.generator.lateness_p99', "The generators' own scheduling lateness p99 in the last closed second.", 's', f.lateP99S),
    gauge('peakdrill.generators', 'Load generators still reporting.', '{generator}', f.generators),
    gauge('peakdrill.drill.running', '1 while the drill sends load, 0 once the figures are final.', '1', f.running ? 1 : 0),
  ];
  return { resourceMetrics: { resource, scopeMetrics: [{ scope: { name: 'peakdrill', version: '0.1.0' }, metrics }] }, errors: [] };
}

const hr = (ms: number): HrTime => [Math.floor(ms / 1000), Math.round((ms % 1000) * 1e6)];
