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
import { failSpan, type Telemetry } from './telemetry.js';
import type { UpdateTelemetryOutcome } from './instruments.js';

const SPAN_ATTRIBUTES = Object.freeze({ [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_VALUE_MEMCACHED });

/**
 * The telemetry of one `update()` call: a span (no key in it), and at the
 * end its outcome, attempts and duration. One object per call, so a client
 * with no SDK registered allocates little more than the API's no-op span.
 */
export class UpdateTracker {
  private readonly span: Span;

  /**
   * @param telemetry - the client's instruments
   * @param started - when the call was made (clock ms)
   * @param clock - the clock `started` was read from
   */
  constructor(
    private readonly telemetry: Telemetry,
    private readonly started: number,
    private readonly clock: Clock,
  ) {
    this.span = telemetry.tracer.startSpan('memcas update', { attributes: SPAN_ATTRIBUTES });
  }

  /** The call settled with a result. */
  succeeded(outcome: UpdateTelemetryOutcome, attempts: number): void {
    this.record(outcome, attempts);
    this.span.end();
  }

  /** The call failed after `attempts` attempts. */
  failed(error: unknown, attempts: number): void {
    const outcome = isRetryExhaustedError(error)
      ? 'exhausted'
      : isRetryBudgetExhaustedError(error)
        ? 'throttled'
        : isIndeterminateWriteError(error)
          ? 'indeterminate'
          : 'error';
    this.record(outcome, attempts);
    failSpan(this.span, error);
  }

  /** The call took part in a conflict; `delayMs` is the backoff chosen. */
  conflict(attempt: number, kind: ConflictKind, delayMs: number): void {
    this.span.addEvent(EVENT_CAS_CONFLICT, {
      [ATTR_ATTEMPT]: attempt,
      [ATTR_CONFLICT_KIND]: kind,
      [ATTR_BACKOFF_DELAY_MS]: delayMs,
    });
  }

  private record(outcome: UpdateTelemetryOutcome, attempts: number): void {
    const { metrics } = this.telemetry;
    const attributes = this.telemetry.outcome(outcome);
    metrics.updateOutcomes.add(1, attributes);
    metrics.updateAttempts.record(attempts, attributes);
    // The clock is read only when an SDK takes the duration.
    if (metrics.live) {
      metrics.updateDuration.record((this.clock.now() - this.started) / 1000, attributes);
    }
    this.span.setAttribute(ATTR_UPDATE_ATTEMPTS, attempts);
    this.span.setAttribute(ATTR_UPDATE_OUTCOME, outcome);
  }
}
