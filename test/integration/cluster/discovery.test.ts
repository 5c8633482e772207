import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createClient,
  DiscoveryError,
  InvalidArgumentError,
  NodeUnavailableError,
  type Client,
  type ClientOptions,
  type DiscoveryOptions,
  type MembershipChange,
} from '../../../src/index.js';
import { makeTestPki } from '../../helpers/certificates.js';
import { ConfigEndpoint, type ListedNode } from '../../helpers/config-endpoint.js';
import { freePort, MemcachedNode } from '../../helpers/memcached-node.js';
import { InMemoryOtel } from '../../helpers/otel.js';
import { useMemcached } from '../../helpers/use-memcached.js';

const cluster = useMemcached(4);
const INTERVAL = 50;
let endpoint: ConfigEndpoint;
const clients: Client[] = [];
let errors: DiscoveryError[] = [];
let changes: MembershipChange[] = [];

/** The first `n` nodes as the endpoint lists them (hostname and ip 127.0.0.1). */
const listed = (...indexes: number[]): ListedNode[] =>
  indexes.map((i) => ({ port: cluster.nodes[i]!.port }));
const addresses = (...indexes: number[]): string[] => indexes.map((i) => cluster.nodes[i]!.address);

function open(
  discovery: Partial<DiscoveryOptions> = {},
  servers?: string[],
  options: ClientOptions = {},
): Client {
  const c = createClient({
    ...(servers ? { servers } : {}),
    keyPrefix: 'disc:',
    ...options,
    discovery: {
      endpoint: endpoint.address,
      intervalMs: INTERVAL,
      timeoutMs: 200,
      onDiscoveryError: (e) => errors.push(e),
      onMembershipChange: (c) => changes.push(c),
      ...discovery,
    },
  });
  clients.push(c);
  return c;
}

/** Waits until the client lists exactly these nodes. */
async function until(client: Client, expected: string[]): Promise<void> {
  await vi.waitFor(
    () =>
      expect(
        client
          .nodes()
          .map((n) => n.address)
          .sort(),
      ).toEqual([...expected].sort()),
    { timeout: 3000, interval: 10 },
  );
}

/** Waits for `n` more polls of the endpoint. */
async function polls(n: number): Promise<void> {
  const target = endpoint.asked + n;
  await vi.waitFor(() => expect(endpoint.asked).toBeGreaterThanOrEqual(target), {
    timeout: 3000,
    interval: 5,
  });
}

beforeAll(async () => {
  endpoint = await ConfigEndpoint.start(1, []);
});
afterAll(() => endpoint.stop());
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  for (const n of cluster.nodes) n.resume();
  errors = [];
  changes = [];
});

