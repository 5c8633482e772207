import { InvalidArgumentError } from '../errors/index.js';
import { checkCodec, jsonCodec, type Codec } from '../codec/index.js';
import { MemoryStore, type MemoryStoreOptions } from '../backend/index.js';
import { checkKeyPrefix } from '../keys/index.js';
import { resolveRetryOptions, type ResolvedRetryOptions, type RetryOptions } from '../txn/index.js';
import { systemClock, type Clock } from '../clock/index.js';
import { resolveRetryBudget, type RetryBudgetOptions } from '../backoff/index.js';
import { refuseUnknown } from './arguments.js';
import type { TelemetryOptions } from '../telemetry/index.js';
import {
  resolveClusterOptions,
  type ClusterOptions,
  type ResolvedClusterOptions,
} from '../cluster/index.js';
import { createSecureContext, type ConnectionOptions as TlsOptions } from 'node:tls';
import type { Credentials, Protocol } from '../protocol/index.js';
import {
  checkProtocol,
  credentialsFrom,
  parseServer,
  type ResolvedServer,
  type ServerAddress,
} from './server-address.js';

/** Options of {@link createClient}. */
export interface ClientOptions extends ClusterOptions, TelemetryOptions {
  /**
   * memcached nodes, as `'host:port'` or `{ host, port, weight }` (or one
   * comma-separated string). Omitted: the embedded in-process store is used
   * instead, and `client.mode` says `'embedded'`. An empty list is refused.
   * @defaultValue none (the embedded store)
   */
  readonly servers?: string | ReadonlyArray<string | ServerAddress>;
  /**
   * The protocol to speak to memcached: `'meta'` (memcached ≥ 1.6's
   * recommended protocol; `username`/`password` log in with its ASCII
   * authentication), `'binary'` (the only one with SASL, for servers started
   * with `-S`; deprecated by memcached), or `'text'` (the classic commands,
   * for proxies such as twemproxy or mcrouter, which speak nothing else). A
   * server entry's own `protocol` wins. See the protocols guide.
   * @defaultValue `'meta'`
   */
  readonly protocol?: Protocol;
  /**
   * Prepended to every key (and counted in its 250-byte limit).
   * @defaultValue `''`
   */
  readonly keyPrefix?: string;
  /**
   * How values become bytes; per-call `codec` options override it.
   * @defaultValue {@link jsonCodec}()
   */
  readonly codec?: Codec<unknown>;
  /**
   * Time allowed for an answer once a request is written, in ms.
   * @defaultValue 500
   */
  readonly timeoutMs?: number;
  /**
   * Time allowed to open a connection (and authenticate), in ms.
   * @defaultValue 1000
   */
  readonly connectTimeoutMs?: number;
  /**
   * memcached's item size limit (`-I`), in bytes. A value whose item (key +
   * encoded value + memcached's 63 bytes of overhead) would not fit fails with
   * {@link ValueTooLargeError} before any I/O. Set it to your servers' `-I`:
   * memcached itself deletes the old item when it refuses a value as too large.
   * @defaultValue 1048576 (1 MiB, memcached's default)
   */
  readonly maxValueBytes?: number;
  /**
   * SASL PLAIN user name for servers started with `-S` (a server entry's own `username` wins).
   * @defaultValue none
   */
  readonly username?: string;
  /**
   * SASL PLAIN password. Never shown in errors, logs, telemetry or `inspect()`.
   * @defaultValue none
   */
  readonly password?: string;
  /**
   * TLS for every connection (memcached `-Z`): Node's `tls.ConnectionOptions`
   * (`ca`, `cert`, `key`, `servername`, `rejectUnauthorized`…). Certificates
   * are verified unless you set `rejectUnauthorized: false`; there is never a
   * fallback to plain TCP.
   * @defaultValue none (plain TCP)
   */
  readonly tls?: TlsOptions;
  /**
   * Defaults for `update()`: backoff policy, attempts, deadline.
   * @defaultValue {@link DEFAULT_RETRY_OPTIONS}
   */
  readonly retry?: RetryOptions;
  /**
   * How long `close()` waits for `update()` calls already started (see
   * {@link Client.close}) before rejecting those still waiting, in ms.
   * @defaultValue 5000
   */
  readonly drainTimeoutMs?: number;
  /**
   * The clock for deadlines, backoff sleeps and node health (tests pass a
   * manual one instead of sleeping). Socket timeouts always use real time.
   * @defaultValue {@link systemClock}
   */
  readonly clock?: Clock;
  /**
   * Combine concurrent `update()` calls on the same key (one read, one write).
   * @defaultValue true
   */
  readonly combineUpdates?: boolean;
  /**
   * A client-wide cap on retries, shared by every `update()` (and lock and
   * `getOrCompute` waits): `true` for {@link DEFAULT_RETRY_BUDGET}, or its
   * fields. When recent retries reach their share of recent calls, a call
   * that would retry fails fast with {@link RetryBudgetExhaustedError}
   * instead of adding load to a contended node. See docs/compute.md.
   * @defaultValue false (off; each call has only its own `retry` budget)
   */
  readonly retryBudget?: boolean | RetryBudgetOptions;
  /**
   * The embedded store used when `servers` is empty: its options, or a
   * {@link MemoryStore} to share between several clients in one process.
   * @defaultValue a new store with {@link DEFAULT_MEMORY_STORE_OPTIONS}
   */
  readonly memory?: Omit<MemoryStoreOptions, 'maxValueBytes'> | MemoryStore;
}

