import { afterMicrotasks, type Clock } from '../clock/index.js';
import { RetryExhaustedError } from '../errors/index.js';
import type { UpdateCall } from './updater.js';
import type { UpdateIO } from './key-io.js';

/**
 * Runs a batch of calls and calls `onDone` once all have settled; `onStall`
 * is called if one call's `fn` holds it too long.
 */
export type BatchRunner = <T>(
  io: UpdateIO<T>,
  calls: ReadonlyArray<UpdateCall<T>>,
  onStall: () => void,
  onDone: () => void,
) => void;

/** The calls of one group (key, codec, TTL): the batch running, and those waiting for the next. */
class Queue<T> {
  /** Serves the group while it runs (the io of the call that started it). */
  io: UpdateIO<T> | undefined;
  /** Calls waiting for the next batch. */
  calls: Array<UpdateCall<T>> = [];
  /** Whether a drain is on: its start is scheduled, or a batch runs. */
  running = false;
  /** Cancels the timer for the earliest deadline among `calls`. */
  cancelTimer: (() => void) | undefined;
  /** When that timer fires. */
  timerAt = Infinity;
  /** Hands the queue's waiting calls to a new queue (made once per queue). */
  onStall: (() => void) | undefined;
  /** Runs the queue's next batch (made once per queue). */
  start: (() => void) | undefined;
  /** Runs the next batch once one ends (made once per queue). */
  next: (() => void) | undefined;

  constructor(readonly group: string) {}
}

/** Idle queues are swept once the map holds this many (or twice as many as after the last sweep). */
const SWEEP_AT_LEAST = 1024;

/**
 * Combines concurrent `update()` calls on the same key (and codec and TTL) in
 * one client: calls that arrive while a batch is running wait and form the
 * next batch, which costs one read and one write however many calls it holds.
 * A batch held up by a slow asynchronous `fn` is left to finish on its own:
 * the calls behind it form their own batch (CAS keeps the two apart), so one
 * stuck caller never holds the others hostage. A call waiting in the queue
 * still answers to its own signal and deadline.
 *
 * A group's queue stays in the map while idle and is reused by its next call;
 * idle queues are swept when the map has doubled. Adding and deleting an entry
 * per call would make the map replace its hash table every few dozen calls,
 * and a replaced table that was promoted keeps the queues it listed (and
 * through them the calls) alive until the next full GC: that churn cost an
 * uncontended `update()` about 3 µs of CPU.
 */
export class Combiner {
  private readonly queues = new Map<string, Queue<unknown>>();
  private sweepAt = SWEEP_AT_LEAST;

  /** @param runBatch - runs one batch @param clock - for the deadlines of waiting calls */
  constructor(
    private readonly runBatch: BatchRunner,
    private readonly clock: Clock,
  ) {}

  /** Queues a call; `group` identifies key, codec and TTL; `io` serves the group. */
  submit<T>(group: string, io: UpdateIO<T>, call: UpdateCall<T>): void {
    let queue = this.queues.get(group) as Queue<T> | undefined;
    if (queue === undefined) {
      if (this.queues.size >= this.sweepAt) this.sweep();
      queue = new Queue<T>(group);
      this.queues.set(group, queue as Queue<unknown>);
    }
    queue.calls.push(call);
    if (queue.running) {
      this.watch(queue, call);
      return;
    }
    queue.running = true;
    queue.io = io;
    // Start once the microtasks queued so far have run, so that a burst of
    // calls lands in the first batch. A microtask, not the next tick: the
    // connection sends its queued requests on the next tick, and a read sent
    // from a tick queued after that flush needed a socket write of its own
    // (a quarter more writes per update() than a gets+cas pair, 256 in flight).
    this.startSoon(queue);
  }

  /** Runs the queue's next batch once the microtasks queued so far have run. */
  private startSoon<T>(queue: Queue<T>): void {
    afterMicrotasks((queue.start ??= () => this.drain(queue)));
  }

