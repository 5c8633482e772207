import {
  itemSize,
  type Backend,
  type StoreMode,
  type StoreRequest,
  type StoreResult,
} from '../backend/index.js';
import {
  CasToken,
  ClusterTopology,
  fetchMany,
  type Discovery,
  ownerSinceRead,
  tokenOf,
  type NodeInfo,
  type Topology,
} from '../cluster/index.js';
import { checkCodec, decodeValue, encodeValue, type Codec } from '../codec/index.js';
import { ClientClosedError, ValueTooLargeError, InvalidArgumentError } from '../errors/index.js';
import { prefixedKey } from '../keys/index.js';
import {
  FencedUpdateIO,
  holdWhile,
  Lock,
  Locker,
  lockItemKey,
  resolveLockOptions,
  type FenceOptions,
  type LockOptions,
  type ResolvedLockOptions,
  type WithLockFn,
  type WithLockOptions,
} from '../lock/index.js';
import { lockTelemetry } from '../telemetry/index.js';
import { Telemetry, UpdateTracker } from '../telemetry/index.js';
import { RetryBudget, unlimitedRetries, type RetryGate } from '../backoff/index.js';
import {
  KeyUpdateIO,
  Updater,
  type UpdateFn,
  type UpdateOptions,
  type UpdateResult,
} from '../txn/index.js';
import { checkSignal, checkTtl, checkU64 } from './arguments.js';
import { refuseUnknown } from './arguments.js';
import {
  ComputeRunner,
  GET_OR_COMPUTE_OPTION_NAMES,
  invalidateKey,
  keyLeases,
  resolveComputeOptions,
  type ComputeFn,
  type ComputeResult,
  type GetOrComputeOptions,
  type InvalidateResult,
} from '../compute/index.js';
import { ComputeTelemetry } from '../telemetry/index.js';
import type {
  AddResult,
  CasResult,
  CasValue,
  CounterOptions,
  DeleteOptions,
  DeleteResult,
  GetManyEntry,
  GetManyOptions,
  ReadOptions,
  ReplaceResult,
  TouchResult,
  WriteOptions,
} from './call-options.js';
import { clusterNode, discoveryFor, topologyFor } from './topology-for.js';
import { parseServer, type ServerAddress } from './server-address.js';
import { resolveClientOptions, type ClientOptions, type ResolvedClientOptions } from './options.js';

/**
 * A memcas client: every memcached operation, CAS included, over one node or
 * the embedded store. Make one with {@link createClient}; call
 * {@link Client.close} when done so the process can exit.
 *
 * Keys are checked before any I/O ({@link InvalidKeyError}); values larger than
 * `maxValueBytes` fail before any I/O ({@link ValueTooLargeError}). Outcomes
 * callers branch on (a CAS conflict, an existing key) are results, not errors.
 */
export class Client {
  private readonly options: ResolvedClientOptions;
  private readonly topology: Topology;
  /** Polls the configuration endpoint, with the `discovery` option. */
  private readonly discovery: Discovery | undefined;
  private readonly telemetry: Telemetry;
  private readonly updater: Updater;
  /** The client-wide retry budget (`retryBudget`): asked before every retry, of any kind. */
  private readonly retryGate: RetryGate;
  /** Takes the locks of `lock()` and `withLock()`. */
  private readonly locks: Locker;
  /** Runs `getOrCompute()`: one flight per key, leases, serve-stale. */
  private readonly computer: ComputeRunner;
  private closing: Promise<void> | undefined;

