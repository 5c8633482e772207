// memcached's binary protocol, written out again for the fake servers under
// test/helpers. It deliberately shares nothing with src/protocol, so a test
// server is an independent oracle rather than the client's own encoder echoed.

/** Size of a binary-protocol header, request or response. */
export const HEADER_BYTES = 24;
/** Magic byte of a request (client to server). */
export const REQUEST_MAGIC = 0x80;
/** Magic byte of a response (server to client). */
export const RESPONSE_MAGIC = 0x81;

/** The opcodes the fake servers understand. */
export const OP = {
  GET: 0x00,
  SET: 0x01,
  ADD: 0x02,
  REPLACE: 0x03,
  DELETE: 0x04,
  INCREMENT: 0x05,
  DECREMENT: 0x06,
  FLUSH: 0x08,
  GETQ: 0x09,
  NOOP: 0x0a,
  VERSION: 0x0b,
  STAT: 0x10,
  TOUCH: 0x1c,
  SASL_LIST_MECHS: 0x20,
  SASL_AUTH: 0x21,
} as const;

/** The response statuses the fake servers send. */
export const STATUS = {
  OK: 0x0000,
  KEY_NOT_FOUND: 0x0001,
  KEY_EXISTS: 0x0002,
  NOT_STORED: 0x0005,
  NON_NUMERIC: 0x0006,
  AUTH_ERROR: 0x0020,
  UNKNOWN_COMMAND: 0x0081,
} as const;

/** Opcodes that change state: a lost answer to one of them leaves its outcome unknown. */
export const WRITE_OPCODES: ReadonlySet<number> = new Set([
  OP.SET,
  OP.ADD,
  OP.REPLACE,
  OP.DELETE,
  OP.INCREMENT,
  OP.DECREMENT,
  OP.FLUSH,
  OP.TOUCH,
]);

/** One request as a server reads it: the 24-byte header's fields and the body cut into its parts. */
export interface BinaryRequest {
  /** Byte 0: 0x80 for a request. */
  readonly magic: number;
  /** Byte 1. */
  readonly opcode: number;
  /** Bytes 12–15, to be echoed in the answer. */
  readonly opaque: number;
  /** Bytes 16–23: the CAS token the write is conditional on (0n: none). */
  readonly cas: bigint;
  /** The extras (flags and expiry of a store, delta/initial/expiry of a counter…). */
  readonly extras: Buffer;
  /** The key, as UTF-8 text. */
  readonly key: string;
  /** The value (what follows the key in the body). */
  readonly value: Buffer;
  /** Total bytes of the frame (header and body). */
  readonly frameBytes: number;
}

/**
 * Parses the request at `offset`, or returns `undefined` when `buf` does not
 * hold all of it yet. Lengths are trusted: the client under test is the one
 * that writes them, and a bad one shows up as a garbled request, not a crash.
 */
export function parseRequest(buf: Buffer, offset = 0): BinaryRequest | undefined {
  if (buf.length - offset < HEADER_BYTES) return undefined;
  const keyLength = buf.readUInt16BE(offset + 2);
  const extrasLength = buf[offset + 4] as number;
  const bodyLength = buf.readUInt32BE(offset + 8);
  const frameBytes = HEADER_BYTES + bodyLength;
  if (buf.length - offset < frameBytes) return undefined;
  const extrasStart = offset + HEADER_BYTES;
  const keyStart = extrasStart + extrasLength;
  const valueStart = keyStart + keyLength;
  return {
    magic: buf[offset] as number,
    opcode: buf[offset + 1] as number,
    opaque: buf.readUInt32BE(offset + 12),
    cas: buf.readBigUInt64BE(offset + 16),
    extras: Buffer.from(buf.subarray(extrasStart, keyStart)),
    key: buf.toString('utf8', keyStart, valueStart),
    value: Buffer.from(buf.subarray(valueStart, offset + frameBytes)),
    frameBytes,
  };
}

/** The fields of one response frame; lengths are computed from the parts. */
export interface ResponseFields {
  /** The opcode answered. */
  readonly opcode: number;
  /** The opaque of the request answered. */
  readonly opaque: number;
  /** @defaultValue 0 (OK) */
  readonly status?: number;
  /** @defaultValue 0n */
  readonly cas?: bigint;
  /** @defaultValue none */
  readonly extras?: Buffer;
  /** @defaultValue none */
  readonly key?: string;
  /** @defaultValue none */
  readonly value?: Buffer | string;
}

/**
 * Encodes one well-formed response frame (magic 0x81).
 * @example
 * ```ts
 * socket.write(encodeResponse({ opcode: OP.NOOP, opaque: request.opaque }));
 * ```
 */
export function encodeResponse(fields: ResponseFields): Buffer {
  const extras = fields.extras ?? Buffer.alloc(0);
  const key = Buffer.from(fields.key ?? '', 'utf8');
  const value =
    typeof fields.value === 'string'
      ? Buffer.from(fields.value, 'utf8')
      : (fields.value ?? Buffer.alloc(0));
  const header = Buffer.alloc(HEADER_BYTES);
  header[0] = RESPONSE_MAGIC;
  header[1] = fields.opcode;
  header.writeUInt16BE(key.length, 2);
  header[4] = extras.length;
  header.writeUInt16BE(fields.status ?? STATUS.OK, 6);
  header.writeUInt32BE(extras.length + key.length + value.length, 8);
  header.writeUInt32BE(fields.opaque >>> 0, 12);
  header.writeBigUInt64BE(fields.cas ?? 0n, 16);
  return Buffer.concat([header, extras, key, value]);
}

/** Splits a stream of back-to-back response frames into frames (a trailing partial one is dropped). */
export function splitFrames(stream: Buffer): Buffer[] {
  const frames: Buffer[] = [];
  let offset = 0;
  while (stream.length - offset >= HEADER_BYTES) {
    const end = offset + HEADER_BYTES + stream.readUInt32BE(offset + 8);
    if (end > stream.length) break;
    frames.push(stream.subarray(offset, end));
    offset = end;
  }
  return frames;
}
