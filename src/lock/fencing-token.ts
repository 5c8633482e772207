import { UnsupportedOperationError } from '../errors/index.js';

/**
 * The fencing token of a lock acquired on a node that started at
 * `startedSeconds` (Unix time) and gave the lock item CAS number `cas`:
 * `startedSeconds * 2^64 + cas`.
 *
 * On one node, CAS numbers only grow while it runs, so later acquisitions
 * get larger tokens. memcached numbers CAS from 1 again after a restart; the
 * start time in the high bits is larger after a restart, so the tokens keep
 * growing across it. Both parts are unsigned 64-bit; the token fits in 128.
 */
export function fencingToken(startedSeconds: bigint, cas: bigint): bigint {
  return (startedSeconds << 64n) | cas;
}

/**
 * When a node started, from its `stats`: `time - uptime` (memcached computes
 * both from one start time, so the difference does not drift).
 * @throws {@link UnsupportedOperationError} when the stats lack them (a proxy
 * that does not pass `stats` on, for one): without a start time, a token could
 * shrink across a restart, so no lock is handed out
 */
export function startedSeconds(stats: Record<string, string>, address: string): bigint {
  const time = stats.time;
  const uptime = stats.uptime;
  if (time === undefined || uptime === undefined || !/^\d+$/.test(time) || !/^\d+$/.test(uptime)) {
    throw new UnsupportedOperationError(
      'lock',
      'stats',
      `${address} did not report its start time (stats time and uptime), which lock fencing ` +
        'tokens carry so that they keep growing across a restart; connect to memcached directly, ' +
        'not through a proxy',
    );
  }
  return BigInt(time) - BigInt(uptime);
}
