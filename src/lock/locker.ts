import { randomBytes } from 'node:crypto';
import { unlimitedRetries, type RetryGate } from '../backoff/index.js';
import { sleep, type Clock } from '../clock/index.js';
import type { Topology } from '../cluster/index.js';
import { LockTimeoutError, RetryBudgetExhaustedError } from '../errors/index.js';
import { Lock, type LockEvents } from './lock.js';
import { LockItems } from './lock-items.js';
import type { ResolvedLockOptions } from './lock-options.js';

/** How an acquisition ended, for telemetry. */
export type LockOutcome = 'acquired' | 'timeout' | 'aborted' | 'throttled' | 'error';

/** What the locker tells telemetry. No keys: they never leave the process. @internal */
export interface LockObserver extends LockEvents {
  /** An acquisition ended after `waitMs` (0 when the first try won). */
  finished(outcome: LockOutcome, waitMs: number): void;
  /** A try found the lock held by another holder. */
  contended(): void;
}

/**
 * Takes locks for one client: tries to `add` the lock item and, while
 * another holder has it, waits as the policy says, asking the client's retry
 * budget before each new try, until `waitMs` or the signal ends the wait.
 * @internal
 */
export class Locker {
  private readonly items: LockItems;
  /** Locks handed out and perhaps still held: `close()` releases them. */
  private readonly handedOut = new Set<Lock>();
  /** Acquisitions under way, which `close()` waits for. */
  private readonly acquiring = new Set<Promise<unknown>>();

  /**
   * @param topology - where lock items live
   * @param clock - the client's clock (waits, expiry)
   * @param gate - the client's retry budget, asked before every new try
   * @param random - the random source handed to the backoff policy
   * @param observer - told how acquisitions go
   */
  constructor(
    topology: Topology,
    private readonly clock: Clock,
    private readonly gate: RetryGate = unlimitedRetries,
    private readonly random: () => number = Math.random,
    private readonly observer?: LockObserver,
  ) {
    this.items = new LockItems(topology);
  }

  /**
   * Acquires the lock item `full` for the key `key`.
   * @throws {@link LockTimeoutError} when another holder kept it for `waitMs`
   * @throws {@link RetryBudgetExhaustedError} when the client's retry budget is spent
   * @throws the signal's reason when `signal` aborts
   */
  acquire(key: string, full: string, options: ResolvedLockOptions): Promise<Lock> {
    const acquisition = this.acquireOnce(key, full, options);
    const settled = acquisition.then(
      (lock) => this.remember(lock),
      () => undefined,
    );
    this.acquiring.add(settled);
    void settled.finally(() => this.acquiring.delete(settled));
    return acquisition;
  }

  /**
   * On the client's `close()`: waits (up to `drainMs`) for acquisitions under
   * way, then releases every lock still held, so that a graceful shutdown does
   * not leave the fleet waiting out their TTLs. A `withLock` still running
   * then finds its lock lost.
   */
  async close(drainMs: number): Promise<void> {
    if (this.acquiring.size > 0) {
      let cancel: (() => void) | undefined;
      await Promise.race([
        Promise.all(this.acquiring),
        new Promise<void>((resolve) => (cancel = this.clock.setTimer(drainMs, resolve))),
      ]);
      cancel?.();
    }
    const locks = [...this.handedOut];
    this.handedOut.clear();
    await Promise.all(locks.map((lock) => lock.release().catch(() => false)));
  }

  /** Keeps a lock for `close()`, dropping those no longer held so the set stays small. */
  private remember(lock: Lock): void {
    if (this.handedOut.size >= 64) {
      for (const known of this.handedOut) if (!known.held) this.handedOut.delete(known);
    }
    this.handedOut.add(lock);
  }

  private async acquireOnce(
    key: string,
    full: string,
    options: ResolvedLockOptions,
  ): Promise<Lock> {
    const { signal } = options;
    const started = this.clock.now();
    const waited = (): number => this.clock.now() - started;
    // Unique per acquisition: whose lock item it is, where a write's answer carries no CAS.
    const value = Buffer.from(
      JSON.stringify({ holder: randomBytes(12).toString('hex'), pid: process.pid }),
    );
    const deadline = started + options.waitMs;
    this.gate.recordRequest();
    let previousDelayMs = 0;
    try {
      for (let attempt = 1; ; attempt++) {
        stopIfAborted(signal);
        const sentAt = this.clock.now();
        const added = await this.items.add(full, value, options.ttlMs);
        if (added !== undefined) {
          const lock = new Lock(
            key,
            added.fencingToken,
            added.token,
            value,
            options.ttlMs,
            sentAt,
            this.items,
            this.clock,
            this.observer,
          );
          if (signal?.aborted) {
            // Won while the caller stopped waiting: give it back.
            await lock.release().catch(() => false);
            stopIfAborted(signal);
          }
          this.observer?.finished('acquired', waited());
          return lock;
        }
        this.observer?.contended();
        const now = this.clock.now();
        if (now >= deadline) throw new LockTimeoutError(key, now - started, attempt);
        if (!this.gate.tryRetry()) throw new RetryBudgetExhaustedError('lock', key, attempt);
        const raw = options.policy.delay({ attempt, previousDelayMs, random: this.random });
        previousDelayMs = Number.isFinite(raw) && raw > 0 ? raw : 0;
        const pause = Math.min(previousDelayMs, deadline - now);
        // A zero delay still yields to timers and I/O: on the embedded store every
        // answer comes in a microtask, and the holder's release may be a timer.
        if (pause > 0) await sleep(this.clock, pause, signal);
        else await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } catch (err) {
      this.observer?.finished(outcomeOf(err, signal), waited());
      throw err;
    }
  }
}

/** Throws the signal's reason once it has aborted. */
function stopIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason;
}

function outcomeOf(err: unknown, signal: AbortSignal | undefined): LockOutcome {
  if (err instanceof LockTimeoutError) return 'timeout';
  if (err instanceof RetryBudgetExhaustedError) return 'throttled';
  if (signal?.aborted && err === signal.reason) return 'aborted';
  return 'error';
}
