/** Whether a node is routed to. */
export type NodeState = 'up' | 'down';

/**
 * The health of one node, as a small state machine driven by request
 * outcomes and probes. `up` → `down` after `failureThreshold` consecutive
 * node failures; `down` → `up` only when a probe answers. The clock is
 * injected so the machine can be tested without waiting.
 */
export class NodeHealth {
  /** Current state. */
  state: NodeState = 'up';
  /** Consecutive node failures while up. */
  failures = 0;
  /** When the node was marked down (clock ms). */
  downSince = 0;
  /** When the last probe started (clock ms). */
  lastProbe = 0;
  /** The failure that marked it down. */
  lastError: Error | undefined;
  /** Held out while it joins ({@link NodeHealth.holdOut}), not down for failures. */
  joining = false;

  /**
   * @param failureThreshold - consecutive failures that mark the node down
   * @param retryAfterMs - time between probes of a down node
   * @param now - the clock
   */
  constructor(
    readonly failureThreshold: number,
    readonly retryAfterMs: number,
    private readonly now: () => number,
  ) {}

  /** A request answered: the failure count starts again. */
  success(): void {
    if (this.state === 'up') this.failures = 0;
  }

  /** A request failed at the node level; returns true when this marks it down. */
  failure(error: Error): boolean {
    if (this.state === 'down') return false;
    this.failures++;
    this.lastError = error;
    if (this.failures < this.failureThreshold) return false;
    this.state = 'down';
    this.downSince = this.now();
    this.lastProbe = this.downSince;
    return true;
  }

  /** True when the node is down and a probe is due. */
  probeDue(): boolean {
    return this.state === 'down' && this.now() - this.lastProbe >= this.retryAfterMs;
  }

  /** Notes that a probe starts now. */
  probing(): void {
    this.lastProbe = this.now();
  }

  /**
   * Not routed to until {@link recovered}, without a failure: a node that
   * joins and must be flushed before it serves.
   */
  holdOut(): void {
    this.joining = true;
    this.state = 'down';
    this.downSince = this.now();
    this.lastProbe = this.downSince;
  }

  /** A probe answered (and any rejoin work is done): route to the node again. */
  recovered(): void {
    this.joining = false;
    this.state = 'up';
    this.failures = 0;
    this.lastError = undefined;
  }

  /** Milliseconds until the next probe. */
  nextProbeInMs(): number {
    return Math.max(0, this.lastProbe + this.retryAfterMs - this.now());
  }
}
