import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it, type ExpectStatic } from 'vitest';
import {
  AuthenticationError,
  ConnectionError,
  createClient,
  IndeterminateWriteError,
  NonNumericValueError,
  ProtocolError,
  TimeoutError,
  UnsupportedOperationError,
  ValueTooLargeError,
  type Client,
  type ClientOptions,
} from '../../src/index.js';
import {
  describeError,
  describeSettled,
  expectRejection,
  settle,
  type Settled,
} from './hostile-assertions.js';
import { afterOpening, baseline, onlyFor, writes } from './hostile-line-behaviours.js';
import {
  startHostileLineServer,
  type HostileLineServer,
  type LineBehaviour,
  type LineDialect,
} from './hostile-line-server.js';

// The table the hostile-server suites over the line protocols (meta, text)
// share: every client operation, what each misbehaviour must lead to, and one
// test per (misbehaviour, operation) that checks the call, the process's
// health and memory, and recovery once the server behaves.

/** The client's `timeoutMs`. */
export const TIMEOUT_MS = 300;
/** The client's `connectTimeoutMs`. */
export const CONNECT_TIMEOUT_MS = 300;
const MARGIN_MS = 400;
/** Every call settles within this, whatever the server does. */
export const SETTLE_MS = TIMEOUT_MS + CONNECT_TIMEOUT_MS + MARGIN_MS;
/** Garbage that arrives at once fails the connection well before the timeout. */
export const AT_ONCE_MS = TIMEOUT_MS / 2;
/** How long a refused authentication is remembered (the client's retryAfterMs). */
export const RETRY_AFTER_MS = 50;
/** A 2 GiB size must not make the client allocate or buffer anywhere near it. */
const MAX_RSS_GROWTH_BYTES = 100 * 1024 * 1024;
/** Seeded on every server: value `1` (JSON), flags 0, CAS 42, so `gets` has a token. */
export const KEY = 'k';

/** What the client's rules say a case must lead to. */
export type Outcome =
  | 'ok' // the call succeeds
  | 'ok-then-fresh' // the call succeeds, and the connection is dropped right after
  | 'garbage' // reads ProtocolError, sent writes IndeterminateWriteError (cause ProtocolError), at once
  | 'garbage-at-opening' // ProtocolError for every call, nothing sent, at once
  | 'refused' // memcached refused the request, or nothing was sent: ProtocolError, nothing applied, at once
  | 'non-numeric' // NonNumericValueError, at once
  | 'unsupported' // UnsupportedOperationError (code UNSUPPORTED), nothing sent, at once
  | 'too-large' // ValueTooLargeError for that read only; the connection goes on
  | 'huge' // reads ValueTooLargeError or ProtocolError, writes IndeterminateWriteError, at once, nothing buffered
  | 'silence' // reads TimeoutError, writes IndeterminateWriteError, within timeoutMs
  | 'silence-at-opening' // ConnectionError (retryable), nothing sent, within connectTimeoutMs
  | 'closed' // reads ConnectionError, writes IndeterminateWriteError
  | 'closed-at-opening' // ConnectionError (retryable), nothing sent
  | 'auth'; // AuthenticationError

/** Outcomes after which the connection is gone, so recovery needs a new one. */
const FRESH_AFTER = new Set<Outcome>([
  'ok-then-fresh',
  'garbage',
  'garbage-at-opening',
  'silence',
  'silence-at-opening',
  'closed',
  'closed-at-opening',
  'auth',
]);

/** A CAS token as `gets` returns it. */
export type Token = NonNullable<Awaited<ReturnType<Client['gets']>>>['cas'];

/** One client operation of the table. */
export interface Op {
  readonly name: string;
  /** Whether the request changes state, so a lost answer leaves the write indeterminate. */
  readonly kind: 'read' | 'write';
  /** Which of the call's requests misbehave: all after the opening, or only writes (update's second half). */
  readonly target: 'request' | 'write';
  /** Needs a CAS token from `gets` first. */
  readonly needsToken: boolean;
  /** Its answer carries a value (meta `mg … v`, text `gets`), so an oversized one is a ValueTooLargeError. */
  readonly readsValue: boolean;
  /**
   * Its requests carry a meta `O` opaque. `version`, `stats`, `flush_all` and
   * `mn` carry none (their answers have no place for one), nor does anything in text.
   */
  readonly opaque: boolean;
  readonly run: (client: Client, token: Token | undefined) => Promise<unknown>;
}

