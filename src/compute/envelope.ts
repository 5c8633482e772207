import { randomBytes } from 'node:crypto';

/**
 * The flags of a record written by the add-and-CAS leases (binary, text, the
 * embedded store): `'mcl1'` as a 32-bit number. No codec may use them; an item
 * with other flags is a plain value (written by `set()` or another client).
 */
export const LEASE_ENVELOPE_FLAGS = 0x6d636c31;

/** The envelope's first four bytes, `mcl1`, checked on every read. */
const MAGIC = LEASE_ENVELOPE_FLAGS;
/** Bytes before the value. */
const HEADER_BYTES = 36;
const HAS_VALUE = 1;
const STALE = 2;

/**
 * One key's record under the add-and-CAS leases, the equivalent of
 * memcached's own lease state on meta. Layout (big-endian):
 *
 * | bytes | field |
 * | --- | --- |
 * | 0-3 | `mcl1` |
 * | 4 | bits: 1 has a value (else a placeholder: the key is being computed), 2 stale (invalidated) |
 * | 5-7 | 0 |
 * | 8-15 | `leaseUntil`: wall-clock ms the lease ends at (float64; 0 for no lease) |
 * | 16-23 | `leaseId`: 8 random bytes naming the holder (a text write is not answered with its CAS, so the holder finds its record by this) |
 * | 24-31 | `expiresAt`: wall-clock ms the record expires at (float64; 0 for never) |
 * | 32-35 | the codec's flags |
 * | 36- | the value |
 */
export interface Envelope {
  /** The encoded value, or undefined for a placeholder. */
  readonly value: Buffer | undefined;
  /** The codec's flags of `value`. */
  readonly flags: number;
  /** Marked stale by `invalidate()`. */
  readonly stale: boolean;
  /** When the lease ends (wall-clock ms); 0 when nobody holds it. */
  readonly leaseUntil: number;
  /** The holder's id (8 bytes), or all zeros. */
  readonly leaseId: Buffer;
  /** When the record expires (wall-clock ms); 0 for never. */
  readonly expiresAt: number;
}

/** The id of a record nobody holds. */
export const NO_LEASE_ID: Buffer = Buffer.alloc(8);
const NO_VALUE = Buffer.alloc(0);

/** A fresh holder id. */
export function newLeaseId(): Buffer {
  return randomBytes(8);
}

/** Writes an envelope. */
export function encodeEnvelope(e: Envelope): Buffer {
  const value = e.value ?? NO_VALUE;
  const out = Buffer.alloc(HEADER_BYTES + value.length);
  out.writeUInt32BE(MAGIC, 0);
  out[4] = (e.value === undefined ? 0 : HAS_VALUE) | (e.stale ? STALE : 0);
  out.writeDoubleBE(e.leaseUntil, 8);
  e.leaseId.copy(out, 16, 0, 8);
  out.writeDoubleBE(e.expiresAt, 24);
  out.writeUInt32BE(e.flags >>> 0, 32);
  value.copy(out, HEADER_BYTES);
  return out;
}

/** Reads an envelope; undefined when the bytes are not one (an item carrying its flags by chance). */
export function decodeEnvelope(bytes: Buffer): Envelope | undefined {
  if (bytes.length < HEADER_BYTES || bytes.readUInt32BE(0) !== MAGIC) return undefined;
  const bits = bytes[4] as number;
  const leaseUntil = bytes.readDoubleBE(8);
  const expiresAt = bytes.readDoubleBE(24);
  if (!Number.isFinite(leaseUntil) || !Number.isFinite(expiresAt)) return undefined;
  return {
    value: bits & HAS_VALUE ? Buffer.from(bytes.subarray(HEADER_BYTES)) : undefined,
    flags: bytes.readUInt32BE(32),
    stale: (bits & STALE) !== 0,
    leaseUntil,
    leaseId: Buffer.from(bytes.subarray(16, 24)),
    expiresAt,
  };
}
