// withLock must not resolve with fn's result although the lock was taken over
// while fn ran, when no extension happened to run between the takeover and
// fn's end (a pause: GC, SIGSTOP, a long synchronous step). Its own release then
// finds the lock lost: that answer must make withLock reject. Found by review.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, LockLostError } from '../../../src/index.js';
import { MemcachedNode } from '../../helpers/memcached-node.js';

const taker = fileURLToPath(new URL('../../helpers/lock-taker.ts', import.meta.url));
let node: MemcachedNode;
beforeAll(async () => {
  node = await MemcachedNode.start();
});
afterAll(async () => {
  await node.stop();
});

describe('withLock and a pause inside fn', () => {
  it('rejects with LockLostError when another holder took the lock while fn was paused', async () => {
    const client = createClient({ servers: [node.address] });
    // Another process waits for the lock.
    let other: Promise<string> | undefined;
    const result = await client
      .withLock(
        'paused',
        async () => {
          other = new Promise((resolve, reject) =>
            execFile(
              process.execPath,
              ['--import', 'tsx', taker, node.address, 'paused'],
              (e, out) => (e ? reject(e) : resolve(out)),
            ),
          );
          await new Promise((r) => setTimeout(r, 300)); // the other process is up and waiting
          // A pause past the TTL (1 s; 2 s on the server): a synchronous step, a GC, SIGSTOP.
          const until = Date.now() + 3500;
          while (Date.now() < until) {
            /* paused */
          }
          return 'done'; // fn ends right after the pause, before any extension runs
        },
        { ttlMs: 1000, waitMs: 0 },
      )
      .catch((e: unknown) => e);
    const taken = JSON.parse(await other!) as { token: string };
    expect(BigInt(taken.token)).toBeGreaterThan(0n); // the other process did take the lock
    expect(result).toBeInstanceOf(LockLostError);
    await client.close();
  }, 30_000);
});