function op(
  name: string,
  kind: Op['kind'],
  run: Op['run'],
  extra: Partial<Pick<Op, 'target' | 'needsToken' | 'readsValue' | 'opaque'>> = {},
): Op {
  return {
    name,
    kind,
    run,
    target: extra.target ?? 'request',
    needsToken: extra.needsToken ?? false,
    readsValue: extra.readsValue ?? false,
    opaque: extra.opaque ?? true,
  };
}

/** Every client operation, as `dialect` sends it. */
export function lineOps(dialect: LineDialect): readonly Op[] {
  const meta = dialect === 'meta';
  const update = (c: Client): Promise<unknown> => c.update<number>('u', (cur) => (cur ?? 0) + 1);
  return [
    op('get', 'read', (c) => c.get(KEY), { readsValue: true, opaque: meta }),
    op('gets', 'read', (c) => c.gets(KEY), { readsValue: true, opaque: meta }),
    op('getMany', 'read', (c) => c.getMany([KEY, 'missing'], { allOrNothing: true }), {
      readsValue: true,
      opaque: meta,
    }),
    op('version', 'read', (c) => c.version(), { opaque: false }),
    op('stats', 'read', (c) => c.stats(), { opaque: false }),
    // Meta pings with mn; text with a gets of a key no one uses (every proxy passes gets on).
    op('ping', 'read', (c) => c.ping(), { readsValue: !meta, opaque: false }),
    op('update (its read)', 'read', update, { readsValue: true, opaque: meta }),
    op('set', 'write', (c) => c.set(KEY, 2), { opaque: meta }),
    op('add', 'write', (c) => c.add('new', 1), { opaque: meta }),
    op('replace', 'write', (c) => c.replace(KEY, 2), { opaque: meta }),
    op('cas', 'write', (c, token) => c.cas(KEY, 2, token as Token), {
      needsToken: true,
      opaque: meta,
    }),
    op('delete', 'write', (c) => c.delete(KEY), { opaque: meta }),
    op('delete with cas', 'write', (c, token) => c.delete(KEY, { cas: token as Token }), {
      needsToken: true,
      opaque: meta,
    }),
    // 'n' is missing: over text, incr with an initial value is incr, then add.
    op('incr', 'write', (c) => c.incr('n', 1, { initial: 0 }), { opaque: meta }),
    op('decr', 'write', (c) => c.decr('n', 1, { initial: 5 }), { opaque: meta }),
    op('touch', 'write', (c) => c.touch(KEY, 60), { opaque: meta }),
    op('flush', 'write', (c) => c.flush(), { opaque: false }),
    op('update (its write)', 'write', update, { target: 'write', opaque: meta }),
  ];
}

/** One misbehaviour of the table. */
export interface Case {
  readonly name: string;
  /** 'opening': misbehaves from the first request on (the meta opening `mn` included). */
  readonly stage: 'opening' | 'request';
  readonly behaviour: LineBehaviour;
  readonly outcome: Outcome | ((op: Op) => Outcome);
  /** What the ProtocolError's message must name. */
  readonly says?: RegExp;
  /** Check that the process's memory stays bounded. */
  readonly memory?: boolean;
}

/** How one suite runs its table. */
export interface SuiteOptions {
  /** The protocol under test. */
  readonly dialect: LineDialect;
  /** An outcome an operation has whatever the server does (text's CAS delete: always refused). */
  readonly fixed?: (op: Op) => Outcome | undefined;
  /** Uncaught exceptions and unhandled rejections so far (see `collectUncaught`). */
  readonly uncaught: readonly unknown[];
}

