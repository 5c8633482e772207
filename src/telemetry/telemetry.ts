import {
  createNoopMeter,
  metrics,
  ProxyTracerProvider,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type MeterProvider,
  type Span,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import { afterMicrotasks } from '../clock/index.js';
import { ATTR_DB_OPERATION_BATCH_SIZE, ATTR_ERROR_TYPE } from './semconv.js';
import { VERSION } from './version.js';
import { errorType, nodeAttributes, type NodeAttributes } from './node-attributes.js';
import {
  Instruments,
  instrumentsFor,
  type BackendSource,
  outcomeAttributes,
  discoveryAttributes,
  type DiscoveryTelemetryOutcome,
  type UpdateTelemetryOutcome,
} from './instruments.js';

/** Telemetry options, part of the client options. */
export interface TelemetryOptions {
  /**
   * Where metrics go.
   * @defaultValue the global MeterProvider of `@opentelemetry/api`, also when it is registered after the client is created
   */
  readonly meterProvider?: MeterProvider;
  /**
   * Where spans go.
   * @defaultValue the global TracerProvider of `@opentelemetry/api`, also when it is registered after the client is created
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

/**
 * The instruments of one client: meter and tracer named `memcas`, from the
 * given providers or the global API. Clients on the same Meter share
 * instruments and tallies.
 *
 * An SDK registered globally after the client was made is picked up: the
 * tracer is the API's proxy, which delegates once a TracerProvider is
 * registered; the metrics API has no proxy, so until a MeterProvider is
 * registered {@link Telemetry.metrics} asks the API whether one is now (one
 * global lookup, in place of the clock reads an unrecorded operation no
 * longer makes). The answer holds for the job that asked and the microtasks
 * already queued then (the replies of one socket read, say), not longer: an
 * SDK is seen from the first `await` after it registered. Once one is, the
 * client's instruments are made on it, counts so far carry over, and the
 * lookups stop.
 */
export class Telemetry {
  /** The tracer. */
  readonly tracer: Tracer;
  /** Whether each memcached operation gets a span. */
  readonly traceOperations: boolean;
  /** Whether each memcached operation records its duration. */
  readonly measureOperations: boolean;
  /** The instruments in use once settled: the given provider's, or the global SDK's. */
  private settled: Instruments | undefined;
  /** Until then: no-op instruments with this client's own tallies. */
  private readonly early: Instruments | undefined;
  /** {@link Telemetry.early}, while the microtasks queued so far may take it unasked. */
  private unsettled: Instruments | undefined;
  /** Ends that (made once per client, queued once per burst). */
  private readonly forgetUnsettled = (): void => {
    this.unsettled = undefined;
  };
  /** The global MeterProvider seen while none was registered (the API's no-op). */
  private readonly unregistered: MeterProvider | undefined;
  /** The client's node backends, for their pending requests. */
  private backends: BackendSource | undefined;

  /** @param options - providers and switches */
  constructor(options: TelemetryOptions = {}) {
    const provider = options.meterProvider ?? metrics.getMeterProvider();
    const meter = provider.getMeter('memcas', VERSION);
    if (options.meterProvider !== undefined || meter !== createNoopMeter()) {
      this.settled = instrumentsFor(meter);
    } else {
      this.early = new Instruments(meter);
      this.unregistered = provider;
    }
    const tracers = options.tracerProvider ?? trace.getTracerProvider();
    this.tracer = tracers.getTracer('memcas', VERSION);
    this.spansSeen = !(tracers instanceof ProxyTracerProvider);
    this.proxy = tracers instanceof ProxyTracerProvider ? tracers : undefined;
    this.traceOperations = options.traceOperations ?? false;
    this.measureOperations = options.measureOperations ?? true;
  }

  /**
   * Whether spans are recorded: a tracer provider was given, or one is now
   * registered behind the API's proxy the tracer came from (asked until one
   * is, then never again). While none is, a span would be the API's no-op one.
   */
  get tracing(): boolean {
    if (this.spansSeen) return true;
    if ((this.proxy as ProxyTracerProvider).getDelegate() === NO_TRACER) return false;
    this.spansSeen = true;
    return true;
  }

  /** The API's global proxy, when the tracer is its. */
  private readonly proxy: ProxyTracerProvider | undefined;
  private spansSeen: boolean;

  /** The instruments: the SDK's, or no-ops (with live tallies) while no SDK is registered. */
  get metrics(): Instruments {
    return this.settled ?? this.unsettled ?? this.settle();
  }

  private settle(): Instruments {
    const early = this.early as Instruments;
    const provider = metrics.getMeterProvider();
    if (provider === this.unregistered) {
      // Not asked again until the microtasks queued so far have run: the
      // replies of one socket read settle many operations, and one update()
      // used to ask four times (about 4% of its CPU). Not until the next tick:
      // a loop of awaits on the embedded store may never reach one.
      this.unsettled = early;
      afterMicrotasks(this.forgetUnsettled);
      return early;
    }
    const settled = instrumentsFor(provider.getMeter('memcas', VERSION));
    settled.absorb(early);
    if (this.backends) settled.watch(this.backends);
    this.settled = settled;
    return settled;
  }

  /**
   * Reports the pending requests of the client's memcached nodes in
   * `db.client.connection.pending_requests`, read at each collection.
   */
  watch(backends: BackendSource): void {
    this.backends = backends;
    this.settled?.watch(backends);
  }

  /** The client closed: its nodes are no longer reported. */
  close(): void {
    if (this.backends) this.settled?.unwatch(this.backends);
    this.backends = undefined;
  }

  /** The attribute sets of a node, made once per address so tallies keyed by them add up. */
  node(address: string): NodeAttributes {
    return nodeAttributes(address);
  }

  /** Attributes for an update outcome. */
  outcome(outcome: UpdateTelemetryOutcome): Attributes {
    return outcomeAttributes(outcome);
  }

  /** Records a node state change. */
  nodeStateChanged(node: NodeAttributes, state: 'up' | 'down'): void {
    const metrics = this.metrics;
    metrics.nodeStateChanges.add(1, node.state(state));
    metrics.nodesDown.add(state === 'down' ? 1 : -1, node.base);
  }

  /** Counts a poll of the discovery endpoint by how it ended. */
  discoveryPolled(outcome: DiscoveryTelemetryOutcome): void {
    this.metrics.discoveryPolls.add(1, discoveryAttributes(outcome));
  }

  /**
   * Starts a CLIENT span for one operation (only with `traceOperations`);
   * `batchSize` for a batch of 2 or more operations.
   */
  operationSpan(node: NodeAttributes, op: string, batchSize?: number): Span | undefined {
    if (!this.traceOperations) return undefined;
    const attributes =
      batchSize === undefined
        ? node.op(op)
        : { ...node.op(op), [ATTR_DB_OPERATION_BATCH_SIZE]: batchSize };
    return this.tracer.startSpan(`${op} memcached`, { kind: SpanKind.CLIENT, attributes });
  }
}

/** What the API's proxy delegates to while no TracerProvider is registered. */
const NO_TRACER = new ProxyTracerProvider().getDelegate();

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
