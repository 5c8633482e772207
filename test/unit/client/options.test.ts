import { inspect } from 'node:util';
import {
  createNoopMeter,
  metrics,
  ProxyTracerProvider,
  trace,
  type MeterProvider,
  type TracerProvider,
} from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../src/backend/index.js';
import { constant } from '../../../src/backoff/index.js';
import {
  DEFAULT_CLIENT_OPTIONS,
  resolveClientOptions,
  type ClientOptions,
} from '../../../src/client/index.js';
import { systemClock } from '../../../src/clock/index.js';
import { DEFAULT_CLUSTER_OPTIONS, DEFAULT_DISCOVERY_OPTIONS } from '../../../src/cluster/index.js';
import { jsonCodec, type Codec } from '../../../src/codec/index.js';
import { InvalidArgumentError } from '../../../src/errors/index.js';
import { Telemetry } from '../../../src/telemetry/index.js';
import { DEFAULT_RETRY_OPTIONS } from '../../../src/txn/index.js';
import { ManualClock } from '../../helpers/manual-clock.js';

describe('resolveClientOptions', () => {
  it('fills in the documented defaults', () => {
    const o = resolveClientOptions();
    expect(o.timeoutMs).toBe(DEFAULT_CLIENT_OPTIONS.timeoutMs);
    expect(o.maxValueBytes).toBe(1024 * 1024);
    expect(o.servers).toEqual([]);
    expect(o.codec.flags).toBe(0);
    expect(o.cluster.fallbackTtlSeconds).toBe(60);
  });

  it('parses server strings, IPv6 and objects with weights', () => {
    const o = resolveClientOptions({
      servers: ['10.0.0.1:11212', 'cache', '[::1]:11213', { host: 'b', port: 1, weight: 3 }],
    });
    expect(o.servers.map((s) => s.address)).toEqual([
      '10.0.0.1:11212',
      'cache:11211',
      '[::1]:11213',
      'b:1',
    ]);
    expect(o.servers[3]?.weight).toBe(3);
  });

  it.each([
    [{ timeoutMs: 0 }, /timeoutMs/],
    [{ timeoutMs: Number.NaN }, /timeoutMs/],
    [{ maxValueBytes: 1.5 }, /maxValueBytes/],
    [{ servers: ['a:99999'] }, /servers\[0\]/],
    [{ servers: ['a:1', 'a:1'] }, /twice/],
    [{ servers: [{ host: 'a', weight: 0 }] }, /weight/],
    [{ keyPrefix: 'a b' }, /keyPrefix/],
    [{ codec: {} as never }, /codec/],
    [{ fallbackTtlSeconds: -1 }, /fallbackTtlSeconds/],
    [{ fallbackTtlSeconds: 0.5 }, /fallbackTtlSeconds/],
    [{ fallbackTtlSeconds: 60 * 60 * 24 * 30 + 1 }, /fallbackTtlSeconds/],
    // Node fires timers past 2^31-1 ms at once.
    [{ timeoutMs: 2 ** 31 }, /timeoutMs/],
    [{ connectTimeoutMs: 2 ** 31 }, /connectTimeoutMs/],
    [{ drainTimeoutMs: 2 ** 31 }, /drainTimeoutMs/],
    [{ retryAfterMs: 2 ** 31 }, /retryAfterMs/],
    // tls.connect would throw these inside a socket callback.
    [{ tls: { cert: 'garbage', key: 'garbage' } }, /tls is not usable/],
    [{ tls: { minVersion: 'TLSv9' as never } }, /tls/],
    [{ tls: { ciphers: 'NOPE' } }, /tls/],
  ])('refuses %j with a TypeError naming the option', (options, message) => {
    expect(() => resolveClientOptions(options)).toThrow(TypeError);
    expect(() => resolveClientOptions(options)).toThrow(message);
  });
});

/**
 * The telemetry options are checked by resolveClientOptions and used by
 * Telemetry (the client hands it the options as given), so their default and
 * pass-through show in which provider is asked for the `memcas` meter or tracer.
 */
const asked = { meter: [] as string[], tracer: [] as string[] };

function meterProvider(label: string): MeterProvider {
  return {
    getMeter: (name) => {
      asked.meter.push(`${label}/${name}`);
      return createNoopMeter();
    },
  };
}

function tracerProvider(label: string): TracerProvider {
  return {
    getTracer: (name, version) => {
      asked.tracer.push(`${label}/${name}`);
      return new ProxyTracerProvider().getTracer(name, version);
    },
  };
}

