import {
  metrics,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Histogram,
  type Meter,
  type MeterProvider,
  type Span,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_UPDATE_OUTCOME,
  DB_CLIENT_OPERATION_DURATION_BUCKETS,
  METRIC_BACKOFF_DELAY,
  METRIC_BATCH_SIZE,
  METRIC_CAS_CONFLICTS,
  METRIC_DB_CLIENT_OPERATION_DURATION,
  METRIC_NODE_STATE_CHANGES,
  METRIC_NODES_DOWN,
  METRIC_UPDATE_ATTEMPTS,
  METRIC_UPDATE_DURATION,
  METRIC_UPDATE_OUTCOMES,
} from './semconv.js';
import { VERSION } from './version.js';
import { errorType, NodeAttributes } from './node-attributes.js';
import { observe, Tally } from './tally.js';

/** Telemetry options, part of the client options. */
export interface TelemetryOptions {
  /**
   * Where metrics go.
   * @defaultValue the global MeterProvider of `@opentelemetry/api` (register your SDK before creating the client)
   */
  readonly meterProvider?: MeterProvider;
  /**
   * Where spans go.
   * @defaultValue the global TracerProvider of `@opentelemetry/api`
   */
  readonly tracerProvider?: TracerProvider;
  /**
   * Also make a CLIENT span for every memcached operation (besides one per `update()`).
   * @defaultValue false
   */
  readonly traceOperations?: boolean;
  /**
   * Record `db.client.operation.duration` for every memcached operation,
   * including the reads and writes inside `update()`. Turning it off saves
   * two SDK records per `update()` (about 3 µs of CPU with sdk-metrics 2.x on
   * Node 20, see the telemetry guide); the update, conflict and node
   * instruments stay. An SDK View with `AggregationType.DROP` costs more than
   * recording, so use this instead.
   * @defaultValue true
   */
  readonly measureOperations?: boolean;
}

/** Every outcome an update can end with. */
export type UpdateTelemetryOutcome =
  'created' | 'updated' | 'removed' | 'aborted' | 'exhausted' | 'indeterminate' | 'error';

const OUTCOMES: readonly UpdateTelemetryOutcome[] = [
  'created',
  'updated',
  'removed',
  'aborted',
  'exhausted',
  'indeterminate',
  'error',
];

/**
 * The instruments and tallies of one Meter, shared by every client that uses
 * it: several observable callbacks for the same instrument and attributes
 * would overwrite each other instead of adding up.
 */
export class Instruments {
  /** `db.client.operation.duration`. */
  readonly operationDuration: Histogram;
  /** CAS conflicts, tallied here and read by an observable counter. */
  readonly conflicts = new Tally();
  /** Attempts per update. */
  readonly updateAttempts: Histogram;
  /** Update outcomes, tallied. */
  readonly updateOutcomes = new Tally();
  /** Update duration. */
  readonly updateDuration: Histogram;
  /** Backoff delays. */
  readonly backoffDelay: Histogram;
  /** Combined batch sizes. */
  readonly batchSize: Histogram;
  private readonly nodes = new Map<string, NodeAttributes>();
  /** Node state changes, tallied. */
  readonly nodeStateChanges = new Tally();
  /** Nodes currently down, tallied (+1 / -1). */
  readonly nodesDown = new Tally();
  // memcas-only instruments carry only the attribute that varies: the SDK
  // hashes every attribute set on every record.
  private readonly outcomeAttributes = new Map<string, Attributes>(
    OUTCOMES.map((o) => [o, Object.freeze({ [ATTR_UPDATE_OUTCOME]: o })]),
  );