/** A fresh fake server (seeded with {@link KEY}) and a client of it over `dialect`. */
export async function openLine(
  dialect: LineDialect,
  behaviour: LineBehaviour = baseline,
  options: ClientOptions = {},
): Promise<{ server: HostileLineServer; client: Client }> {
  const server = await startHostileLineServer(behaviour, { dialect });
  server.items.set(KEY, { value: Buffer.from('1'), flags: 0, cas: 42n });
  const client = createClient({
    servers: [server.address],
    protocol: dialect,
    timeoutMs: TIMEOUT_MS,
    connectTimeoutMs: CONNECT_TIMEOUT_MS,
    retryAfterMs: RETRY_AFTER_MS,
    ...options,
  });
  return { server, client };
}

/** Closes the client (without waiting on one wedged by a bug) and the server. */
export async function closeAll(client: Client, server: HostileLineServer): Promise<void> {
  await Promise.race([
    client.close().catch(() => undefined),
    sleep(1000, undefined, { ref: false }),
  ]);
  await server.close();
}

/** The behaviour a case installs for one operation. */
function behaviourFor(c: Case, o: Op): LineBehaviour {
  if (c.stage === 'opening') return c.behaviour;
  return o.target === 'write' ? onlyFor(writes, c.behaviour) : afterOpening(c.behaviour);
}

/**
 * Registers one test per (case, operation). Each test has its own server and
 * client, so one case's operations run concurrently; cases run one after
 * another, so an uncaught exception is charged to the case that caused it.
 */
export function describeHostileCases(cases: readonly Case[], suite: SuiteOptions): void {
  const { dialect, uncaught } = suite;
  describe.each(cases)(`a ${dialect} server sending $name`, (c) => {
    it.concurrent.for(lineOps(dialect))('$name', async (o, { expect, onTestFinished }) => {
      const fixed = suite.fixed?.(o);
      const outcome = fixed ?? (typeof c.outcome === 'function' ? c.outcome(o) : c.outcome);
      const { server, client } = await openLine(dialect);
      onTestFinished(() => closeAll(client, server));
      const uncaughtBefore = uncaught.length;

      let token: Token | undefined;
      if (o.needsToken) {
        const hit = await client.gets(KEY);
        expect(hit).toBeDefined();
        token = hit?.cas as Token;
        expect(token.value).toBe(42n);
        if (c.stage === 'opening') {
          // The call must open a new connection, to meet the opening. The
          // client learns of the drop from its own socket, on a later turn.
          await server.dropConnections();
          await sleep(50);
        }
      }

      const requestsBefore = server.requests.length;
      server.behave(behaviourFor(c, o));
      const rssBefore = process.memoryUsage().rss;
      const s = await settle(o.run(client, token), SETTLE_MS + 1000);
      if (fixed === undefined && o.needsToken && c.stage === 'opening') {
        // The token was read on a connection that is gone (the server may have
        // restarted and reused the number): a conflict, with nothing sent.
        expect.soft(s).toMatchObject({ status: 'resolved', value: 'conflict' });
      } else {
        expectOutcome(expect, c, o, outcome, s);
      }
      if (c.memory) {
        expect
          .soft(process.memoryUsage().rss - rssBefore, 'rss growth')
          .toBeLessThan(MAX_RSS_GROWTH_BYTES);
      }
      const sent = server.requests.slice(requestsBefore).filter((r) => !r.opening);
      if (outcome.endsWith('-at-opening') || (outcome === 'auth' && dialect === 'meta')) {
        expect.soft(sent, 'requests sent past the opening').toEqual([]);
      } else if (outcome === 'unsupported') {
        expect.soft(sent, 'requests sent').toEqual([]);
      }

      // The same client recovers once the server behaves: on the same
      // connection after an oversized value, on a new one when the old went
      // bad. After a 2 GiB size, skipped or refused, the very next call must work too.
      server.behave(baseline);
      const connectionsBefore = server.connections;
      if (outcome === 'auth') await sleep(RETRY_AFTER_MS + 20);
      const recovered = await settle(client.get('never-written'), SETTLE_MS + 1000);
      expect.soft(describeSettled(recovered), 'the next get').toEqual({ status: 'resolved' });
      if (FRESH_AFTER.has(outcome)) {
        expect.soft(server.connections, 'connections accepted').toBeGreaterThan(connectionsBefore);
      } else if (outcome === 'too-large') {
        expect.soft(server.connections, 'connections accepted').toBe(connectionsBefore);
      }
      expect(server.errors, 'errors in the hostile server itself').toEqual([]);
      expect(
        uncaught.slice(uncaughtBefore).map(describeError),
        'uncaught exceptions and rejections',
      ).toEqual([]);
    });
  });
}

