import type { Attributes, Meter } from '@opentelemetry/api';

/**
 * Sums kept in the process per attribute set (by object identity: the sets
 * are made once), read by an observable instrument at collection time. Adding
 * is a Map update instead of an SDK call that hashes the attributes.
 */
export class Tally {
  private readonly sums = new Map<Attributes, number>();

  /** Adds `n` for an attribute set. */
  add(n: number, attributes: Attributes): void {
    this.sums.set(attributes, (this.sums.get(attributes) ?? 0) + n);
  }

  /** Adds every sum of another tally (counts made before an SDK registered). */
  absorb(other: Tally): void {
    for (const [attributes, sum] of other.sums) this.add(sum, attributes);
  }

  /** Every attribute set with its sum. */
  entries(): IterableIterator<[Attributes, number]> {
    return this.sums.entries();
  }
}

/** Registers an observable instrument that reports a tally's sums. */
export function observe(
  meter: Meter,
  kind: 'counter' | 'updown',
  name: string,
  description: string,
  unit: string,
  tally: Tally,
): void {
  const options = { description, unit };
  const instrument =
    kind === 'counter'
      ? meter.createObservableCounter(name, options)
      : meter.createObservableUpDownCounter(name, options);
  instrument.addCallback((result) => {
    for (const [attributes, sum] of tally.entries()) result.observe(sum, attributes);
  });
}
