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
import { createNoopMeter, type Attributes } from '@opentelemetry/api';
import { CountingMeterProvider } from './lib/counting-meter.js';
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
  /** With the counting meter: SDK calls (`record` / `add`) per update, by instrument. */
  sdkCalls?: { perUpdate: number; byInstrument: Record<string, number> };
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
  /** memcas's own share from paired runs at 64 in flight. */
  ownShare: OwnShare;
  /** The SDK's own per-record cost. */
  records: RecordCostRow[];
}

interface Setup {
  readonly name: string;
  readonly make: () => {
    options: ClientOptions;
    shutdown: () => Promise<void>;
    /** SDK calls so far, by instrument (the counting meter only). */
    calls?: () => Map<string, number>;
  };
}

function counting(measureOperations: boolean): Setup['make'] {
  return () => {
    const provider = new CountingMeterProvider();
    return {
      options: { meterProvider: provider, measureOperations },
      shutdown: async () => {},
      calls: () => provider.calls(),
    };
  };
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
    // The same, minus the per-operation check for an SDK registered later.
    name: 'no SDK, meterProvider: API no-op',
    make: () => ({
      options: { meterProvider: { getMeter: () => createNoopMeter() } },
      shutdown: async () => {},
    }),
  },
  { name: "counting meter (memcas's own share)", make: counting(true) },
  { name: 'counting meter, measureOperations: false', make: counting(false) },
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

/** SDK calls per update between two snapshots of the counting meter, by instrument and in all. */
function callsPerUpdate(
  before: Map<string, number>,
  after: Map<string, number>,
  updates: number,
): NonNullable<TelemetryRow['sdkCalls']> {
  const byInstrument: Record<string, number> = {};
  let total = 0;
  for (const [name, n] of after) {
    const made = n - (before.get(name) ?? 0);
    byInstrument[name] = made / updates;
    total += made;
  }
  return { perUpdate: total / updates, byInstrument };
}

/** One measured run of a setup: throughput, CPU per update, and SDK calls per update if counted. */
interface Run {
  perSecond: number;
  cpu: number;
  calls?: TelemetryRow['sdkCalls'];
}

/** Runs uncontended update() (distinct keys) `inFlight` at a time on a fresh client of `setup`. */
async function measure(
  node: MemcachedNode,
  setup: Setup,
  inFlight: number,
  seconds: number,
): Promise<Run> {
  const { options, shutdown, calls } = setup.make();
  const client = createClient({ servers: [node.address], ...options });
  await Promise.all(Array.from({ length: inFlight }, (_, w) => client.set(`t:${w}`, 0)));
  const before = calls?.();
  let done = 0;
  const run = await throughput(inFlight, seconds, async (w) => {
    await client.update<number>(`t:${w}`, (n) => (n ?? 0) + 1);
    done++;
  });
  await client.close();
  await shutdown();
  return {
    perSecond: run.perSecond,
    cpu: run.cpuMicros / run.count,
    ...(calls && before ? { calls: callsPerUpdate(before, calls(), done) } : {}),
  };
}

/** A ratio over paired runs: the median, and the lowest and highest pair. */
export interface PairedRatio {
  median: number;
  min: number;
  max: number;
}

/** memcas's own share of recording metrics, from paired runs (see {@link ownShare}). */
export interface OwnShare {
  /** update() calls in flight. */
  inFlight: number;
  /** Pairs of runs. */
  pairs: number;
  /** Counting-meter throughput / no-SDK throughput. */
  throughput: PairedRatio;
  /** No-SDK CPU per update / counting-meter CPU per update. */
  cpu: PairedRatio;
  /** SDK calls per update(), in all and by instrument. */
  sdkCalls: NonNullable<TelemetryRow['sdkCalls']>;
}

