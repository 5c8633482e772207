import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, vi, type ExpectStatic } from 'vitest';
import {
  AuthenticationError,
  ConnectionError,
  createClient,
  IndeterminateWriteError,
  ProtocolError,
  TimeoutError,
  ValueTooLargeError,
  type Client,
  type ClientOptions,
} from '../../../src/index.js';
import {
  collectUncaught,
  describeError,
  describeSettled,
  expectRejection,
  settle,
  type Settled,
} from '../../helpers/hostile-assertions.js';
import {
  afterOpening,
  asciiAuthRequired,
  bareLineFeed,
  baseline,
  byteAtATime,
  clientError,
  closeAfterReading,
  duplicate,
  hugeValue,
  noLineEnd,
  nonHexOpaque,
  onlyFor,
  opaqueWithTrailingJunk,
  oversizedValue,
  redisError,
  serverError,
  silence,
  sizeLargerThanData,
  sizeNotANumber,
  sizeSmallerThanData,
  textError,
  UNSOLICITED_LINE,
  unknownStatus,
  unsolicited,
  wrongOpaque,
  writes,
} from '../../helpers/hostile-line-behaviours.js';
import {
  startHostileLineServer,
  type HostileLineServer,
  type LineBehaviour,
} from '../../helpers/hostile-line-server.js';

// Every client operation over the meta protocol against a fake memcached that
// misbehaves in one way at a time (the binary protocol's suite is
// hostile-server.test.ts). Whatever the server sends, each call settles in
// bounded time with the error class its rules promise, the process survives,
// memory stays bounded, and the same client works again once the server
// behaves.

const TIMEOUT_MS = 300;
const CONNECT_TIMEOUT_MS = 300;
const MARGIN_MS = 400;
/** Every call settles within this, whatever the server does. */
const SETTLE_MS = TIMEOUT_MS + CONNECT_TIMEOUT_MS + MARGIN_MS;
/** Garbage that arrives at once fails the connection well before the timeout. */
const AT_ONCE_MS = TIMEOUT_MS / 2;
/** How long a refused authentication is remembered (the client's retryAfterMs). */
const RETRY_AFTER_MS = 50;
/** The 2 GiB size must not make the client allocate or buffer anywhere near it. */
const MAX_RSS_GROWTH_BYTES = 100 * 1024 * 1024;
/** Seeded on every server: value `1` (JSON), flags 0, CAS 42, so `gets` has a token. */
const KEY = 'k';

/** What the client's rules say a case must lead to. */
type Outcome =
  | 'ok' // the call succeeds
  | 'ok-then-fresh' // the call succeeds, and the connection is dropped right after
  | 'garbage' // reads ProtocolError, sent writes IndeterminateWriteError (cause ProtocolError), at once
  | 'garbage-at-opening' // ProtocolError for every call, nothing sent, at once
  | 'refused' // memcached refused the request (SERVER_ERROR, CLIENT_ERROR): ProtocolError, nothing applied, at once
  | 'too-large' // ValueTooLargeError for that read only; the connection goes on
  | 'huge' // reads ValueTooLargeError or ProtocolError, writes IndeterminateWriteError, at once, nothing buffered
  | 'silence' // reads TimeoutError, writes IndeterminateWriteError, within timeoutMs
  | 'silence-at-opening' // ConnectionError (retryable), nothing sent, within connectTimeoutMs
  | 'closed' // reads ConnectionError, writes IndeterminateWriteError
  | 'closed-at-opening' // ConnectionError (retryable), nothing sent
  | 'auth'; // AuthenticationError

/** A CAS token as `gets` returns it. */
type Token = NonNullable<Awaited<ReturnType<Client['gets']>>>['cas'];

