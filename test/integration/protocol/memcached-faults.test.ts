import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ConnectionError,
  createClient,
  IndeterminateWriteError,
  NodeUnavailableError,
  TimeoutError,
  ValueTooLargeError,
  type Client,
  type ClientOptions,
} from '../../../src/index.js';
import { MemcachedNode } from '../../helpers/memcached-node.js';
import { useMemcached } from '../../helpers/use-memcached.js';

const cluster = useMemcached(1);
const clients: Client[] = [];
function open(options: ClientOptions = {}): Client {
  const c = createClient({ servers: [cluster.nodes[0]!.address], ...options });
  clients.push(c);
  return c;
}

afterEach(async () => {
  const node = cluster.nodes[0]!;
  node.resume();
  if (!node.process) await node.restart();
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

describe('memcached node faults', () => {
  it("maps the server's own too-large answer to ValueTooLargeError", async () => {
    // A client configured above the server's -I: memcached refuses, and (its
    // own rule) unlinks the old item, which is why maxValueBytes must match -I.
    const client = open({ maxValueBytes: 4 * 1024 * 1024 });
    const twoMiB = Buffer.alloc(2 * 1024 * 1024, 1).toString('base64');
    const err = await client.set('big', twoMiB).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValueTooLargeError);
    expect((err as Error).message).toContain(cluster.nodes[0]!.address);
  });

  // memcached unlinks the old item when a write fails to allocate: a binary or
  // text SET, and every meta `ms` whatever its mode (proto_text.c), a CAS
  // compare included. memcas writes with REPLACE/cas on binary and text, and
  // over meta sends no write the node's item size limit (learned when the
  // connection opens) would refuse.
  it.each(['binary', 'meta', 'text'] as const)(
    'a cas or update() memcached would refuse as too large leaves the item in place (%s)',
    async (protocol) => {
      const client = open({ maxValueBytes: 4 * 1024 * 1024, protocol });
      await client.set('precious', 'keep me');
      const hit = await client.gets<string>('precious');
      const twoMiB = 'x'.repeat(2 * 1024 * 1024);
      await expect(client.cas('precious', twoMiB, hit!.cas)).rejects.toBeInstanceOf(
        ValueTooLargeError,
      );
      expect(await client.get('precious')).toBe('keep me');
      await expect(client.update<string>('precious', () => twoMiB)).rejects.toBeInstanceOf(
        ValueTooLargeError,
      );
      expect(await client.get('precious')).toBe('keep me');
      // A client's first request waits for its connection to open (and, over
      // meta, to learn the limit): a plain set, which memcached would answer
      // by dropping the item too.
      const fresh = open({ maxValueBytes: 4 * 1024 * 1024, protocol });
      await expect(fresh.set('precious', twoMiB)).rejects.toBeInstanceOf(ValueTooLargeError);
      if (protocol === 'meta') expect(await client.get('precious')).toBe('keep me');
    },
  );

  it('a value larger than maxValueBytes (a server with a larger -I) fails that read only: the node stays up, nothing is flushed', async () => {
    const big = await MemcachedNode.start({ args: ['-I', '2m'] });
    try {
      const writer = open({ servers: [big.address], maxValueBytes: 2 * 1024 * 1024 });
      const reader = open({ servers: [big.address], onNodeDown: 'rehash', failureThreshold: 1 });
      await writer.set('huge', 'x'.repeat(1536 * 1024));
      await writer.set('small', 'fine');
      for (let i = 0; i < 3; i++) {
        const [huge, small] = await Promise.allSettled([reader.get('huge'), reader.get('small')]);
        expect(huge.status === 'rejected' && huge.reason).toBeInstanceOf(ValueTooLargeError);
        expect(small).toEqual({ status: 'fulfilled', value: 'fine' });
      }
      expect(reader.nodes().map((n) => n.state)).toEqual(['up']);
      expect(await writer.get('small')).toBe('fine');
    } finally {
      await big.stop();
    }
  });

  it('round-trips a value near the 1 MiB item limit across many socket chunks', async () => {
    const client = open();
    const value = 'v'.repeat(1000 * 1000);
    await client.set('large', value);
    const [a, b] = await Promise.all([client.get('large'), client.get('large')]);
    expect(a).toBe(value);
    expect(b).toBe(value);
  });

  it('a paused node: a read rejects with TimeoutError naming node, op and key, within the timeout', async () => {
    const client = open({ timeoutMs: 200 });
    await client.set('k', 1);
    await cluster.nodes[0]!.pause();
    const started = performance.now();
    const err = await client.get('k').catch((e: unknown) => e);
    const elapsed = performance.now() - started;
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as Error).message).toContain(cluster.nodes[0]!.address);
    expect((err as Error).message).toContain('get "k"');
    expect(elapsed).toBeLessThan(200 + 300);
  });

  it('a paused node: a write rejects with IndeterminateWriteError, and is never sent twice', async () => {
    const client = open({ timeoutMs: 200 });
    await client.set('n', 0);
    await cluster.nodes[0]!.pause();
    const err = await client.incr('n', 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IndeterminateWriteError);
    expect((err as IndeterminateWriteError).key).toBe('n');
    cluster.nodes[0]!.resume();
    // memcached still holds the request it read before the pause and applies it
    // now; had memcas (or memjs) re-sent it, the counter would be 2.
    await sleep(200);
    expect(await client.get('n')).toBe(1);
  });

  it('after a pause, the next call opens a new connection and succeeds', async () => {
    const client = open({ timeoutMs: 200 });
    await client.set('k', 1);
    await cluster.nodes[0]!.pause();
    await expect(client.get('k')).rejects.toBeInstanceOf(TimeoutError);
    cluster.nodes[0]!.resume();
    expect(await client.get('k')).toBe(1);
  });

  it('a killed node: connection errors up to the threshold, then fast NodeUnavailableError, then back after a probe', async () => {
    const changes: string[] = [];
    const client = open({
      timeoutMs: 500,
      failureThreshold: 2,
      retryAfterMs: 50,
      onNodeStateChange: (c) => changes.push(c.state),
    });
    await client.set('k', 1);
    await cluster.nodes[0]!.kill();
    const started = performance.now();
    const first = await client.get('k').catch((e: unknown) => e);
    const second = await client.set('k', 2).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(ConnectionError);
    expect(second).toBeInstanceOf(ConnectionError);
    expect((second as ConnectionError).retryable).toBe(true);
    const third = await client.get('k').catch((e: unknown) => e);
    expect(third).toBeInstanceOf(NodeUnavailableError);
    expect((third as Error).message).toMatch(/marked down after 2 consecutive failures/);
    expect(performance.now() - started).toBeLessThan(400);
    await cluster.nodes[0]!.restart();
    await vi.waitFor(() => expect(changes).toEqual(['down', 'up']), {
      timeout: 2000,
      interval: 20,
    });
    expect(await client.get('k')).toBeUndefined();
    await client.set('k', 3);
    expect(await client.get('k')).toBe(3);
  });

  it('requests in flight when the node dies: writes are indeterminate, reads are connection errors', async () => {
    const client = open({ timeoutMs: 2000 });
    await client.set('k', 1);
    await cluster.nodes[0]!.pause();
    const read = client.get('k').catch((e: unknown) => e);
    const write = client.set('k', 2).catch((e: unknown) => e);
    await sleep(50);
    await cluster.nodes[0]!.kill();
    expect(await read).toBeInstanceOf(ConnectionError);
    expect(await write).toBeInstanceOf(IndeterminateWriteError);
  });
});
