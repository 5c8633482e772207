import { describe, expect, it } from 'vitest';
import {
  createClient,
  MemoryStore,
  type Client,
  type ClientOptions,
  type Protocol,
} from '../../../src/index.js';
import { FaultProxy } from '../../helpers/fault-proxy.js';
import { useMemcached } from '../../helpers/use-memcached.js';

// Edge cases of getOrCompute found in review, each on real memcached (and the embedded store where it applies).
const memcached = useMemcached(1);

/** A promise with its resolve at hand. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

type Backend = Protocol | 'embedded';
const BACKENDS: readonly Backend[] = ['meta', 'binary', 'text', 'embedded'];

function clientsOn(backend: Backend): {
  make: (options?: ClientOptions) => Client;
  clients: Client[];
} {
  const store = new MemoryStore();
  const clients: Client[] = [];
  const make = (options: ClientOptions = {}): Client => {
    const c =
      backend === 'embedded'
        ? createClient({ memory: store, ...options })
        : createClient({ servers: [memcached.nodes[0]!.address], protocol: backend, ...options });
    clients.push(c);
    return c;
  };
  return { make, clients };
}

let unique = 0;
const keyFor = (name: string): string => `${name}-${process.pid}-${Date.now()}-${unique++}`;

describe('getOrCompute edge cases', () => {
  it('meta: a plain get() of an invalidated key does not take its recompute away for good', async () => {
    const { make, clients } = clientsOn('meta');
    const [a, b] = [make(), make()];
    try {
      const key = keyFor('thief');
      await a.getOrCompute(key, () => 'v1');
      await a.invalidate(key);
      // A plain read (get, gets, update's read) over meta: memcached hands it the stale item's win.
      expect(await b.get(key)).toBe('v1');
      const r = await a.getOrCompute(key, () => 'v2', { leaseMs: 1000, waitMs: 6000 });
      expect(r).toMatchObject({ value: 'v2', stored: true });
      expect((await a.getOrCompute(key, () => 'v3')).value).toBe('v2');
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  }, 15_000);

  it.each(['binary', 'text'] as const)(
    '%s: a lease whose write fails (value too large in its envelope) is freed at once',
    async (protocol) => {
      const { make, clients } = clientsOn(protocol);
      const [a, b] = [make(), make()];
      try {
        const key = keyFor('big');
        // Fits memcas's own size check (as a plain set), but not once wrapped in the 36-byte envelope.
        let size = 1024 * 1024;
        while (size > 0) {
          try {
            await a.set(key, 'x'.repeat(size), { codec: stringCodecLike });
            break;
          } catch {
            size -= 1;
          }
        }
        await a.delete(key);
        await expect(
          a.getOrCompute(key, () => 'x'.repeat(size), { codec: stringCodecLike }),
        ).rejects.toThrow();
        const t0 = Date.now();
        const r = await b.getOrCompute(key, () => 'small', {
          codec: stringCodecLike,
          waitMs: 1000,
          onWaitTimeout: 'fail',
        });
        expect(r).toMatchObject({ outcome: 'computed', reason: 'miss', stored: true });
        expect(Date.now() - t0).toBeLessThan(900);
      } finally {
        await Promise.all(clients.map((c) => c.close()));
      }
    },
    30_000,
  );

  for (const backend of BACKENDS) {
    it(`${backend}: a call joining after every earlier caller aborted gets the value, not their abort`, async () => {
      const { make, clients } = clientsOn(backend);
      const [holder, client] = [make(), make()];
      try {
        const key = keyFor('abandoned');
        const computing = gate();
        const release = gate();
        const held = holder.getOrCompute(key, async () => {
          computing.open();
          await release.promise;
          return 'from-holder';
        });
        await computing.promise;
        const ac = new AbortController();
        const first = client.getOrCompute(key, () => 'mine', { signal: ac.signal });
        await new Promise((r) => setTimeout(r, 50));
        ac.abort(new Error('first caller gave up'));
        const second = client.getOrCompute(key, () => 'mine');
        await expect(first).rejects.toThrow('first caller gave up');
        setTimeout(release.open, 50);
        expect((await second).value).toBe('from-holder');
        await held;
      } finally {
        await Promise.all(clients.map((c) => c.close()));
      }
    });

    it(`${backend}: a call whose signal has already aborted neither takes the lease nor computes`, async () => {
      const { make, clients } = clientsOn(backend);
      const [client, other] = [make(), make()];
      try {
        const key = keyFor('pre-aborted');
        let computes = 0;
        const ac = new AbortController();
        ac.abort(new Error('cancelled before the call'));
        await expect(
          client.getOrCompute(key, () => ++computes, { signal: ac.signal }),
        ).rejects.toThrow('cancelled before the call');
        await new Promise((r) => setTimeout(r, 50));
        const r = await other.getOrCompute(key, () => 100, { waitMs: 500, onWaitTimeout: 'fail' });
        expect(r).toMatchObject({ outcome: 'computed', value: 100, stored: true });
        expect(computes).toBe(0);
      } finally {
        await Promise.all(clients.map((c) => c.close()));
      }
    });

    it(`${backend}: a compute that hangs past its lease does not hold later calls in its client for ever`, async () => {
      const { make, clients } = clientsOn(backend);
      const [hung, other] = [make({ drainTimeoutMs: 100 }), make()];
      try {
        const key = keyFor('hung-lease');
        const started = gate();
        void hung.getOrCompute(
          key,
          () => {
            started.open();
            return new Promise<string>(() => {});
          },
          { leaseMs: 500 },
        );
        await started.promise;
        // Another process takes the lease over once it has ended, and writes the value.
        const r = await other.getOrCompute(key, () => 'from-other', { waitMs: 5000 });
        expect(r).toMatchObject({ value: 'from-other', stored: true });
        const later = await Promise.race([
          hung.getOrCompute(key, () => 'again').then((x) => x.value),
          new Promise((res) => setTimeout(() => res('still waiting'), 2000)),
        ]);
        expect(later).toBe('from-other');
      } finally {
        await Promise.all(clients.map((c) => c.close()));
      }
    }, 20_000);

    it(`${backend}: a lease won after every caller left is given back, not computed for nobody`, async () => {
      const { make, clients } = clientsOn(backend);
      const [client, other] = [make(), make()];
      try {
        const key = keyFor('left');
        let computes = 0;
        const ac = new AbortController();
        const call = client.getOrCompute(key, () => ++computes, { signal: ac.signal });
        // The read is on its way; the only caller leaves before it is answered.
        ac.abort(new Error('caller left'));
        await expect(call).rejects.toThrow('caller left');
        await new Promise((r) => setTimeout(r, 100));
        const r = await other.getOrCompute(key, () => 100, { waitMs: 500, onWaitTimeout: 'fail' });
        expect(r).toMatchObject({ outcome: 'computed', value: 100, stored: true });
        expect(computes).toBe(0);
      } finally {
        await Promise.all(clients.map((c) => c.close()));
      }
    });

    it(`${backend}: close() settles a call whose compute never settles`, async () => {
      const { make } = clientsOn(backend);
      const client = make({ drainTimeoutMs: 200 });
      const key = keyFor('hung');
      const started = gate();
      const call = client.getOrCompute(key, () => {
        started.open();
        return new Promise<string>(() => {});
      });
      await started.promise;
      const closed = client.close();
      const outcome = await Promise.race([
        call.then(
          () => 'resolved',
          (e: unknown) => (e as Error).name,
        ),
        new Promise((r) => setTimeout(() => r('still pending'), 2000)),
      ]);
      await closed;
      expect(outcome).toBe('ClientClosedError');
    }, 15_000);
  }

  describe('meta: the connection a lease was won on is lost and made again before its write', () => {
    /** Resets the client's connection through the proxy, and waits until a read went over a new one. */
    async function reconnect(client: Client, proxy: FaultProxy): Promise<void> {
      proxy.resetAll();
      for (let i = 0; ; i++) {
        try {
          await client.get(keyFor('reconnected'));
          return;
        } catch (error) {
          // The reset may not have reached the client's socket yet: the read failed on the old one.
          if (i === 5) throw error;
          await new Promise((r) => setTimeout(r, 10));
        }
      }
    }

    async function withProxy(
      run: (client: Client, other: Client, proxy: FaultProxy) => Promise<void>,
    ): Promise<void> {
      const proxy = await FaultProxy.start({ target: memcached.nodes[0]!.address });
      const { make, clients } = clientsOn('meta');
      const client = createClient({ servers: [proxy.address], protocol: 'meta' });
      clients.push(client);
      try {
        await run(client, make(), proxy);
      } finally {
        await Promise.all(clients.map((c) => c.close()));
        await proxy.close();
      }
    }

    // Another caller must not wait out the 3 s lease: it wins the key again at once.
    const prompt = { staleSeconds: 0, waitMs: 1500, onWaitTimeout: 'fail' } as const;

    it.each(['miss', 'invalidated'] as const)(
      'a lease won on a %s frees the key for the next caller at once, without writing over anything',
      async (reason) => {
        await withProxy(async (client, other, proxy) => {
          const key = keyFor(`lease-reconnect-${reason}`);
          if (reason === 'invalidated') {
            await client.getOrCompute(key, () => 'v0');
            await client.invalidate(key);
          }
          const r = await client.getOrCompute(
            key,
            async () => {
              await reconnect(client, proxy);
              return 'v1';
            },
            { leaseMs: 3000, staleSeconds: 0 },
          );
          expect(r).toMatchObject({ outcome: 'computed', reason, value: 'v1' });
          const next = await other.getOrCompute(key, () => 'v2', prompt);
          expect(next.value).toBe(r.outcome === 'computed' && r.stored ? 'v1' : 'v2');
        });
      },
      10_000,
    );

    it('a compute that throws after the reconnect frees the key for the next caller at once', async () => {
      await withProxy(async (client, other, proxy) => {
        const key = keyFor('lease-reconnect-throws');
        await expect(
          client.getOrCompute(
            key,
            async () => {
              await reconnect(client, proxy);
              throw new Error('compute failed');
            },
            { leaseMs: 3000 },
          ),
        ).rejects.toThrow('compute failed');
        const next = await other.getOrCompute(key, () => 'v2', prompt);
        expect(next).toMatchObject({ outcome: 'computed', value: 'v2', stored: true });
      });
    }, 10_000);

    it('a newer value written while the lease was held is kept, and a later invalidation too', async () => {
      await withProxy(async (client, other, proxy) => {
        const key = keyFor('lease-reconnect-newer');
        const r = await client.getOrCompute(
          key,
          async () => {
            await other.set(key, 'newer');
            await reconnect(client, proxy);
            return 'late';
          },
          { leaseMs: 3000 },
        );
        expect(r).toMatchObject({ value: 'late', stored: false });
        expect(await other.get(key)).toBe('newer');
        const invalidated = keyFor('lease-reconnect-invalidated');
        const late = await client.getOrCompute(
          invalidated,
          async () => {
            await other.invalidate(invalidated);
            await reconnect(client, proxy);
            return 'late';
          },
          { leaseMs: 3000 },
        );
        expect(late).toMatchObject({ outcome: 'computed', stored: false });
        // The invalidation stands: the next reader recomputes.
        const next = await other.getOrCompute(invalidated, () => 'fresh', prompt);
        expect(next).toMatchObject({ outcome: 'computed', value: 'fresh' });
      });
    }, 10_000);
  });
});

/** Strings as UTF-8 with flags 2 (a codec of its own, so nothing depends on the client's default). */
const stringCodecLike = {
  name: 'utf8-test',
  flags: 2,
  encode: (v: string): Buffer => Buffer.from(v),
  decode: (b: Buffer): string => b.toString(),
};
