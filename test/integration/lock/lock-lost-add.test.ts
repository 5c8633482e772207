// When the answer to the acquiring `add` is lost (a timeout), lock() used to
// reject at once (no retry within waitMs), and if the add was applied the lock
// was held by nobody who could release it: everyone waited out its TTL. Found by review.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { type Client, type Lock, type Protocol } from '../../../src/index.js';
import { useNodeClients } from '../../helpers/use-node-clients.js';

const local = useNodeClients({}, { timeoutMs: 200 });
const open = (protocol: Protocol): Client => local.open({ protocol });

describe.each(['meta', 'binary', 'text'] as const)('over %s', (protocol) => {
  it('an acquisition whose add answer is lost either returns the lock or leaves none behind', async () => {
    const a = open(protocol);
    const b = open(protocol);
    const key = `lost-add-${protocol}`;
    await a.get('warm'); // connected, start time known
    await (await a.lock('warmup')).release();
    await local.node.pause();
    const acquiring = a.lock(key, { ttlMs: 30_000, waitMs: 5000 }).then(
      (l) => l,
      (e: unknown) => e as Error,
    );
    await sleep(350); // the add times out (200 ms) while the node is stopped
    local.node.resume(); // memcached then reads the add still in its socket buffer
    const got = await acquiring;
    await sleep(1200); // the node is marked down for a moment after the timeout
    if (got instanceof Error) {
      // No handle: then nobody may be left holding the lock.
      const other = await b.lock(key, { waitMs: 2000 }).catch((e: unknown) => e as Error);
      expect(other, `lock() failed with ${got.name}: ${got.message}`).not.toBeInstanceOf(Error);
    } else {
      expect(await (got as Lock).release()).toBe(true);
    }
  }, 20_000);
});
