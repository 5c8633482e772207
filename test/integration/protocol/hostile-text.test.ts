import { describe, expect, it, vi } from 'vitest';
import { AuthenticationError, ProtocolError, ValueTooLargeError } from '../../../src/index.js';
import {
  collectUncaught,
  describeError,
  describeSettled,
  expectRejection,
  settle,
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
  OVERSIZED_VALUE_BYTES,
  oversizedValue,
  redisError,
  serverError,
  silence,
  sizeLargerThanData,
  sizeNotANumber,
  sizeSmallerThanData,
  textError,
  unknownStatus,
  unsolicited,
} from '../../helpers/hostile-line-behaviours.js';
import {
  AT_ONCE_MS,
  closeAll,
  describeHostileCases,
  KEY,
  openLine,
  SETTLE_MS,
  type Case,
  type Op,
} from '../../helpers/hostile-line-suite.js';
import {
  counterPast64Bits,
  counterWithLetters,
  storedAmidValues,
  valueForAnotherKey,
  valueWithoutCas,
} from '../../helpers/hostile-text-behaviours.js';

// Every client operation over memcached's classic text protocol against a
// fake memcached that misbehaves in one way at a time (meta:
// hostile-meta.test.ts; binary: hostile-server.test.ts). Text replies carry no
// opaque: they are matched to requests in order, so a reply is checked by its
// place and by what it says. A CAS-guarded delete is refused before anything
// is sent, whatever the server does.

const counters = (o: Op): boolean => o.name === 'incr' || o.name === 'decr';
/** Operations whose gets answer is read for its values (text's ping is a gets whose values are ignored). */
const readsValues = (o: Op): boolean => o.readsValue && o.name !== 'ping';

const CASES: readonly Case[] = [
  { name: 'baseline (control)', stage: 'opening', behaviour: baseline, outcome: 'ok' },
  // Malformed lines.
  {
    name: '16 KiB without a line end',
    stage: 'request',
    behaviour: noLineEnd,
    outcome: 'garbage',
    says: /more than 8192 bytes without an end/,
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
  {
    name: 'an unknown status (ZZ)',
    stage: 'request',
    behaviour: unknownStatus,
    outcome: 'garbage',
    says: /ZZ/,
  },
  // Bogus lengths.
  {
    name: 'a VALUE length that is not a number',
    stage: 'request',
    behaviour: sizeNotANumber,
    outcome: 'garbage',
    says: /twelve/,
  },
  {
    name: 'a VALUE length larger than the data, then silence',
    stage: 'request',
    behaviour: sizeLargerThanData,
    outcome: 'silence',
  },
  {
    name: 'a VALUE length smaller than the data',
    stage: 'request',
    behaviour: sizeSmallerThanData,
    outcome: 'garbage',
  },
  {
    name: 'a 2 MiB value (over maxValueBytes) for value reads',
    stage: 'request',
    behaviour: oversizedValue,
    outcome: (o) => (o.readsValue ? 'too-large' : 'ok'),
  },
  {
    name: 'a VALUE announcing 2 GiB, then trickled',
    stage: 'request',
    behaviour: hugeValue,
    outcome: 'huge',
    memory: true,
  },
  // What only order tells apart.
  {
    name: 'a VALUE for a key that was not asked for',
    stage: 'request',
    behaviour: valueForAnotherKey,
    outcome: (o) => (readsValues(o) ? 'garbage' : 'ok'),
    says: /not-asked-for/,
  },
  {
    name: 'a gets answered without CAS tokens',
    stage: 'request',
    behaviour: valueWithoutCas,
    outcome: (o) => (readsValues(o) ? 'garbage' : 'ok'),
    says: /CAS/,
  },
  {
    name: 'STORED between a VALUE and its END',
    stage: 'request',
    behaviour: storedAmidValues,
    outcome: (o) => (o.readsValue ? 'garbage' : 'ok'),
    says: /STORED/,
  },
  {
    name: 'a counter past 2^64',
    stage: 'request',
    behaviour: counterPast64Bits,
    outcome: (o) => (counters(o) ? 'garbage' : 'ok'),
    says: /18446744073709551616/,
  },
  {
    name: 'a counter with letters after its digits',
    stage: 'request',
    behaviour: counterWithLetters,
    outcome: (o) => (counters(o) ? 'garbage' : 'ok'),
    says: /12abc/,
  },
  {
    name: 'a duplicated reply',
    stage: 'request',
    behaviour: duplicate,
    // incr's NOT_FOUND comes twice: the copy arrives before the add that
    // follows it is sent, so it answers nothing; nothing was applied.
    outcome: (o) => (counters(o) ? 'refused' : 'ok-then-fresh'),
  },
  {
    name: 'an unsolicited VERSION before the real reply',
    stage: 'request',
    behaviour: unsolicited,
    // version takes it for its answer; the real one is then a reply to nothing.
    outcome: (o) => (o.name === 'version' ? 'ok-then-fresh' : 'garbage'),
  },
  // Errors memcached itself sends: the request was refused, nothing applied.
  {
    name: 'ERROR (a command the server or proxy does not know)',
    stage: 'request',
    behaviour: textError,
    outcome: 'refused',
    says: /ERROR/,
  },
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
    // For a checked key and delta, memcached's only CLIENT_ERROR to incr/decr is its non-numeric one.
    outcome: (o) => (counters(o) ? 'non-numeric' : 'refused'),
    says: /CLIENT_ERROR bad command line format/,
  },
  {
    name: 'every reply one byte at a time',
    stage: 'opening',
    behaviour: byteAtATime(),
    outcome: 'ok',
  },
  { name: 'silence', stage: 'request', behaviour: silence, outcome: 'silence' },
  {
    name: 'the connection closed right after the request is read',
    stage: 'request',
    behaviour: closeAfterReading,
    outcome: 'closed',
  },
  {
    name: 'ASCII authentication required and no credentials given',
    stage: 'opening',
    behaviour: asciiAuthRequired(),
    outcome: 'auth',
  },
];

