import { DiscoveryError, InvalidArgumentError } from '../../errors/index.js';
import type { Endpoint } from './config-endpoint.js';

/** A membership change learned from the configuration endpoint. */
export interface MembershipChange {
  /** The config version now in use. */
  readonly version: number;
  /** Nodes that joined, as `host:port`. */
  readonly added: readonly string[];
  /** Nodes that left (their requests in flight still settle), as `host:port`. */
  readonly removed: readonly string[];
}

/**
 * Auto discovery as ElastiCache (memcached) clusters offer it: memcas asks a
 * configuration endpoint with `config get cluster` and uses the nodes it
 * lists, asking again every `intervalMs`.
 *
 * - A higher config version replaces the membership: new nodes join the
 *   ring, nodes no longer listed leave it once their requests in flight
 *   settle. Only the keys the ring moves change node (about 1/N per node),
 *   and a CAS token read before the change is never used on another node.
 * - An older or equal version is ignored.
 * - An endpoint that cannot be reached, stays silent past `timeoutMs` or
 *   answers something else keeps the last good membership: the failure goes
 *   to `onDiscoveryError` and the `memcas.discovery.polls` metric, and the
 *   next poll comes at the usual interval. A list with no nodes is such a
 *   failure: the ring is never emptied.
 *
 * A node is named `hostname:port` (the IP when the hostname is empty), so
 * placement does not change when a replaced node comes back on a new IP; memcas
 * connects to its IP when one is given (no DNS lookup), else to its hostname.
 *
 * With `servers` as well, those are the membership until the endpoint first
 * answers (whatever its version); name them as the endpoint does
 * (`hostname:port`) or every key moves at that first answer. Without
 * `servers`, the client has no nodes until then: operations fail fast with
 * {@link NodeUnavailableError}; `await client.ready()` waits for the first answer.
 *
 * @example
 * ```ts
 * const store = createClient({
 *   discovery: { endpoint: 'mycluster.abc123.cfg.use1.cache.amazonaws.com:11211' },
 * });
 * await store.ready();
 * ```
 */
export interface DiscoveryOptions {
  /** The configuration endpoint, `host:port` (port 11211 when left out). */
  readonly endpoint: string;
  /**
   * Time between polls, in ms (AWS's own cluster client polls every 60 s).
   * @defaultValue 60000
   */
  readonly intervalMs?: number;
  /**
   * Time allowed for one poll (connect, ask, whole answer), in ms.
   * @defaultValue 2000
   */
  readonly timeoutMs?: number;
  /**
   * Told of each failed poll; the membership stays as it was.
   * @defaultValue none
   */
  readonly onDiscoveryError?: (error: DiscoveryError) => void;
  /**
   * Told of each change of membership applied.
   * @defaultValue none
   */
  readonly onMembershipChange?: (change: MembershipChange) => void;
}

/** Defaults of {@link DiscoveryOptions}. */
export const DEFAULT_DISCOVERY_OPTIONS: Readonly<
  Required<Pick<DiscoveryOptions, 'intervalMs' | 'timeoutMs'>>
> = Object.freeze({ intervalMs: 60_000, timeoutMs: 2000 });

/** Discovery options with every field set. */
export interface ResolvedDiscoveryOptions {
  readonly endpoint: Endpoint;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly onDiscoveryError: ((error: DiscoveryError) => void) | undefined;
  readonly onMembershipChange: ((change: MembershipChange) => void) | undefined;
}

const NAMES = ['endpoint', 'intervalMs', 'timeoutMs', 'onDiscoveryError', 'onMembershipChange'];
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Checks the `discovery` option; `undefined` when it is not given.
 * @throws {@link InvalidArgumentError} naming the bad field
 */
export function resolveDiscoveryOptions(
  options: DiscoveryOptions | undefined,
): ResolvedDiscoveryOptions | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidArgumentError(
      "discovery must be { endpoint: 'host:port', intervalMs?, timeoutMs?, onDiscoveryError?, onMembershipChange? }",
    );
  }
  for (const name of Object.keys(options)) {
    if (!NAMES.includes(name)) {
      throw new InvalidArgumentError(
        `discovery has no option ${JSON.stringify(name)}; known: ${NAMES.join(', ')}`,
      );
    }
  }
  const intervalMs = time('intervalMs', options.intervalMs, DEFAULT_DISCOVERY_OPTIONS.intervalMs);
  const timeoutMs = time('timeoutMs', options.timeoutMs, DEFAULT_DISCOVERY_OPTIONS.timeoutMs);
  for (const name of ['onDiscoveryError', 'onMembershipChange'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw new InvalidArgumentError(`discovery.${name} must be a function`);
    }
  }
  return {
    endpoint: parseEndpoint(options.endpoint),
    intervalMs,
    timeoutMs,
    onDiscoveryError: options.onDiscoveryError,
    onMembershipChange: options.onMembershipChange,
  };
}

function time(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > MAX_TIMER_MS) {
    throw new InvalidArgumentError(
      `discovery.${name} must be a number of ms > 0 and < 2^31, got ${String(value)}`,
    );
  }
  return value;
}

/** `'host:port'`, `'host'` or `'[::1]:11211'`. */
function parseEndpoint(value: unknown): Endpoint {
  const m =
    typeof value === 'string'
      ? /^(?:\[([^\]]+)\]|([^:\s]+))(?::(\d{1,5}))?$/.exec(value.trim())
      : null;
  const host = m?.[1] ?? m?.[2];
  const port = m?.[3] === undefined ? 11211 : Number(m[3]);
  if (!m || host === undefined || port < 1 || port > 65535) {
    throw new InvalidArgumentError(
      `discovery.endpoint must be the configuration endpoint as "host:port", got ${JSON.stringify(value)}`,
    );
  }
  const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return { host, port, address };
}