interface Op {
  readonly name: string;
  /** Whether the request changes state, so a lost answer leaves the write indeterminate. */
  readonly kind: 'read' | 'write';
  /** Which of the call's requests misbehave: all after the opening, or only writes (update's second half). */
  readonly target: 'request' | 'write';
  /** Needs a CAS token from `gets` first. */
  readonly needsToken: boolean;
  /** Its answer carries a value (`mg … v`), so an oversized one is a ValueTooLargeError. */
  readonly readsValue: boolean;
  /**
   * Its requests carry an `O` opaque. `version`, `stats`, `flush_all` and `mn`
   * carry none (their classic answers have no place for one) and are matched in order.
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

const OPS: readonly Op[] = [
  op('get', 'read', (c) => c.get(KEY), { readsValue: true }),
  op('gets', 'read', (c) => c.gets(KEY), { readsValue: true }),
  op('getMany', 'read', (c) => c.getMany([KEY, 'missing'], { allOrNothing: true }), {
    readsValue: true,
  }),
  op('version', 'read', (c) => c.version(), { opaque: false }),
  op('stats', 'read', (c) => c.stats(), { opaque: false }),
  op('ping', 'read', (c) => c.ping(), { opaque: false }),
  op('update (its read)', 'read', (c) => c.update<number>('u', (cur) => (cur ?? 0) + 1), {
    readsValue: true,
  }),
  op('set', 'write', (c) => c.set(KEY, 2)),
  op('add', 'write', (c) => c.add('new', 1)),
  op('replace', 'write', (c) => c.replace(KEY, 2)),
  op('cas', 'write', (c, token) => c.cas(KEY, 2, token as Token), { needsToken: true }),
  op('delete', 'write', (c) => c.delete(KEY)),
  op('delete with cas', 'write', (c, token) => c.delete(KEY, { cas: token as Token }), {
    needsToken: true,
  }),
  op('incr', 'write', (c) => c.incr('n', 1, { initial: 0 })),
  op('decr', 'write', (c) => c.decr('n', 1, { initial: 5 })),
  op('touch', 'write', (c) => c.touch(KEY, 60)),
  op('flush', 'write', (c) => c.flush(), { opaque: false }),
  op('update (its write)', 'write', (c) => c.update<number>('u', (cur) => (cur ?? 0) + 1), {
    target: 'write',
  }),
];

interface Case {
  readonly name: string;
  /** 'opening': misbehaves from the first request on, the opening `mn` included. */
  readonly stage: 'opening' | 'request';
  readonly behaviour: LineBehaviour;
  readonly outcome: Outcome | ((op: Op) => Outcome);
  /** What the ProtocolError's message must name. */
  readonly says?: RegExp;
  /** Check that the process's memory stays bounded. */
  readonly memory?: boolean;
}

