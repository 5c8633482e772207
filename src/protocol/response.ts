import { HEADER_BYTES } from './opcodes.js';

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
  /** Flags, for responses carrying at least 4 bytes of extras. */
  readonly flags: number;
  /** The key, for responses that carry one (GETK, STAT). */
  readonly key: Buffer;
  /** The value. */
  readonly value: Buffer;
}

/**
 * Cuts a stream of socket chunks into responses. Parses in place when a chunk
 * holds whole responses, and joins chunks only once a response is complete,
 * so large values cost one copy rather than one per chunk.
 */
export class ResponseReader {
  private parts: Buffer[] = [];
  private buffered = 0;
  private needed = HEADER_BYTES;

  /** Feeds a chunk; calls `onResponse` for every complete response in order. */
  push(chunk: Buffer, onResponse: (r: Response) => void): void {
    let buf: Buffer;
    if (this.buffered === 0) {
      buf = chunk;
    } else {
      this.parts.push(chunk);
      this.buffered += chunk.length;
      if (this.buffered < this.needed) return;
      buf = Buffer.concat(this.parts, this.buffered);
      this.parts = [];
      this.buffered = 0;
    }
    let offset = 0;
    while (buf.length - offset >= HEADER_BYTES) {
      const total = HEADER_BYTES + buf.readUInt32BE(offset + 8);
      if (buf.length - offset < total) break;
      onResponse(parseAt(buf, offset, total));
      offset += total;
    }
    if (offset < buf.length) {
      const rest = buf.subarray(offset);
      this.parts = [rest];
      this.buffered = rest.length;
      this.needed =
        rest.length >= HEADER_BYTES ? HEADER_BYTES + rest.readUInt32BE(8) : HEADER_BYTES;
    }
  }
}

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
    flags: extrasLength >= 4 ? buf.readUInt32BE(offset + HEADER_BYTES) : 0,
    key: buf.subarray(keyStart, valueStart),
    value: buf.subarray(valueStart, offset + total),
  };
}
