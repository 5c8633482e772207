import { BASELINE_VERSION } from './binary-baseline.js';
import {
  encodeResponse,
  HEADER_BYTES,
  OP,
  REQUEST_MAGIC,
  STATUS,
  type BinaryRequest,
} from './binary-frames.js';
import type { Behaviour, Exchange } from './hostile-server.js';

// Behaviours for startHostileServer. Each misbehaviour answers whatever
// request it is given; wrap it in afterHandshake() or onlyFor() to decide
// which requests get it, or use it bare to misbehave from the handshake on.

/** Answers every request as a correct memcached would. */
export const baseline: Behaviour = (x) => x.send(x.reply());

/**
 * Answers the handshake (a NOOP that is the first request on its connection)
 * correctly and gives every other request to `hostile`. A client that sends no
 * handshake gets `hostile` from its first request.
 */
export function afterHandshake(hostile: Behaviour): Behaviour {
  return (x) => (x.handshake ? baseline(x) : hostile(x));
}

/** Gives requests with one of `opcodes` to `hostile` and answers the rest correctly. */
export function onlyFor(opcodes: ReadonlySet<number>, hostile: Behaviour): Behaviour {
  return (x) => (opcodes.has(x.request.opcode) ? hostile(x) : baseline(x));
}

/** Reads every request and never answers (on the connections it sees). */
export const silence: Behaviour = (x) => x.mute();

/** Sends the first 10 bytes of a header, then nothing more on that connection. */
export const truncatedHeader: Behaviour = (x) => {
  x.send(frameFor(x).subarray(0, 10));
  x.mute();
};

/** A header announcing 4 bytes of extras in a body of 0 bytes. */
export const extrasPastBody: Behaviour = (x) => {
  const frame = encodeResponse({ opcode: x.request.opcode, opaque: x.request.opaque });
  frame[4] = 4;
  x.send(frame);
};

/** A header announcing a 200-byte key in a body of 5 bytes. */
export const keyPastBody: Behaviour = (x) => {
  const frame = encodeResponse({
    opcode: x.request.opcode,
    opaque: x.request.opaque,
    value: 'hello',
  });
  frame.writeUInt16BE(200, 2);
  x.send(frame);
};

/** Body length of {@link hugeBody}'s header: 2 GiB - 1. */
export const HUGE_BODY_BYTES = 0x7fffffff;

/**
 * A header announcing a 2 GiB body, then the body trickled in 16 KiB every
 * 5 ms (for at most 64 MiB) until the client hangs up. A client that buffers
 * it, or allocates what the header asks for, shows in its memory.
 */
export const hugeBody: Behaviour = (x) => {
  const header = encodeResponse({ opcode: x.request.opcode, opaque: x.request.opaque });
  header.writeUInt32BE(HUGE_BODY_BYTES, 8);
  x.send(header);
  const chunk = Buffer.alloc(16 * 1024, 0x61);
  x.drip(repeat(chunk, (64 * 1024 * 1024) / chunk.length), 5);
  x.mute();
};

/** The correct answer with magic `magic` (default 0x80, a request's) instead of 0x81. */
export function wrongMagic(magic: number = REQUEST_MAGIC): Behaviour {
  return corruptFirstFrame((frame) => void (frame[0] = magic));
}

/** The correct answer, labelled with another opcode (the request's XOR 1: GET ↔ SET, NOOP → VERSION). */
export const wrongOpcode: Behaviour = corruptFirstFrame(
  (frame) => void (frame[1] = (frame[1] as number) ^ 0x01),
);

/** The correct answer with an opaque no request carried (the request's with its top bit flipped). */
export const wrongOpaque: Behaviour = corruptFirstFrame((frame) =>
  frame.writeUInt32BE((frame.readUInt32BE(12) ^ 0x80000000) >>> 0, 12),
);

/**
 * A VERSION answer to a request never made (an opaque no request carried),
 * then the correct answer, in one write.
 */
export const unsolicited: Behaviour = (x) => {
  x.send(Buffer.concat([unsolicitedFrame(x.request.opaque ^ 0x40000000), x.reply()]));
};

/** A well-formed VERSION answer with `opaque`, to `broadcast` at an idle client. */
export function unsolicitedFrame(opaque = 0x7fff0000): Buffer {
  return encodeResponse({ opcode: OP.VERSION, opaque: opaque >>> 0, value: BASELINE_VERSION });
}

