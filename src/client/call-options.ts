import type { CasToken } from '../cluster/index.js';
import type { Codec } from '../codec/index.js';
import type { MemcasError } from '../errors/index.js';

/** Options of reads. */
export interface ReadOptions<T> {
  /**
   * The codec to decode with.
   * @defaultValue the client's codec
   */
  readonly codec?: Codec<T>;
}

/** Options of writes. */
export interface WriteOptions<T> {
  /**
   * The codec to encode with.
   * @defaultValue the client's codec
   */
  readonly codec?: Codec<T>;
  /**
   * Expiry in seconds: 0 never expires; up to 30 days (2,592,000 s) counts from
   * now; larger numbers are a Unix time, as in memcached.
   * @defaultValue 0
   */
  readonly ttlSeconds?: number;
}

/** Options of {@link Client.getMany}. */
export interface GetManyOptions<T> extends ReadOptions<T> {
  /**
   * When true, any failing key rejects the whole call with its error instead of
   * being reported in its own entry.
   * @defaultValue false
   */
  readonly allOrNothing?: boolean;
}

/** Options of `incr` and `decr`. */
export interface CounterOptions {
  /**
   * When set, a missing key is created with this value (and `delta` is not applied).
   * @defaultValue none: a missing key stays missing and the call returns undefined
   */
  readonly initial?: number | bigint;
  /**
   * Expiry of a created counter, in seconds (see {@link WriteOptions.ttlSeconds}).
   * @defaultValue 0
   */
  readonly ttlSeconds?: number;
}

/** Options of {@link Client.delete}. */
export interface DeleteOptions {
  /**
   * Delete only if the item still has this CAS token (`hit.cas` from `gets`).
   * @defaultValue none: delete unconditionally
   */
  readonly cas?: CasToken;
}

/** A value with its CAS token, as returned by `gets`. */
export interface CasValue<T> {
  /** The decoded value. */
  readonly value: T;
  /** The item's CAS token; pass it to `cas()`. Its 64-bit number is `cas.value`. */
  readonly cas: CasToken;
}

/** A key that was found. */
export interface GetManyHit<T> {
  /** The key, as asked for. */
  readonly key: string;
  /** Found. */
  readonly status: 'hit';
  /** The decoded value. */
  readonly value: T;
  /** Its CAS token, for `cas()`. */
  readonly cas: CasToken;
}

/** A key that is not stored. */
export interface GetManyMiss {
  /** The key, as asked for. */
  readonly key: string;
  /** Not stored. */
  readonly status: 'miss';
}

/** A key that could not be read: its node is down or unreachable, or its value did not decode. */
export interface GetManyError {
  /** The key, as asked for. */
  readonly key: string;
  /** Failed. */
  readonly status: 'error';
  /** Why ({@link NodeUnavailableError}, {@link ConnectionError}, {@link CodecError}, …). */
  readonly error: MemcasError | Error;
}

/** One key's entry in the result of {@link Client.getMany}, in the caller's key order. */
export type GetManyEntry<T> = GetManyHit<T> | GetManyMiss | GetManyError;

/** Result of `cas()`: written, token stale (someone else wrote first), or key gone. */
export type CasResult = 'stored' | 'conflict' | 'not_found';
/** Result of `add()`: written, or the key already existed. */
export type AddResult = 'stored' | 'exists';
/** Result of `replace()`: written, or the key was missing. */
export type ReplaceResult = 'stored' | 'not_found';
/** Result of `delete()`: deleted, missing, or (with a CAS token) changed since read. */
export type DeleteResult = 'deleted' | 'not_found' | 'conflict';
/** Result of `touch()`. */
export type TouchResult = 'touched' | 'not_found';