const CASES: readonly Case[] = [
  { name: 'baseline (control)', stage: 'opening', behaviour: baseline, outcome: 'ok' },
  // Malformed lines.
  {
    name: '16 KiB without a line end',
    stage: 'request',
    behaviour: noLineEnd,
    outcome: 'garbage',
    says: /not a memcached meta-protocol reply/,
  },
  {
    name: 'a line ended by LF without CR',
    stage: 'request',
    behaviour: bareLineFeed,
    outcome: 'garbage',
  },
  {
    name: 'a line whose first word memcached never sends (a Redis error)',
    stage: 'request',
    behaviour: redisError,
    outcome: 'garbage',
    says: /-ERR unknown command/,
  },
  // Bogus lengths.
  {
    name: 'a VA size that is not a number',
    stage: 'request',
    behaviour: sizeNotANumber,
    outcome: 'garbage',
    says: /twelve/,
  },
  {
    name: 'a VA size larger than the data, then silence',
    stage: 'request',
    behaviour: sizeLargerThanData,
    outcome: 'silence',
  },
  {
    name: 'a VA size smaller than the data',
    stage: 'request',
    behaviour: sizeSmallerThanData,
    outcome: 'garbage',
    says: /not followed by CRLF/,
  },
  {
    name: 'a 2 MiB value (over maxValueBytes) for value reads',
    stage: 'request',
    behaviour: oversizedValue,
    outcome: (o) => (o.readsValue ? 'too-large' : 'ok'),
  },
  {
    name: 'a VA announcing 2 GiB, then trickled',
    stage: 'request',
    behaviour: hugeValue,
    outcome: 'huge',
    memory: true,
  },
  // Unknown statuses.
  {
    name: 'an unknown status (ZZ) with the right opaque',
    stage: 'request',
    behaviour: unknownStatus,
    outcome: 'garbage',
    says: /ZZ/,
  },
  // Wrong opaques.
  {
    name: 'an opaque memcas never sent',
    stage: 'request',
    behaviour: wrongOpaque,
    outcome: (o) => (o.opaque ? 'garbage' : 'ok'),
  },
  {
    name: 'a non-hex opaque (Ozzzzzzzz)',
    stage: 'request',
    behaviour: nonHexOpaque,
    outcome: (o) => (o.opaque ? 'garbage' : 'ok'),
    says: /Ozzzzzzzz/,
  },
  {
    name: 'the right opaque number followed by non-hex letters (O2azzzzzz)',
    stage: 'request',
    behaviour: opaqueWithTrailingJunk,
    outcome: (o) => (o.opaque ? 'garbage' : 'ok'),
  },
  {
    name: 'a duplicated reply',
    stage: 'request',
    behaviour: duplicate,
    // The copy comes after the call is answered, except in getMany's batch,
    // where it lands while the batch's later requests are still in flight.
    outcome: (o) => (o.name === 'getMany' ? 'garbage' : 'ok-then-fresh'),
  },
  {
    name: 'an unsolicited reply before the real one',
    stage: 'request',
    behaviour: unsolicited,
    outcome: 'garbage',
  },
  {
    name: 'ERROR (a command the server does not know)',
    stage: 'request',
    behaviour: textError,
    outcome: 'garbage',
    says: /ERROR/,
  },
  // Errors memcached itself sends: the request was refused, nothing applied.
  {
    name: 'SERVER_ERROR out of memory',
    stage: 'request',
    behaviour: serverError,
    outcome: 'refused',
    says: /SERVER_ERROR out of memory/,
  },
  {
    name: 'CLIENT_ERROR bad command line format',
    stage: 'request',
    behaviour: clientError,
    outcome: 'refused',
    says: /CLIENT_ERROR bad command line format/,
  },
  {
    name: 'every reply one byte at a time',
    stage: 'opening',
    behaviour: byteAtATime(),
    outcome: 'ok',
  },
  {
    name: 'silence after the opening',
    stage: 'request',
    behaviour: silence,
    outcome: 'silence',
  },
  {
    name: 'the connection closed right after the request is read',
    stage: 'request',
    behaviour: closeAfterReading,
    outcome: 'closed',
  },
  // At the opening mn.
  {
    name: 'ASCII authentication required and no credentials given',
    stage: 'opening',
    behaviour: asciiAuthRequired(),
    outcome: 'auth',
  },
  {
    name: 'silence at the opening',
    stage: 'opening',
    behaviour: silence,
    outcome: 'silence-at-opening',
  },
  {
    name: 'a close at the opening',
    stage: 'opening',
    behaviour: closeAfterReading,
    outcome: 'closed-at-opening',
  },
  {
    name: "a text-only server's ERROR at the opening",
    stage: 'opening',
    behaviour: textError,
    outcome: 'garbage-at-opening',
    says: /mn.*ERROR|ERROR.*meta/,
  },
  {
    name: 'a Redis error at the opening',
    stage: 'opening',
    behaviour: redisError,
    outcome: 'garbage-at-opening',
    says: /-ERR/,
  },
  {
    name: 'an unknown status at the opening',
    stage: 'opening',
    behaviour: unknownStatus,
    outcome: 'garbage-at-opening',
    says: /ZZ/,
  },
];

/** The behaviour a case installs for one operation. */
function behaviourFor(c: Case, o: Op): LineBehaviour {
  if (c.stage === 'opening') return c.behaviour;
  return o.target === 'write' ? onlyFor(writes, c.behaviour) : afterOpening(c.behaviour);
}

const uncaught = collectUncaught();

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
      // A status memcached chose: the request was not applied, so even a write is definite.
      protocolError = expectRejection(expect, s, ProtocolError);
      expect.soft(s.ms, 'a refusal fails the call at once').toBeLessThan(AT_ONCE_MS);
      break;
    case 'too-large':
      expectRejection(expect, s, ValueTooLargeError);
      expect.soft(s.ms, 'an oversized value fails the read at once').toBeLessThan(AT_ONCE_MS);
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

async function closeAll(client: Client, server: HostileLineServer): Promise<void> {
  // A client wedged by a bug must not wedge the run: close() waits for calls in flight.
  await Promise.race([
    client.close().catch(() => undefined),
    sleep(1000, undefined, { ref: false }),
  ]);
  await server.close();
}

