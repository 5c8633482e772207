import { HEADER_BYTES } from './opcodes.js';
import { MalformedReplyError } from '../malformed-reply-error.js';
import { StreamBuffer } from '../stream-buffer.js';

/** The magic byte of every binary-protocol response. */
const RESPONSE_MAGIC = 0x81;

/** One parsed binary-protocol response. Buffers are views into the socket chunk. */
export interface Response {
  /** The opcode answered. */
  readonly opcode: number;
  /** The status code. */
  readonly status: number;
  /** The opaque copied from the request. */
  readonly opaque: number;
  /** The CAS token of the item. */
  readonly cas: bigint;
  /** Length of the extras. */
  readonly extrasLength: number;
  /** Flags, for responses carrying at least 4 bytes of extras. */
  readonly flags: number;
  /** The key, for responses that carry one (GETK, STAT). */
  readonly key: Buffer;
  /** The value. */
  readonly value: Buffer;
  /**
   * Set instead of a value when the reply's body was larger than this client
   * reads (`maxValueBytes`): its size. The body is skipped, not buffered.
   */
  readonly oversize?: number;
}

/** The largest item memcached can be configured to hold (`-I 1024m`). */
const MEMCACHED_MAX_ITEM_BYTES = 1024 * 1024 * 1024;

/**
 * Cuts a stream of socket chunks into responses. Parses in place when a chunk
 * holds whole responses, and joins chunks only once a response is complete,
 * so large values cost one copy rather than one per chunk.
 *
 * Nothing the server sends is trusted: a header without the response magic,
 * lengths that do not add up, or a body larger than `maxBodyBytes` (memcached
 * never sends one: it refuses items over its own limit) throw
 * {@link MalformedReplyError} at once, before anything is buffered for it.
 */
export class ResponseReader {
  private readonly held = new StreamBuffer();

  /** @param maxBodyBytes - the largest body read; larger ones (up to memcached's own maximum) are skipped */
  constructor(private readonly maxBodyBytes = Infinity) {}

  /**
   * Feeds a chunk; calls `onResponse` for every complete response in order
   * (for an oversized one, as soon as its header arrives).
   * @throws {@link MalformedReplyError} for bytes that are not a valid response
   */
  push(chunk: Buffer, onResponse: (r: Response) => void): void {
    const buf = this.held.take(chunk);
    if (buf === undefined) return;
    let offset = 0;
    while (buf.length - offset >= HEADER_BYTES) {
      const body = this.bodyLength(buf, offset);
      if (body > this.maxBodyBytes) {
        onResponse(oversized(buf, offset, body));
        const available = buf.length - offset - HEADER_BYTES;
        if (available >= body) {
          offset += HEADER_BYTES + body;
          continue;
        }
        this.held.skip(body - available);
        offset = buf.length;
        break;
      }
      const total = HEADER_BYTES + body;
      if (buf.length - offset < total) break;
      onResponse(parseAt(buf, offset, total));
      offset += total;
    }
    const left = buf.length - offset;
    if (left > 0 && buf[offset] !== RESPONSE_MAGIC) throw notBinary(buf.subarray(offset));
    // With its header here, wait for the whole frame; otherwise for the header.
    this.held.keep(
      buf,
      offset,
      left >= HEADER_BYTES ? HEADER_BYTES + this.bodyLength(buf, offset) : HEADER_BYTES,
    );
  }

  /** Checks a whole header at `offset` and returns its body length. */
  private bodyLength(buf: Buffer, offset: number): number {
    if (buf[offset] !== RESPONSE_MAGIC) throw notBinary(buf.subarray(offset));
    const body = buf.readUInt32BE(offset + 8);
    if (body > MEMCACHED_MAX_ITEM_BYTES + HEADER_BYTES * 100) {
      throw new MalformedReplyError(
        `sent a reply announcing a body of ${body} bytes, more than memcached can hold`,
      );
    }
    const extras = buf[offset + 4] as number;
    const key = buf.readUInt16BE(offset + 2);
    if (extras + key > body) {
      throw new MalformedReplyError(
        `sent an inconsistent reply header: ${extras} bytes of extras and a ${key}-byte key in a ${body}-byte body`,
      );
    }
    return body;
  }
}

/** The error for bytes that do not start a binary response, naming what they look like. */
function notBinary(bytes: Buffer): MalformedReplyError {
  const head = bytes.subarray(0, 40);
  const printable = head.every(
    (b) => b === 0x0d || b === 0x0a || b === 0x09 || (b >= 0x20 && b < 0x7f),
  );
  const seen = printable
    ? `the text ${JSON.stringify(head.toString('latin1'))}`
    : `bytes ${head.subarray(0, 8).toString('hex')}… (magic 0x${(head[0] ?? 0).toString(16)}, expected 0x81)`;
  return new MalformedReplyError(
    `answered with ${seen}, not a memcached binary-protocol reply; check that the address is a memcached ` +
      'server speaking the binary protocol (not a text-only proxy, not memcached -B ascii, not HTTP)',
  );
}

/** The header of a reply whose body is skipped. */
function oversized(buf: Buffer, offset: number, body: number): Response {
  return {
    opcode: buf[offset + 1] as number,
    status: buf.readUInt16BE(offset + 6),
    opaque: buf.readUInt32BE(offset + 12),
    cas: buf.readBigUInt64BE(offset + 16),
    extrasLength: buf[offset + 4] as number,
    flags: 0,
    key: EMPTY,
    value: EMPTY,
    oversize: body,
  };
}

const EMPTY = Buffer.alloc(0);

function parseAt(buf: Buffer, offset: number, total: number): Response {
  const keyLength = buf.readUInt16BE(offset + 2);
  const extrasLength = buf[offset + 4] as number;
  const keyStart = offset + HEADER_BYTES + extrasLength;
  const valueStart = keyStart + keyLength;
  return {
    opcode: buf[offset + 1] as number,
    status: buf.readUInt16BE(offset + 6),
    opaque: buf.readUInt32BE(offset + 12),
    cas: buf.readBigUInt64BE(offset + 16),
    extrasLength,
    flags: extrasLength >= 4 ? buf.readUInt32BE(offset + HEADER_BYTES) : 0,
    key: buf.subarray(keyStart, valueStart),
    value: buf.subarray(valueStart, offset + total),
  };
}