/** The provider (by label) asked for the memcas meter or tracer by a client with `options`. */
function providerAsked(kind: 'meter' | 'tracer', options: ClientOptions): string | undefined {
  resolveClientOptions(options);
  asked[kind].length = 0;
  new Telemetry(options);
  return asked[kind].find((a) => a.endsWith('/memcas'))?.split('/')[0];
}

beforeAll(() => {
  metrics.setGlobalMeterProvider(meterProvider('global'));
  trace.setGlobalTracerProvider(tracerProvider('global'));
});

afterAll(() => {
  metrics.disable();
  trace.disable();
});

const resolved = (options: ClientOptions) => resolveClientOptions(options);

const dateCodec: Codec<unknown> = {
  name: 'date',
  flags: 0x4d01,
  encode: (d) => Buffer.from(String(d)),
  decode: (b) => b.toString(),
};
const manualClock = new ManualClock();
const onStateChange = (): void => undefined;
const givenMeters = meterProvider('given');
const givenTracers = tracerProvider('given');
const policy = constant({ delayMs: 5 });
const random = (): number => 0.5;

/** One option: how the client sees it, its default, a good value and bad ones. */
interface OptionCase {
  /** The option's name (`retry.x` for a field of `retry`). */
  readonly name: string;
  /** The options that set it to `value`; `{ [name]: value }` unless given. */
  readonly with?: (value: unknown) => ClientOptions;
  /** What the client takes from options for it. */
  readonly effective: (options: ClientOptions) => unknown;
  /** The documented default, as `effective` shows it with the option omitted. */
  readonly fallback: unknown;
  /** A good value. */
  readonly good: unknown;
  /** What `effective` shows for `good`; `good` itself unless given. */
  readonly shows?: unknown;
  /** Values of the wrong type or out of range. */
  readonly bad: readonly unknown[];
}

