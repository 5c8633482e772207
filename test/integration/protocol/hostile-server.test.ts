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
  type Client,
} from '../../../src/index.js';
import { encodeResponse, OP, WRITE_OPCODES } from '../../helpers/binary-frames.js';
import {
  collectUncaught,
  describeError,
  describeSettled,
  expectRejection,
  settle as settleWithin,
  type Settled,
} from '../../helpers/hostile-assertions.js';
import {
  afterHandshake,
  baseline,
  byteAtATime,
  closeAfterReading,
  duplicate,
  extrasPastBody,
  httpError,
  hugeBody,
  keyPastBody,
  onlyFor,
  saslRequired,
  shortCounterBody,
  silence,
  textError,
  truncatedHeader,
  unsolicited,
  unsolicitedFrame,
  wrongMagic,
  wrongOpaque,
  wrongOpcode,
} from '../../helpers/hostile-behaviours.js';
import {
  startHostileServer,
  type Behaviour,
  type HostileServer,
} from '../../helpers/hostile-server.js';

// Every client operation against a fake memcached that misbehaves in one way
// at a time. Whatever the server does, each call settles in bounded time with
// the error class its rules promise, the process survives, memory stays
// bounded, and the same client works again once the server behaves.

const TIMEOUT_MS = 300;
const CONNECT_TIMEOUT_MS = 300;
const MARGIN_MS = 400;
/** Every call settles within this, whatever the server does. */
const SETTLE_MS = TIMEOUT_MS + CONNECT_TIMEOUT_MS + MARGIN_MS;
/** Garbage that arrives at once fails the connection well before the timeout. */
const AT_ONCE_MS = TIMEOUT_MS / 2;
/** How long a refused authentication is remembered (the client's retryAfterMs). */
const RETRY_AFTER_MS = 50;
/** The 2 GiB header must not make the client allocate or buffer anywhere near it. */
const MAX_RSS_GROWTH_BYTES = 100 * 1024 * 1024;
/** Seeded on every server: value `1` (JSON), flags 0, CAS 42, so `gets` has a token. */
const KEY = 'k';

/** What the client's rules say a case must lead to. */
type Outcome =
  | 'ok' // the call succeeds
  | 'ok-then-fresh' // the call succeeds, and the connection is dropped right after
  | 'garbage' // reads ProtocolError, sent writes IndeterminateWriteError (cause ProtocolError), at once
  | 'garbage-at-handshake' // ProtocolError for every call, nothing sent
  | 'silence' // reads TimeoutError, writes IndeterminateWriteError, within timeoutMs
  | 'silence-at-handshake' // ConnectionError (retryable), nothing sent, within connectTimeoutMs
  | 'closed' // reads ConnectionError, writes IndeterminateWriteError
  | 'auth'; // AuthenticationError

/** A CAS token as `gets` returns it (a bigint today, a CasToken once the API changes). */
type Token = NonNullable<Awaited<ReturnType<Client['gets']>>>['cas'];

interface Op {
  readonly name: string;
  /** Whether the request changes state, so a lost answer leaves the write indeterminate. */
  readonly kind: 'read' | 'write';
  /** Which of the call's requests misbehave: all but the handshake, or only writes (update's second half). */
  readonly target: 'request' | 'write';
  /** Needs a CAS token from `gets` first. */
  readonly needsToken: boolean;
  readonly run: (client: Client, token: Token | undefined) => Promise<unknown>;
}

function op(
  name: string,
  kind: Op['kind'],
  run: Op['run'],
  extra: Partial<Pick<Op, 'target' | 'needsToken'>> = {},
): Op {
  return {
    name,
    kind,
    run,
    target: extra.target ?? 'request',
    needsToken: extra.needsToken ?? false,
  };
}

const counterOps = new Set(['incr', 'decr']);

const OPS: readonly Op[] = [
  op('get', 'read', (c) => c.get(KEY)),
  op('gets', 'read', (c) => c.gets(KEY)),
  op('getMany', 'read', (c) => c.getMany([KEY, 'missing'], { allOrNothing: true })),
  op('version', 'read', (c) => c.version()),
  op('stats', 'read', (c) => c.stats()),
  op('ping', 'read', (c) => c.ping()),
  op('update (its read)', 'read', (c) => c.update<number>('u', (cur) => (cur ?? 0) + 1)),
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
  op('flush', 'write', (c) => c.flush()),
  op('update (its write)', 'write', (c) => c.update<number>('u', (cur) => (cur ?? 0) + 1), {
    target: 'write',
  }),
];

interface Case {
  readonly name: string;
  /** 'handshake': misbehaves from the first request on, the NOOP handshake included. */
  readonly stage: 'handshake' | 'request';
  readonly behaviour: Behaviour;
  readonly outcome: Outcome | ((op: Op) => Outcome);
  /** What the ProtocolError's message must name. */
  readonly says?: RegExp;
  /** Check that the process's memory stays bounded. */
  readonly memory?: boolean;
}