/** Checks one call's result against what the rules say for its case. */
function expectOutcome(expect: ExpectStatic, c: Case, o: Op, outcome: Outcome, s: Settled): void {
  expect.soft(s.ms, 'settled within timeoutMs + connectTimeoutMs + margin').toBeLessThan(SETTLE_MS);
  const write = o.kind === 'write';
  let protocolError: unknown;
  switch (outcome) {
    case 'ok':
    case 'ok-then-fresh':
      expect.soft(describeSettled(s)).toEqual({ status: 'resolved' });
      return;
    case 'garbage': {
      const err = expectRejection(expect, s, write ? IndeterminateWriteError : ProtocolError);
      protocolError = write ? (err as Error | undefined)?.cause : err;
      if (write)
        expect
          .soft(protocolError, 'the cause of the indeterminate write')
          .toBeInstanceOf(ProtocolError);
      expect.soft(s.ms, 'garbage fails the connection at once').toBeLessThan(AT_ONCE_MS);
      break;
    }
    case 'garbage-at-opening':
      protocolError = expectRejection(expect, s, ProtocolError);
      expect.soft(s.ms, 'garbage fails the connection at once').toBeLessThan(AT_ONCE_MS);
      break;
    case 'refused':
      // Nothing was applied, so even a write is definite.
      protocolError = expectRejection(expect, s, ProtocolError);
      expect.soft(s.ms, 'a refusal fails the call at once').toBeLessThan(AT_ONCE_MS);
      break;
    case 'non-numeric':
      expectRejection(expect, s, NonNumericValueError);
      expect.soft(s.ms, 'a refusal fails the call at once').toBeLessThan(AT_ONCE_MS);
      return;
    case 'unsupported':
      expectRejection(expect, s, UnsupportedOperationError);
      expect.soft(s.ms, 'refused before anything is sent').toBeLessThan(AT_ONCE_MS);
      return;
    case 'too-large':
      // Text answers only once the value has been skipped (its END follows
      // it): 2 MiB through a busy loopback is not "at once", but it is well
      // within the read's deadline, and a timeout would show as TimeoutError.
      expectRejection(expect, s, ValueTooLargeError);
      return;
    case 'huge': {
      if (write) {
        const err = expectRejection(expect, s, IndeterminateWriteError);
        expect
          .soft((err as Error | undefined)?.cause, 'the cause of the indeterminate write')
          .toBeInstanceOf(ProtocolError);
      } else {
        // Skipped (that read fails) or refused outright (the connection fails): either is sound.
        expect.soft(describeSettled(s)).toMatchObject({
          status: 'rejected',
          code: expect.stringMatching(/^(VALUE_TOO_LARGE|PROTOCOL_ERROR)$/),
        });
      }
      expect.soft(s.ms, 'a 2 GiB size fails the call at once').toBeLessThan(AT_ONCE_MS);
      return;
    }
    case 'silence':
      expectRejection(expect, s, write ? IndeterminateWriteError : TimeoutError);
      expect.soft(s.ms).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
      return;
    case 'silence-at-opening':
    case 'closed-at-opening': {
      const err = expectRejection(expect, s, ConnectionError);
      expect.soft((err as ConnectionError | undefined)?.retryable, 'retryable').toBe(true);
      expect.soft(s.ms).toBeLessThan(CONNECT_TIMEOUT_MS + MARGIN_MS);
      return;
    }
    case 'closed':
      expectRejection(expect, s, write ? IndeterminateWriteError : ConnectionError);
      return;
    case 'auth':
      expectRejection(expect, s, AuthenticationError);
      return;
  }
  if (c.says) expect.soft((protocolError as Error | undefined)?.message ?? '').toMatch(c.says);
}
