/**
 * Starts throwaway memcached processes on free loopback ports for the
 * examples, and stops them when the example ends, fails or is interrupted
 * (Ctrl+C). Nothing here is part of memcas: it only needs a `memcached`
 * binary (MEMCACHED_BIN, or `memcached` on PATH).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createServer, connect } from 'node:net';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** How to get memcached, for messages. */
export const INSTALL_HINT =
  'install memcached (Debian/Ubuntu: sudo apt-get install -y memcached; macOS: brew install memcached) or set MEMCACHED_BIN';

/** The memcached binary: MEMCACHED_BIN, or `memcached` on PATH; undefined when there is none. */
export function findMemcached(): string | undefined {
  const candidates = process.env.MEMCACHED_BIN
    ? [process.env.MEMCACHED_BIN]
    : [
        ...(process.env.PATH ?? '').split(delimiter),
        '/usr/bin',
        '/usr/local/bin',
        '/opt/homebrew/bin',
      ]
        .filter(Boolean)
        .map((dir) => join(dir, 'memcached'));
  return candidates.find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

const running = new Set<ChildProcess>();
// Children are killed however the example ends: normally, by an error, or by Ctrl+C.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (process.listenerCount(signal) > 0) return; // the example handles it and exits itself
    if (running.size > 0) console.error(`\n${signal}: stopping the local memcached nodes`);
    process.exit(130);
  });
}

/** One local memcached process. */
export class LocalMemcached {
  private child: ChildProcess | undefined;

  private constructor(
    private readonly bin: string,
    /** The TCP port, kept across {@link LocalMemcached.restart}. */
    readonly port: number,
  ) {}

  /** `127.0.0.1:port`, as the client's `servers` option takes it. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Starts memcached on a free port and waits until it answers. */
  static async start(bin: string): Promise<LocalMemcached> {
    for (let attempt = 1; ; attempt++) {
      const node = new LocalMemcached(bin, await freePort());
      try {
        await node.launch();
        return node;
      } catch (err) {
        // Another process may have taken the port between asking and binding.
        if (attempt === 3) throw err;
      }
    }
  }

  /** SIGKILL: the node vanishes with its data, as in a crash. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    running.delete(child);
    this.child = undefined;
  }

  /** Starts the process again on the same port, empty. */
  async restart(): Promise<void> {
    await this.kill();
    await this.launch();
  }

  private async launch(): Promise<void> {
    const args = ['-l', '127.0.0.1', '-p', String(this.port), '-U', '0', '-m', '64'];
    // memcached refuses to run as root unless told which user to be.
    if (process.getuid?.() === 0) args.push('-u', 'root');
    const child = spawn(this.bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', (err) => (stderr += err.message));
    this.child = child;
    running.add(child);
    for (const deadline = Date.now() + 5000; Date.now() < deadline; await sleep(20)) {
      if (child.exitCode !== null) break;
      if (await answers(this.port)) return;
    }
    await this.kill();
    throw new Error(
      `memcached on port ${this.port} did not start: ${stderr.trim() || 'no answer in 5 s'}`,
    );
  }
}

/** Starts `count` nodes; throws (saying how to install it) when memcached is missing. */
export async function startLocalMemcached(count: number): Promise<LocalMemcached[]> {
  const bin = findMemcached();
  if (!bin) throw new Error(`memcached was not found: ${INSTALL_HINT}`);
  return Promise.all(Array.from({ length: count }, () => LocalMemcached.start(bin)));
}

/** Stops every node this process started. */
export async function stopLocalMemcached(nodes: readonly LocalMemcached[]): Promise<void> {
  await Promise.all(nodes.map((n) => n.kill()));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** True once something on the port answers memcached's text `version` command. */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(200, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('version\r\n'));
    socket.once('data', (d) => done(d.toString().startsWith('VERSION')));
  });
}