  /** Use {@link createClient}. @param options - see {@link ClientOptions} */
  constructor(options: ClientOptions = {}) {
    this.options = resolveClientOptions(options);
    this.telemetry = new Telemetry(options);
    this.topology = topologyFor(this.options, this.telemetry);
    this.discovery = discoveryFor(this.options, this.topology, this.telemetry);
    const telemetry = this.telemetry;
    const clock = this.options.clock;
    const budget = this.options.retryBudget;
    const gate = budget ? new RetryBudget(budget, clock) : undefined;
    this.retryGate = gate ?? unlimitedRetries;
    this.updater = new Updater(
      this.options.retry,
      this.options.combineUpdates,
      clock,
      new UpdateTracker(telemetry, clock),
      gate,
    );
    this.locks = new Locker(
      this.topology,
      clock,
      this.retryGate,
      this.options.retry.random,
      lockTelemetry(telemetry),
    );
    this.computer = new ComputeRunner(
      clock,
      this.retryGate,
      new ComputeTelemetry(telemetry),
      this.options.retry.random,
    );
  }

  /** `'memcached'` when talking to servers, `'embedded'` for the in-process store (no `servers` given). */
  get mode(): 'memcached' | 'embedded' {
    return this.options.servers.length > 0 || this.discovery ? 'memcached' : 'embedded';
  }

  /**
   * Resolves once the client knows its nodes: at once, except with
   * `discovery` and no `servers`, where it waits for the endpoint's first
   * good answer (operations before it fail fast with {@link NodeUnavailableError}).
   * @throws {@link DiscoveryError} when a poll fails before any answer (call again to wait for the next poll)
   * @throws {@link ClientClosedError} once the client is closing
   */
  ready(): Promise<void> {
    if (this.closing) return Promise.reject(new ClientClosedError('ready'));
    return this.discovery?.ready() ?? Promise.resolve();
  }

  /** Reads a value; `undefined` when the key is missing. @throws {@link CodecError} when the stored bytes are not the codec's */
  async get<T = unknown>(key: string, options: ReadOptions<T> = {}): Promise<T | undefined> {
    return (await this.read(key, options, 'get'))?.value;
  }

  /** Reads a value with its CAS token; `undefined` when the key is missing. */
  gets<T = unknown>(key: string, options: ReadOptions<T> = {}): Promise<CasValue<T> | undefined> {
    // Not async: read() is, and a second async frame around it costs a promise and two ticks per call.
    return this.read(key, options, 'gets');
  }

  private async read<T>(
    key: string,
    options: ReadOptions<T>,
    op: 'get' | 'gets',
  ): Promise<CasValue<T> | undefined> {
    const full = this.fullKey(key, op);
    const codec = this.codec(options);
    const epoch = this.topology.epoch;
    const backend = this.topology.route(full, false, op);
    const item = await backend.get(full);
    if (item === undefined) return undefined;
    return {
      value: decodeValue(codec, key, item.value, item.flags),
      cas: tokenOf(item, full, backend, epoch, this.topology),
    };
  }

  /**
   * Reads many keys in one pipelined round trip per node. Entries come back in
   * the order of `keys`, each a hit, a miss or (unless `allOrNothing`) an error.
   */
  async getMany<T = unknown>(
    keys: readonly string[],
    options: GetManyOptions<T> = {},
  ): Promise<Array<GetManyEntry<T>>> {
    this.ensureOpen('getMany');
    if (!Array.isArray(keys)) {
      throw new InvalidArgumentError(
        `getMany: keys must be an array of strings, got ${typeof keys}`,
      );
    }
    const fullKeys = keys.map((k) => this.fullKey(k, 'getMany'));
    const codec = this.codec(options);
    const fetched = await fetchMany(this.topology, fullKeys);
    const entries = fetched.map((f, i): GetManyEntry<T> => {
      const key = keys[i] as string;
      if (f.status !== 'hit') return f.status === 'miss' ? { key, status: 'miss' } : { key, ...f };
      try {
        const value = decodeValue(codec, key, f.item.value, f.item.flags);
        return { key, status: 'hit', value, cas: f.token };
      } catch (error) {
        return { key, status: 'error', error: error as Error };
      }
    });
    if (options.allOrNothing) {
      const failed = entries.find((e) => e.status === 'error');
      if (failed) throw failed.error;
    }
    return entries;
  }

