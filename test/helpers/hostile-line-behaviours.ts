import type { LineBehaviour, LineExchange } from './hostile-line-server.js';
import { isWrite, readsValue, type LineRequest } from './line-requests.js';

// Behaviours for startHostileLineServer. Each misbehaviour answers whatever
// request it is given; wrap it in afterOpening() or onlyFor() to decide which
// requests get it, or use it bare to misbehave from the opening on.

/** Answers every request as a correct memcached would. */
export const baseline: LineBehaviour = (x) => x.send(x.reply());

/**
 * Answers the connection's opening (ASCII authentication, the protocol check)
 * correctly and gives every other request to `hostile`.
 */
export function afterOpening(hostile: LineBehaviour): LineBehaviour {
  return (x) => (x.opening ? baseline(x) : hostile(x));
}

/** Gives requests that match `which` to `hostile` and answers the rest correctly. */
export function onlyFor(which: (r: LineRequest) => boolean, hostile: LineBehaviour): LineBehaviour {
  return (x) => (!x.opening && which(x.request) ? hostile(x) : baseline(x));
}

/** Requests that change state (see {@link isWrite}). */
export const writes = isWrite;

/** Requests answered with a value (see {@link readsValue}). */
export const valueReads = readsValue;

/** Reads every request and never answers (on the connections it sees). */
export const silence: LineBehaviour = (x) => x.mute();

/** Ends the connection (FIN) right after reading the request, without applying or answering it. */
export const closeAfterReading: LineBehaviour = (x) => x.end();

/** Bytes of {@link noLineEnd}: twice the longest line memcas reads. */
export const NO_LINE_END_BYTES = 16 * 1024;

/** {@link NO_LINE_END_BYTES} of letters and spaces without a line end, then nothing more on that connection. */
export const noLineEnd: LineBehaviour = (x) => {
  x.send(Buffer.from('VA '.padEnd(NO_LINE_END_BYTES, 'abc '), 'latin1'));
  x.mute();
};

/** The correct answer with its first line ended by a bare LF (no CR). */
export const bareLineFeed: LineBehaviour = corruptFirstLine((line) => line, '\n');

/** What Redis answers a command it does not know: a line whose first word no memcached sends. */
export const REDIS_ERROR = "-ERR unknown command 'mg', with args beginning with: \r\n";

/** {@link REDIS_ERROR}, then nothing more on that connection. */
export const redisError: LineBehaviour = (x) => {
  x.send(REDIS_ERROR);
  x.mute();
};

/** memcached's `ERROR` (what a text-only server says to a command it does not know). */
export const textError: LineBehaviour = (x) => x.send('ERROR\r\n');

/** A status word memcached does not have (`ZZ`), with the request's opaque (meta). */
export const unknownStatus: LineBehaviour = (x) => x.send(statusLine('ZZ', x.request));

/** A value whose size is not a number (`VA twelve …`, `VALUE k 0 twelve …`), then a data block. */
export const sizeNotANumber: LineBehaviour = valueReply('twelve', 'hello');

/** A value announcing 100 bytes, then 5 bytes and CRLF, then nothing more on that connection. */
export const sizeLargerThanData: LineBehaviour = (x) => {
  valueReply('100', 'hello')(x);
  x.mute();
};

/** A value announcing 2 bytes, then 5 bytes and CRLF. */
export const sizeSmallerThanData: LineBehaviour = valueReply('2', 'hello');

/** Size of {@link oversizedValue}'s value: 2 MiB, twice memcached's (and memcas's) default limit. */
export const OVERSIZED_VALUE_BYTES = 2 * 1024 * 1024;

/**
 * A well-formed hit with a {@link OVERSIZED_VALUE_BYTES}-byte value (what a
 * memcached with `-I 4m` sends a client limited to 1 MiB), for requests that
 * read values; every other request is answered correctly.
 */
export const oversizedValue: LineBehaviour = onlyFor(readsValue, (x) =>
  x.send(
    Buffer.concat([
      Buffer.from(valueLine(x, String(OVERSIZED_VALUE_BYTES)), 'latin1'),
      Buffer.alloc(OVERSIZED_VALUE_BYTES, 0x61),
      Buffer.from(`\r\n${valueEnd(x)}`, 'latin1'),
    ]),
  ),
);

