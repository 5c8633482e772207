import {
  AggregationTemporality,
  AggregationType,
  createDenyListAttributesProcessor,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
} from '@opentelemetry/sdk-trace-base';
import type { Attributes } from '@opentelemetry/api';
import { loadMemcas } from './lib/memcas.js';
import type { ClientOptions } from '../src/index.js';
import type { MemcachedNode } from '../test/helpers/memcached-node.js';
import { fmt, printTable, throughput } from './lib/measure.js';

const { createClient } = await loadMemcas();

/** One row of the telemetry cost benchmark. */
export interface TelemetryRow {
  /** What was registered. */
  setup: string;
  /** update() calls in flight. */
  inFlight: number;
  /** Best throughput over the rounds. */
  updatesPerSec: number;
  /** Throughput as a share of the no-SDK run at the same concurrency. */
  ofNoSdk: number;
  /** CPU time of this process per update (user + system), the lowest over the rounds. */
  cpuMicrosPerUpdate: number;
  /** CPU per update minus the no-SDK run's at the same concurrency. */
  addedCpuMicros: number;
}

/** Cost of one histogram `record()` in the SDK, by attribute set and View. */
export interface RecordCostRow {
  /** What was recorded. */
  case: string;
  /** Nanoseconds per call. */
  nanos: number;
}

/** The telemetry section's results. */
export interface TelemetryResults {
  /** update() throughput and CPU per setup and concurrency. */
  updates: TelemetryRow[];
  /** The SDK's own per-record cost. */
  records: RecordCostRow[];
}

interface Setup {
  readonly name: string;
  readonly make: () => { options: ClientOptions; shutdown: () => Promise<void> };
}

function meterProvider(): MeterProvider {
  const reader = new PeriodicExportingMetricReader({
    exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
    exportIntervalMillis: 1000,
  });
  return new MeterProvider({ readers: [reader] });
}

const SETUPS: readonly Setup[] = [
  { name: 'no SDK (API no-ops)', make: () => ({ options: {}, shutdown: async () => {} }) },
  {
    name: 'metrics (sdk-metrics, periodic reader)',
    make: () => {
      const provider = meterProvider();
      return { options: { meterProvider: provider }, shutdown: () => provider.shutdown() };
    },
  },
  {
    name: 'metrics, measureOperations: false',
    make: () => {
      const provider = meterProvider();
      return {
        options: { meterProvider: provider, measureOperations: false },
        shutdown: () => provider.shutdown(),
      };
    },
  },
  {
    name: 'metrics + update spans (batch processor)',
    make: () => {
      const provider = meterProvider();
      const exporter = new InMemorySpanExporter();
      const tracerProvider = new BasicTracerProvider({
        spanProcessors: [new BatchSpanProcessor(exporter)],
      });
      const timer = setInterval(() => exporter.reset(), 500);
      return {
        options: { meterProvider: provider, tracerProvider },
        shutdown: async () => {
          clearInterval(timer);
          await provider.shutdown();
          await tracerProvider.shutdown();
        },
      };
    },
  },
];

/**
 * Uncontended update() (distinct keys) at 1, 8 and 64 in flight with no SDK,
 * metrics, metrics without operation durations, and metrics + tracing: best
 * throughput and lowest CPU per update over interleaved rounds. Then the
 * SDK's cost per `record()`, which sets the floor.
 */