  /**
   * Writes a value unconditionally; resolves with its new CAS token.
   *
   * With `fence: lock`, a fenced write: stored with the lock's fencing token
   * in one CAS write (an `update()` whose `fn` returns `value`, so it retries
   * conflicts under the client's `retry` options), and refused with
   * {@link StaleFenceError}, nothing written, if a later holder of the lock
   * wrote the key first. See docs/locks.md.
   */
  async set<T = unknown>(
    key: string,
    value: T,
    options: WriteOptions<T> & FenceOptions = {},
  ): Promise<CasToken> {
    if (options.fence !== undefined) {
      const { codec, ttlSeconds, fence } = options;
      const r = await this.update<T>(key, () => value, { codec, ttlSeconds, fence });
      return r.cas as CasToken;
    }
    return (await this.store('set', key, value, options)).token as CasToken;
  }

  /** Writes a value only if the key is missing. */
  async add<T = unknown>(key: string, value: T, options: WriteOptions<T> = {}): Promise<AddResult> {
    const r = await this.store('add', key, value, options);
    return r.outcome === 'stored' ? 'stored' : 'exists';
  }

  /** Writes a value only if the key exists. */
  async replace<T = unknown>(
    key: string,
    value: T,
    options: WriteOptions<T> = {},
  ): Promise<ReplaceResult> {
    const r = await this.store('replace', key, value, options);
    return r.outcome === 'stored' ? 'stored' : 'not_found';
  }

  /**
   * Writes a value only if the item still has the CAS token read by `gets`:
   * `'stored'`, `'conflict'` (another writer got there first, or the key's
   * owner changed since the read: read again) or `'not_found'` (the key is gone).
   *
   * @param token - `hit.cas` from {@link Client.gets} (or `getMany`, `set`, `update`) of this client
   * @throws {@link InvalidArgumentError} for a bare bigint, or a token read by another client or for another key
   * @example
   * ```ts
   * const hit = await client.gets<Profile>('user:1001');
   * if (hit) await client.cas('user:1001', { ...hit.value, name: 'Alice Smith' }, hit.cas);
   * ```
   */
  async cas<T = unknown>(
    key: string,
    value: T,
    token: CasToken,
    options: WriteOptions<T> = {},
  ): Promise<CasResult> {
    const full = this.fullKey(key, 'cas');
    const checked = this.checkToken(token, full, 'cas');
    // REPLACE with the token, not SET: memcached unlinks the old item when a SET
    // fails to allocate, even with a stale token; a failed REPLACE leaves it.
    const request = this.storeRequest('replace', key, full, value, options, checked);
    // A token from the node that owned the key before it moved is a conflict.
    const backend = ownerSinceRead(this.topology, checked, 'cas');
    if (backend === undefined) return 'conflict';
    // Straight to the backend (no token made for the new CAS, which cas() does not return).
    const r = await backend.store(request);
    return r.outcome === 'stored' ? 'stored' : r.outcome === 'exists' ? 'conflict' : 'not_found';
  }

  /**
   * Deletes a key; with `cas` (a token from `gets`), only if it has not
   * changed since it was read, on the node that issued the token.
   */
  async delete(key: string, options: DeleteOptions = {}): Promise<DeleteResult> {
    const full = this.fullKey(key, 'delete');
    if (options.cas === undefined) {
      const r = await this.topology.route(full, true, 'delete').delete(full, 0n);
      return r === 'exists' ? 'conflict' : r;
    }
    const token = this.checkToken(options.cas, full, 'delete');
    const backend = ownerSinceRead(this.topology, token, 'delete');
    if (backend === undefined) return 'conflict';
    const r = await backend.delete(full, token.value, token.session);
    return r === 'exists' ? 'conflict' : r;
  }

  /**
   * Adds to a counter stored as decimal text (wraps at 2^64, as memcached does).
   * Resolves with the new value, or `undefined` when the key is missing and no
   * `initial` was given.
   * @throws {@link NonNumericValueError} when the value is not a number
   */
  incr(
    key: string,
    delta: number | bigint = 1,
    options: CounterOptions = {},
  ): Promise<bigint | undefined> {
    return this.count('incr', key, delta, options);
  }