async function open(
  behaviour: LineBehaviour = baseline,
  options: ClientOptions = {},
): Promise<{ server: HostileLineServer; client: Client }> {
  const server = await startHostileLineServer(behaviour);
  server.items.set(KEY, { value: Buffer.from('1'), flags: 0, cas: 42n });
  const client = createClient({
    servers: [server.address],
    protocol: 'meta',
    timeoutMs: TIMEOUT_MS,
    connectTimeoutMs: CONNECT_TIMEOUT_MS,
    retryAfterMs: RETRY_AFTER_MS,
    ...options,
  });
  return { server, client };
}

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

// Each test has its own server and client, so one case's operations run
// concurrently; cases run one after another, so an uncaught exception is
// charged to the case (the behaviour) that caused it.
describe.each(CASES)('a meta server sending $name', (c) => {
  it.concurrent.for(OPS)('$name', async (o, { expect, onTestFinished }) => {
    const outcome = typeof c.outcome === 'function' ? c.outcome(o) : c.outcome;
    const { server, client } = await open();
    onTestFinished(() => closeAll(client, server));
    const uncaughtBefore = uncaught.length;

    let token: Token | undefined;
    if (o.needsToken) {
      const hit = await client.gets(KEY);
      expect(hit).toBeDefined();
      token = hit?.cas as Token;
      expect(token.value).toBe(42n);
      if (c.stage === 'opening') {
        // The call must open a new connection, to meet the opening. The client
        // learns of the drop from its own socket, on a later turn of this event loop.
        await server.dropConnections();
        await sleep(50);
      }
    }

    const requestsBefore = server.requests.length;
    server.behave(behaviourFor(c, o));
    const rssBefore = process.memoryUsage().rss;
    const s = await settle(o.run(client, token), SETTLE_MS + 1000);
    if (o.needsToken && c.stage === 'opening') {
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
    if (c.stage === 'opening' && outcome !== 'ok') {
      // Nothing but the opening may have been sent.
      expect.soft(server.requests.slice(requestsBefore).filter((r) => !r.opening)).toEqual([]);
    }

    // The same client recovers once the server behaves: on the same
    // connection after an oversized value, on a new one when the old went bad.
    // After a 2 GiB size, skipped or refused, the very next call must work too.
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

describe('the meta client and the hostile line server', () => {
  it('baseline answers meta and text commands as memcached does, echoing opaques and return flags', async () => {
    const server = await startHostileLineServer(baseline);
    server.items.set(KEY, { value: Buffer.from('1'), flags: 3, cas: 42n });
    const socket = connect(server.port, '127.0.0.1');
    try {
      let received = '';
      socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
      const exchange = async (request: string, expected: string): Promise<void> => {
        received = '';
        socket.write(request);
        await vi.waitFor(() => expect(received).toBe(expected), { timeout: 1000, interval: 5 });
      };
      await exchange('mn\r\n', 'MN\r\n');
      await exchange('mg k v c f O0000002a\r\n', 'VA 1 c42 f3 O0000002a\r\n1\r\n');
      await exchange('mg nope v c f O00000001 q\r\nmn\r\n', 'MN\r\n');
      await exchange('mg nope v O00000002\r\n', 'EN O00000002\r\n');
      await exchange('ms k 2 T0 F7 C41 MR c O00000003\r\nhi\r\n', 'EX O00000003\r\n');
      await exchange('ms k 2 T0 F7 C42 MR c O00000004\r\nhi\r\n', 'HD c100 O00000004\r\n');
      await exchange('ms k 1 ME O00000005\r\nx\r\n', 'NS O00000005\r\n');
      await exchange('ma n MI D1 N0 J5 v O00000006\r\n', 'VA 1 O00000006\r\n5\r\n');
      await exchange('ma n MD D9 v\r\n', 'VA 1\r\n0\r\n');
      await exchange('md k C1 O00000007\r\n', 'EX O00000007\r\n');
      await exchange('md k O00000008\r\n', 'HD O00000008\r\n');
      await exchange('set t 5 0 2\r\nab\r\n', 'STORED\r\n');
      await exchange('gets t nope\r\n', 'VALUE t 5 2 103\r\nab\r\nEND\r\n');
      await exchange('cas t 0 0 1 1\r\nc\r\n', 'EXISTS\r\n');
      await exchange(
        'incr t 1\r\n',
        `${'CLIENT_ERROR cannot increment or decrement non-numeric value'}\r\n`,
      );
      await exchange('delete t\r\n', 'DELETED\r\n');
      await exchange('touch t 10\r\n', 'NOT_FOUND\r\n');
      await exchange('bogus\r\n', 'ERROR\r\n');
      expect(server.errors).toEqual([]);
    } finally {
      socket.destroy();
      await server.close();
    }
  });

  for (const [name, line] of [
    ['MN, as if closing a batch never sent', 'MN\r\n'],
    ['HD with an opaque memcas never sent', UNSOLICITED_LINE],
  ] as const) {
    it(`an unsolicited ${name} on an idle connection: the client drops it, and its next call works on a new one`, async () => {
      const { server, client } = await open();
      const uncaughtBefore = uncaught.length;
      try {
        await client.get(KEY);
        const connectionsBefore = server.connections;
        server.broadcast(line);
        await vi.waitFor(() => expect(server.open).toBe(0), { timeout: AT_ONCE_MS, interval: 5 });
        expect(await client.get(KEY)).toBe(1);
        expect(server.connections).toBe(connectionsBefore + 1);
        expect(server.errors, 'errors in the hostile server itself').toEqual([]);
        expect(uncaught.slice(uncaughtBefore).map(describeError)).toEqual([]);
      } finally {
        await closeAll(client, server);
      }
    });
  }

  it('ASCII authentication: wrong credentials are an AuthenticationError naming the node, never showing the password; right ones work', async () => {
    const password = 'hunter2-secret';
    const account = { username: 'memcas', password };
    const wrong = await open(asciiAuthRequired(account), {
      username: 'memcas',
      password: 'nope-secret',
    });
    try {
      const s = await settle(wrong.client.get(KEY), SETTLE_MS + 1000);
      const err = expectRejection(expect, s, AuthenticationError) as Error;
      expect(err.message).toContain(wrong.server.address);
      expect(JSON.stringify(describeError(err))).not.toMatch(/secret/);
      // A refusal is remembered: no login loop.
      const again = await settle(wrong.client.get(KEY), SETTLE_MS + 1000);
      expect(describeSettled(again)).toMatchObject({ code: 'AUTH_FAILED' });
      expect(wrong.server.connections).toBe(1);
      // The credentials travel in the set's data, never on its line.
      expect(wrong.server.requests.map((r) => r.line).join('\n')).not.toMatch(/secret/);
    } finally {
      await closeAll(wrong.client, wrong.server);
    }
    const right = await open(asciiAuthRequired(account), { username: 'memcas', password });
    try {
      expect(await right.client.get(KEY)).toBe(1);
      expect(right.server.requests.slice(0, 2).map((r) => [r.command, r.opening])).toEqual([
        ['set', true],
        ['mn', true],
      ]);
    } finally {
      await closeAll(right.client, right.server);
    }
  });

  it('credentials given for a server without ASCII authentication (no -Y) are not left in its cache as an item', async () => {
    // Without -Y, memcached takes the login's `set` for an ordinary one and
    // stores "<user> <password>" where any client can read it.
    const { server, client } = await open(baseline, {
      username: 'memcas',
      password: 'hunter2-secret',
    });
    try {
      expect(await client.get(KEY)).toBe(1);
      const logins = server.requests.filter((r) => r.opening && r.command === 'set');
      expect(logins.map((r) => r.key)).toEqual(['memcas-auth']);
      expect(
        [...server.items].filter(([, item]) => item.value.toString('utf8').includes('hunter2')),
        'items holding the password',
      ).toEqual([]);
    } finally {
      await closeAll(client, server);
    }
  });

  it('pipelined reads on one connection: a garbage reply to one fails them all with ProtocolError, and none hangs', async () => {
    const { server, client } = await open();
    try {
      await client.ping();
      let seen = 0;
      server.behave(afterOpening((x) => (++seen === 3 ? unknownStatus(x) : baseline(x))));
      const calls = Array.from({ length: 6 }, (_, i) => settle(client.get(`p${i}`), SETTLE_MS));
      const settled = await Promise.all(calls);
      // Those answered before the garbage resolved; the rest failed with it.
      expect(settled.map((s) => s.status)).toEqual([
        'resolved',
        'resolved',
        'rejected',
        'rejected',
        'rejected',
        'rejected',
      ]);
      for (const s of settled.slice(2)) expectRejection(expect, s, ProtocolError);
    } finally {
      await closeAll(client, server);
    }
  });
});