const OPTIONS: readonly OptionCase[] = [
  {
    name: 'servers',
    effective: (o) => resolved(o).servers.map((s) => s.address),
    fallback: [],
    good: ['a:1', { host: 'b', port: 2 }],
    shows: ['a:1', 'b:2'],
    bad: [[], 'a:1,,b:2', 11211, { host: 'a' }, null, ['a:99999'], ['a:1', 'a:1']],
  },
  {
    name: 'protocol',
    effective: (o) => resolved(o).protocol,
    fallback: DEFAULT_CLIENT_OPTIONS.protocol,
    good: 'binary',
    bad: ['ascii', 'META', 1, true],
  },
  {
    name: 'keyPrefix',
    effective: (o) => resolved(o).keyPrefix,
    fallback: DEFAULT_CLIENT_OPTIONS.keyPrefix,
    good: 'app:',
    bad: [5, 'a b', 'x'.repeat(250)],
  },
  {
    name: 'codec',
    effective: (o) => resolved(o).codec,
    fallback: expect.objectContaining({ name: 'json', flags: 0 }),
    good: dateCodec,
    bad: ['json', {}, { ...jsonCodec(), flags: -1 }, { ...jsonCodec(), flags: 2 ** 32 }],
  },
  {
    name: 'timeoutMs',
    effective: (o) => resolved(o).timeoutMs,
    fallback: DEFAULT_CLIENT_OPTIONS.timeoutMs,
    good: 250,
    bad: [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '500'],
  },
  {
    name: 'connectTimeoutMs',
    effective: (o) => resolved(o).connectTimeoutMs,
    fallback: DEFAULT_CLIENT_OPTIONS.connectTimeoutMs,
    good: 2500,
    bad: [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '1000'],
  },
  {
    name: 'maxValueBytes',
    effective: (o) => resolved(o).maxValueBytes,
    fallback: DEFAULT_CLIENT_OPTIONS.maxValueBytes,
    good: 2 * 1024 * 1024,
    bad: [0, -1, 1.5, '1m'],
  },
  {
    name: 'username',
    with: (username) => ({ username, password: 'secret' }) as ClientOptions,
    effective: (o) => resolved(o).credentials?.username,
    fallback: undefined,
    good: 'app',
    bad: [5, '', null],
  },
  {
    name: 'password',
    with: (password) => ({ username: 'app', password }) as ClientOptions,
    effective: (o) => resolved(o).credentials?.password,
    fallback: undefined,
    good: 'secret',
    bad: [5, null, {}],
  },
  {
    name: 'tls',
    effective: (o) => resolved(o).tls,
    fallback: undefined,
    good: { rejectUnauthorized: false, servername: 'cache' },
    bad: ['yes', true, null],
  },
  {
    name: 'retry',
    effective: (o) => resolved(o).retry,
    fallback: DEFAULT_RETRY_OPTIONS,
    good: { maxAttempts: 3 },
    shows: { ...DEFAULT_RETRY_OPTIONS, maxAttempts: 3 },
    bad: ['fast', 5, null],
  },
  {
    name: 'drainTimeoutMs',
    effective: (o) => resolved(o).drainTimeoutMs,
    fallback: DEFAULT_CLIENT_OPTIONS.drainTimeoutMs,
    good: 100,
    bad: [0, -5, Number.NaN, 'soon'],
  },
  {
    name: 'combineUpdates',
    effective: (o) => resolved(o).combineUpdates,
    fallback: DEFAULT_CLIENT_OPTIONS.combineUpdates,
    good: false,
    bad: ['no', 0, null],
  },
  {
    name: 'retryBudget',
    effective: (o) => resolved(o).retryBudget?.ratio,
    fallback: undefined,
    good: { ratio: 0.5 },
    shows: 0.5,
    bad: ['yes', 1, { ratio: -1 }, { windowMs: 0 }, { minPerSecond: Number.NaN }, { ration: 0.2 }],
  },
  {
    name: 'memory',
    effective: (o) => resolved(o).memory,
    fallback: {},
    good: { maxBytes: 1024 * 1024 },
    bad: ['big', { maxBytes: -1 }, { now: 'yesterday' }],
  },
  {
    name: 'clock',
    effective: (o) => resolved(o).clock,
    fallback: systemClock,
    good: manualClock,
    bad: [{}, 'now', { now: () => 0 }],
  },
  {
    name: 'failureThreshold',
    effective: (o) => resolved(o).cluster.failureThreshold,
    fallback: DEFAULT_CLUSTER_OPTIONS.failureThreshold,
    good: 5,
    bad: [0, -1, 1.5, '2'],
  },
  {
    name: 'retryAfterMs',
    effective: (o) => resolved(o).cluster.retryAfterMs,
    fallback: DEFAULT_CLUSTER_OPTIONS.retryAfterMs,
    good: 250,
    bad: [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '1s'],
  },
  {
    name: 'onNodeDown',
    effective: (o) => resolved(o).cluster.onNodeDown,
    fallback: DEFAULT_CLUSTER_OPTIONS.onNodeDown,
    good: 'rehash',
    bad: ['retry', 'FAIL', 1],
  },
  {
    name: 'fallbackTtlSeconds',
    effective: (o) => resolved(o).cluster.fallbackTtlSeconds,
    fallback: DEFAULT_CLUSTER_OPTIONS.fallbackTtlSeconds,
    good: 0,
    bad: [-1, 0.5, 60 * 60 * 24 * 30 + 1, '60'],
  },
  {
    name: 'onNodeStateChange',
    effective: (o) => resolved(o).cluster.onNodeStateChange,
    fallback: undefined,
    good: onStateChange,
    bad: ['log', {}],
  },
  {
    name: 'discovery',
    effective: (o) => resolved(o).cluster.discovery?.endpoint.address,
    fallback: undefined,
    good: { endpoint: 'cfg.example.com:11212' },
    shows: 'cfg.example.com:11212',
    bad: ['cfg:11211', {}, { endpoint: 'cfg', intervalMs: 0 }, null],
  },
  {
    name: 'meterProvider',
    effective: (o) => providerAsked('meter', o),
    fallback: 'global',
    good: givenMeters,
    shows: 'given',
    bad: [{}, 'otel', { getMeter: 1 }, null],
  },
  {
    name: 'tracerProvider',
    effective: (o) => providerAsked('tracer', o),
    fallback: 'global',
    good: givenTracers,
    shows: 'given',
    bad: [{}, 'otel', { getTracer: 1 }, null],
  },
  {
    name: 'traceOperations',
    effective: (o) => {
      resolveClientOptions(o);
      return new Telemetry(o).traceOperations;
    },
    fallback: false,
    good: true,
    bad: ['yes', 1, null],
  },
  {
    name: 'measureOperations',
    effective: (o) => {
      resolveClientOptions(o);
      return new Telemetry(o).measureOperations;
    },
    fallback: true,
    good: false,
    bad: ['no', 0, null],
  },
  ...(
    [
      ['policy', DEFAULT_RETRY_OPTIONS.policy, policy, [{}, 'exponential', { delay: 5 }]],
      ['maxAttempts', DEFAULT_RETRY_OPTIONS.maxAttempts, 3, [0, -1, 1.5, '3']],
      ['deadlineMs', DEFAULT_RETRY_OPTIONS.deadlineMs, 500, [0, -1, Number.NaN, '2s']],
      ['random', DEFAULT_RETRY_OPTIONS.random, random, ['x', 0.5]],
    ] as const
  ).map(([field, fallback, good, bad]): OptionCase => ({
    name: `retry.${field}`,
    with: (value) => ({ retry: { [field]: value } }),
    effective: (o) => resolved(o).retry[field],
    fallback,
    good,
    bad,
  })),
];

