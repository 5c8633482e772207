import {
  isIndeterminateWriteError,
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
import { failSpan, type Telemetry, type UpdateTelemetryOutcome } from './telemetry.js';

/** The callbacks of one tracked `update()` call. */
export interface TrackedUpdate<R> {
  /** Call with the result. */
  readonly resolve: (result: R) => void;
  /** Call with the failure. */
  readonly reject: (error: unknown) => void;
  /** Call for each conflict, with the delay chosen. */
  readonly onConflict: (attempt: number, kind: ConflictKind, delayMs: number) => void;
}

const SPAN_ATTRIBUTES = Object.freeze({ [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_VALUE_MEMCACHED });

/**
 * Wraps an `update()` call's settle callbacks so it records one span (no key
 * in it), its outcome, attempts and duration.
 */
export function trackUpdate<R extends { outcome: UpdateTelemetryOutcome; attempts: number }>(
  telemetry: Telemetry,
  now: () => number,
  attempts: () => number,
  resolve: (result: R) => void,
  reject: (error: unknown) => void,
): TrackedUpdate<R> {
  const started = now();
  const span = telemetry.tracer.startSpan('memcas update', { attributes: SPAN_ATTRIBUTES });
  const finish = (outcome: UpdateTelemetryOutcome, tries: number): void => {
    const attributes = telemetry.outcome(outcome);
    telemetry.metrics.updateOutcomes.add(1, attributes);
    telemetry.metrics.updateAttempts.record(tries, attributes);
    telemetry.metrics.updateDuration.record((now() - started) / 1000, attributes);
    span.setAttribute(ATTR_UPDATE_ATTEMPTS, tries);
    span.setAttribute(ATTR_UPDATE_OUTCOME, outcome);
  };
  return {
    resolve(result) {
      finish(result.outcome, result.attempts);
      span.end();
      resolve(result);
    },
    reject(error) {
      const outcome = isRetryExhaustedError(error)
        ? 'exhausted'
        : isIndeterminateWriteError(error)
          ? 'indeterminate'
          : 'error';
      finish(outcome, attempts());
      failSpan(span, error);
      reject(error);
    },
    onConflict(attempt, kind, delayMs) {
      span.addEvent(EVENT_CAS_CONFLICT, {
        [ATTR_ATTEMPT]: attempt,
        [ATTR_CONFLICT_KIND]: kind,
        [ATTR_BACKOFF_DELAY_MS]: delayMs,
      });
    },
  };
}
