import {
  isIndeterminateWriteError,
  isRetryBudgetExhaustedError,
  isRetryExhaustedError,
  type ConflictKind,
} from '../errors/index.js';
import {
  ATTR_ATTEMPT,
  ATTR_BACKOFF_DELAY_MS,
  ATTR_CONFLICT_KIND,
  ATTR_DB_SYSTEM_NAME,
  ATTR_UPDATE_ATTEMPTS,
  ATTR_UPDATE_OUTCOME,
  DB_SYSTEM_NAME_VALUE_MEMCACHED,
  EVENT_CAS_CONFLICT,
} from './semconv.js';
import type { Span } from '@opentelemetry/api';
import type { Clock } from '../clock/index.js';
import type { BatchObserver } from '../txn/index.js';
import { failSpan, type Telemetry } from './telemetry.js';
import type { UpdateTelemetryOutcome } from './instruments.js';

const SPAN_ATTRIBUTES = Object.freeze({ [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_VALUE_MEMCACHED });

/**
 * The telemetry of a client's `update()` calls: a span per call (no key in
 * it) while a tracer records, and at the end its outcome, attempts and
 * duration. One object per client: a call keeps only its span, and none at
 * all while no SDK takes spans (the API's no-op span cost an object and four
 * calls per update).
 */
export class UpdateTracker {
  /** Told what batches do: their sizes and backoff delays, recorded while an SDK takes them. */
  readonly batch: BatchObserver;

  /**
   * @param telemetry - the client's instruments
   * @param clock - the clock calls' start times were read from
   */
  constructor(
    private readonly telemetry: Telemetry,
    private readonly clock: Clock,
  ) {
    this.batch = {
      started(size: number): void {
        const metrics = telemetry.metrics;
        if (metrics.live) metrics.batchSize.record(size);
      },
      backedOff(delayMs: number): void {
        telemetry.metrics.backoffDelay.record(delayMs / 1000);
      },
    };
  }

  /** A call starts: its span, while spans are recorded. */
  start(): Span | undefined {
    if (!this.telemetry.tracing) return undefined;
    return this.telemetry.tracer.startSpan('memcas update', { attributes: SPAN_ATTRIBUTES });
  }

  /** A call settled with a result. */
  succeeded(
    span: unknown,
    started: number,
    outcome: UpdateTelemetryOutcome,
    attempts: number,
  ): void {
    this.record(span as Span | undefined, started, outcome, attempts);
    (span as Span | undefined)?.end();
  }

  /** A call failed after `attempts` attempts. */
  failed(span: unknown, started: number, error: unknown, attempts: number): void {
    const outcome = isRetryExhaustedError(error)
      ? 'exhausted'
      : isRetryBudgetExhaustedError(error)
        ? 'throttled'
        : isIndeterminateWriteError(error)
          ? 'indeterminate'
          : 'error';
    this.record(span as Span | undefined, started, outcome, attempts);
    if (span !== undefined) failSpan(span as Span, error);
  }

  /** A call took part in a conflict; `delayMs` is the backoff chosen. */
  conflict(span: unknown, attempt: number, kind: ConflictKind, delayMs: number): void {
    (span as Span | undefined)?.addEvent(EVENT_CAS_CONFLICT, {
      [ATTR_ATTEMPT]: attempt,
      [ATTR_CONFLICT_KIND]: kind,
      [ATTR_BACKOFF_DELAY_MS]: delayMs,
    });
  }

  private record(
    span: Span | undefined,
    started: number,
    outcome: UpdateTelemetryOutcome,
    attempts: number,
  ): void {
    const { metrics } = this.telemetry;
    const attributes = this.telemetry.outcome(outcome);
    metrics.updateOutcomes.add(1, attributes);
    // The histograms (and the clock read) only when an SDK takes them.
    if (metrics.live) {
      metrics.updateAttempts.record(attempts, attributes);
      metrics.updateDuration.record((this.clock.now() - started) / 1000, attributes);
    }
    if (span === undefined) return;
    span.setAttribute(ATTR_UPDATE_ATTEMPTS, attempts);
    span.setAttribute(ATTR_UPDATE_OUTCOME, outcome);
  }
}
