/**
 * Telemetry: four clients contend on two counters, with an OpenTelemetry
 * MeterProvider given to memcas; at the end the example reads what memcas
 * recorded and prints a short summary: operations, update() outcomes,
 * conflicts, attempts and p50/p99 durations. In a service you would register
 * an exporter (OTLP, Prometheus) on the same MeterProvider instead.
 *
 * Run: npx tsx examples/telemetry.ts
 */
import {
  AggregationType,
  DataPointType,
  MeterProvider,
  MetricReader,
  type ExponentialHistogram,
  type Histogram,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import {
  ATTR_DB_OPERATION_NAME,
  ATTR_UPDATE_OUTCOME,
  createClient,
  METRIC_BACKOFF_DELAY,
  METRIC_CAS_CONFLICTS,
  METRIC_DB_CLIENT_OPERATION_DURATION,
  METRIC_UPDATE_ATTEMPTS,
  METRIC_UPDATE_DURATION,
  METRIC_UPDATE_OUTCOMES,
} from 'memcas';
import { localCluster } from './lib/local-cluster.js';

/** A reader that only collects on demand: the summary below reads it once. */
class OnDemandReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

const CLIENTS = 4;
const UPDATES_PER_CLIENT = process.argv.includes('--smoke') ? 20 : 50;

async function main(): Promise<void> {
  const reader = new OnDemandReader();
  const meterProvider = new MeterProvider({
    readers: [reader],
    // Exponential buckets give usable percentiles at loopback latencies, where
    // the semconv buckets (1 ms and up) put nearly everything in the first one.
    views: [METRIC_DB_CLIENT_OPERATION_DURATION, METRIC_UPDATE_DURATION].map((instrumentName) => ({
      instrumentName,
      aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM },
    })),
  });
  const cluster = await localCluster(1);
  // Four clients, like four servers, contending on two counters. combineUpdates
  // is off so that same-process calls race like separate servers would.
  const clients = Array.from({ length: CLIENTS }, () =>
    createClient({ ...cluster.options, meterProvider, combineUpdates: false }),
  );
  try {
    await Promise.all(
      clients.map(async (c) => {
        for (let i = 0; i < UPDATES_PER_CLIENT; i++) {
          await c.update<number>(i % 2 ? 'hits' : 'visits', (n) => (n ?? 0) + 1);
        }
      }),
    );
    const [hits, visits] = [await clients[0]!.get('hits'), await clients[0]!.get('visits')];
    console.log(
      `${CLIENTS} clients × ${UPDATES_PER_CLIENT} update() calls: hits = ${hits}, visits = ${visits}\n`,
    );

    const { resourceMetrics } = await reader.collect();
    const metrics = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
    summarize(metrics);
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await meterProvider.shutdown();
    await cluster.stop();
  }
}