const CASES: readonly Case[] = [
  { name: 'baseline (control)', stage: 'handshake', behaviour: baseline, outcome: 'ok' },
  {
    name: 'a truncated header, then silence',
    stage: 'request',
    behaviour: truncatedHeader,
    outcome: 'silence',
  },
  {
    name: 'extras longer than the body',
    stage: 'request',
    behaviour: extrasPastBody,
    outcome: 'garbage',
  },
  {
    name: 'a key longer than the body',
    stage: 'request',
    behaviour: keyPastBody,
    outcome: 'garbage',
  },
  {
    name: 'a 2 GiB body announced, then trickled',
    stage: 'request',
    behaviour: hugeBody,
    outcome: 'garbage',
    memory: true,
  },
  { name: 'a wrong magic byte', stage: 'request', behaviour: wrongMagic(), outcome: 'garbage' },
  { name: 'a wrong opcode', stage: 'request', behaviour: wrongOpcode, outcome: 'garbage' },
  { name: 'a wrong opaque', stage: 'request', behaviour: wrongOpaque, outcome: 'garbage' },
  {
    name: 'an unsolicited answer before the real one',
    stage: 'request',
    behaviour: unsolicited,
    outcome: 'garbage',
  },
  {
    name: 'a duplicated answer',
    stage: 'request',
    behaviour: duplicate,
    // The copy comes after the call is answered, except in getMany's batch,
    // where it lands while the batch's later requests are still in flight.
    outcome: (o) => (o.name === 'getMany' ? 'garbage' : 'ok-then-fresh'),
  },
  {
    name: 'a text-protocol ERROR',
    stage: 'request',
    behaviour: textError,
    outcome: 'garbage',
    says: /ERROR/,
  },
  {
    name: 'an HTTP 400 answer',
    stage: 'request',
    behaviour: httpError,
    outcome: 'garbage',
    says: /HTTP/,
  },
  {
    name: 'every answer one byte at a time',
    stage: 'handshake',
    behaviour: byteAtATime(),
    outcome: 'ok',
  },
  {
    name: 'silence after the handshake',
    stage: 'request',
    behaviour: silence,
    outcome: 'silence',
  },
  {
    name: 'a 3-byte counter answer',
    stage: 'request',
    behaviour: shortCounterBody,
    outcome: (o) => (counterOps.has(o.name) ? 'garbage' : 'ok'),
  },
  {
    name: 'the connection closed right after the request is read',
    stage: 'request',
    behaviour: closeAfterReading,
    outcome: 'closed',
  },
  {
    name: 'SASL required and no credentials given',
    stage: 'handshake',
    behaviour: saslRequired(),
    outcome: 'auth',
  },
  {
    name: 'silence at the handshake',
    stage: 'handshake',
    behaviour: silence,
    outcome: 'silence-at-handshake',
  },
  {
    name: 'a wrong magic byte at the handshake',
    stage: 'handshake',
    behaviour: wrongMagic(),
    outcome: 'garbage-at-handshake',
  },
  {
    name: 'a text-protocol ERROR at the handshake',
    stage: 'handshake',
    behaviour: textError,
    outcome: 'garbage-at-handshake',
    says: /ERROR/,
  },
  {
    name: 'an HTTP 400 answer at the handshake',
    stage: 'handshake',
    behaviour: httpError,
    outcome: 'garbage-at-handshake',
    says: /HTTP/,
  },
];

/** The behaviour a case installs for one operation. */
function behaviourFor(c: Case, o: Op): Behaviour {
  if (c.stage === 'handshake') return c.behaviour;
  return o.target === 'write' ? onlyFor(WRITE_OPCODES, c.behaviour) : afterHandshake(c.behaviour);
}

// A throw inside a socket handler surfaces here (or kills the fork): none is allowed.
const uncaught = collectUncaught();