const setting = (c: OptionCase, value: unknown): ClientOptions =>
  c.with ? c.with(value) : ({ [c.name]: value } as ClientOptions);

/** The option's own name, as its error message must give it. */
const mentionOf = (name: string): RegExp => new RegExp(`\\b${name.split('.').at(-1)}\\b`);

/** The error resolveClientOptions throws for `options` (fails the test if it throws none). */
function refusal(options: unknown): InvalidArgumentError {
  try {
    resolveClientOptions(options as ClientOptions);
  } catch (err) {
    return err as InvalidArgumentError;
  }
  throw new Error(`resolveClientOptions accepted ${inspect(options)}`);
}

function expectRefused(options: unknown, mention: RegExp): void {
  const err = refusal(options);
  expect(err).toBeInstanceOf(TypeError);
  expect(err).toBeInstanceOf(InvalidArgumentError);
  expect(err.code).toBe('INVALID_ARGUMENT');
  expect(err.message).toMatch(mention);
}

/** The names an unknown-option error lists as known. */
function knownNames(options: object): string[] {
  const known = /\(known: ([^)]*)\)$/.exec(refusal(options).message)?.[1];
  return known?.split(', ') ?? [];
}

describe('resolveClientOptions, option by option', () => {
  it('the OPTIONS table covers every option name resolveClientOptions knows, retry fields included', () => {
    const top = OPTIONS.map((c) => c.name).filter((n) => !n.includes('.'));
    const retry = OPTIONS.map((c) => c.name.split('retry.')[1]).filter((n) => n !== undefined);
    expect([...top].sort()).toEqual(knownNames({ unknownOption: 1 }).sort());
    expect([...retry].sort()).toEqual(knownNames({ retry: { unknownOption: 1 } }).sort());
  });

  it('an empty options object and no options at all give DEFAULT_CLIENT_OPTIONS, DEFAULT_CLUSTER_OPTIONS and DEFAULT_RETRY_OPTIONS', () => {
    for (const o of [resolveClientOptions(), resolveClientOptions({})]) {
      expect(o).toMatchObject(DEFAULT_CLIENT_OPTIONS);
      expect(o.cluster).toMatchObject(DEFAULT_CLUSTER_OPTIONS);
      expect(o.retry).toEqual(DEFAULT_RETRY_OPTIONS);
    }
  });

  const byName = OPTIONS.map((c) => [c.name, c] as const);

  it.each(byName)('%s omitted: the client uses the documented default', (_, c) => {
    expect(c.effective({})).toEqual(c.fallback);
  });

  it.each(byName)('%s set to a good value: the client uses that value', (_, c) => {
    const shows = 'shows' in c ? c.shows : c.good;
    expect(shows).not.toEqual(c.fallback); // else the row would prove nothing
    expect(c.effective(setting(c, c.good))).toEqual(shows);
  });

  it.each(
    OPTIONS.flatMap((c) =>
      c.bad.map(
        (value) =>
          [
            `${c.name} = ${inspect(value, { breakLength: Infinity, maxStringLength: 12 })}`,
            c,
            value,
          ] as const,
      ),
    ),
  )('%s is refused with an InvalidArgumentError naming the option', (_, c, value) => {
    expectRefused(setting(c, value), mentionOf(c.name));
  });

  it('a shared MemoryStore given as memory is used as that same instance', () => {
    const store = new MemoryStore();
    expect(resolveClientOptions({ memory: store }).memory).toBe(store);
  });

  it('deadlineMs may be Infinity (no time budget), unlike the other durations', () => {
    expect(resolveClientOptions({ retry: { deadlineMs: Infinity } }).retry.deadlineMs).toBe(
      Infinity,
    );
  });

  it('a refused password is never shown in the message', () => {
    const err = refusal({ username: '', password: 'hunter2-secret' });
    expect(err.message).not.toContain('hunter2-secret');
  });

  it('a password without a username is refused, naming both', () => {
    expectRefused({ password: 'secret' }, /username and password/);
  });
});