/** Size of {@link hugeValue}'s value: 2 GiB, more than any memcached can hold (its -I stops at 1 GiB). */
export const HUGE_VALUE_BYTES = 2 * 1024 * 1024 * 1024;

/**
 * A value announcing {@link HUGE_VALUE_BYTES}, then the value trickled in
 * 16 KiB every 5 ms (for at most 64 MiB) until the client hangs up. A client
 * that buffers it, or allocates what the line asks for, shows in its memory.
 */
export const hugeValue: LineBehaviour = (x) => {
  x.send(valueLine(x, String(HUGE_VALUE_BYTES)));
  const chunk = Buffer.alloc(16 * 1024, 0x61);
  x.drip(repeat(chunk, (64 * 1024 * 1024) / chunk.length), 5);
  x.mute();
};

/** An opaque no request carried: the request's with its top bit flipped. */
export const wrongOpaque: LineBehaviour = corruptOpaque((o) =>
  ((Number.parseInt(o, 16) ^ 0x80000000) >>> 0).toString(16).padStart(o.length, '0'),
);

/** An opaque that is not hexadecimal: `Ozzzzzzzz`. */
export const nonHexOpaque: LineBehaviour = corruptOpaque(() => 'zzzzzzzz');

/**
 * The request's opaque number followed by letters that are not hex digits,
 * padded to its length: `O0000002a` comes back as `O2azzzzzz`. A parser that
 * stops at the first non-hex digit reads the right number.
 */
export const opaqueWithTrailingJunk: LineBehaviour = corruptOpaque((o) => {
  const digits = o.replace(/^0+(?=.)/, '');
  return digits.padEnd(Math.max(8, digits.length + 1), 'z');
});

/** The correct answer, twice, in one write. */
export const duplicate: LineBehaviour = (x) => {
  const reply = x.reply();
  x.send(Buffer.concat([reply, reply]));
};

/** The line {@link unsolicited} sends a meta client first: `HD` with an opaque memcas never sent. */
export const UNSOLICITED_LINE = 'HD O7fff0000\r\n';

/** The line {@link unsolicited} sends a text client first (which has no opaques): a `VERSION`. */
export const UNSOLICITED_TEXT_LINE = 'VERSION 1.6.0-unsolicited\r\n';

/** A reply to a request never made, then the correct answer, in one write. */
export const unsolicited: LineBehaviour = (x) =>
  x.send(
    Buffer.concat([
      Buffer.from(x.dialect === 'meta' ? UNSOLICITED_LINE : UNSOLICITED_TEXT_LINE, 'latin1'),
      x.reply(),
    ]),
  );

/** memcached's answer when it cannot allocate the item (nothing is applied). */
export const SERVER_ERROR_LINE = 'SERVER_ERROR out of memory storing object\r\n';

/** {@link SERVER_ERROR_LINE} instead of the answer. */
export const serverError: LineBehaviour = (x) => x.send(SERVER_ERROR_LINE);

/** memcached's answer to a command line it cannot parse. */
export const CLIENT_ERROR_LINE = 'CLIENT_ERROR bad command line format\r\n';

/** {@link CLIENT_ERROR_LINE} instead of the answer. */
export const clientError: LineBehaviour = (x) => x.send(CLIENT_ERROR_LINE);

/** The correct answer, one byte every `intervalMs` (default 1 ms): slow, but correct. */
export function byteAtATime(intervalMs = 1): LineBehaviour {
  return (x) => {
    const reply = x.reply();
    x.drip(
      Array.from({ length: reply.length }, (_, i) => reply.subarray(i, i + 1)),
      intervalMs,
    );
  };
}

/** Credentials an {@link asciiAuthRequired} server accepts. */
export interface AsciiAccount {
  /** User name. */
  readonly username: string;
  /** Password. */
  readonly password: string;
}

