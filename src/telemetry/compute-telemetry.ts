import type { Telemetry } from './telemetry.js';
import {
  computeOutcomeAttributes,
  leaseEventAttributes,
  type ComputeTelemetryOutcome,
} from './instruments.js';

/**
 * The telemetry of a client's `getOrCompute()` calls: outcomes (stale ones
 * are the stale values served), lease events (won, waited, released) and
 * compute durations. No key is recorded. Counts are tallies, so a call costs
 * a few Map updates with no SDK registered.
 */
export class ComputeTelemetry {
  /** @param telemetry - the client's instruments */
  constructor(private readonly telemetry: Telemetry) {}

  /** A call ended with `outcome`. */
  settled(outcome: ComputeTelemetryOutcome): void {
    this.telemetry.metrics.computeOutcomes.add(1, computeOutcomeAttributes(outcome));
  }

  /** This client took a lease. */
  leaseWon(): void {
    this.telemetry.metrics.computeLeases.add(1, leaseEventAttributes('won'));
  }

  /** This client waited once for another's lease. */
  leaseWaited(): void {
    this.telemetry.metrics.computeLeases.add(1, leaseEventAttributes('waited'));
  }

  /** A compute threw and its lease was given up. */
  leaseReleased(): void {
    this.telemetry.metrics.computeLeases.add(1, leaseEventAttributes('released'));
  }

  /** A compute ran for `ms`. */
  computed(ms: number): void {
    this.telemetry.metrics.computeDuration.record(ms / 1000);
  }
}
