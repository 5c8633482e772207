import type { Clock } from '../clock/index.js';
import type { CasToken } from '../cluster/index.js';
import { StaleFenceError } from '../errors/index.js';
import { EXPIRED_TTL, serverTtl, type LockItems } from './lock-items.js';
import { checkTtlMs } from './lock-options.js';

/** What a lock handle tells telemetry. @internal */
export interface LockEvents {
  /** An extension found the lock expired, taken or moved. */
  extensionLost(): void;
}

/**
 * A lock held in memcached, from `client.lock()` (or given to `withLock`'s
 * `fn`). It lives until {@link Lock.release} or until its TTL runs out
 * unless {@link Lock.extend}ed. Both act only while this handle still holds
 * the lock: each is a CAS write of the lock item, so they never touch a later
 * holder's lock, and they say whether they did.
 *
 * The {@link Lock.fencingToken} is larger for every acquisition of the same
 * key: pass the lock as `fence` to `set` or `update` and the store refuses
 * writes from a holder that has been overtaken (see docs/locks.md).
 *
 * @example
 * ```ts
 * const lock = await client.lock('report:daily', { ttlMs: 30_000, waitMs: 0 });
 * try {
 *   await client.set('report:daily:result', await build(), { fence: lock });
 * } finally {
 *   await lock.release();
 * }
 * ```
 */
export class Lock {
  /** The lock's key, as the caller wrote it. */
  readonly key: string;
  /**
   * Larger for every successful acquisition of this key, across processes,
   * clients and restarts of the node holding it (see docs/locks.md for the
   * layout and the cases memcas refuses instead).
   */
  readonly fencingToken: bigint;
  private token: CasToken;
  private readonly ttlMs: number;
  private until: number;
  private wallUntil: number;
  private state: 'held' | 'released' | 'lost' | 'moved' = 'held';
  /** Extensions and the release run one at a time, each on the token the last one left. */
  private queue: Promise<unknown> = Promise.resolve();

  /**
   * @internal Made by memcas only.
   * @param key - the key as the caller wrote it
   * @param fencingToken - the acquisition's token
   * @param token - the lock item's CAS token
   * @param value - the holder's value in the lock item
   * @param ttlMs - the TTL it was taken with
   * @param sentAt - when the acquiring write was sent (clock ms)
   * @param items - the lock items' operations
   * @param clock - the client's clock
   * @param events - told when an extension finds the lock lost
   */
  constructor(
    key: string,
    fencingToken: bigint,
    token: CasToken,
    private readonly value: Buffer,
    ttlMs: number,
    sentAt: number,
    private readonly items: LockItems,
    private readonly clock: Clock,
    private readonly events?: LockEvents,
  ) {
    this.key = key;
    this.fencingToken = fencingToken;
    this.token = token;
    this.ttlMs = ttlMs;
    this.until = sentAt + ttlMs;
    this.wallUntil = Date.now() - (clock.now() - sentAt) + ttlMs;
  }

  /**
   * When the lock expires unless extended, in ms since the epoch (as
   * `Date.now()`), counted from when the acquiring (or last extending) write
   * was sent: the server keeps it at least that long.
   */
  get expiresAt(): number {
    return this.wallUntil;
  }

  /**
   * Whether this handle still holds the lock as far as it knows: not
   * released, no extension found it lost, and its TTL has not run out.
   */
  get held(): boolean {
    return this.state === 'held' && this.clock.now() < this.until;
  }

  /**
   * Extends the lock to `ttlMs` from now if this handle still holds it.
   * @param ttlMs - the new TTL, in ms (at least 1000)
   * @returns true if extended; false if the lock was released, expired and
   * taken by another holder, or its key moved to another node (then it is lost for good)
   * @throws {@link InvalidArgumentError} for a bad `ttlMs`; a node or connection error when the node did not answer
   */
  extend(ttlMs: number = this.ttlMs): Promise<boolean> {
    const ttl = checkTtlMs(ttlMs, 'extend: ttlMs');
    return this.serial(async () => {
      if (this.state !== 'held') return false;
      const sentAt = this.clock.now();
      const wallSentAt = Date.now();
      const r = await this.items.rewrite(this.token, this.value, serverTtl(ttl));
      if (r === 'lost' || r === 'moved') {
        // Released meanwhile: that is not a loss.
        if (this.state === 'held') {
          this.state = r;
          this.events?.extensionLost();
        }
        return false;
      }
      this.token = r;
      this.until = sentAt + ttl;
      this.wallUntil = wallSentAt + ttl;
      return true;
    });
  }

  /**
   * Releases the lock if this handle still holds it (a compare-and-delete on
   * the lock item's CAS). From the call on, fenced writes with this lock are
   * refused, whatever the answer.
   * @returns true if released; false if it was no longer held (released
   * before, expired, taken by another holder, or its key moved)
   * @throws a node or connection error when the node did not answer (the lock then expires after its TTL)
   */
  release(): Promise<boolean> {
    const wasHeld = this.state === 'held';
    if (wasHeld) this.state = 'released';
    return this.serial(async () => {
      if (!wasHeld) return false;
      const r = await this.items.rewrite(this.token, this.value, EXPIRED_TTL);
      return r !== 'lost' && r !== 'moved';
    });
  }

  /** True once `release()` was called on this handle. @internal */
  get released(): boolean {
    return this.state === 'released';
  }

  /** Why the last extension failed, once one has. @internal */
  get lostAs(): 'lost' | 'moved' | undefined {
    return this.state === 'lost' || this.state === 'moved' ? this.state : undefined;
  }

  /** The monotonic time the lock expires unless extended (clock ms). @internal */
  get deadline(): number {
    return this.until;
  }

  /**
   * Refuses a fenced write this handle can no longer vouch for: released, lost,
   * or its key moved node (its token cannot be ordered against the new node's).
   * @throws {@link StaleFenceError}
   * @internal
   */
  checkFence(key: string): void {
    if (this.state === 'released' || this.state === 'lost') {
      throw new StaleFenceError(key, 'released', this.fencingToken);
    }
    if (this.state === 'moved' || this.items.moved(this.token)) {
      throw new StaleFenceError(key, 'moved', this.fencingToken);
    }
  }

  private serial<R>(op: () => Promise<R>): Promise<R> {
    const next = this.queue.then(op, op);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