/**
 * A server started with `-Y` (ASCII authentication), as memcached 1.6's
 * try_read_command_asciiauth answers a connection not yet authenticated:
 * every `set` is a login whatever its key, its data read as `<user> <password>`
 * (`STORED` for `account`, none by default; `CLIENT_ERROR authentication
 * failure` for others; `CLIENT_ERROR bad authentication token format` for data
 * that is not two words); any other command gets `CLIENT_ERROR
 * unauthenticated`. Authenticated connections get {@link baseline}.
 */
export function asciiAuthRequired(account?: AsciiAccount): LineBehaviour {
  const authenticated = new Set<number>();
  return (x) => {
    if (authenticated.has(x.connection)) return baseline(x);
    if (x.request.command !== 'set') return x.send('CLIENT_ERROR unauthenticated\r\n');
    const words = (x.request.data?.toString('utf8') ?? '').split(' ').filter((w) => w !== '');
    if (words.length < 2) return x.send('CLIENT_ERROR bad authentication token format\r\n');
    const ok =
      account !== undefined && words[0] === account.username && words[1] === account.password;
    if (ok) authenticated.add(x.connection);
    x.send(ok ? 'STORED\r\n' : 'CLIENT_ERROR authentication failure\r\n');
  };
}

/** `word` with the request's `O` flag, as a line. */
export function statusLine(word: string, request: LineRequest): string {
  return `${[word, ...opaqueOf(request)].join(' ')}\r\n`;
}

/** The request's `O` flag as it would be returned ([] when it carried none). */
function opaqueOf(request: LineRequest): string[] {
  return request.opaque === undefined ? [] : [`O${request.opaque}`];
}

/**
 * The line that starts a hit announcing `size` bytes, CRLF included: for
 * meta, `VA` with the flags of a hit and the request's opaque; for text, a
 * `VALUE` line for the request's (first) key, or `k` for a command without
 * one, with a CAS token.
 */
export function valueLine(x: LineExchange, size: string): string {
  return x.dialect === 'meta'
    ? `${['VA', size, 'c42', 'f0', ...opaqueOf(x.request)].join(' ')}\r\n`
    : `VALUE ${x.request.key === '' ? 'k' : x.request.key} 0 ${size} 42\r\n`;
}

/** What closes a hit after its data block: nothing for meta, `END` for text. */
function valueEnd(x: LineExchange): string {
  return x.dialect === 'meta' ? '' : 'END\r\n';
}

/** A hit announcing `size` bytes (see {@link valueLine}), then `data` and CRLF (and text's `END`). */
function valueReply(size: string, data: string): LineBehaviour {
  return (x) => x.send(`${valueLine(x, size)}${data}\r\n${valueEnd(x)}`);
}

/**
 * The correct answer with its first line rewritten by `rewrite` and ended by
 * `eol`. A request whose correct answer is nothing (a quiet miss) still gets nothing.
 */
export function corruptFirstLine(
  rewrite: (line: string, x: LineExchange) => string,
  eol = '\r\n',
): LineBehaviour {
  return (x) => {
    const reply = x.reply();
    const end = reply.indexOf('\r\n');
    if (end < 0) return x.send(reply);
    const line = rewrite(reply.toString('latin1', 0, end), x);
    x.send(Buffer.concat([Buffer.from(line + eol, 'latin1'), reply.subarray(end + 2)]));
  };
}

/**
 * The correct answer with its `O` flag's token replaced. Requests that carry
 * no opaque (`mn`, `version`, `stats`, `flush_all`: memcached's answers to
 * them have no place for one) get the correct answer.
 */
function corruptOpaque(token: (opaque: string) => string): LineBehaviour {
  const corrupt = corruptFirstLine((line) =>
    line
      .split(' ')
      .map((w, i) => (i > 0 && w.startsWith('O') ? `O${token(w.slice(1))}` : w))
      .join(' '),
  );
  return (x) => (x.request.opaque === undefined ? baseline(x) : corrupt(x));
}

function* repeat(chunk: Buffer, times: number): Generator<Buffer> {
  for (let i = 0; i < times; i++) yield chunk;
}
