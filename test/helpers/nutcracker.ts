import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll } from 'vitest';
import { ensureTool } from './memcached-binary.js';
import {
  freePort,
  startMemcached,
  type MemcachedNode,
  type MemcachedNodeOptions,
} from './memcached-node.js';

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Resolves true once the proxy answers a text `get` (so it listens and reaches a node). */
function answers(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    let reply = '';
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('error', () => done(false));
    sock.once('close', () => done(false));
    sock.once('connect', () => sock.write('get memcas:nutcracker:probe\r\n'));
    sock.on('data', (d: Buffer) => {
      reply += d.toString('latin1');
      if (reply.endsWith('\r\n')) done(reply === 'END\r\n');
    });
  });
}

/**
 * Debian's `nutcracker` (twemproxy 0.5), a memcached proxy that speaks the
 * classic text protocol only, on a free loopback port in front of memcached
 * nodes: one pool, md5 hashing, ketama distribution, weight 1 each. It is
 * installed with apt-get where it is missing and the tests run as root.
 */
export class Nutcracker {
  /** Always 127.0.0.1. */
  readonly host = '127.0.0.1';

  private constructor(
    readonly port: number,
    private readonly child: ChildProcess,
  ) {}

  /** `host:port`, to give memcas as its only server. */
  get address(): string {
    return `${this.host}:${this.port}`;
  }

  /** Starts nutcracker in front of `servers` and waits until it answers. */
  static async start(
    servers: ReadonlyArray<{ readonly host: string; readonly port: number }>,
  ): Promise<Nutcracker> {
    const bin = ensureTool('nutcracker', ['nutcracker']);
    for (let attempt = 1; ; attempt++) {
      try {
        return await Nutcracker.launch(bin, servers, await freePort(), await freePort());
      } catch (err) {
        if (attempt >= 5) throw err;
      }
    }
  }

  private static async launch(
    bin: string,
    servers: ReadonlyArray<{ readonly host: string; readonly port: number }>,
    port: number,
    statsPort: number,
  ): Promise<Nutcracker> {
    const dir = mkdtempSync(join(tmpdir(), 'memcas-nutcracker-'));
    const conf = join(dir, 'nutcracker.yml');
    const log = join(dir, 'nutcracker.log');
    writeFileSync(
      conf,
      [
        'memcas:',
        `  listen: 127.0.0.1:${port}`,
        '  hash: md5',
        '  distribution: ketama',
        // A node that stops answering fails the request instead of holding it forever.
        '  timeout: 5000',
        // The tests stop nodes on purpose; the pool must not change under them.
        '  auto_eject_hosts: false',
        '  servers:',
        ...servers.map((s) => `   - ${s.host}:${s.port}:1`),
        '',
      ].join('\n'),
    );
    // Its own stats port and log file: the defaults (22222, /var/log) are shared.
    const child = spawn(
      bin,
      ['-c', conf, '-o', log, '-s', String(statsPort), '-a', '127.0.0.1', '-v', '4'],
      { stdio: 'ignore' },
    );
    running.add(child);
    const proxy = new Nutcracker(port, child);
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && child.exitCode === null) {
      if (await answers(port, 200)) return proxy;
      await sleep(20);
    }
    await proxy.stop();
    let logged = '';
    try {
      logged = readFileSync(log, 'utf8').trim().split('\n').slice(-5).join('\n');
    } catch {
      // no log written
    }
    throw new Error(`nutcracker on port ${port} did not start: ${logged || 'no answer in 5 s'}`);
  }

  /** Stops the process. */
  async stop(): Promise<void> {
    const child = this.child;
    running.delete(child);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

/**
 * Removes every item from `nodes`, talking to them directly: twemproxy does
 * not pass `flush_all` on (it closes the connection).
 */
export async function flushNodes(nodes: readonly MemcachedNode[]): Promise<void> {
  await Promise.all(
    nodes.map(
      (n) =>
        new Promise<void>((resolve, reject) => {
          const sock = connect(n.port, n.host, () => sock.write('flush_all\r\n'));
          sock.once('error', reject);
          sock.once('data', (d: Buffer) => {
            sock.destroy();
            if (d.toString('latin1') === 'OK\r\n') resolve();
            else reject(new Error(`flush_all on ${n.address} answered ${d.toString('latin1')}`));
          });
        }),
    ),
  );
}

/**
 * Starts `count` memcached nodes and nutcracker in front of them before the
 * file's tests, and stops them all after. Read the fields inside tests or hooks.
 */
export function useNutcracker(
  count = 3,
  options: MemcachedNodeOptions = {},
): { readonly nodes: MemcachedNode[]; readonly proxy: Nutcracker } {
  const holder = { nodes: [] as MemcachedNode[], proxy: undefined as unknown as Nutcracker };
  beforeAll(async () => {
    holder.nodes = await startMemcached(count, options);
    holder.proxy = await Nutcracker.start(holder.nodes);
  }, 30_000);
  afterAll(async () => {
    await holder.proxy?.stop();
    await Promise.all(holder.nodes.map((n) => n.stop()));
  });
  return holder;
}