/** Defaults of {@link ClientOptions}. */
export const DEFAULT_CLIENT_OPTIONS: Readonly<
  Required<
    Pick<
      ClientOptions,
      | 'protocol'
      | 'keyPrefix'
      | 'timeoutMs'
      | 'connectTimeoutMs'
      | 'maxValueBytes'
      | 'combineUpdates'
      | 'drainTimeoutMs'
    >
  >
> = Object.freeze({
  protocol: 'meta' as Protocol,
  keyPrefix: '',
  timeoutMs: 500,
  connectTimeoutMs: 1000,
  maxValueBytes: 1024 * 1024,
  combineUpdates: true,
  drainTimeoutMs: 5000,
});

/** Client options with defaults filled in and every value checked. */
export interface ResolvedClientOptions {
  readonly servers: readonly ResolvedServer[];
  readonly protocol: Protocol;
  readonly keyPrefix: string;
  readonly codec: Codec<unknown>;
  readonly timeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly maxValueBytes: number;
  readonly credentials: Credentials | undefined;
  readonly tls: TlsOptions | undefined;
  readonly memory: Omit<MemoryStoreOptions, 'maxValueBytes'> | MemoryStore;
  readonly combineUpdates: boolean;
  readonly drainTimeoutMs: number;
  readonly retry: ResolvedRetryOptions;
  readonly retryBudget: Required<RetryBudgetOptions> | undefined;
  readonly clock: Clock;
  readonly cluster: ResolvedClusterOptions;
}

/**
 * Checks a positive number option.
 * @throws TypeError naming the option
 */
export function positive(
  name: string,
  value: unknown,
  fallback: number,
  integer = false,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined) return fallback;
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value <= 0 ||
    value > max ||
    (integer && !Number.isInteger(value))
  ) {
    throw new InvalidArgumentError(
      `${name} must be a positive ${integer ? 'integer' : 'number'}${max < Number.MAX_SAFE_INTEGER ? ` up to ${max}` : ''}, got ${String(value)}`,
    );
  }
  return value;
}

/** The longest delay Node's timers take (about 24.8 days); longer ones fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Every option name {@link createClient} knows; any other is refused. */
const CLIENT_OPTION_NAMES: readonly string[] = [
  'servers',
  'protocol',
  'keyPrefix',
  'codec',
  'timeoutMs',
  'connectTimeoutMs',
  'maxValueBytes',
  'username',
  'password',
  'tls',
  'retry',
  'drainTimeoutMs',
  'combineUpdates',
  'retryBudget',
  'memory',
  'clock',
  'failureThreshold',
  'retryAfterMs',
  'onNodeDown',
  'fallbackTtlSeconds',
  'onNodeStateChange',
  'discovery',
  'meterProvider',
  'tracerProvider',
  'traceOperations',
  'measureOperations',
];
const RETRY_OPTION_NAMES: readonly string[] = ['policy', 'maxAttempts', 'deadlineMs', 'random'];

/**
 * Merges options with the defaults and checks every one of them, once, at
 * construction: unknown names, types and ranges, the retry and telemetry
 * options included.
 * @throws {@link InvalidArgumentError} naming the first bad option
 */
