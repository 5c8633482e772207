/** memcached's line between relative and absolute expiry times: 30 days in seconds. */
export const RELATIVE_TTL_LIMIT_SECONDS = 60 * 60 * 24 * 30;

/**
 * When an item with this TTL expires, in ms since the epoch (`Infinity` for never),
 * following memcached: 0 never expires; up to 30 days is relative to now; above
 * that it is a Unix time in seconds, and one in the past has already expired.
 */
export function expiresAt(ttlSeconds: number, nowMs: number): number {
  if (ttlSeconds === 0) return Infinity;
  if (ttlSeconds > RELATIVE_TTL_LIMIT_SECONDS) return ttlSeconds * 1000;
  return nowMs + ttlSeconds * 1000;
}

/**
 * The TTL that makes an item live at most `capSeconds` from now, following
 * memcached's TTL rules: "never" and longer TTLs become the cap, an absolute
 * Unix time further away than the cap becomes the cap, and anything already
 * shorter (or an absolute time already past) is kept.
 */
export function cappedTtl(ttlSeconds: number, capSeconds: number, nowMs: number): number {
  if (ttlSeconds === 0) return capSeconds;
  if (ttlSeconds > RELATIVE_TTL_LIMIT_SECONDS) {
    return ttlSeconds - nowMs / 1000 > capSeconds ? capSeconds : ttlSeconds;
  }
  return Math.min(ttlSeconds, capSeconds);
}
