import type { ConflictKind } from '../errors/index.js';

/** The state of a key as read at the start of an attempt. */
export interface Snapshot<T> {
  /** The decoded value, or undefined when the key is missing. */
  readonly value: T | undefined;
  /** Its CAS token (0n when missing). */
  readonly cas: bigint;
  /** Where it was read from; the write must go to the same place. */
  readonly origin: unknown;
}

/** The answer to an attempt's write. */
export type WriteOutcome =
  { readonly kind: 'stored'; readonly cas: bigint | undefined } | { readonly kind: ConflictKind };

/**
 * The operations an `update()` needs on one key, bound to its codec and TTL by
 * the client. Keeping them behind this interface lets the loop be tested
 * without the client and run the same on every backend.
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
   * in `snapshot`: add when it was missing, cas or CAS-delete otherwise.
   */
  write(snapshot: Snapshot<T>, bytes: Buffer | undefined): Promise<WriteOutcome>;
}