/** The correct answer, twice, in one write. */
export const duplicate: Behaviour = (x) => {
  const reply = x.reply();
  x.send(Buffer.concat([reply, reply]));
};

/** memcached's text-protocol `ERROR\r\n`, then nothing more on that connection. */
export const textError: Behaviour = (x) => {
  x.send(Buffer.from('ERROR\r\n', 'latin1'));
  x.mute();
};

/** What an HTTP server says to a request it cannot parse; the connection stays open and mute. */
export const HTTP_400 =
  'HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n' +
  'Connection: close\r\n\r\nBad Request';

/** {@link HTTP_400}, then nothing more on that connection. */
export const httpError: Behaviour = (x) => {
  x.send(Buffer.from(HTTP_400, 'latin1'));
  x.mute();
};

/** The correct answer, one byte every `intervalMs` (default 1 ms): slow, but correct. */
export function byteAtATime(intervalMs = 1): Behaviour {
  return (x) => {
    const reply = x.reply();
    x.drip(
      Array.from({ length: reply.length }, (_, i) => reply.subarray(i, i + 1)),
      intervalMs,
    );
  };
}

/** INCR/DECR answered OK with a 3-byte body instead of the 8-byte counter; everything else correctly. */
export const shortCounterBody: Behaviour = onlyFor(new Set([OP.INCREMENT, OP.DECREMENT]), (x) =>
  x.send(
    encodeResponse({
      opcode: x.request.opcode,
      opaque: x.request.opaque,
      cas: 7n,
      value: Buffer.from([0, 0, 1]),
    }),
  ),
);

/** Ends the connection (FIN) right after reading the request, without applying or answering it. */
export const closeAfterReading: Behaviour = (x) => x.end();

/** SASL PLAIN credentials a {@link saslRequired} server accepts. */
export interface SaslAccount {
  /** User name. */
  readonly username: string;
  /** Password. */
  readonly password: string;
}

/**
 * A server started with `-S`: SASL_LIST_MECHS answers `PLAIN`, SASL_AUTH
 * accepts `account` (none by default: every attempt is refused), and every
 * other request on a connection not yet authenticated gets status 0x20
 * (authentication error). Authenticated connections get {@link baseline}.
 */
export function saslRequired(account?: SaslAccount): Behaviour {
  const authenticated = new Set<number>();
  return (x) => {
    const { opcode, opaque } = x.request;
    if (opcode === OP.SASL_LIST_MECHS) {
      x.send(encodeResponse({ opcode, opaque, value: 'PLAIN' }));
    } else if (opcode === OP.SASL_AUTH) {
      const [, user, pass] = x.request.value.toString('utf8').split('\0');
      const ok = account !== undefined && user === account.username && pass === account.password;
      if (ok) authenticated.add(x.connection);
      x.send(
        ok
          ? encodeResponse({ opcode, opaque, value: 'Authenticated' })
          : encodeResponse({ opcode, opaque, status: STATUS.AUTH_ERROR, value: 'Auth failure.' }),
      );
    } else if (authenticated.has(x.connection)) {
      baseline(x);
    } else {
      x.send(encodeResponse({ opcode, opaque, status: STATUS.AUTH_ERROR, value: 'Auth failure.' }));
    }
  };
}

/**
 * The correct answer with `corrupt` applied to a copy of its first frame. A
 * request whose correct answer is nothing (a GETQ miss) still gets nothing.
 */
export function corruptFirstFrame(
  corrupt: (frame: Buffer, request: BinaryRequest) => void,
): Behaviour {
  return (x) => {
    const reply = Buffer.from(x.reply());
    if (reply.length >= HEADER_BYTES) corrupt(reply, x.request);
    x.send(reply);
  };
}

/** The correct answer's first frame, or a bare OK header when the correct answer is nothing. */
function frameFor(x: Exchange): Buffer {
  const reply = x.reply();
  return reply.length >= HEADER_BYTES
    ? reply
    : encodeResponse({ opcode: x.request.opcode, opaque: x.request.opaque });
}

function* repeat(chunk: Buffer, times: number): Generator<Buffer> {
  for (let i = 0; i < times; i++) yield chunk;
}
