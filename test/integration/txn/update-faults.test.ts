import { afterEach, describe, expect, it } from 'vitest';
import {
  constant,
  createClient,
  IndeterminateWriteError,
  type Client,
} from '../../../src/index.js';
import { useMemcached } from '../../helpers/use-memcached.js';

const cluster = useMemcached(1);
const clients: Client[] = [];
const open = (): Client => {
  const c = createClient({ servers: [cluster.nodes[0]!.address], timeoutMs: 200 });
  clients.push(c);
  return c;
};

afterEach(async () => {
  cluster.nodes[0]!.resume();
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

describe('update() when a write answer is lost', () => {
  it('rejects with IndeterminateWriteError and does not run fn again', async () => {
    const client = open();
    await client.set('profile', { name: 'Alice' });
    let calls = 0;
    const err = await client
      .update<{ name: string }>('profile', async (cur) => {
        calls++;
        // The write is sent to a stopped node: its fate is unknown.
        await cluster.nodes[0]!.pause();
        return { ...cur!, name: 'Alice Smith' };
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IndeterminateWriteError);
    expect(calls).toBe(1);
  });

  it('with idempotent: true, reads again and carries on', async () => {
    const client = open();
    await client.set('profile', { name: 'Alice' });
    const seen: unknown[] = [];
    const r = await client.update<{ name: string }>(
      'profile',
      async (cur, ctx) => {
        seen.push(cur);
        if (ctx.attempt === 1) {
          await cluster.nodes[0]!.pause();
          setTimeout(() => cluster.nodes[0]!.resume(), 300);
        }
        return { ...cur!, name: 'Alice Smith' };
      },
      { idempotent: true, policy: constant({ delayMs: 400 }) },
    );
    expect(r.outcome).toBe('updated');
    expect(r.attempts).toBe(2);
    // memcached applied the lost write once it resumed; the second attempt saw it.
    expect(seen).toEqual([{ name: 'Alice' }, { name: 'Alice Smith' }]);
    expect(await client.get('profile')).toEqual({ name: 'Alice Smith' });
  });
});

describe('update() when the client closes', () => {
  it('an update sleeping in backoff rejects with ClientClosedError and opens no new connection', async () => {
    const client = open();
    const other = open();
    await client.set('hot', 0);
    const pending = client.update<number>(
      'hot',
      async (n, ctx) => {
        if (ctx.attempt === 1) await other.set('hot', 100);
        return n! + 1;
      },
      { policy: constant({ delayMs: 300 }) },
    );
    await new Promise((r) => setTimeout(r, 50));
    await client.close();
    await expect(pending).rejects.toMatchObject({ name: 'ClientClosedError' });
  });
});
