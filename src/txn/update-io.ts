import type { CasToken } from '../cluster/index.js';
import type { ConflictKind } from '../errors/index.js';

/** The state of a key as read at the start of an attempt. */
export interface Snapshot<T> {
  /** The decoded value, or undefined when the key is missing. */
  readonly value: T | undefined;
  /** Whether the key was present. */
  readonly present: boolean;
  /** Where and when it was read (its CAS number is 0n when missing); the write must match it. */
  readonly token: CasToken;
}

/** The answer to an attempt's write. */
export type WriteOutcome =
  { readonly kind: 'stored'; readonly cas: CasToken | undefined } | { readonly kind: ConflictKind };

/**
 * The operations an `update()` needs on one key, bound to its codec and TTL.
 * Keeping them behind this interface lets the loop be tested without a
 * client and run the same on every backend.
 */
export interface UpdateIO<T> {
  /** The key as the caller wrote it (for errors). */
  readonly key: string;
  /** Reads the key with its CAS token. */
  read(): Promise<Snapshot<T>>;
  /** Encodes and size-checks a value; throws CodecError or ValueTooLargeError. */
  encode(value: T): Buffer;
  /**
   * Writes `bytes` (or deletes, when `bytes` is undefined) only if the key is as
   * in `snapshot`: add when it was missing, cas or CAS-delete otherwise, on the
   * node it was read from.
   */
  write(snapshot: Snapshot<T>, bytes: Buffer | undefined): Promise<WriteOutcome>;
}