describe('resolveClientOptions: servers', () => {
  it.each([
    ['a:1,b:2', ['a:1', 'b:2']],
    [' a:1 , b:2 ', ['a:1', 'b:2']],
    ['cache', ['cache:11211']],
  ])('servers %j as one comma-separated string is a list of nodes', (servers, addresses) => {
    expect(
      resolveClientOptions({ servers } as ClientOptions).servers.map((s) => s.address),
    ).toEqual(addresses);
  });

  it('servers: [] is refused, saying to omit servers for the embedded store', () => {
    expectRefused({ servers: [] }, /servers is empty; omit servers/);
  });

  it('servers: "a:1,,b:2" is refused for its empty entry', () => {
    expectRefused({ servers: 'a:1,,b:2' }, /servers "a:1,,b:2" has an empty entry/);
  });

  it.each([11211, { host: 'a', port: 1 }, true])(
    'servers neither an array nor a string (%j) is refused',
    (servers) => {
      expectRefused({ servers }, /servers must be an array/);
    },
  );
});

describe('resolveClientOptions: unknown and malformed options', () => {
  it('an unknown option is refused by name, with a "did you mean" for the nearest known one', () => {
    expectRefused({ server: ['a:1'] }, /unknown option "server"; did you mean "servers"\?/);
  });

  it.each([
    [{ timeout: 500 }, 'timeout', 'timeoutMs'],
    [{ keyprefix: 'app:' }, 'keyprefix', 'keyPrefix'],
    [{ tracerProvder: {} }, 'tracerProvder', 'tracerProvider'],
    [{ server: undefined }, 'server', 'servers'],
  ])('%j is refused as unknown option %j, suggesting %j', (options, name, near) => {
    expectRefused(options, new RegExp(`unknown option "${name}"; did you mean "${near}"\\?`));
  });

  it('an unknown option far from every known name is refused without a guess, listing the known ones', () => {
    const err = refusal({ zzzzzzzzzz: 1 });
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(err.message).toMatch(/unknown option "zzzzzzzzzz"/);
    expect(err.message).not.toMatch(/did you mean/);
    expect(err.message).toMatch(/known: servers, /);
  });

  it.each([
    [
      { maxAttempt: 3 },
      /createClient retry: unknown option "maxAttempt"; did you mean "maxAttempts"\?/,
    ],
    [{ backoff: policy }, /createClient retry: unknown option "backoff"/],
  ])('an unknown name inside retry (%j) is refused by name', (retry, message) => {
    expectRefused({ retry }, message);
  });

  it.each([null, 'a:1', 11211, true])(
    'options that are not an object (%j) are refused',
    (options) => {
      expectRefused(options, /options must be an object/);
    },
  );
});

describe('the discovery option', () => {
  it('takes the endpoint and fills in the documented defaults', () => {
    const o = resolveClientOptions({ discovery: { endpoint: 'cfg.example.com:11211' } });
    expect(o.cluster.discovery).toMatchObject({
      endpoint: { host: 'cfg.example.com', port: 11211, address: 'cfg.example.com:11211' },
      intervalMs: DEFAULT_DISCOVERY_OPTIONS.intervalMs,
      timeoutMs: DEFAULT_DISCOVERY_OPTIONS.timeoutMs,
    });
    expect(DEFAULT_DISCOVERY_OPTIONS).toEqual({ intervalMs: 60_000, timeoutMs: 2000 });
    expect(
      resolveClientOptions({ discovery: { endpoint: '[::1]' } }).cluster.discovery?.endpoint,
    ).toEqual({ host: '::1', port: 11211, address: '[::1]:11211' });
    expect(resolveClientOptions().cluster.discovery).toBeUndefined();
  });

  it.each([
    [{ discovery: 'cfg:11211' }, /discovery must be \{ endpoint/],
    [{ discovery: {} }, /discovery.endpoint must be the configuration endpoint/],
    [{ discovery: { endpoint: 'a b:1' } }, /discovery.endpoint/],
    [{ discovery: { endpoint: 'cfg:99999' } }, /discovery.endpoint/],
    [{ discovery: { endpoint: 'cfg', intervalMs: 0 } }, /discovery.intervalMs must be/],
    [{ discovery: { endpoint: 'cfg', timeoutMs: 2 ** 31 } }, /discovery.timeoutMs must be/],
    [
      { discovery: { endpoint: 'cfg', onDiscoveryError: 'log' } },
      /onDiscoveryError must be a function/,
    ],
    [{ discovery: { endpoint: 'cfg', interval: 5 } }, /discovery has no option "interval"/],
    [{ discovery: null }, /discovery must not be null/],
  ])('refuses %j', (options, message) => {
    expect(() => resolveClientOptions(options as ClientOptions)).toThrow(InvalidArgumentError);
    expect(() => resolveClientOptions(options as ClientOptions)).toThrow(message);
  });
});