  /** Takes from a counter, stopping at 0 as memcached does. See {@link Client.incr}. */
  decr(
    key: string,
    delta: number | bigint = 1,
    options: CounterOptions = {},
  ): Promise<bigint | undefined> {
    return this.count('decr', key, delta, options);
  }

  /** Sets a new expiry on a key without reading or writing its value. */
  async touch(key: string, ttlSeconds: number): Promise<TouchResult> {
    const full = this.fullKey(key, 'touch');
    const ttl = checkTtl(ttlSeconds);
    return (await this.topology.route(full, true, 'touch').touch(full, ttl))
      ? 'touched'
      : 'not_found';
  }

  /**
   * Read-modify-write with optimistic locking: reads the key with its CAS
   * token, calls `fn(current, ctx)`, and writes what it returns only if nobody
   * wrote in between (`add` when the key was missing, `cas` otherwise). On a
   * conflict it backs off (see `policy`) and runs `fn` again on the fresh
   * value. `fn` may return {@link remove} to delete the key (with its CAS
   * token) or {@link abort}`(result)` to stop without writing.
   *
   * Concurrent calls on the same key in this client are combined (one read,
   * each `fn` applied in arrival order, one write) unless `combine: false`.
   *
   * @throws {@link RetryExhaustedError} when `maxAttempts` or `deadlineMs` runs out (nothing written)
   * @throws {@link IndeterminateWriteError} when a write's answer was lost and `idempotent` is not set
   * @throws whatever `fn` throws, unchanged, with nothing written
   * With `fence: lock`, a fenced update: the value is stored with the lock's
   * fencing token in the same CAS write, and the call is refused with
   * {@link StaleFenceError} (nothing written) if the key was written with a
   * larger token, by a later holder; `fn` still sees the plain value. Fenced
   * updates are not combined, and may not return `remove`. See docs/locks.md.
   *
   * @throws the signal's reason when `signal` aborts
   * @throws {@link StaleFenceError} with `fence`, when a later holder of the lock wrote the key, or the lock was released, lost or moved
   * @example
   * ```ts
   * const r = await store.update<Profile>('user:1001', (cur) => ({ ...cur!, name: 'Alice Smith' }));
   * console.log(r.outcome, r.attempts); // 'updated' 1
   * ```
   */
  update<T = unknown, R = unknown>(
    key: string,
    fn: UpdateFn<T, R>,
    options: UpdateOptions<T> & FenceOptions = {},
  ): Promise<UpdateResult<T, R>> {
    // Not async: the returned promise is the updater's own, with no wrapper
    // to resolve through (a bad argument still rejects, never throws).
    try {
      return this.startUpdate(key, fn, options);
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  private startUpdate<T, R>(
    key: string,
    fn: UpdateFn<T, R>,
    options: UpdateOptions<T> & FenceOptions,
  ): Promise<UpdateResult<T, R>> {
    const full = this.fullKey(key, 'update');
    if (typeof fn !== 'function') throw new InvalidArgumentError('update: fn must be a function');
    checkSignal(options.signal, 'update');
    const codec = this.codec(options);
    const ttl = checkTtl(options.ttlSeconds);
    const retry = this.updater.retryOptions(options);
    if (options.fence !== undefined) {
      const lock = this.checkFence(options.fence);
      const io = new FencedUpdateIO(this.topology, key, full, codec, ttl, lock, this.sizer);
      // Never combined: a batch's calls share one write, and their fences may differ.
      const uncombined = { ...options, combine: false };
      return this.updater.run(io, full, codec, ttl, fn, uncombined, retry);
    }
    const io = new KeyUpdateIO(this.topology, key, full, codec, ttl, this.sizer);
    return this.updater.run(io, full, codec, ttl, fn, options, retry);
  }

  /**
   * Acquires a lock on `key` across every process using these memcached
   * nodes (a `memcas-lock:` item beside the key, so a lock and the data it
   * guards may share a name). While another holder has it, waits up to
   * `waitMs`, between tries as `policy` says. The {@link Lock} handle extends
   * and releases it, and its fencing token guards writes (`{ fence: lock }`).
   *
   * @throws {@link LockTimeoutError} when another holder kept it for `waitMs`
   * @throws {@link RetryBudgetExhaustedError} when the client's `retryBudget` is spent
   * @throws {@link NodeUnavailableError} when the key's node is down (locks never move to a fallback node)
   * @throws the signal's reason when `signal` aborts
   * @example
   * ```ts
   * const lock = await store.lock('cron:nightly', { ttlMs: 60_000, waitMs: 0 });
   * try {
   *   await runNightlyJob();
   * } finally {
   *   await lock.release();
   * }
   * ```
   */
  async lock(key: string, options: LockOptions = {}): Promise<Lock> {
    const full = this.lockKey(key, 'lock');
    return this.locks.acquire(key, full, this.lockOptions(options, 'lock'));
  }

  /**
   * Runs `fn(lock, signal)` holding the lock on `key`: acquires it as
   * {@link Client.lock} does, extends it every `extendEveryMs` (a third of
   * `ttlMs`) while `fn` runs, and releases it afterwards, also when `fn`
   * throws. If an extension finds the lock lost, `signal` aborts with a
   * {@link LockLostError}, and the call rejects with it even if `fn` resolves.
   *
   * @returns what `fn` returns
   * @throws what {@link Client.lock} throws; whatever `fn` throws, unchanged; {@link LockLostError}
   * @example
   * ```ts
   * await store.withLock('invoice:42', async (lock, signal) => {
   *   const pdf = await render(42, { signal });
   *   await store.set('invoice:42:pdf', pdf, { fence: lock });
   * });
   * ```
   */
  async withLock<R>(key: string, fn: WithLockFn<R>, options: WithLockOptions = {}): Promise<R> {
    const full = this.lockKey(key, 'withLock');
    if (typeof fn !== 'function') throw new InvalidArgumentError('withLock: fn must be a function');
    const resolved = this.lockOptions(options, 'withLock');
    const lock = await this.locks.acquire(key, full, resolved);
    return holdWhile(lock, fn, resolved.extendEveryMs, this.options.clock, resolved.signal);
  }

  /**
   * Reads a key, computing its value on a miss with no stampede: across every
   * process, one caller computes (holding the key's lease for `leaseMs`)
   * while the others wait for its value (reading again with `policy`'s
   * delays, up to `waitMs`, then `onWaitTimeout`). Concurrent calls for the
   * key in this client share one read, one lease and one compute. The value
   * is written with the lease's CAS, so a compute that finishes after a newer
   * value was written does not overwrite it (`stored: false`).
   *
   * With `staleSeconds`, after {@link Client.invalidate} (or within
   * `staleSeconds` of expiry) callers get the old value, marked `'stale'`,
   * while one caller recomputes: nobody waits. A compute that throws frees
   * the lease at once; a holder that dies frees it after `leaseMs`.
   *
   * On memcached's meta protocol this uses memcached's own leases (`mg` with
   * `N`, `R`; `W`, `Z`, `X`; `md … I`); on binary, text and the embedded store,
   * an equivalent built from `add` and CAS, whose items carry an envelope
   * (flags `0x6d636c31`): read such keys with `getOrCompute`, not `get`. See
   * docs/compute.md.
   *
   * @throws whatever `compute` throws, unchanged (the lease is freed first)
   * @throws {@link LeaseTimeoutError} with `onWaitTimeout: 'fail'`, when another's lease outlasts `waitMs`
   * @throws {@link RetryBudgetExhaustedError} when the client's `retryBudget` refuses a wait
   * @throws the signal's reason when `signal` aborts
   * @example
   * ```ts
   * const r = await store.getOrCompute('user:1001', () => db.loadProfile(1001), {
   *   ttlSeconds: 300,
   *   staleSeconds: 30,
   * });
   * console.log(r.outcome, r.value); // 'hit' | 'computed' | 'stale'
   * ```
   */
  async getOrCompute<T = unknown>(
    key: string,
    compute: ComputeFn<T>,
    options: GetOrComputeOptions<T> = {},
  ): Promise<ComputeResult<T>> {
    const full = this.fullKey(key, 'getOrCompute');
    if (typeof compute !== 'function') {
      throw new InvalidArgumentError('getOrCompute: compute must be a function');
    }
    if (typeof options !== 'object' || options === null) {
      throw new InvalidArgumentError(
        `getOrCompute: options must be an object, got ${String(options)}`,
      );
    }
    refuseUnknown(options, GET_OR_COMPUTE_OPTION_NAMES, 'getOrCompute');
    checkSignal(options.signal, 'getOrCompute');
    const codec = this.codec(options);
    const ttl = checkTtl(options.ttlSeconds);
    const resolved = resolveComputeOptions(options);
    const { leaseMs, staleSeconds } = resolved;
    return this.computer.run({
      key,
      fullKey: full,
      codec,
      compute,
      options: resolved,
      signal: options.signal,
      leases: keyLeases(this.topology, full, { ttl, leaseMs, staleSeconds }),
      encode: (value: T) => this.encode(codec, key, full, value),
      decode: (stored) => decodeValue(codec, key, stored.value, stored.flags),
    });
  }

  /**
   * Marks a key's value stale: `getOrCompute()` callers with `staleSeconds`
   * keep getting it (outcome `'stale'`) while the next one recomputes it;
   * callers without wait for the new value. A recompute already under way
   * for the key is not written (its lease no longer matches). On binary, text
   * and the embedded store a value not written by `getOrCompute()` is
   * deleted instead (its TTL cannot be read back there).
   */
  async invalidate(key: string): Promise<InvalidateResult> {
    const full = this.fullKey(key, 'invalidate');
    return invalidateKey(this.topology, full);
  }

  /** The node (`host:port`) that owns a key on the ring, whatever its state (`memory` for the embedded store). */
  nodeFor(key: string): string {
    return this.topology.owner(this.fullKey(key, 'nodeFor'));
  }

  /** Every node with its weight and state. */
  nodes(): NodeInfo[] {
    return this.topology.describe();
  }

  /**
   * Adds a memcached node at run time. Only the keys that now hash to it move
   * (about 1/N of them); their old copies stay on the previous owners until
   * they expire or are overwritten. Under the `'rehash'` failure policy the
   * node is flushed before it serves (it may hold values from before it left,
   * older than those written elsewhere since); its keys stay on the next
   * nodes until the flush answers. See docs/sharding.md.
   * @throws TypeError for the embedded store, a bad entry or a node already present
   */
  addServer(server: string | ServerAddress): void {
    this.ensureOpen('addServer');
    this.refuseWithDiscovery('addServer');
    const parsed = parseServer(server, 'addServer', this.options.protocol);
    this.cluster('addServer').add(clusterNode(parsed, this.options, this.telemetry));
  }

  /** Removes a memcached node at run time; only its keys move. */
  async removeServer(address: string): Promise<void> {
    this.ensureOpen('removeServer');
    this.refuseWithDiscovery('removeServer');
    await this.cluster('removeServer').remove(
      parseServer(address, 'removeServer', this.options.protocol).address,
    );
  }

  /** Removes every item on every node (all prefixes, not just this client's). */
  async flush(): Promise<void> {
    this.ensureOpen('flush');
    await Promise.all(this.topology.nodes().map((n) => n.flush()));
  }

  /** A round trip to every node; rejects if one does not answer. */
  async ping(): Promise<void> {
    this.ensureOpen('ping');
    await Promise.all(this.topology.nodes().map((n) => n.noop()));
  }

  /** Each node's version, by `host:port` (`memory` for the embedded store). */
  async version(): Promise<Record<string, string>> {
    this.ensureOpen('version');
    return this.perNode((n) => n.version());
  }

  /** Each node's statistics, by `host:port`. */
  async stats(): Promise<Record<string, Record<string, string>>> {
    this.ensureOpen('stats');
    return this.perNode((n) => n.stats());
  }

  /**
   * Closes the client. New calls reject with {@link ClientClosedError} at
   * once. Calls already started settle as they would have: each `update()`
   * finishes the attempt it is in (or makes its first), but one that would
   * back off and retry rejects with {@link ClientClosedError}; after
   * `drainTimeoutMs`, those still waiting (an `fn` that never settles) reject
   * too. Then each connection closes once its requests in flight are answered
   * (each within `timeoutMs`), and no socket or timer is left to keep the
   * process alive.
   */
  close(): Promise<void> {
    // A second call waits for the same close.
    this.closing ??= (async () => {
      // No membership change once closing; a poll under way is abandoned.
      await this.discovery?.stop();
      await this.updater.close(this.options.drainTimeoutMs);
      await this.computer.close(this.options.drainTimeoutMs);
      // Locks last: a lock guards work that may still be finishing above.
      await this.locks.close(this.options.drainTimeoutMs);
      await this.topology.close();
      this.telemetry.close();
    })();
    return this.closing;
  }

  private async perNode<R>(fn: (n: Backend) => Promise<R>): Promise<Record<string, R>> {
    const nodes = this.topology.nodes();
    const values = await Promise.all(nodes.map(fn));
    return Object.fromEntries(nodes.map((n, i) => [n.address, values[i] as R]));
  }

  private async store<T>(
    mode: StoreMode,
    key: string,
    value: T,
    options: WriteOptions<T>,
  ): Promise<{ outcome: StoreResult['outcome']; token: CasToken | undefined }> {
    const full = this.fullKey(key, mode);
    const request = this.storeRequest(mode, key, full, value, options, undefined);
    const epoch = this.topology.epoch;
    const backend = this.topology.route(full, true, mode);
    const r = await backend.store(request);
    const next =
      r.outcome === 'stored' ? tokenOf(r, full, backend, epoch, this.topology) : undefined;
    return { outcome: r.outcome, token: next };
  }

  /** A write of `value` checked and encoded (with the CAS and session of `checked`, if given), before any I/O. */
  private storeRequest<T>(
    mode: StoreMode,
    key: string,
    full: string,
    value: T,
    options: WriteOptions<T>,
    checked: CasToken | undefined,
  ): StoreRequest {
    const ttl = checkTtl(options.ttlSeconds);
    const codec = this.codec(options);
    return {
      mode,
      key: full,
      value: this.encode(codec, key, full, value),
      flags: codec.flags,
      ttl,
      cas: checked === undefined ? 0n : checked.value,
      session: checked?.session,
    };
  }

  /** Checks a CAS token given to `cas` or `delete`. */
  private checkToken(token: unknown, full: string, op: string): CasToken {
    if (!(token instanceof CasToken)) {
      throw new InvalidArgumentError(
        `${op}: cas must be the CasToken from gets() (hit.cas), got ` +
          (typeof token === 'bigint'
            ? 'a bare bigint, which cannot show which node issued it'
            : String(token)),
      );
    }
    if (token.issuer !== this.topology) {
      throw new InvalidArgumentError(
        `${op}: this CAS token was read by another client; a token is valid only in the client that read it`,
      );
    }
    if (token.key !== full) {
      throw new InvalidArgumentError(
        `${op}: this CAS token was read for ${JSON.stringify(token.key)}, not ${JSON.stringify(full)}`,
      );
    }
    return token;
  }

  /** With discovery the endpoint owns the membership: a node added by hand would vanish at its next change. */
  private refuseWithDiscovery(op: string): void {
    if (this.discovery) {
      throw new InvalidArgumentError(
        `${op}: the nodes come from the discovery endpoint ${this.discovery.endpoint}; change the cluster there`,
      );
    }
  }

  private cluster(op: string): ClusterTopology {
    if (!(this.topology instanceof ClusterTopology)) {
      throw new InvalidArgumentError(
        `${op}: the embedded store has no servers; give servers to createClient()`,
      );
    }
    return this.topology;
  }

  /** Encodes a value and checks its item size, before any I/O. */
  private encode<T>(codec: Codec<T>, key: string, full: string, value: T): Buffer {
    return this.sized(key, full, encodeValue(codec, key, value));
  }

  /** {@link Client.sized}, bound once (an `update()`'s io checks sizes with it). */
  private readonly sizer = (key: string, full: string, bytes: Buffer): Buffer =>
    this.sized(key, full, bytes);

  /** Checks the item size of the bytes to store, before any I/O. */
  private sized(key: string, full: string, bytes: Buffer): Buffer {
    // memcached unlinks the old item when it refuses a value as too large, so
    // the check happens here, with memcached's own arithmetic.
    // (A key's UTF-8 length is counted only when it could matter: at most 3 bytes a UTF-16 unit.)
    const max = this.options.maxValueBytes;
    if (
      itemSize(full.length * 3, bytes.length) > max &&
      itemSize(Buffer.byteLength(full), bytes.length) > max
    ) {
      throw new ValueTooLargeError(key, bytes.length, this.options.maxValueBytes, 'memcas');
    }
    return bytes;
  }

  private async count(
    direction: 'incr' | 'decr',
    key: string,
    delta: number | bigint,
    options: CounterOptions,
  ): Promise<bigint | undefined> {
    const full = this.fullKey(key, direction);
    const request = {
      key: full,
      delta: checkU64(delta, 'delta'),
      initial: options.initial === undefined ? undefined : checkU64(options.initial, 'initial'),
      ttl: checkTtl(options.ttlSeconds),
    };
    const backend = this.topology.route(full, true, direction);
    return direction === 'incr' ? backend.incr(request) : backend.decr(request);
  }

  /** The full key of the lock item for `key`. */
  private lockKey(key: string, op: string): string {
    this.ensureOpen(op);
    return lockItemKey(this.options.keyPrefix, key);
  }

  private lockOptions(options: WithLockOptions, op: string): ResolvedLockOptions {
    const resolved = resolveLockOptions(options, op);
    checkSignal(resolved.signal, op);
    return resolved;
  }

  /** Checks the `fence` of a fenced write. */
  private checkFence(fence: unknown): Lock {
    if (!(fence instanceof Lock)) {
      throw new InvalidArgumentError(
        `fence must be a Lock from lock() or withLock(), got ${String(fence)}`,
      );
    }
    return fence;
  }

  private codec<T>(options: ReadOptions<T>): Codec<T> {
    if (options.codec === undefined) return this.options.codec as Codec<T>;
    checkCodec(options.codec, 'codec');
    return options.codec;
  }

  private fullKey(key: string, op: string): string {
    this.ensureOpen(op);
    return prefixedKey(this.options.keyPrefix, key);
  }

  private ensureOpen(op: string): void {
    if (this.closing) throw new ClientClosedError(op);
  }
}

/**
 * Makes a client. With `servers`, it talks to memcached; without, it uses the
 * embedded in-process store, which has the same semantics.
 *
 * @throws TypeError naming the first bad option
 * @example
 * ```ts
 * const store = createClient({ servers: ['127.0.0.1:11211'], keyPrefix: 'app:' });
 * await store.set('user:1001', { name: 'Alice' }, { ttlSeconds: 3600 });
 * const hit = await store.gets<{ name: string }>('user:1001');
 * await store.close();
 * ```
 */
export function createClient(options: ClientOptions = {}): Client {
  return new Client(options);
}
