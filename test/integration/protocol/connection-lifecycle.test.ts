import { spawn } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionError, createClient, type Client } from '../../../src/index.js';
import { useMemcached } from '../../helpers/use-memcached.js';

const cluster = useMemcached(1);
const child = fileURLToPath(new URL('../../helpers/close-idle-child.ts', import.meta.url));
const servers: Server[] = [];
const clients: Client[] = [];

afterEach(async () => {
  cluster.nodes[0]!.resume();
  await Promise.all(clients.splice(0).map((c) => c.close()));
  for (const s of servers.splice(0)) s.close();
});

/** A server that accepts and answers every chunk with `answer`, or not at all. */
async function fakeServer(onData: (socket: Socket, chunk: Buffer) => void): Promise<string> {
  const server = createServer((socket) => {
    socket.on('data', (chunk) => onData(socket, chunk));
    socket.on('error', () => undefined);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  return `127.0.0.1:${address.port}`;
}

describe('connection lifecycle', () => {
  it('the process exits after close() while its idle connection is to a stopped (SIGSTOP) node', async () => {
    const node = cluster.nodes[0]!;
    const proc = spawn(process.execPath, ['--import', 'tsx', child, node.address], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await expect.poll(() => out, { timeout: 15_000 }).toContain('ready');
    await node.pause();
    proc.stdin.write('close\n');
    const exited = await new Promise<number | null | 'hung'>((resolve) => {
      const timer = setTimeout(() => resolve('hung'), 5000);
      proc.once('exit', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
    if (exited === 'hung') proc.kill('SIGKILL');
    expect(out).toContain('closed');
    expect(exited).toBe(0);
  }, 30_000);

  it('connectTimeoutMs bounds SASL authentication as an absolute deadline, against a server that trickles bytes', async () => {
    // Answers the SASL mechanism list one byte every 100 ms: an idle timer never fires.
    const reply = Buffer.alloc(24 + 5);
    reply[0] = 0x81;
    reply[1] = 0x20;
    reply.writeUInt32BE(5, 8);
    reply.write('PLAIN', 24);
    const address = await fakeServer((socket) => {
      let i = 0;
      const timer = setInterval(() => {
        if (socket.destroyed || i >= reply.length) return clearInterval(timer);
        socket.write(reply.subarray(i, ++i));
      }, 100);
      socket.once('close', () => clearInterval(timer));
    });
    const client = createClient({
      servers: [address],
      protocol: 'binary',
      username: 'u',
      password: 'p',
      connectTimeoutMs: 400,
      timeoutMs: 400,
    });
    clients.push(client);
    const started = performance.now();
    const err = await client.get('k').catch((e: unknown) => e);
    const elapsed = performance.now() - started;
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as Error).message).toMatch(/within 400 ms/);
    // Bounds a hang (the trickle alone would take 2.9 s), not a speed.
    expect(elapsed).toBeLessThan(400 + 1000);
    const closing = performance.now();
    await client.close();
    expect(performance.now() - closing).toBeLessThan(1000);
  });

  it('a server that never answers the protocol check fails a write as not sent (ConnectionError), not as indeterminate', async () => {
    // memcached -B ascii reads binary requests as text and answers nothing.
    const address = await fakeServer(() => undefined);
    const client = createClient({
      servers: [address],
      protocol: 'binary',
      connectTimeoutMs: 300,
      timeoutMs: 300,
    });
    clients.push(client);
    const err = await client.set('k', 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as Error).message).toMatch(/not sent/);
    expect((err as Error).message).toMatch(/binary protocol/);
  });
});
