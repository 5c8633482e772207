/** An item as a backend stores it: bytes, the codec's flags and the CAS token. */
export interface StoredItem {
  /** The stored bytes. */
  readonly value: Buffer;
  /** The 32-bit flags written with the value. */
  readonly flags: number;
  /** The CAS token: changes on every write of the item. */
  readonly cas: bigint;
  /**
   * Which connection to the server read it (memcached numbers CAS from 1
   * again after a restart, and a restart always means a new connection).
   * Undefined for the embedded store, which cannot restart under a client.
   */
  readonly session?: number;
}

/** Which storage command to run: unconditional, only-if-missing, only-if-present. */
export type StoreMode = 'set' | 'add' | 'replace';

/** One write of an item. */
export interface StoreRequest {
  /** The storage command. */
  readonly mode: StoreMode;
  /** The full key (prefix included), already checked. */
  readonly key: string;
  /** The encoded value. */
  readonly value: Buffer;
  /** The codec's flags. */
  readonly flags: number;
  /** Expiry in memcached's terms: 0 never; up to 30 days relative seconds; above that a Unix time. */
  readonly ttl: number;
  /** When not 0n, write only if the item still has this CAS token. */
  readonly cas: bigint;
  /**
   * With `cas`: the session the token was read in. When the backend's
   * connection is not that one any more, the write is not sent and reports
   * `exists` (a conflict): the server may have restarted and reused the number.
   */
  readonly session?: number | undefined;
}

/**
 * The raw answer to a write: `stored` with the new CAS token, `exists` (add
 * found the key, or the CAS token did not match) or `not_found` (replace or
 * CAS on a missing key).
 */
export interface StoreResult {
  /** What happened. */
  readonly outcome: 'stored' | 'exists' | 'not_found';
  /** The new CAS token when stored, else 0n. */
  readonly cas: bigint;
  /** The session the write was answered in (see {@link StoredItem.session}). */
  readonly session?: number;
}

/** An `incr` or `decr`. */
export interface CounterRequest {
  /** The full key. */
  readonly key: string;
  /** How much to add or take away (unsigned 64-bit). */
  readonly delta: bigint;
  /** When set, a missing key is created with this value; otherwise a missing key stays missing. */
  readonly initial: bigint | undefined;
  /** Expiry of a created item, in memcached's terms. */
  readonly ttl: number;
}

/** A read that may hand out the lease on an item: the right to recompute it (see {@link NativeLeases}). */
export interface LeaseRequest {
  /** The full key. */
  readonly key: string;
  /**
   * On a miss, an empty placeholder is made, living this many seconds, and
   * this caller gets the lease; 0 makes none (a miss answers no item).
   */
  readonly vivifySeconds: number;
  /** When above 0: an item with fewer seconds than this left hands out one early lease. */
  readonly recacheSeconds: number;
}

/** The answer to a {@link LeaseRequest}. */
export interface LeaseReply {
  /**
   * The item (the empty placeholder after a miss), or undefined when the
   * server could not make one (or, with `vivifySeconds` 0, on a miss).
   */
  readonly item: StoredItem | undefined;
  /** This caller got the lease. */
  readonly won: boolean;
  /** Another caller already has it. */
  readonly taken: boolean;
  /** The item was marked stale by {@link NativeLeases.invalidate}. */
  readonly stale: boolean;
  /** Seconds the item has left; -1 for never. */
  readonly ttl: number;
}

/**
 * Leases kept by the server itself: memcached's meta protocol (`mg` with `N`
 * and `R`, answered with `W`, `Z`, `X`; `md` with `I`). A backend without
 * them leaves {@link Backend.leases} undefined and `getOrCompute` builds the
 * same from `add` and CAS (src/compute/).
 */
export interface NativeLeases {
  /** Reads an item, taking its lease on a miss, when it is stale, or early before expiry. */
  read(request: LeaseRequest): Promise<LeaseReply>;
  /**
   * Marks an item stale (with `cas` not 0n, only if it still has that token,
   * read in `session`) and hands its lease to the next reader.
   */
  invalidate(
    key: string,
    cas: bigint,
    session?: number,
  ): Promise<'invalidated' | 'exists' | 'not_found'>;
}

/**
 * One memcached node or the embedded store, speaking in full keys and bytes.
 * It does no recovery of its own: retries, failover and health belong to the
 * layers above. Keys and values reaching it are already checked.
 */
export interface Backend {
  /** `host:port` of the node, or `memory` for the embedded store. */
  readonly address: string;
  /** Requests sent or queued and not yet answered (0 for the embedded store). */
  readonly pending: number;
  /** Reads one item. */
  get(key: string): Promise<StoredItem | undefined>;
  /** Reads many items in one round trip; results in the order of `keys`. */
  getMany(keys: readonly string[]): Promise<Array<StoredItem | undefined>>;
  /** Writes one item. */
  store(request: StoreRequest): Promise<StoreResult>;
  /**
   * Deletes an item, only if its CAS token matches when `cas` is not 0n (and,
   * with `session`, only on the connection the token was read in: see
   * {@link StoreRequest.session}).
   */
  delete(key: string, cas: bigint, session?: number): Promise<'deleted' | 'exists' | 'not_found'>;
  /** Adds to a counter; `undefined` when the key is missing and no initial value was given. */
  incr(request: CounterRequest): Promise<bigint | undefined>;
  /** Takes from a counter (never below 0); `undefined` as for {@link Backend.incr}. */
  decr(request: CounterRequest): Promise<bigint | undefined>;
  /** Sets a new expiry; false when the key is missing. */
  touch(key: string, ttl: number): Promise<boolean>;
  /** Removes every item. */
  flush(): Promise<void>;
  /** The server's version string. */
  version(): Promise<string>;
  /** A round trip that does nothing: a health probe. */
  noop(): Promise<void>;
  /** The server's statistics. */
  stats(): Promise<Record<string, string>>;
  /** Ends the connection after in-flight requests settle. */
  close(): Promise<void>;
  /**
   * The server's own leases, when it has them (memcached over meta);
   * undefined for the others (binary, text, the embedded store). A backend
   * that wraps another passes its leases on.
   */
  readonly leases?: NativeLeases | undefined;
}
