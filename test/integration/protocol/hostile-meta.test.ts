import { connect } from 'node:net';
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
  nonHexOpaque,
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
} from '../../helpers/hostile-line-behaviours.js';
import { startHostileLineServer } from '../../helpers/hostile-line-server.js';
import {
  AT_ONCE_MS,
  closeAll,
  describeHostileCases,
  KEY,
  openLine,
  SETTLE_MS,
  type Case,
} from '../../helpers/hostile-line-suite.js';

// Every client operation over the meta protocol against a fake memcached that
// misbehaves in one way at a time (binary: hostile-server.test.ts; text:
// hostile-text.test.ts). Whatever the server sends, each call settles in
// bounded time with the error class its rules promise, the process survives,
// memory stays bounded, and the same client works again once the server
// behaves.

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

const uncaught = collectUncaught();

describeHostileCases(CASES, { dialect: 'meta', uncaught });

const open = openLine.bind(undefined, 'meta');

describe('the meta client and the hostile line server', () => {
  it('a node whose stats settings give a small item_size_max: a larger write fails with ValueTooLargeError and is never sent', async () => {
    const { server, client } = await open((x) =>
      x.opening && x.request.command === 'stats'
        ? x.send('STAT maxbytes 67108864\r\nSTAT item_size_max 2048\r\nEND\r\n')
        : baseline(x),
    );
    try {
      const err = await client.set('big', 'x'.repeat(3000)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValueTooLargeError);
      expect((err as Error).message).toContain('2048-byte limit');
      await client.set('small', 'x'.repeat(1000));
      expect(server.requests.filter((r) => r.command === 'ms').map((r) => r.key)).toEqual([
        'small',
      ]);
    } finally {
      await closeAll(client, server);
    }
  });

  it('a stats settings answer that never ends fails the connection (ProtocolError), not the process', async () => {
    const flood = Buffer.from('STAT x 1\r\n'.repeat(1100), 'latin1');
    const { server, client } = await open((x) =>
      x.opening && x.request.command === 'stats' ? x.send(flood) : baseline(x),
    );
    try {
      const err = await client.get(KEY).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProtocolError);
      expect((err as Error).message).toMatch(/more than 1000 lines of settings/);
    } finally {
      await closeAll(client, server);
    }
  });

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
