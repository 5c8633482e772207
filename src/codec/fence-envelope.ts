/**
 * The envelope of a fenced item: the value a fenced write stores together
 * with the fencing token that wrote it, in one item, so that one CAS write
 * changes both at once. Readers unwrap it (see {@link decodeValue}); only
 * fenced writes look at the token. The layout, for clients in other
 * languages (docs/locks.md):
 *
 * - item flags: {@link FENCED_FLAGS} (`0x4d434601`, "MCF" and version 1);
 * - byte 0: the envelope version, `1`;
 * - bytes 1–4: the flags of the value inside (the codec's), unsigned big-endian;
 * - bytes 5–20: the fencing token, a 128-bit unsigned integer, big-endian;
 * - bytes 21–: the value's bytes, as its codec wrote them.
 */

/** The item flags of a fenced envelope. No codec may use them. */
export const FENCED_FLAGS = 0x4d434601;

/** The envelope version this code writes and reads. */
const VERSION = 1;
/** Bytes before the value: version, inner flags, token. */
export const FENCE_HEADER_BYTES = 1 + 4 + 16;
const MAX_TOKEN = (1n << 128n) - 1n;

/** A fenced item, unwrapped. */
export interface Fenced {
  /** The largest fencing token that wrote the item. */
  readonly token: bigint;
  /** The flags of the value inside (its codec's). */
  readonly flags: number;
  /** The value's bytes. */
  readonly value: Buffer;
}

/** Wraps a value's bytes (written by a codec with `flags`) with the fencing token that writes them. */
export function wrapFenced(token: bigint, flags: number, value: Buffer): Buffer {
  if (token < 0n || token > MAX_TOKEN) throw new RangeError(`fencing token out of range: ${token}`);
  const out = Buffer.allocUnsafe(FENCE_HEADER_BYTES + value.length);
  out[0] = VERSION;
  out.writeUInt32BE(flags >>> 0, 1);
  out.writeBigUInt64BE(token >> 64n, 5);
  out.writeBigUInt64BE(token & 0xffff_ffff_ffff_ffffn, 13);
  value.copy(out, FENCE_HEADER_BYTES);
  return out;
}

/**
 * Unwraps an item stored with {@link FENCED_FLAGS}.
 * @throws Error when the bytes are not an envelope this version reads
 */
export function unwrapFenced(bytes: Buffer): Fenced {
  if (bytes.length < FENCE_HEADER_BYTES || bytes[0] !== VERSION) {
    throw new Error(
      `not a version-${VERSION} fenced envelope (${bytes.length} bytes, first byte ${bytes[0]})`,
    );
  }
  return {
    flags: bytes.readUInt32BE(1),
    token: (bytes.readBigUInt64BE(5) << 64n) | bytes.readBigUInt64BE(13),
    value: bytes.subarray(FENCE_HEADER_BYTES),
  };
}