  constructor(meter: Meter) {
    this.operationDuration = meter.createHistogram(METRIC_DB_CLIENT_OPERATION_DURATION, {
      description: 'Duration of memcached operations.',
      unit: 's',
      advice: { explicitBucketBoundaries: [...DB_CLIENT_OPERATION_DURATION_BUCKETS] },
    });
    observe(
      meter,
      'counter',
      METRIC_CAS_CONFLICTS,
      'CAS writes (cas, add, CAS delete) that lost a race.',
      '{conflict}',
      this.conflicts,
    );
    this.updateAttempts = meter.createHistogram(METRIC_UPDATE_ATTEMPTS, {
      description: 'Attempts made by one update() call.',
      unit: '{attempt}',
      advice: { explicitBucketBoundaries: [1, 2, 3, 5, 10, 20, 50, 100] },
    });
    observe(
      meter,
      'counter',
      METRIC_UPDATE_OUTCOMES,
      'update() calls by outcome.',
      '{call}',
      this.updateOutcomes,
    );
    this.updateDuration = meter.createHistogram(METRIC_UPDATE_DURATION, {
      description: 'Duration of update() calls, retries and backoff included.',
      unit: 's',
      advice: { explicitBucketBoundaries: [...DB_CLIENT_OPERATION_DURATION_BUCKETS] },
    });
    this.backoffDelay = meter.createHistogram(METRIC_BACKOFF_DELAY, {
      description: 'Delay chosen by the backoff policy after a conflict.',
      unit: 's',
      advice: {
        explicitBucketBoundaries: [0, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      },
    });
    // No attributes: one set of attributes fewer to hash per batch.
    this.batchSize = meter.createHistogram(METRIC_BATCH_SIZE, {
      description: 'update() calls combined into one read and one write.',
      unit: '{call}',
      advice: { explicitBucketBoundaries: [1, 2, 4, 8, 16, 32, 64, 128] },
    });
    observe(
      meter,
      'counter',
      METRIC_NODE_STATE_CHANGES,
      'Nodes marked down or back up.',
      '{change}',
      this.nodeStateChanges,
    );
    observe(
      meter,
      'updown',
      METRIC_NODES_DOWN,
      'Nodes currently marked down.',
      '{node}',
      this.nodesDown,
    );
  }

  /** The attribute sets of a node, made once per address so tallies keyed by them add up. */
  node(address: string): NodeAttributes {
    let attrs = this.nodes.get(address);
    if (!attrs) {
      attrs = new NodeAttributes(address);
      this.nodes.set(address, attrs);
    }
    return attrs;
  }

  /** Attributes for an update outcome. */
  outcome(outcome: UpdateTelemetryOutcome): Attributes {
    return this.outcomeAttributes.get(outcome) as Attributes;
  }
}

const SHARED = new WeakMap<Meter, Instruments>();

/**
 * The instruments of one client: meter and tracer named `memcas`, from the
 * given providers or the global API. With no SDK registered they are the
 * API's no-ops. Clients on the same Meter share instruments and tallies.
 */
export class Telemetry {
  /** The tracer. */
  readonly tracer: Tracer;
  /** Whether each memcached operation gets a span. */
  readonly traceOperations: boolean;
  /** Whether each memcached operation records its duration. */
  readonly measureOperations: boolean;
  /** The instruments, shared by every client on the same Meter. */
  readonly metrics: Instruments;

  /** @param options - providers and switches */
  constructor(options: TelemetryOptions = {}) {
    const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter('memcas', VERSION);
    let shared = SHARED.get(meter);
    if (!shared) {
      shared = new Instruments(meter);
      SHARED.set(meter, shared);
    }
    this.metrics = shared;
    this.tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(
      'memcas',
      VERSION,
    );
    this.traceOperations = options.traceOperations ?? false;
    this.measureOperations = options.measureOperations ?? true;
  }

  /** The attribute sets of a node, made once per address so tallies keyed by them add up. */
  node(address: string): NodeAttributes {
    return this.metrics.node(address);
  }

  /** Attributes for an update outcome. */
  outcome(outcome: UpdateTelemetryOutcome): Attributes {
    return this.metrics.outcome(outcome);
  }

  /** Records a node state change. */
  nodeStateChanged(node: NodeAttributes, state: 'up' | 'down'): void {
    this.metrics.nodeStateChanges.add(1, node.state(state));
    this.metrics.nodesDown.add(state === 'down' ? 1 : -1, node.base);
  }

  /** Starts a CLIENT span for one operation (only with `traceOperations`). */
  operationSpan(node: NodeAttributes, op: string): Span | undefined {
    if (!this.traceOperations) return undefined;
    return this.tracer.startSpan(`${op} memcached`, {
      kind: SpanKind.CLIENT,
      attributes: node.op(op),
    });
  }
}

/**
 * Ends a span as failed. Only the error's name and code are recorded: memcas
 * messages (and the first line of a stack) name the key, and keys never leave
 * the process through telemetry.
 */
export function failSpan(span: Span, error: unknown): void {
  const type = errorType(error);
  const code = (error as { code?: unknown } | null)?.code;
  const summary = typeof code === 'string' ? `${type} (${code})` : type;
  span.setAttribute(ATTR_ERROR_TYPE, type);
  span.recordException({ name: type, message: summary });
  span.setStatus({ code: SpanStatusCode.ERROR, message: summary });
  span.end();
}
