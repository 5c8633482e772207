import { NonNumericValueError, ValueTooLargeError } from '../errors/index.js';
import type { Backend, CounterRequest, StoredItem, StoreRequest, StoreResult } from './backend.js';
import { applyDelta, parseCounter } from './counter-value.js';
import { expiresAt } from './expiry.js';
import { itemSize } from './item-size.js';

/** Options of the embedded store. */
export interface MemoryStoreOptions {
  /**
   * Memory budget; least recently used items are evicted past it, as memcached does.
   * @defaultValue 64 MiB, memcached's default `-m 64`
   */
  readonly maxBytes?: number;
  /**
   * The item size limit, in bytes: key, value and memcached's per-item overhead
   * must fit in it, as with memcached's `-I`.
   * @defaultValue 1 MiB
   */
  readonly maxValueBytes?: number;
  /**
   * The clock, in ms since the epoch. Inject one to test expiry.
   * @defaultValue `Date.now`
   */
  readonly now?: () => number;
}

/** Defaults of {@link MemoryStoreOptions}. */
export const DEFAULT_MEMORY_STORE_OPTIONS: Readonly<Required<MemoryStoreOptions>> = Object.freeze({
  maxBytes: 64 * 1024 * 1024,
  maxValueBytes: 1024 * 1024,
  now: Date.now,
});

interface Entry extends StoredItem {
  readonly expires: number;
  readonly size: number;
}

/**
 * An in-process store with memcached's semantics: CAS tokens that change on
 * every write, TTLs, the item size limit, incr/decr rules, LRU eviction. Used
 * when a client is given no servers; the same contract tests run against it and
 * against real memcached.
 */
export class MemoryStore implements Backend {
  readonly address = 'memory';
  /** Nothing waits: every operation completes in the call. */
  readonly pending = 0;
  /** None of its own: `getOrCompute` builds leases from `add` and CAS here, as on binary and text. */
  readonly leases = undefined;
  private readonly items = new Map<string, Entry>();
  private readonly maxBytes: number;
  private readonly maxValueBytes: number;
  private readonly now: () => number;
  private bytes = 0;
  private lastCas = 0n;
  /** When the store was made, in Unix seconds (`time - uptime` in its stats). */
  private readonly startedSeconds: number;

  /** @param options - see {@link MemoryStoreOptions} */
  constructor(options: MemoryStoreOptions = {}) {
    this.maxBytes = options.maxBytes ?? DEFAULT_MEMORY_STORE_OPTIONS.maxBytes;
    this.maxValueBytes = options.maxValueBytes ?? DEFAULT_MEMORY_STORE_OPTIONS.maxValueBytes;
    this.now = options.now ?? DEFAULT_MEMORY_STORE_OPTIONS.now;
    this.startedSeconds = Math.floor(this.now() / 1000);
  }

  async get(key: string): Promise<StoredItem | undefined> {
    return this.live(key);
  }

  async getMany(keys: readonly string[]): Promise<Array<StoredItem | undefined>> {
    return keys.map((k) => this.live(k));
  }

  async store(req: StoreRequest): Promise<StoreResult> {
    if (req.value.length > this.maxValueBytes) {
      throw new ValueTooLargeError(
        req.key,
        req.value.length,
        this.maxValueBytes,
        'the embedded store',
      );
    }
    const current = this.live(req.key);
    if (req.mode === 'add' && current) return { outcome: 'exists', cas: 0n };
    if (req.cas !== 0n) {
      if (!current) return { outcome: 'not_found', cas: 0n };
      if (current.cas !== req.cas) return { outcome: 'exists', cas: 0n };
    }
    if (req.mode === 'replace' && !current) return { outcome: 'not_found', cas: 0n };
    const cas = this.write(
      req.key,
      Buffer.from(req.value),
      req.flags,
      expiresAt(req.ttl, this.now()),
    );
    return { outcome: 'stored', cas };
  }

  async delete(
    key: string,
    cas: bigint,
    _session?: number,
  ): Promise<'deleted' | 'exists' | 'not_found'> {
    const current = this.live(key);
    if (!current) return 'not_found';
    if (cas !== 0n && current.cas !== cas) return 'exists';
    this.remove(key, current);
    return 'deleted';
  }

  async incr(req: CounterRequest): Promise<bigint | undefined> {
    return this.count(req, 'incr');
  }

  async decr(req: CounterRequest): Promise<bigint | undefined> {
    return this.count(req, 'decr');
  }

  async touch(key: string, ttl: number): Promise<boolean> {
    const current = this.live(key);
    if (!current) return false;
    this.items.set(key, { ...current, expires: expiresAt(ttl, this.now()) });
    return true;
  }

  async flush(): Promise<void> {
    this.items.clear();
    this.bytes = 0;
  }

  async version(): Promise<string> {
    return 'memcas-embedded';
  }

  async noop(): Promise<void> {}

  async stats(): Promise<Record<string, string>> {
    // time - uptime is when the store started, as on memcached: lock fencing tokens carry it.
    const time = Math.floor(this.now() / 1000);
    return {
      pid: String(process.pid),
      uptime: String(time - this.startedSeconds),
      time: String(time),
      curr_items: String(this.items.size),
      bytes: String(this.bytes),
      limit_maxbytes: String(this.maxBytes),
    };
  }

  async close(): Promise<void> {}

  private count(req: CounterRequest, direction: 'incr' | 'decr'): bigint | undefined {
    const current = this.live(req.key);
    if (!current) {
      if (req.initial === undefined) return undefined;
      this.write(req.key, Buffer.from(req.initial.toString()), 0, expiresAt(req.ttl, this.now()));
      return req.initial;
    }
    const n = parseCounter(current.value);
    if (n === undefined) throw new NonNumericValueError(req.key, 'the embedded store');
    const next = applyDelta(n, req.delta, direction);
    this.write(req.key, Buffer.from(next.toString()), current.flags, current.expires);
    return next;
  }

  /** The item if present and unexpired, marked as recently used. */
  private live(key: string): Entry | undefined {
    const entry = this.items.get(key);
    if (!entry) return undefined;
    if (entry.expires <= this.now()) {
      this.remove(key, entry);
      return undefined;
    }
    // Re-insert so Map order is least-recently-used first.
    this.items.delete(key);
    this.items.set(key, entry);
    return entry;
  }

  private write(key: string, value: Buffer, flags: number, expires: number): bigint {
    const old = this.items.get(key);
    if (old) this.remove(key, old);
    const cas = ++this.lastCas;
    const size = itemSize(key.length, value.length);
    this.items.set(key, { value, flags, cas, expires, size });
    this.bytes += size;
    this.evict();
    return cas;
  }

  private remove(key: string, entry: Entry): void {
    this.items.delete(key);
    this.bytes -= entry.size;
  }

  private evict(): void {
    for (const [key, entry] of this.items) {
      if (this.bytes <= this.maxBytes) return;
      this.remove(key, entry);
    }
  }
}
