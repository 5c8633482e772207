// client.close() during a lock acquisition or a withLock must not leave the lock
// item behind, held by nobody, until its TTL (it did: the acquisition's follow-up
// requests and withLock's release failed with ClientClosedError and were
// swallowed; close() drained update() calls, not locks). Found by review.
import { describe, expect, it } from 'vitest';
import { createClient, type Client, type Protocol } from '../../../src/index.js';
import { useNodeClients } from '../../helpers/use-node-clients.js';

const local = useNodeClients();
const open = (protocol: Protocol): Client => local.open({ protocol });

describe.each(['meta', 'binary', 'text'] as const)('over %s', (protocol) => {
  it('close() while withLock runs: the lock is released, not left until its TTL', async () => {
    const a = createClient({ servers: [local.node.address], protocol });
    const b = open(protocol);
    const key = `wl-close-${protocol}`;
    let started!: () => void;
    const inFn = new Promise<void>((r) => (started = r));
    const run = a
      .withLock(
        key,
        async () => {
          started();
          await new Promise((r) => setTimeout(r, 200));
        },
        { ttlMs: 60_000 },
      )
      .catch(() => undefined);
    await inFn;
    await a.close(); // a graceful shutdown
    await run;
    const next = await b.lock(key, { waitMs: 500 }).catch((e: unknown) => e);
    expect(next).not.toBeInstanceOf(Error);
  });

  it('close() right after lock(): the lock is either handed out or not left behind', async () => {
    const a = createClient({ servers: [local.node.address], protocol });
    const b = open(protocol);
    const key = `lock-close-${protocol}`;
    const got = a.lock(key, { ttlMs: 60_000 }).catch((e: unknown) => e as Error);
    await a.close();
    const lock = await got;
    if (lock instanceof Error) {
      const next = await b.lock(key, { waitMs: 500 }).catch((e: unknown) => e);
      expect(next, `lock() failed with ${lock.name}`).not.toBeInstanceOf(Error);
    }
  });
});