describe('discovery: the configuration endpoint owns the membership', () => {
  it('builds the ring from config get cluster; ready() waits for it; keys spread over every node', async () => {
    endpoint.serve(1, listed(0, 1, 2));
    const client = open();
    await client.ready();
    expect(client.mode).toBe('memcached');
    expect(client.nodes().map((n) => n.address)).toEqual(addresses(0, 1, 2));
    const keys = Array.from({ length: 60 }, (_, i) => `k${i}`);
    await Promise.all(keys.map((k) => client.set(k, k)));
    expect((await client.getMany<string>(keys)).every((e) => e.status === 'hit')).toBe(true);
    expect(new Set(keys.map((k) => client.nodeFor(k))).size).toBe(3);
    expect(changes[0]).toEqual({ version: 1, added: addresses(0, 1, 2), removed: [] });
    expect(endpoint.commands.at(-1)).toBe('config get cluster');
  });

  it('before the first answer, operations fail fast with NodeUnavailableError, and ready() rejects with the DiscoveryError of a failed poll', async () => {
    endpoint.behaviour = 'silent';
    const client = open();
    await expect(client.get('k')).rejects.toThrow(NodeUnavailableError);
    await expect(client.get('k')).rejects.toThrow(/has not answered \(await client.ready\(\)\)/);
    const error = await client.ready().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscoveryError);
    expect((error as DiscoveryError).reason).toBe('timeout');
    expect((error as DiscoveryError).message).toMatch(/has no nodes yet/);
    endpoint.serve(1, listed(0, 1, 2));
    // A poll sent while the endpoint was silent may still time out: wait for a good one.
    await vi.waitFor(() => client.ready(), { timeout: 3000, interval: 20 });
    expect(await client.set('k', 1)).toBeDefined();
  });

  it('a higher version adds a node: only keys that now hash to it move, and a token read before the change is a conflict, not a write on another node', async () => {
    endpoint.serve(10, listed(0, 1, 2));
    const client = open();
    await client.ready();
    const keys = Array.from({ length: 2000 }, (_, i) => `move:${i}`);
    const before = keys.map((k) => client.nodeFor(k));
    await client.set('token-key', 'v1');
    const hit = (await client.gets<string>('token-key'))!;
    endpoint.serve(11, listed(0, 1, 2, 3));
    await until(client, addresses(0, 1, 2, 3));
    const moved = keys.filter((k, i) => client.nodeFor(k) !== before[i]);
    expect(moved.length / keys.length).toBeGreaterThan(0.15);
    expect(moved.length / keys.length).toBeLessThan(0.35);
    for (const k of moved) expect(client.nodeFor(k)).toBe(cluster.nodes[3]!.address);
    // The token was read before the change: never honoured after it, on any node.
    expect(await client.cas('token-key', 'v2', hit.cas)).toBe('conflict');
    expect(changes.at(-1)).toEqual({ version: 11, added: addresses(3), removed: [] });
  });

  it('an older or equal version is ignored, whatever it lists', async () => {
    endpoint.serve(20, listed(0, 1, 2));
    const otel = new InMemoryOtel();
    const client = createClient({
      discovery: { endpoint: endpoint.address, intervalMs: INTERVAL },
      meterProvider: otel.meterProvider,
    });
    clients.push(client);
    await client.ready();
    endpoint.serve(20, listed(3));
    await polls(2);
    endpoint.serve(19, listed(0));
    await polls(2);
    expect(client.nodes().map((n) => n.address)).toEqual(addresses(0, 1, 2));
    const points = await otel.points('memcas.discovery.polls');
    const count = (o: string): number =>
      (points.find((p) => p.attributes['memcas.discovery.outcome'] === o)?.value as number) ?? 0;
    expect(count('changed')).toBe(1);
    expect(count('unchanged')).toBeGreaterThanOrEqual(1);
    expect(count('stale')).toBeGreaterThanOrEqual(1);
    await otel.shutdown();
  });

  it('a removed node leaves after its request in flight settles: a read sent before the change is answered', async () => {
    endpoint.serve(30, listed(0, 1, 2));
    // The read waits for the paused node longer than the change takes.
    const client = open({}, undefined, { timeoutMs: 5000 });
    await client.ready();
    const victim = cluster.nodes[1]!;
    const key = Array.from({ length: 1000 }, (_, i) => `inflight:${i}`).find(
      (k) => client.nodeFor(k) === victim.address,
    )!;
    await client.set(key, 'still here');
    await victim.pause();
    const read = client.get<string>(key);
    endpoint.serve(31, listed(0, 2));
    await until(client, addresses(0, 2));
    victim.resume();
    await expect(read).resolves.toBe('still here');
    expect(client.nodeFor(key)).not.toBe(victim.address);
  });

  const failures: Array<[string, () => void, DiscoveryError['reason']]> = [
    [
      'garbage',
      () => (endpoint.behaviour = { garbage: 'HTTP/1.1 400 Bad Request\r\n\r\n' }),
      'malformed',
    ],
    [
      'a node list with no nodes',
      () => (endpoint.behaviour = { garbage: 'CONFIG cluster 0 4\r\n41\n\n\r\nEND\r\n' }),
      'malformed',
    ],
    [
      'a bad node entry',
      () =>
        (endpoint.behaviour = { garbage: 'CONFIG cluster 0 13\r\n42\nnot-a-node\n\r\nEND\r\n' }),
      'malformed',
    ],
    [
      'an unknown command (plain memcached)',
      () => (endpoint.behaviour = 'unknown-command'),
      'malformed',
    ],
    ['silence', () => (endpoint.behaviour = 'silent'), 'timeout'],
    ['hang-ups', () => (endpoint.behaviour = 'hang-up'), 'unreachable'],
  ];
  it.each(failures)(
    '%s: the last good membership stays, the failure is reported, and a later good answer applies',
    async (_, misbehave, reason) => {
      endpoint.serve(40, listed(0, 1, 2));
      const client = open();
      await client.ready();
      await client.set('during', 0);
      misbehave();
      await vi.waitFor(() => expect(errors.length).toBeGreaterThanOrEqual(2), { timeout: 3000 });
      expect(errors.every((e) => e.reason === reason)).toBe(true);
      expect(errors[0]!.message).toMatch(/keeps the 3 nodes of config version 40/);
      expect(client.nodes().map((n) => n.address)).toEqual(addresses(0, 1, 2));
      expect(await client.update<number>('during', (n) => n! + 1)).toMatchObject({ value: 1 });
      endpoint.serve(41, listed(0, 1, 2, 3));
      await until(client, addresses(0, 1, 2, 3));
    },
  );

  it('falls back to the legacy get AmazonElastiCache:cluster when config get cluster is unknown', async () => {
    endpoint.serve(50, listed(0, 1));
    endpoint.legacyOnly = true;
    try {
      const client = open();
      await client.ready();
      expect(client.nodes().map((n) => n.address)).toEqual(addresses(0, 1));
      expect(endpoint.commands.slice(-2)).toEqual([
        'config get cluster',
        'get AmazonElastiCache:cluster',
      ]);
    } finally {
      endpoint.legacyOnly = false;
    }
  });

  it('connects to the listed IP but names the node by hostname, so placement follows the name', async () => {
    const node = cluster.nodes[0]!;
    endpoint.serve(60, [
      { hostname: 'cache-0001.memcas.invalid', ip: '127.0.0.1', port: node.port },
    ]);
    const client = open();
    await client.ready();
    expect(client.nodes().map((n) => n.address)).toEqual([
      `cache-0001.memcas.invalid:${node.port}`,
    ]);
    await client.set('by-ip', 'reached');
    expect(await client.get('by-ip')).toBe('reached');
    // Listed by hostname only, it is reached through the name.
    endpoint.serve(61, [{ hostname: '127.0.0.1', ip: '', port: node.port }]);
    await until(client, [node.address]);
    expect(await client.get('by-ip')).toBe('reached');
  });

  it('with servers too, those are used until the first answer, which replaces them', async () => {
    endpoint.behaviour = 'silent';
    const client = open({}, addresses(3));
    await client.ready();
    expect(client.nodes().map((n) => n.address)).toEqual(addresses(3));
    await client.set('seeded', 1);
    endpoint.serve(70, listed(0, 1));
    await until(client, addresses(0, 1));
  });

  it("under 'rehash', a node listed again after it left is flushed before it serves: a key rewritten elsewhere meanwhile never reads its old value", async () => {
    endpoint.serve(75, listed(0, 1, 2));
    const client = open({}, undefined, { onNodeDown: 'rehash' });
    await client.ready();
    const away = cluster.nodes[1]!;
    const key = Array.from({ length: 1000 }, (_, i) => `rejoin:${i}`).find(
      (k) => client.nodeFor(k) === away.address,
    )!;
    await client.set(key, 'before it left');
    endpoint.serve(76, listed(0, 2));
    await until(client, addresses(0, 2));
    await client.set(key, 'written while it was away');
    endpoint.serve(77, listed(0, 1, 2));
    await until(client, addresses(0, 1, 2));
    // From the moment it is listed again until long after: never the value it held before.
    for (let i = 0; i < 20; i++) {
      expect(await client.get(key)).not.toBe('before it left');
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(client.nodeFor(key)).toBe(away.address);
    const direct = createClient({ servers: [away.address], keyPrefix: 'disc:' });
    clients.push(direct);
    expect(await direct.get(key)).toBeUndefined();
  });

  it('addServer and removeServer are refused: the endpoint owns the membership', async () => {
    endpoint.serve(80, listed(0));
    const client = open();
    await client.ready();
    expect(() => client.addServer(cluster.nodes[1]!.address)).toThrow(InvalidArgumentError);
    await expect(client.removeServer(cluster.nodes[0]!.address)).rejects.toThrow(
      /discovery endpoint/,
    );
  });

  it('close() stops polling: no poll after it, and ready() rejects', async () => {
    endpoint.serve(90, listed(0));
    const client = open();
    await client.ready();
    await polls(2);
    await client.close();
    const asked = endpoint.asked;
    await new Promise((r) => setTimeout(r, INTERVAL * 5));
    expect(endpoint.asked).toBe(asked);
    await expect(client.ready()).rejects.toThrow(/closed/i);
  });

  it('an unreachable endpoint (nothing listening) is reported as unreachable', async () => {
    const client = createClient({
      servers: addresses(0),
      discovery: {
        endpoint: `127.0.0.1:${await freePort()}`,
        intervalMs: INTERVAL,
        onDiscoveryError: (e) => errors.push(e),
      },
    });
    clients.push(client);
    await vi.waitFor(() => expect(errors.length).toBeGreaterThan(0), { timeout: 3000 });
    expect(errors[0]!.reason).toBe('unreachable');
    expect(errors[0]!.message).toMatch(/keeps the 1 nodes given in servers/);
    expect(await client.set('still', 1)).toBeDefined();
  });

  it('over TLS (the client tls option) the endpoint is asked with TLS too; a wrong CA is reported as unreachable', async () => {
    const pki = makeTestPki();
    const files = { certFile: pki.certFile, keyFile: pki.keyFile };
    const node = await MemcachedNode.start({ tls: files });
    const secure = await ConfigEndpoint.start(1, [{ port: node.port }], files);
    try {
      const client = createClient({
        tls: { ca: pki.ca },
        discovery: { endpoint: secure.address, intervalMs: INTERVAL },
      });
      clients.push(client);
      await client.ready();
      await client.set('over-tls', 'yes');
      expect(await client.get('over-tls')).toBe('yes');
      const wrong = createClient({
        tls: { ca: pki.otherCa },
        discovery: { endpoint: secure.address, intervalMs: INTERVAL },
      });
      clients.push(wrong);
      const error = await wrong.ready().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DiscoveryError);
      expect((error as DiscoveryError).reason).toBe('unreachable');
      expect((error as DiscoveryError).message).toMatch(/certificate/);
    } finally {
      await Promise.all(clients.splice(0).map((c) => c.close()));
      await secure.stop();
      await node.stop();
    }
  });

  it('over TLS a node listed as hostname|ip|port is reached at its IP but its certificate is checked against the hostname', async () => {
    // ElastiCache's node certificates name host names, not IPs.
    const pki = makeTestPki();
    const node = await MemcachedNode.start({
      tls: { certFile: pki.dnsOnlyCertFile, keyFile: pki.keyFile },
    });
    const secure = await ConfigEndpoint.start(
      1,
      [{ hostname: 'node.example', ip: '127.0.0.1', port: node.port }],
      { certFile: pki.certFile, keyFile: pki.keyFile },
    );
    try {
      const client = createClient({
        tls: { ca: pki.ca },
        discovery: { endpoint: secure.address, intervalMs: INTERVAL },
      });
      clients.push(client);
      await client.ready();
      expect(client.nodes().map((n) => n.address)).toEqual([`node.example:${node.port}`]);
      await client.set('named-cert', 'yes');
      expect(await client.get('named-cert')).toBe('yes');
    } finally {
      await Promise.all(clients.splice(0).map((c) => c.close()));
      await secure.stop();
      await node.stop();
    }
  });

  it('the polling timer does not keep the process alive: a child that never closes its client exits', async () => {
    endpoint.serve(100, listed(0));
    const script = fileURLToPath(new URL('../../helpers/discovery-child.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, endpoint.address], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(-1);
      }, 15_000);
      child.once('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(out).toContain('ready');
    expect(code).toBe(0);
  }, 20_000);
});
