// withLock's signal must abort by the lock's own deadline when no extension
// reaches the node. It aborted only when an extension settled: one that hangs
// (a partition between this client and the node) failed only by its timeout,
// up to timeoutMs after another holder could have the lock. Found by review.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { constant, createClient } from '../../../src/index.js';
import { FaultProxy } from '../../helpers/fault-proxy.js';
import { MemcachedNode } from '../../helpers/memcached-node.js';

let node: MemcachedNode;
let proxy: FaultProxy;
beforeAll(async () => {
  node = await MemcachedNode.start();
  proxy = await FaultProxy.start({ target: node.address });
});
afterAll(async () => {
  await proxy.close();
  await node.stop();
});

describe('withLock under a partition between the holder and the node', () => {
  it("aborts fn's signal no later than another holder can take the lock", async () => {
    const holder = createClient({ servers: [proxy.address], timeoutMs: 3000 });
    const other = createClient({ servers: [node.address] });
    const t0 = performance.now();
    let abortedAt = Infinity;
    let takenAt = Infinity;
    await holder
      .withLock(
        'part',
        async (_lock, signal) => {
          signal.addEventListener('abort', () => (abortedAt = performance.now() - t0));
          proxy.partition(6000); // this holder's requests now hang until they time out
          const next = await other.lock('part', {
            waitMs: 5000,
            policy: constant({ delayMs: 20 }),
          });
          takenAt = performance.now() - t0;
          await new Promise((r) => setTimeout(r, 2500));
          await next.release();
        },
        { ttlMs: 1000 },
      )
      .catch(() => undefined);
    expect(abortedAt).toBeLessThanOrEqual(takenAt);
    await holder.close();
    await other.close();
  }, 20_000);
});
