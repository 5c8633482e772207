import { InvalidArgumentError } from '../errors/index.js';
import { RELATIVE_TTL_LIMIT_SECONDS } from '../backend/index.js';
import {
  resolveDiscoveryOptions,
  type DiscoveryOptions,
  type ResolvedDiscoveryOptions,
} from './discovery/index.js';

/** A node changed state: marked down after failures, or back up after a probe. */
export interface NodeStateChange {
  /** `host:port`. */
  readonly node: string;
  /** The new state. */
  readonly state: 'up' | 'down';
  /** Why, in words. */
  readonly reason: string;
}

/** What to do with a down node's keys. */
export type NodeDownPolicy = 'fail' | 'rehash';

/** Cluster behaviour, part of the client options. */
export interface ClusterOptions {
  /**
   * Consecutive node failures (refused, reset, timeout) that mark a node down.
   * @defaultValue 2
   */
  readonly failureThreshold?: number;
  /**
   * Time between probes (NOOP) of a down node, in ms. It is routed to again
   * only after a probe answers.
   * @defaultValue 1000
   */
  readonly retryAfterMs?: number;
  /**
   * `'fail'`: keys never move; a down node's keys fail fast with
   * {@link NodeUnavailableError} (for state). `'rehash'`: they go to the next
   * node on the ring while it is down, and it is flushed before it is used
   * again so its old values never resurface (for cache-like data); so is a
   * node that joins at run time (`addServer`, or discovery after its first list).
   * @defaultValue 'fail'
   */
  readonly onNodeDown?: NodeDownPolicy;
  /**
   * Under `'rehash'`, the longest TTL of a value written to a fallback node
   * while its owner is down, in seconds (mcrouter's `failover_exptime`). A
   * copy left there by a client that dies before the owner rejoins expires
   * within this, instead of being served stale in the owner's next outage.
   * Writes made again during the outage renew it. `0` keeps TTLs as given.
   * @defaultValue 60
   */
  readonly fallbackTtlSeconds?: number;
  /**
   * Called when a node is marked down or comes back up.
   * @defaultValue none
   */
  readonly onNodeStateChange?: (change: NodeStateChange) => void;
  /**
   * Learn the nodes from an ElastiCache-style configuration endpoint and
   * follow its changes (see {@link DiscoveryOptions}). With `servers` too,
   * those are used until the endpoint first answers. `addServer` and
   * `removeServer` are refused: the endpoint owns the membership.
   * @defaultValue none (the nodes are `servers`)
   */
  readonly discovery?: DiscoveryOptions;
}

/** Defaults of {@link ClusterOptions}. */
export const DEFAULT_CLUSTER_OPTIONS: Readonly<
  Required<
    Pick<ClusterOptions, 'failureThreshold' | 'retryAfterMs' | 'onNodeDown' | 'fallbackTtlSeconds'>
  >
> = Object.freeze({
  failureThreshold: 2,
  retryAfterMs: 1000,
  onNodeDown: 'fail' as NodeDownPolicy,
  fallbackTtlSeconds: 60,
});

/** Cluster options with every field set. */
export interface ResolvedClusterOptions {
  readonly failureThreshold: number;
  readonly retryAfterMs: number;
  readonly onNodeDown: NodeDownPolicy;
  readonly fallbackTtlSeconds: number;
  readonly onNodeStateChange: ((change: NodeStateChange) => void) | undefined;
  readonly discovery?: ResolvedDiscoveryOptions | undefined;
}

/**
 * Merges and checks cluster options.
 * @throws TypeError naming the bad option
 */
export function resolveClusterOptions(options: ClusterOptions): ResolvedClusterOptions {
  const failureThreshold = options.failureThreshold ?? DEFAULT_CLUSTER_OPTIONS.failureThreshold;
  if (!Number.isInteger(failureThreshold) || failureThreshold < 1) {
    throw new InvalidArgumentError(
      `failureThreshold must be a whole number >= 1, got ${String(failureThreshold)}`,
    );
  }
  const retryAfterMs = options.retryAfterMs ?? DEFAULT_CLUSTER_OPTIONS.retryAfterMs;
  if (
    typeof retryAfterMs !== 'number' ||
    !Number.isFinite(retryAfterMs) ||
    retryAfterMs <= 0 ||
    retryAfterMs > 2 ** 31 - 1
  ) {
    throw new InvalidArgumentError(
      `retryAfterMs must be a number of ms > 0 and < 2^31, got ${String(retryAfterMs)}`,
    );
  }
  const onNodeDown = options.onNodeDown ?? DEFAULT_CLUSTER_OPTIONS.onNodeDown;
  if (onNodeDown !== 'fail' && onNodeDown !== 'rehash') {
    throw new InvalidArgumentError(
      `onNodeDown must be 'fail' or 'rehash', got ${String(onNodeDown)}`,
    );
  }
  const fallbackTtlSeconds =
    options.fallbackTtlSeconds ?? DEFAULT_CLUSTER_OPTIONS.fallbackTtlSeconds;
  if (
    !Number.isInteger(fallbackTtlSeconds) ||
    fallbackTtlSeconds < 0 ||
    fallbackTtlSeconds > RELATIVE_TTL_LIMIT_SECONDS
  ) {
    throw new InvalidArgumentError(
      `fallbackTtlSeconds must be a whole number of seconds from 0 to ${RELATIVE_TTL_LIMIT_SECONDS}, got ${String(fallbackTtlSeconds)}`,
    );
  }
  const onNodeStateChange = options.onNodeStateChange;
  if (onNodeStateChange !== undefined && typeof onNodeStateChange !== 'function') {
    throw new InvalidArgumentError('onNodeStateChange must be a function');
  }
  return {
    failureThreshold,
    retryAfterMs,
    onNodeDown,
    fallbackTtlSeconds,
    onNodeStateChange,
    discovery: resolveDiscoveryOptions(options.discovery),
  };
}