const uncaught = collectUncaught();

describeHostileCases(CASES, {
  dialect: 'text',
  uncaught,
  // The text protocol has no CAS-guarded delete: refused, nothing sent.
  fixed: (o) => (o.name === 'delete with cas' ? 'unsupported' : undefined),
});

const open = openLine.bind(undefined, 'text');

describe('the text client and the hostile line server', () => {
  it('a reply to no request on an idle connection: the client drops it, and its next call works on a new one', async () => {
    const { server, client } = await open();
    const uncaughtBefore = uncaught.length;
    try {
      await client.get(KEY);
      const connectionsBefore = server.connections;
      server.broadcast('STORED\r\n');
      await vi.waitFor(() => expect(server.open).toBe(0), { timeout: AT_ONCE_MS, interval: 5 });
      expect(await client.get(KEY)).toBe(1);
      expect(server.connections).toBe(connectionsBefore + 1);
      expect(server.errors, 'errors in the hostile server itself').toEqual([]);
      expect(uncaught.slice(uncaughtBefore).map(describeError)).toEqual([]);
    } finally {
      await closeAll(client, server);
    }
  });

  it('an oversized value in the middle of a pipeline fails only its read; the replies behind it stay matched to their requests', async () => {
    const { server, client } = await open();
    try {
      server.items.set('a', { value: Buffer.from('"a"'), flags: 0, cas: 1n });
      server.items.set('c', { value: Buffer.from('"c"'), flags: 0, cas: 3n });
      await client.ping();
      server.behave(
        afterOpening((x) => (x.request.key === 'big' ? oversizedValue(x) : baseline(x))),
      );
      const settled = await Promise.all(
        ['a', 'big', 'c', 'missing'].map((k) => settle(client.get(k), SETTLE_MS)),
      );
      expect(settled.map(describeSettled)).toMatchObject([
        { status: 'resolved' },
        { status: 'rejected', code: 'VALUE_TOO_LARGE' },
        { status: 'resolved' },
        { status: 'resolved' },
      ]);
      expect(settled.map((s) => (s.status === 'resolved' ? s.value : undefined))).toEqual([
        'a',
        undefined,
        'c',
        undefined,
      ]);
      const err = (settled[1] as { error: unknown }).error;
      expect(err).toBeInstanceOf(ValueTooLargeError);
      expect((err as Error).message).toContain(String(OVERSIZED_VALUE_BYTES));
      expect(server.connections).toBe(1);
    } finally {
      await closeAll(client, server);
    }
  });

  it('pipelined reads on one connection: a garbage reply to one fails it and those behind it with ProtocolError, and none hangs', async () => {
    const { server, client } = await open();
    try {
      await client.ping();
      let seen = 0;
      server.behave(afterOpening((x) => (++seen === 3 ? unknownStatus(x) : baseline(x))));
      const settled = await Promise.all(
        Array.from({ length: 6 }, (_, i) => settle(client.get(`p${i}`), SETTLE_MS)),
      );
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

  it('ASCII authentication: wrong credentials are an AuthenticationError naming the node, never showing the password, with no login loop; right ones work', async () => {
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
      const again = await settle(wrong.client.get(KEY), SETTLE_MS + 1000);
      expect(describeSettled(again)).toMatchObject({ code: 'AUTH_FAILED' });
      expect(wrong.server.connections).toBe(1);
      expect(wrong.server.requests.map((r) => r.line).join('\n')).not.toMatch(/secret/);
    } finally {
      await closeAll(wrong.client, wrong.server);
    }
    const right = await open(asciiAuthRequired(account), { username: 'memcas', password });
    try {
      expect(await right.client.get(KEY)).toBe(1);
      expect(right.server.requests[0]).toMatchObject({ command: 'set', opening: true });
    } finally {
      await closeAll(right.client, right.server);
    }
  });

  it('credentials given for a server without ASCII authentication (no -Y) are not left in its cache as an item', async () => {
    const { server, client } = await open(baseline, {
      username: 'memcas',
      password: 'hunter2-secret',
    });
    try {
      expect(await client.get(KEY)).toBe(1);
      expect(
        [...server.items].filter(([, item]) => item.value.toString('utf8').includes('hunter2')),
        'items holding the password',
      ).toEqual([]);
    } finally {
      await closeAll(client, server);
    }
  });
});