function paired(ratios: number[]): PairedRatio {
  const sorted = [...ratios].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const median =
    sorted.length % 2 === 1 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

/**
 * The no-SDK client and the counting-meter client run back to back, in
 * alternating order (ABBA), `pairs` times: on a shared machine whose load
 * drifts, the ratio within a pair is steadier than the best of a few rounds,
 * and the median of the pairs is the figure the ≥ 95% target is judged on.
 */
async function ownShare(
  node: MemcachedNode,
  seconds: number,
  inFlight = 64,
  pairs = 8,
): Promise<OwnShare> {
  const none = SETUPS[0]!;
  const counted = SETUPS.find((s) => s.name.startsWith('counting meter ('))!;
  const throughputs: number[] = [];
  const cpus: number[] = [];
  let calls: OwnShare['sdkCalls'] | undefined;
  for (let i = 0; i < pairs; i++) {
    const order = i % 2 === 0 ? [none, counted] : [counted, none];
    const [a, b] = [
      await measure(node, order[0]!, inFlight, seconds),
      await measure(node, order[1]!, inFlight, seconds),
    ];
    const [base, own] = i % 2 === 0 ? [a, b] : [b, a];
    throughputs.push(own.perSecond / base.perSecond);
    cpus.push(base.cpu / own.cpu);
    calls = own.calls;
  }
  return { inFlight, pairs, throughput: paired(throughputs), cpu: paired(cpus), sdkCalls: calls! };
}

/**
 * Uncontended update() (distinct keys) at 1, 8 and 64 in flight with no SDK;
 * a meter that only counts calls (memcas's own share of the cost, and SDK
 * calls per update); sdk-metrics, with and without operation durations; and
 * metrics + tracing: best throughput and lowest CPU per update over
 * interleaved rounds. Then memcas's own share at 64 in flight from paired
 * runs, and the SDK's cost per `record()`, which sets the floor.
 */
export async function benchTelemetry(
  node: MemcachedNode,
  seconds: number,
  rounds = 2,
): Promise<TelemetryResults> {
  const updates: TelemetryRow[] = [];
  for (const inFlight of [1, 8, 64]) {
    const best = new Map<string, Run>();
    // Interleave rounds so drift on a shared 2-core machine hits every setup alike.
    for (let round = 0; round < rounds; round++) {
      for (const setup of SETUPS) {
        const run = await measure(node, setup, inFlight, seconds);
        const prev = best.get(setup.name);
        best.set(setup.name, {
          perSecond: Math.max(prev?.perSecond ?? 0, run.perSecond),
          cpu: Math.min(prev?.cpu ?? Infinity, run.cpu),
          ...(run.calls ? { calls: run.calls } : {}),
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
        ...(r.calls ? { sdkCalls: r.calls } : {}),
      });
    }
  }
  printTable(
    [
      'setup',
      'in flight',
      'updates/s',
      'vs no SDK',
      'CPU µs/update',
      'added µs',
      'SDK calls/update',
    ],
    updates.map((r) => [
      r.setup,
      String(r.inFlight),
      fmt(r.updatesPerSec),
      `${fmt(r.ofNoSdk * 100, 1)}%`,
      fmt(r.cpuMicrosPerUpdate, 2),
      fmt(r.addedCpuMicros, 2),
      r.sdkCalls ? fmt(r.sdkCalls.perUpdate, 2) : '',
    ]),
  );
  const share = await ownShare(node, seconds / 2);
  const pct = (r: PairedRatio): string =>
    `${fmt(r.median * 100, 1)}% (pairs ${fmt(r.min * 100, 1)}–${fmt(r.max * 100, 1)}%)`;
  const by = Object.entries(share.sdkCalls.byInstrument)
    .filter(([, n]) => n > 0)
    .map(([name, n]) => `${name} ${fmt(n, 2)}`)
    .join(', ');
  console.log(
    `\nmemcas's own share at ${share.inFlight} in flight, ${share.pairs} paired runs (no SDK, ` +
      `counting meter): throughput ${pct(share.throughput)} of no SDK, CPU ${pct(share.cpu)}; ` +
      `target ≥ 95%: ${share.throughput.median >= 0.95 ? 'holds' : 'missed'}.\n` +
      `SDK calls per update(): ${fmt(share.sdkCalls.perUpdate, 2)} (${by})`,
  );
  console.log('\nThe SDK alone: one histogram record() (sdk-metrics, explicit buckets)\n');
  const records = recordCosts();
  printTable(
    ['record', 'ns per call'],
    records.map((r) => [r.case, fmt(r.nanos)]),
  );
  return { updates, ownShare: share, records };
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
