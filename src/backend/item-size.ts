/**
 * Bytes memcached 1.6 spends per item beyond its key and value (item header,
 * CAS, flags, line ending), measured on memcached 1.6.18 with `-I 1m`: the
 * largest value it stores is exactly `limit - key bytes - 63`.
 */
export const ITEM_OVERHEAD_BYTES = 63;

/** The size memcached counts against its item size limit (`-I`). */
export function itemSize(keyBytes: number, valueBytes: number): number {
  return keyBytes + valueBytes + ITEM_OVERHEAD_BYTES;
}
