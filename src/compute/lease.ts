/** Bytes as stored, with the codec's flags. */
export interface StoredValue {
  /** The encoded value. */
  readonly value: Buffer;
  /** The codec's flags. */
  readonly flags: number;
}

/** Why a lease was handed out (or is held by another caller). */
export type LeaseReason = 'miss' | 'invalidated' | 'expiring';

/**
 * The right to recompute one key, held by this client: write the value
 * under it (the lease's CAS guards the write), or give it up.
 */
export interface Lease {
  /**
   * Writes the computed value, only if the key still holds this lease:
   * false when a newer value or lease is there (nothing is overwritten), or
   * when the lease's token cannot be used any more (its connection was made
   * again; the lease is then given up, so the next reader takes it at once).
   */
  write(bytes: Buffer, flags: number): Promise<boolean>;
  /** Gives the lease up at once (the compute failed), so the next reader takes it. Never rejects. */
  release(): Promise<void>;
}

/** What one lease read found. */
export type LeaseView =
  /** A value, current: use it. */
  | { readonly kind: 'hit'; readonly stored: StoredValue }
  /** This client got the lease: compute. `previous` is the value being replaced, if any. */
  | {
      readonly kind: 'won';
      readonly reason: LeaseReason;
      readonly previous: StoredValue | undefined;
      readonly lease: Lease;
    }
  /** Another caller holds the lease. `previous` is the old value, for `invalidated` and `expiring`. */
  | {
      readonly kind: 'taken';
      readonly reason: LeaseReason;
      readonly previous: StoredValue | undefined;
    }
  /** No lease could be made (memcached out of memory): compute without one. */
  | { readonly kind: 'none' };

/** The lease operations of one key, bound to its TTL and lease settings. */
export interface LeaseIO {
  /** One read that may take the lease. */
  read(): Promise<LeaseView>;
  /** Writes a value computed without a lease, only if the key is missing; true when written. */
  add(bytes: Buffer, flags: number): Promise<boolean>;
}

/** The settings a key's lease operations are bound to. */
export interface LeaseSettings {
  /** TTL of the value written, memcached's rules (0: never). */
  readonly ttl: number;
  /** How long a lease is held before another caller may take it over, in ms. */
  readonly leaseMs: number;
  /** The early-recache window, in seconds; 0 for none (then stale values are not served either). */
  readonly staleSeconds: number;
}

/**
 * The lease's length in whole seconds as memcached holds it: its clock ticks
 * once a second, so an item given `n` seconds lives between `n - 1` and `n`;
 * one more second makes the lease last at least `leaseMs`.
 */
export function leaseSeconds(leaseMs: number): number {
  return Math.ceil(leaseMs / 1000) + 1;
}