/** Prints what memcas recorded: one table per question an operator asks. */
function summarize(metrics: readonly MetricData[]): void {
  const find = (name: string): MetricData | undefined =>
    metrics.find((m) => m.descriptor.name === name);
  const ms = (seconds: number | undefined): string =>
    seconds === undefined ? '-' : `${(seconds * 1000).toFixed(2)} ms`;
  const row = (cells: readonly (string | number)[]): string =>
    cells.map((c, i) => (i === 0 ? String(c).padEnd(12) : String(c).padStart(10))).join(' ');

  console.log('What memcas recorded (OpenTelemetry metrics, one memcached node):');
  const operations = histograms(find(METRIC_DB_CLIENT_OPERATION_DURATION), ATTR_DB_OPERATION_NAME);
  if (operations.size === 0) {
    console.log('  memcached operations: none (the embedded store makes no network calls)');
  } else {
    console.log(`  ${row(['operation', 'count', 'p50', 'p99'])}`);
    for (const [op, h] of operations) {
      console.log(`  ${row([op, h.count, ms(quantile(h, 0.5)), ms(quantile(h, 0.99))])}`);
    }
  }

  const conflicts = sums(find(METRIC_CAS_CONFLICTS), ATTR_DB_OPERATION_NAME);
  const lost = [...conflicts.values()].reduce((a, b) => a + b, 0);
  const on = [...conflicts].map(([op, n]) => `${n} on ${op}`).join(', ');
  console.log(`\n  CAS conflicts: ${lost}${lost ? ` (${on})` : ''}`);

  const outcomes = sums(find(METRIC_UPDATE_OUTCOMES), ATTR_UPDATE_OUTCOME);
  const attempts = histograms(find(METRIC_UPDATE_ATTEMPTS), ATTR_UPDATE_OUTCOME);
  const durations = histograms(find(METRIC_UPDATE_DURATION), ATTR_UPDATE_OUTCOME);
  console.log(`\n  ${row(['update()', 'calls', 'attempts', 'max', 'p50', 'p99'])}`);
  for (const [outcome, calls] of outcomes) {
    const a = attempts.get(outcome);
    const d = durations.get(outcome);
    const mean = a?.sum === undefined ? '-' : (a.sum / a.count).toFixed(2);
    console.log(
      `  ${row([outcome, calls, mean, a?.max ?? '-', ms(d && quantile(d, 0.5)), ms(d && quantile(d, 0.99))])}`,
    );
  }
  console.log('  (attempts: mean per call; durations include retries and backoff)');

  const backoff = histograms(find(METRIC_BACKOFF_DELAY), '').get('');
  if (backoff?.count) {
    console.log(`\n  backoff: ${backoff.count} sleeps, ${ms(backoff.sum)} in all`);
  }
}

type AnyHistogram = Histogram | ExponentialHistogram;

/**
 * The histogram points of one metric keyed by one attribute's value (an empty
 * name: all points under ''). Points that share the value are not merged: with
 * one node and no errors there is one point per value.
 */
function histograms(metric: MetricData | undefined, attribute: string): Map<string, AnyHistogram> {
  const out = new Map<string, AnyHistogram>();
  if (
    metric?.dataPointType !== DataPointType.HISTOGRAM &&
    metric?.dataPointType !== DataPointType.EXPONENTIAL_HISTOGRAM
  ) {
    return out;
  }
  for (const point of metric.dataPoints) {
    const key = attribute ? String(point.attributes[attribute]) : '';
    if ((out.get(key)?.count ?? -1) < point.value.count) out.set(key, point.value);
  }
  return out;
}

/** Counter values keyed by one attribute's value, added up over the other attributes. */
function sums(metric: MetricData | undefined, attribute: string): Map<string, number> {
  const out = new Map<string, number>();
  if (metric?.dataPointType !== DataPointType.SUM) return out;
  for (const point of metric.dataPoints) {
    if (point.value === 0) continue;
    const key = String(point.attributes[attribute]);
    out.set(key, (out.get(key) ?? 0) + point.value);
  }
  return out;
}

/**
 * The q-quantile of a histogram, to within its bucket: the upper bound of the
 * bucket holding the q·count-th value, clamped to the recorded min and max.
 */
function quantile(h: AnyHistogram, q: number): number | undefined {
  if (h.count === 0) return undefined;
  const rank = Math.max(1, Math.ceil(q * h.count));
  let bound: number | undefined;
  if ('buckets' in h) {
    let seen = 0;
    h.buckets.counts.some((n, i) => {
      seen += n;
      bound = h.buckets.boundaries[i] ?? h.max;
      return seen >= rank;
    });
  } else {
    let seen = h.zeroCount;
    bound = 0;
    if (seen < rank) {
      const base = 2 ** (2 ** -h.scale);
      h.positive.bucketCounts.some((n, i) => {
        seen += n;
        bound = base ** (h.positive.offset + i + 1);
        return seen >= rank;
      });
    }
  }
  return Math.min(Math.max(bound ?? 0, h.min ?? 0), h.max ?? Infinity);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