/** Waits for a call, but gives up (and says so) well after it should have settled. */
const settle = (promise: Promise<unknown>): Promise<Settled> =>
  settleWithin(promise, SETTLE_MS + 1000);

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
    case 'garbage-at-handshake':
      protocolError = expectRejection(expect, s, ProtocolError);
      expect.soft(s.ms, 'garbage fails the connection at once').toBeLessThan(AT_ONCE_MS);
      break;
    case 'silence':
      expectRejection(expect, s, write ? IndeterminateWriteError : TimeoutError);
      expect.soft(s.ms).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
      return;
    case 'silence-at-handshake': {
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

/** The numeric value of a CAS token, whichever shape `gets` returns it in. */
function tokenValue(token: Token): bigint {
  return token.value;
}

async function closeAll(client: Client, server: HostileServer): Promise<void> {
  // A client wedged by a bug must not wedge the run: close() waits for calls in flight.
  await Promise.race([
    client.close().catch(() => undefined),
    sleep(1000, undefined, { ref: false }),
  ]);
  await server.close();
}

async function open(
  behaviour: Behaviour = baseline,
): Promise<{ server: HostileServer; client: Client }> {
  const server = await startHostileServer(behaviour);
  server.items.set(KEY, { value: Buffer.from('1'), flags: 0, cas: 42n });
  const client = createClient({
    servers: [server.address],
    protocol: 'binary',
    timeoutMs: TIMEOUT_MS,
    connectTimeoutMs: CONNECT_TIMEOUT_MS,
    retryAfterMs: RETRY_AFTER_MS,
  });
  return { server, client };
}

// Each test has its own server and client, so one case's operations run
// concurrently; cases run one after another, so an uncaught exception is
// charged to the case (the behaviour) that caused it.
describe.each(CASES)('a server sending $name', (c) => {
  it.concurrent.for(OPS)('$name', async (o, { expect, onTestFinished }) => {
    const outcome = typeof c.outcome === 'function' ? c.outcome(o) : c.outcome;
    const { server, client } = await open();
    onTestFinished(() => closeAll(client, server));
    // A crash shows in every test of the case running at the time.
    const uncaughtBefore = uncaught.length;

    let token: Token | undefined;
    if (o.needsToken) {
      const hit = await client.gets(KEY);
      expect(hit).toBeDefined();
      token = hit?.cas as Token;
      expect(tokenValue(token)).toBe(42n);
      if (c.stage === 'handshake') {
        // The call must open a new connection, to meet the handshake. The
        // client learns of the drop from its own socket, on a later turn of
        // this same event loop; there is nothing of it to wait on from here.
        await server.dropConnections();
        await sleep(50);
      }
    }

    const requestsBefore = server.requests.length;
    server.behave(behaviourFor(c, o));
    const rssBefore = process.memoryUsage().rss;
    const s = await settle(o.run(client, token));
    if (o.needsToken && c.stage === 'handshake') {
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
    if (outcome === 'garbage-at-handshake' || outcome === 'silence-at-handshake') {
      // Nothing but the handshake may have been sent.
      expect.soft(server.requests.slice(requestsBefore).filter((r) => !r.handshake)).toEqual([]);
    }

    // The same client recovers once the server behaves, on a new connection
    // when the old one went bad.
    server.behave(baseline);
    const connectionsBefore = server.connections;
    // A refused authentication is remembered for retryAfterMs before connecting again.
    if (outcome === 'auth') await sleep(RETRY_AFTER_MS + 20);
    const recovered = await settle(client.get('never-written'));
    expect.soft(describeSettled(recovered), 'the next get').toEqual({ status: 'resolved' });
    if (outcome !== 'ok') {
      expect.soft(server.connections, 'connections accepted').toBeGreaterThan(connectionsBefore);
    }
    expect(server.errors, 'errors in the hostile server itself').toEqual([]);
    expect(
      uncaught.slice(uncaughtBefore).map(describeError),
      'uncaught exceptions and rejections',
    ).toEqual([]);
  });
});

describe('hostile server', () => {
  it('baseline answers the NOOP handshake with magic 0x81, the same opcode and opaque, status 0', async () => {
    const server = await startHostileServer(baseline);
    try {
      const socket = connect(server.port, '127.0.0.1');
      const request = encodeResponse({ opcode: OP.NOOP, opaque: 0xc0ffee });
      request[0] = 0x80;
      socket.write(request);
      const answer = await new Promise<Buffer>((resolve) => socket.once('data', resolve));
      socket.destroy();
      expect(answer.length).toBe(24);
      expect([answer[0], answer[1], answer.readUInt16BE(6), answer.readUInt32BE(12)]).toEqual([
        0x81,
        OP.NOOP,
        0,
        0xc0ffee,
      ]);
    } finally {
      await server.close();
    }
  });

  it('an answer to no request on an idle connection: the client drops it, and its next call works on a new one', async () => {
    const { server, client } = await open();
    const uncaughtBefore = uncaught.length;
    try {
      await client.get(KEY);
      const connectionsBefore = server.connections;
      server.broadcast(unsolicitedFrame());
      await vi.waitFor(() => expect(server.open).toBe(0), { timeout: AT_ONCE_MS, interval: 5 });
      expect(await client.get(KEY)).toBe(1);
      expect(server.connections).toBe(connectionsBefore + 1);
      expect(server.errors, 'errors in the hostile server itself').toEqual([]);
      expect(
        uncaught.slice(uncaughtBefore).map(describeError),
        'uncaught exceptions and rejections',
      ).toEqual([]);
    } finally {
      await closeAll(client, server);
    }
  });
});