  /**
   * Runs the queue's next batch, and when it is done the one after, until no
   * call waits (callbacks, not an async loop or a then: no promise of its own).
   * @internal
   */
  drain<T>(queue: Queue<T>): void {
    if (queue.calls.length === 0) {
      disarm(queue);
      queue.running = false;
      queue.io = undefined;
      return;
    }
    const calls = queue.calls;
    queue.calls = [];
    // The deadline timer stays armed (it looks at whoever waits when it
    // fires): under steady traffic a queue lives on across batches, and one
    // timer per queue costs far less than one per call.
    for (const call of calls) call.unwatch?.();
    queue.onStall ??= () => this.detach(queue);
    queue.next ??= () => this.next(queue);
    this.runBatch(queue.io as UpdateIO<T>, calls, queue.onStall, queue.next);
  }

  /**
   * A batch of `queue` ended. With calls waiting, the next batch starts after
   * the microtasks queued so far (see {@link Combiner.submit}), not inside the
   * write's callback that ended this one: the callers
   * it settled resume first, and those that loop on the key join the waiting
   * calls instead of each waiting a whole batch behind them. With none, the
   * queue idles at once (a looping caller's next call starts a batch of its own).
   */
  private next<T>(queue: Queue<T>): void {
    if (queue.calls.length === 0) this.drain(queue);
    else this.startSoon(queue);
  }

  /** Deletes the idle queues (nothing running, nothing waiting). */
  private sweep(): void {
    for (const [group, queue] of this.queues) {
      if (!queue.running && queue.calls.length === 0) this.queues.delete(group);
    }
    this.sweepAt = Math.max(SWEEP_AT_LEAST, 2 * this.queues.size);
  }

  /**
   * The running batch of `queue` is held up: leave it to finish on its own,
   * and let the calls waiting behind it (and later ones) form a queue of their own.
   */
  private detach<T>(queue: Queue<T>): void {
    if (this.queues.get(queue.group) !== queue) return;
    this.queues.delete(queue.group);
    const waiting = queue.calls;
    queue.calls = [];
    disarm(queue);
    for (const call of waiting) {
      call.unwatch?.();
      this.submit(queue.group, queue.io as UpdateIO<T>, call);
    }
  }

  /** While `call` waits behind a running batch, its signal and deadline still apply. */
  private watch<T>(queue: Queue<T>, call: UpdateCall<T>): void {
    const signal = call.signal;
    if (signal) {
      const onAbort = (): void => this.drop(queue, call, signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      call.unwatch = () => {
        call.unwatch = undefined;
        signal.removeEventListener('abort', onAbort);
      };
    }
    if (call.deadline < queue.timerAt) this.armDeadline(queue, call.deadline);
  }

  private armDeadline<T>(queue: Queue<T>, at: number): void {
    queue.cancelTimer?.();
    queue.timerAt = at;
    queue.cancelTimer = this.clock.setTimer(Math.max(0, at - this.clock.now()), () => {
      queue.cancelTimer = undefined;
      queue.timerAt = Infinity;
      const now = this.clock.now();
      let next = Infinity;
      for (const call of [...queue.calls]) {
        if (now >= call.deadline) {
          const key = (queue.io as UpdateIO<T>).key;
          const error = new RetryExhaustedError(key, 0, now - call.started, 'deadline');
          this.drop(queue, call, error);
        } else {
          next = Math.min(next, call.deadline);
        }
      }
      if (next !== Infinity) this.armDeadline(queue, next);
    });
  }

  /** Takes a waiting call out of its queue and rejects it: it never ran. */
  private drop<T>(queue: Queue<T>, call: UpdateCall<T>, error: unknown): void {
    const i = queue.calls.indexOf(call);
    if (i < 0) return;
    queue.calls.splice(i, 1);
    call.unwatch?.();
    call.reject(error);
  }
}

/** Cancels a queue's deadline timer. */
function disarm<T>(queue: Queue<T>): void {
  queue.cancelTimer?.();
  queue.cancelTimer = undefined;
  queue.timerAt = Infinity;
}
