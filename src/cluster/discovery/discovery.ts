import type { Clock } from '../../clock/index.js';
import { ClientClosedError, DiscoveryError } from '../../errors/index.js';
import type { ClusterConfig } from './cluster-config.js';
import type { MembershipChange, ResolvedDiscoveryOptions } from './discovery-options.js';

/**
 * How one poll ended: the membership `'changed'`; a newer version listing the
 * same nodes, or the same version (`'unchanged'`); an older version, ignored
 * (`'stale'`); or no usable answer (`'failed'`).
 */
export type DiscoveryPollOutcome = 'changed' | 'unchanged' | 'stale' | 'failed';

/** What discovery acts on. */
export interface DiscoveryTarget {
  /**
   * Asks the endpoint once (rejects with a {@link DiscoveryError}); with
   * `keepAlive`, the exchange keeps the process alive while it lasts.
   */
  ask(signal: AbortSignal, keepAlive: boolean): Promise<ClusterConfig>;
  /**
   * Makes the membership the config's nodes (through the cluster's one
   * add/remove path); returns the nodes added and removed.
   */
  apply(config: ClusterConfig): Omit<MembershipChange, 'version'>;
  /** The number of nodes now, for messages. */
  readonly size: number;
  /** Told of every poll (telemetry). */
  polled(outcome: DiscoveryPollOutcome): void;
}

/**
 * The poller: asks the endpoint now and then every `intervalMs` after the
 * previous poll ended (polls never overlap), applies a higher version,
 * ignores an older or equal one, and on a failure keeps the membership and
 * reports it. Its timer runs in the background (it never keeps the process
 * alive; a poll does only while the client has no nodes yet, so that an
 * awaited `ready()` is not cut short); {@link Discovery.stop} ends it.
 */
export class Discovery {
  /** The version in use; undefined until the endpoint first answers. */
  private version: number | undefined;
  private cancelTimer: (() => void) | undefined;
  private readonly stopping = new AbortController();
  private polling: Promise<DiscoveryPollOutcome> | undefined;
  /** Callers of {@link Discovery.ready} waiting for the first membership. */
  private waiting: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];

  /**
   * @param options - endpoint, interval and callbacks
   * @param target - asks, applies, reports
   * @param clock - the timer between polls
   * @param seeded - whether the client already has nodes (`servers`) to use until the first answer
   */
  constructor(
    private readonly options: ResolvedDiscoveryOptions,
    private readonly target: DiscoveryTarget,
    private readonly clock: Clock,
    private readonly seeded: boolean,
  ) {}

  /** The configuration endpoint, `host:port`. */
  get endpoint(): string {
    return this.options.endpoint.address;
  }

  /** The config version in use, or undefined before the first good answer. */
  get configVersion(): number | undefined {
    return this.version;
  }

  /** Starts polling: the first poll now. */
  start(): void {
    void this.poll();
  }

  /**
   * Resolves once the client has nodes: at once when it was given `servers`
   * or the endpoint has answered, else at the first good answer. Rejects with
   * the {@link DiscoveryError} of a poll that fails before that (call again
   * to wait for the next poll), or {@link ClientClosedError} once stopped.
   */
  ready(): Promise<void> {
    if (this.stopping.signal.aborted) return Promise.reject(new ClientClosedError('ready'));
    if (this.seeded || this.version !== undefined) return Promise.resolve();
    const waiting = new Promise<void>((resolve, reject) => this.waiting.push({ resolve, reject }));
    // Ask now rather than at the next tick of a background timer, which would
    // let the process exit under an await of ready().
    if (this.polling === undefined) void this.poll();
    return waiting;
  }

  /** Polls once now (the next poll is scheduled after it); resolves with how it ended. */
  poll(): Promise<DiscoveryPollOutcome> {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    // Nothing a poll meets (the endpoint, a listener, a bug) escapes the timer's callback.
    this.polling ??= this.pollOnce()
      .catch((error: unknown) => (this.stopping.signal.aborted ? 'failed' : this.failed(error)))
      .finally(() => {
        this.polling = undefined;
        this.schedule();
      });
    return this.polling;
  }

  /** Stops polling: no timer is left and a poll under way is abandoned. */
  async stop(): Promise<void> {
    this.stopping.abort();
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.settleWaiting(new ClientClosedError('ready'));
    await this.polling?.catch(() => undefined);
  }

  private async pollOnce(): Promise<DiscoveryPollOutcome> {
    // Until the client has nodes, a poll keeps the process alive (an awaited
    // ready() depends on it); afterwards nothing of discovery does.
    const keepAlive = this.version === undefined && !this.seeded;
    const config = await this.target.ask(this.stopping.signal, keepAlive);
    if (this.stopping.signal.aborted) return 'failed';
    const known = this.version;
    if (known !== undefined && config.version <= known) {
      const outcome = config.version === known ? 'unchanged' : 'stale';
      this.target.polled(outcome);
      return outcome;
    }
    const change = this.target.apply(config);
    this.version = config.version;
    this.settleWaiting();
    const changed = change.added.length > 0 || change.removed.length > 0;
    this.target.polled(changed ? 'changed' : 'unchanged');
    if (changed) {
      try {
        this.options.onMembershipChange?.({ version: config.version, ...change });
      } catch {
        // A listener's failure must not stop discovery.
      }
    }
    return changed ? 'changed' : 'unchanged';
  }

  private failed(cause: unknown): 'failed' {
    const base = cause instanceof DiscoveryError ? cause : undefined;
    const kept =
      this.version === undefined
        ? this.target.size > 0
          ? `keeps the ${this.target.size} nodes given in servers`
          : 'has no nodes yet'
        : `keeps the ${this.target.size} nodes of config version ${this.version}`;
    const error = new DiscoveryError(
      this.options.endpoint.address,
      base?.reason ?? 'malformed',
      `${base?.message ?? String(cause)}; memcas ${kept} and asks again in ${this.options.intervalMs} ms`,
      { cause: base?.cause ?? cause },
    );
    this.target.polled('failed');
    this.settleWaiting(error);
    try {
      this.options.onDiscoveryError?.(error);
    } catch {
      // A listener's failure must not stop discovery.
    }
    return 'failed';
  }

  private schedule(): void {
    if (this.stopping.signal.aborted || this.cancelTimer !== undefined) return;
    this.cancelTimer = this.clock.setTimer(
      this.options.intervalMs,
      () => {
        this.cancelTimer = undefined;
        void this.poll();
      },
      true,
    );
  }

  /** Resolves (or, with an error, rejects) the callers of {@link Discovery.ready}. */
  private settleWaiting(error?: Error): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) {
      if (error) w.reject(error);
      else w.resolve();
    }
  }
}
