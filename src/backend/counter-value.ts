/** The largest value a memcached counter holds. */
export const MAX_U64 = (1n << 64n) - 1n;

/**
 * Reads a stored value as memcached's incr/decr does: ASCII decimal digits of an
 * unsigned 64-bit number. Returns undefined when the bytes are not one.
 */
export function parseCounter(bytes: Buffer): bigint | undefined {
  if (bytes.length === 0 || bytes.length > 20) return undefined;
  for (const b of bytes) if (b < 0x30 || b > 0x39) return undefined;
  const n = BigInt(bytes.toString('latin1'));
  return n > MAX_U64 ? undefined : n;
}

/** Applies a delta as memcached does: incr wraps at 2^64, decr stops at 0. */
export function applyDelta(current: bigint, delta: bigint, direction: 'incr' | 'decr'): bigint {
  if (direction === 'incr') return (current + delta) & MAX_U64;
  return current > delta ? current - delta : 0n;
}