export async function benchTelemetry(
  node: MemcachedNode,
  seconds: number,
  rounds = 2,
): Promise<TelemetryResults> {
  const updates: TelemetryRow[] = [];
  for (const inFlight of [1, 8, 64]) {
    const best = new Map<string, { perSecond: number; cpu: number }>();
    // Interleave rounds so drift on a shared 2-core machine hits every setup alike.
    for (let round = 0; round < rounds; round++) {
      for (const { name, make } of SETUPS) {
        const { options, shutdown } = make();
        const client = createClient({ servers: [node.address], ...options });
        await Promise.all(Array.from({ length: inFlight }, (_, w) => client.set(`t:${w}`, 0)));
        const run = await throughput(inFlight, seconds, (w) =>
          client.update<number>(`t:${w}`, (n) => (n ?? 0) + 1),
        );
        await client.close();
        await shutdown();
        const micros = run.cpuMicros / run.count;
        const prev = best.get(name);
        best.set(name, {
          perSecond: Math.max(prev?.perSecond ?? 0, run.perSecond),
          cpu: Math.min(prev?.cpu ?? Infinity, micros),
        });
      }
    }
    const base = best.get(SETUPS[0]!.name)!;
    for (const { name } of SETUPS) {
      const r = best.get(name)!;
      updates.push({
        setup: name,
        inFlight,
        updatesPerSec: r.perSecond,
        ofNoSdk: r.perSecond / base.perSecond,
        cpuMicrosPerUpdate: r.cpu,
        addedCpuMicros: r.cpu - base.cpu,
      });
    }
  }
  printTable(
    ['setup', 'in flight', 'updates/s', 'vs no SDK', 'CPU µs/update', 'added µs'],
    updates.map((r) => [
      r.setup,
      String(r.inFlight),
      fmt(r.updatesPerSec),
      `${fmt(r.ofNoSdk * 100, 1)}%`,
      fmt(r.cpuMicrosPerUpdate, 2),
      fmt(r.addedCpuMicros, 2),
    ]),
  );
  console.log('\nThe SDK alone: one histogram record() (sdk-metrics, explicit buckets)\n');
  const records = recordCosts();
  printTable(
    ['record', 'ns per call'],
    records.map((r) => [r.case, fmt(r.nanos)]),
  );
  return { updates, records };
}

/** A reader that keeps metrics in memory and never exports during the measurement. */
function quietReader(): PeriodicExportingMetricReader {
  return new PeriodicExportingMetricReader({
    exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
    exportIntervalMillis: 60_000,
  });
}

/** Times `record()` on an sdk-metrics histogram with the attribute sets memcas uses. */
function recordCosts(): RecordCostRow[] {
  const provider = new MeterProvider({
    // A MeterProvider without a reader keeps no storage: records would cost nothing.
    readers: [quietReader()],
    views: [
      { instrumentName: 'dropped', aggregation: { type: AggregationType.DROP } },
      {
        instrumentName: 'filtered',
        attributesProcessors: [
          createDenyListAttributesProcessor(['server.address', 'server.port']),
        ],
      },
    ],
  });
  // Each reader keeps its own storage (a Prometheus and an OTLP exporter, say).
  const twoReaders = new MeterProvider({ readers: [quietReader(), quietReader()] });
  const semconv: Attributes = {
    'db.system.name': 'memcached',
    'db.operation.name': 'gets',
    'server.address': '127.0.0.1',
    'server.port': 11211,
  };
  const cases: Array<[string, MeterProvider, string, Attributes | undefined]> = [
    ['no attributes', provider, 'plain', undefined],
    [
      '1 attribute (memcas.update.outcome)',
      provider,
      'plain',
      { 'memcas.update.outcome': 'updated' },
    ],
    ['4 semconv attributes', provider, 'plain', semconv],
    ['4, through a View that denies server.*', provider, 'filtered', semconv],
    ['4, through a View with DROP aggregation', provider, 'dropped', semconv],
    ['4, with two readers', twoReaders, 'plain', semconv],
  ];
  const rows = cases.map(([name, meterProvider, instrument, attributes]) => {
    const histogram = meterProvider.getMeter('bench').createHistogram(instrument);
    const n = 500_000;
    for (let i = 0; i < n / 5; i++) histogram.record(0.0002, attributes);
    const started = process.hrtime.bigint();
    for (let i = 0; i < n; i++) histogram.record(0.0002, attributes);
    return { case: name, nanos: Number(process.hrtime.bigint() - started) / n };
  });
  void provider.shutdown();
  void twoReaders.shutdown();
  return rows;
}