export function resolveClientOptions(options: ClientOptions = {}): ResolvedClientOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(
      `createClient: options must be an object, got ${String(options)}`,
    );
  }
  refuseUnknown(options, CLIENT_OPTION_NAMES, 'createClient');
  for (const [name, value] of Object.entries(options)) {
    // null is never a value: leave the option out for its default.
    if (value === null)
      throw new InvalidArgumentError(`${name} must not be null; omit it for the default`);
  }
  if (options.retry !== undefined) {
    if (typeof options.retry !== 'object' || options.retry === null) {
      throw new InvalidArgumentError('retry must be an object of RetryOptions');
    }
    refuseUnknown(options.retry, RETRY_OPTION_NAMES, 'createClient retry');
  }
  const protocol = checkProtocol(options.protocol ?? DEFAULT_CLIENT_OPTIONS.protocol, 'protocol');
  const servers = serverList(options.servers).map((entry, i) =>
    parseServer(entry, `servers[${i}]`, protocol),
  );
  const seen = new Set<string>();
  for (const s of servers) {
    if (seen.has(s.address)) throw new InvalidArgumentError(`servers lists ${s.address} twice`);
    seen.add(s.address);
  }
  if (options.codec !== undefined) checkCodec(options.codec, 'codec');
  const credentials = credentialsFrom(options.username, options.password, 'createClient');
  checkTls(options.tls);
  checkTelemetryOptions(options);
  const clock = options.clock ?? systemClock;
  if (typeof clock.now !== 'function' || typeof clock.setTimer !== 'function') {
    throw new InvalidArgumentError('clock must be a Clock: { now(), setTimer(ms, fn) }');
  }
  return {
    servers,
    protocol,
    keyPrefix: checkKeyPrefix(options.keyPrefix ?? DEFAULT_CLIENT_OPTIONS.keyPrefix),
    codec: options.codec ?? jsonCodec(),
    timeoutMs: positive(
      'timeoutMs',
      options.timeoutMs,
      DEFAULT_CLIENT_OPTIONS.timeoutMs,
      false,
      MAX_TIMER_MS,
    ),
    connectTimeoutMs: positive(
      'connectTimeoutMs',
      options.connectTimeoutMs,
      DEFAULT_CLIENT_OPTIONS.connectTimeoutMs,
      false,
      MAX_TIMER_MS,
    ),
    maxValueBytes: positive(
      'maxValueBytes',
      options.maxValueBytes,
      DEFAULT_CLIENT_OPTIONS.maxValueBytes,
      true,
    ),
    credentials,
    tls: options.tls,
    memory: checkMemory(options.memory),
    combineUpdates: flag(
      'combineUpdates',
      options.combineUpdates,
      DEFAULT_CLIENT_OPTIONS.combineUpdates,
    ),
    drainTimeoutMs: positive(
      'drainTimeoutMs',
      options.drainTimeoutMs,
      DEFAULT_CLIENT_OPTIONS.drainTimeoutMs,
      false,
      MAX_TIMER_MS,
    ),
    retry: resolveRetryOptions(options.retry),
    retryBudget: resolveRetryBudget(options.retryBudget),
    clock,
    cluster: resolveClusterOptions(options),
  };
}

/**
 * The `servers` option as a list. A single string is a comma-separated list
 * (`'a:11211,b:11211'`, as memjs takes it). An empty list is refused: omit
 * `servers` for the embedded store, so that a configuration that lost its
 * server list fails loudly instead of quietly using a private in-process store.
 */
function serverList(servers: unknown): ReadonlyArray<string | ServerAddress> {
  if (servers === undefined) return [];
  if (typeof servers === 'string') {
    const list = servers.split(',').map((s) => s.trim());
    if (list.some((s) => s === '')) {
      throw new InvalidArgumentError(
        `servers ${JSON.stringify(servers)} has an empty entry; give "host:port,host:port"`,
      );
    }
    return list;
  }
  if (!Array.isArray(servers)) {
    throw new InvalidArgumentError(
      `servers must be an array of "host:port" or { host, port, weight } (or one comma-separated string), got ${typeof servers}`,
    );
  }
  if (servers.length === 0) {
    throw new InvalidArgumentError(
      'servers is empty; omit servers to use the embedded in-process store, or list memcached nodes',
    );
  }
  return servers as ReadonlyArray<string | ServerAddress>;
}

/** Checks the telemetry options' types (the providers are used as given). */
function checkTelemetryOptions(options: ClientOptions): void {
  const { meterProvider, tracerProvider } = options;
  if (meterProvider !== undefined && typeof meterProvider?.getMeter !== 'function') {
    throw new InvalidArgumentError('meterProvider must be an OpenTelemetry MeterProvider');
  }
  if (tracerProvider !== undefined && typeof tracerProvider?.getTracer !== 'function') {
    throw new InvalidArgumentError('tracerProvider must be an OpenTelemetry TracerProvider');
  }
  flag('traceOperations', options.traceOperations, false);
  flag('measureOperations', options.measureOperations, true);
}

/**
 * Checks a boolean option.
 * @throws {@link InvalidArgumentError} naming the option
 */
function flag(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    throw new InvalidArgumentError(`${name} must be true or false, got ${String(value)}`);
  }
  return value;
}

/** Checks the `memory` option: a {@link MemoryStore}, or its options. */
function checkMemory(
  memory: ClientOptions['memory'],
): Omit<MemoryStoreOptions, 'maxValueBytes'> | MemoryStore {
  if (memory === undefined) return {};
  if (memory instanceof MemoryStore) return memory;
  if (typeof memory !== 'object' || memory === null) {
    throw new InvalidArgumentError('memory must be a MemoryStore or { maxBytes?, now? }');
  }
  refuseUnknown(memory, ['maxBytes', 'now'], 'createClient memory');
  positive('memory.maxBytes', memory.maxBytes, 1, true);
  if (memory.now !== undefined && typeof memory.now !== 'function') {
    throw new InvalidArgumentError('memory.now must be a function returning ms since the epoch');
  }
  return memory;
}

/**
 * Checks the `tls` option by building a secure context from it once, so a
 * bad certificate, key or cipher list fails here, not inside a socket.
 */
function checkTls(options: unknown): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('tls must be an object of tls.ConnectionOptions');
  }
  try {
    createSecureContext(options as TlsOptions);
  } catch (err) {
    throw new InvalidArgumentError(`tls is not usable: ${(err as Error).message}`, { cause: err });
  }
}
