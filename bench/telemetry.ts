import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { loadMemcas } from './lib/memcas.js';
import type { ClientOptions } from '../src/index.js';
import type { MemcachedNode } from '../test/helpers/memcached-node.js';
import { fmt, printTable, throughput } from './lib/measure.js';

const { createClient } = await loadMemcas();

/** One row of the telemetry cost benchmark. */
export interface TelemetryRow {
  setup: string;
  updatesPerSec: number;
}

/** Uncontended update() throughput (64 in flight, distinct keys) with no SDK, metrics, metrics + tracing. */
export async function benchTelemetry(
  node: MemcachedNode,
  seconds: number,
  rounds = 2,
): Promise<TelemetryRow[]> {
  const setups: Array<[string, () => { options: ClientOptions; shutdown: () => Promise<void> }]> = [
    ['no SDK (API no-ops)', () => ({ options: {}, shutdown: async () => {} })],
    [
      'metrics (sdk-metrics, periodic reader)',
      () => {
        const reader = new PeriodicExportingMetricReader({
          exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
          exportIntervalMillis: 1000,
        });
        const meterProvider = new MeterProvider({ readers: [reader] });
        return { options: { meterProvider }, shutdown: () => meterProvider.shutdown() };
      },
    ],
    [
      'metrics + tracing (update spans, batch processor)',
      () => {
        const reader = new PeriodicExportingMetricReader({
          exporter: new InMemoryMetricExporter(AggregationTemporality.DELTA),
          exportIntervalMillis: 1000,
        });
        const meterProvider = new MeterProvider({ readers: [reader] });
        const exporter = new InMemorySpanExporter();
        const tracerProvider = new BasicTracerProvider({
          spanProcessors: [new BatchSpanProcessor(exporter)],
        });
        const timer = setInterval(() => exporter.reset(), 500);
        return {
          options: { meterProvider, tracerProvider },
          shutdown: async () => {
            clearInterval(timer);
            await meterProvider.shutdown();
            await tracerProvider.shutdown();
          },
        };
      },
    ],
  ];
  const best = new Map<string, number>();
  // Interleave rounds so drift on a shared 2-core machine hits every setup alike.
  for (let round = 0; round < rounds; round++) {
    for (const [name, make] of setups) {
      const { options, shutdown } = make();
      const client = createClient({ servers: [node.address], ...options });
      await Promise.all(Array.from({ length: 64 }, (_, w) => client.set(`t:${w}`, 0)));
      const run = await throughput(64, seconds, (w) =>
        client.update<number>(`t:${w}`, (n) => (n ?? 0) + 1),
      );
      await client.close();
      await shutdown();
      best.set(name, Math.max(best.get(name) ?? 0, run.perSecond));
    }
  }
  const rows = setups.map(([name]) => ({ setup: name, updatesPerSec: best.get(name)! }));
  const base = rows[0]!.updatesPerSec;
  printTable(
    ['setup', 'updates/s (best of rounds)', 'vs no SDK'],
    rows.map((r) => [r.setup, fmt(r.updatesPerSec), `${fmt((r.updatesPerSec / base) * 100, 1)}%`]),
  );
  return rows;
}
