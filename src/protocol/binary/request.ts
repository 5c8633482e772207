import { HEADER_BYTES, Opcode } from './opcodes.js';

// Every encoder allocates exactly one buffer; the opaque (bytes 12–15) is
// left 0 and filled in by the connection when the request is queued.

function frame(
  opcode: number,
  key: string,
  extrasBytes: number,
  value: Buffer | undefined,
  cas: bigint,
): Buffer {
  const keyBytes = Buffer.byteLength(key, 'utf8');
  const valueBytes = value === undefined ? 0 : value.length;
  const body = extrasBytes + keyBytes + valueBytes;
  const buf = Buffer.allocUnsafe(HEADER_BYTES + body);
  buf[0] = 0x80;
  buf[1] = opcode;
  buf.writeUInt16BE(keyBytes, 2);
  buf[4] = extrasBytes;
  buf[5] = 0;
  buf.writeUInt16BE(0, 6);
  buf.writeUInt32BE(body, 8);
  buf.writeUInt32BE(0, 12);
  buf.writeBigUInt64BE(cas, 16);
  if (keyBytes > 0) buf.write(key, HEADER_BYTES + extrasBytes, keyBytes, 'utf8');
  if (value !== undefined) value.copy(buf, HEADER_BYTES + extrasBytes + keyBytes);
  return buf;
}

/** GET (or GETQ when quiet: no answer on a miss; answers are matched by opaque, so no key comes back) of one key. */
export function encodeGet(key: string, quiet = false): Buffer {
  return frame(quiet ? Opcode.GETQ : Opcode.GET, key, 0, undefined, 0n);
}

/** SET, ADD or REPLACE, with a CAS token when `cas` is not 0n. */
export function encodeStore(
  opcode: number,
  key: string,
  value: Buffer,
  flags: number,
  ttl: number,
  cas: bigint,
): Buffer {
  const buf = frame(opcode, key, 8, value, cas);
  buf.writeUInt32BE(flags >>> 0, HEADER_BYTES);
  buf.writeUInt32BE(ttl >>> 0, HEADER_BYTES + 4);
  return buf;
}

/** DELETE, only if the CAS token matches when `cas` is not 0n. */
export function encodeDelete(key: string, cas: bigint): Buffer {
  return frame(Opcode.DELETE, key, 0, undefined, cas);
}

/** INCREMENT or DECREMENT; a missing key is created with `initial` unless it is undefined. */
export function encodeCounter(
  opcode: number,
  key: string,
  delta: bigint,
  initial: bigint | undefined,
  ttl: number,
): Buffer {
  const buf = frame(opcode, key, 20, undefined, 0n);
  buf.writeBigUInt64BE(delta, HEADER_BYTES);
  buf.writeBigUInt64BE(initial ?? 0n, HEADER_BYTES + 8);
  // 0xffffffff tells memcached not to create a missing key.
  buf.writeUInt32BE(initial === undefined ? 0xffffffff : ttl >>> 0, HEADER_BYTES + 16);
  return buf;
}

/** TOUCH with a new expiry. */
export function encodeTouch(key: string, ttl: number): Buffer {
  const buf = frame(Opcode.TOUCH, key, 4, undefined, 0n);
  buf.writeUInt32BE(ttl >>> 0, HEADER_BYTES);
  return buf;
}

/** A request with no key, extras or value: NOOP, VERSION, FLUSH, STAT. */
export function encodeBare(opcode: number): Buffer {
  return frame(opcode, '', 0, undefined, 0n);
}
