import { lockOutcomeAttributes, NO_ATTRIBUTES, type LockTelemetryOutcome } from './instruments.js';
import type { Telemetry } from './telemetry.js';

/**
 * What a client's locks report: acquisitions by outcome, the time each
 * waited, tries that found the lock held, and extensions that found it lost.
 * No key is recorded. Its shape is the locker's observer (src/lock/).
 */
export function lockTelemetry(telemetry: Telemetry): {
  finished(outcome: LockTelemetryOutcome, waitMs: number): void;
  contended(): void;
  extensionLost(): void;
} {
  return {
    finished(outcome, waitMs) {
      const metrics = telemetry.metrics;
      metrics.lockAcquisitions.add(1, lockOutcomeAttributes(outcome));
      metrics.lockWait.record(waitMs / 1000);
    },
    contended() {
      telemetry.metrics.lockContention.add(1, NO_ATTRIBUTES);
    },
    extensionLost() {
      telemetry.metrics.lockExtensionsLost.add(1, NO_ATTRIBUTES);
    },
  };
}
