import { afterEach, describe, expect, it } from 'vitest';
import {
  createClient,
  LockLostError,
  NodeUnavailableError,
  type Client,
  type ClientOptions,
} from '../../../src/index.js';
import { useMemcached } from '../../helpers/use-memcached.js';

const cluster = useMemcached(4);

const clients: Client[] = [];
const open = (options: ClientOptions): Client => {
  const c = createClient(options);
  clients.push(c);
  return c;
};
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  for (const n of cluster.nodes) n.resume();
});

describe('locks fail closed when their key may have moved', () => {
  it('after a ring change, a lock taken before it is no longer honoured: extend and release are false, fenced writes are refused (moved)', async () => {
    const [a, b, c, d] = cluster.nodes;
    const client = open({ servers: [a!, b!, c!].map((n) => n.address) });
    await client.flush();
    const lock = await client.lock('moving');
    await client.set('data', 1, { fence: lock });
    client.addServer(d!.address);
    await expect(client.set('data', 2, { fence: lock })).rejects.toMatchObject({
      code: 'STALE_FENCE',
      reason: 'moved',
    });
    expect(await lock.extend()).toBe(false);
    expect(await lock.release()).toBe(false);
    // Nothing was written (read through the old ring: the data key may have moved too).
    expect(await open({ servers: [a!, b!, c!].map((n) => n.address) }).get('data')).toBe(1);
  });

  it("withLock aborts fn's signal with LockLostError (moved) when the ring changes while fn runs", async () => {
    const [a, b, c, d] = cluster.nodes;
    const client = open({ servers: [a!, b!, c!, d!].map((n) => n.address) });
    const err = await client
      .withLock(
        'moving:fn',
        async (_lock, signal) => {
          await client.removeServer(d!.address);
          await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
        },
        { extendEveryMs: 50 },
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockLostError);
    expect(err).toMatchObject({ code: 'LOCK_LOST', reason: 'moved', key: 'moving:fn' });
  });

  it("under onNodeDown 'fail', a lock whose node is down still fences writes to keys on other nodes", async () => {
    const client = open({
      servers: cluster.nodes.map((n) => n.address),
      failureThreshold: 1,
      timeoutMs: 200,
      retryAfterMs: 60_000,
    });
    const lock = await client.lock('far');
    const owner = cluster.nodes.find((n) => n.address === client.nodeFor('memcas-lock:far'))!;
    let key = 'elsewhere:0';
    for (let i = 1; client.nodeFor(key) === owner.address; i++) key = `elsewhere:${i}`;
    await owner.pause();
    await expect(client.get('memcas-lock:far')).rejects.toThrow();
    expect(client.nodes().find((n) => n.address === owner.address)?.state).toBe('down');
    await client.set(key, 'fenced', { fence: lock });
    expect(await client.get(key)).toBe('fenced');
    // The lock itself cannot be extended while its node is down.
    await expect(lock.extend()).rejects.toBeInstanceOf(NodeUnavailableError);
    owner.resume();
  });

  it("under onNodeDown 'rehash', a lock whose node is down is refused, not taken on a fallback node", async () => {
    const client = open({
      servers: cluster.nodes.map((n) => n.address),
      onNodeDown: 'rehash',
      failureThreshold: 1,
      timeoutMs: 200,
      retryAfterMs: 60_000,
    });
    const owner = cluster.nodes.find((n) => n.address === client.nodeFor('memcas-lock:down'))!;
    await owner.pause();
    // One timeout marks the node down (failureThreshold 1); ordinary keys move to a fallback.
    await expect(client.get('memcas-lock:down')).rejects.toThrow();
    expect(client.nodes().find((n) => n.address === owner.address)?.state).toBe('down');
    const err = await client.lock('down', { waitMs: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NodeUnavailableError);
    expect((err as NodeUnavailableError).node).toBe(owner.address);
    owner.resume();
  });
});
