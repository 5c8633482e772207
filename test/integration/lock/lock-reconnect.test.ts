// A lock's CAS token is tied to the connection it was read on; a
// reconnect (one request timing out, the server closing an idle connection) must not
// make a lock held on that node unextendable and unreleasable while the
// item is still this holder's (withLock reported LockLostError and the lock
// blocked everyone until its TTL). Found by review.
import { describe, expect, it } from 'vitest';
import { LockLostError, type Client, type Protocol } from '../../../src/index.js';
import { useNodeClients } from '../../helpers/use-node-clients.js';

const local = useNodeClients({}, { timeoutMs: 200 });
const open = (protocol: Protocol): Client => local.open({ protocol });

/** One request times out (the server stalls for a moment): the client drops the connection. */
async function hiccup(c: Client): Promise<void> {
  await local.node.pause();
  await c.get('anything').catch(() => undefined);
  local.node.resume();
}

describe.each(['meta', 'binary', 'text'] as const)('over %s', (protocol) => {
  it('a lock survives a reconnect to the same, never-restarted server: extend and release still work', async () => {
    const a = open(protocol);
    const b = open(protocol);
    const key = `job-${protocol}`;
    const lock = await a.lock(key, { ttlMs: 30_000 });
    await hiccup(a);
    // The server never restarted: the lock item is still this holder's (same value, same CAS).
    const item = await b.gets(`memcas-lock:${key}`, { codec: undefined });
    expect(item).toBeDefined();
    expect.soft(await lock.extend()).toBe(true);
    expect.soft(await lock.release()).toBe(true);
    // Otherwise the lock is stuck for its whole TTL (30 s here):
    const next = await b.lock(key, { waitMs: 1000 }).catch((e: unknown) => e);
    expect(next).not.toBeInstanceOf(Error);
  }, 15_000);

  it('withLock does not report the lock lost after a reconnect when nobody else took it', async () => {
    const a = open(protocol);
    const key = `wl-${protocol}`;
    const r = await a
      .withLock(
        key,
        async (_lock, signal) => {
          await hiccup(a);
          // the node is marked down for ~1 s, then extensions reach it again
          await new Promise((res) => setTimeout(res, 2500));
          return signal.aborted ? `aborted: ${(signal.reason as Error).name}` : 'ok';
        },
        { ttlMs: 6000, extendEveryMs: 100 },
      )
      .catch((e: unknown) => (e instanceof LockLostError ? `rejected: ${e.reason}` : e));
    expect(r).toBe('ok');
  }, 15_000);
});
