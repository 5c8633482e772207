import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureMemcached, ensureTool } from './memcached-binary.js';

/** Options of {@link startMemcached}. */
export interface MemcachedNodeOptions {
  /** Extra command-line flags (e.g. `['-I', '2m']`). */
  readonly args?: readonly string[];
  /** Memory limit in MiB. Default 64. */
  readonly memoryMb?: number;
  /** Require SASL (-S) with this one user. */
  readonly sasl?: { readonly username: string; readonly password: string };
  /** Serve TLS only (-Z) with this certificate chain and key (PEM files). */
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
  /** The loopback address to listen on. Default 127.0.0.1. */
  readonly host?: string;
  /** A fixed port (no retry on another one if it is taken). Default: a free port. */
  readonly port?: number;
}

const running = new Set<MemcachedNode>();
process.once('exit', () => {
  for (const node of running) node.process?.kill('SIGKILL');
});

/** The state letter of a process from /proc (Linux), or undefined elsewhere. */
function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).charAt(0);
  } catch {
    return undefined;
  }
}

/** A free TCP port on 127.0.0.1 (free when asked; memcached binds it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() =>
        typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Resolves true once something on the port answers the text `version` command. */
function answers(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(port, host);
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('error', () => done(false));
    sock.once('connect', () => sock.write('version\r\n'));
    // A node with ASCII authentication (-Y) answers before a login, refusing.
    sock.once('data', (d) => done(/^(VERSION|CLIENT_ERROR unauthenticated)/.test(d.toString())));
  });
}

/** Resolves true once the port accepts a TCP connection (for SASL or TLS nodes, which won't answer plain text). */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(port, host);
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

/** Writes a SASL config and sasldb with one user (Debian's saslpasswd2); returns the config folder. */
function saslConfig(username: string, password: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'memcas-sasl-'));
  const db = join(dir, 'sasldb2');
  const made = spawnSync(
    ensureTool('saslpasswd2', ['sasl2-bin', 'libsasl2-modules']),
    ['-a', 'memcached', '-c', '-p', '-f', db, username],
    {
      input: password,
    },
  );
  if (made.status !== 0) throw new Error(`saslpasswd2 failed: ${made.stderr.toString()}`);
  writeFileSync(join(dir, 'memcached.conf'), `mech_list: plain\nsasldb_path: ${db}\n`);
  return dir;
}

/**
 * One memcached process on a loopback port, for tests, benchmarks and the demo.
 * It can be killed, paused, resumed and restarted on the same port.
 */
export class MemcachedNode {
  /** 127.0.0.1 unless the options named another loopback address. */
  readonly host: string;
  /** The child process while running. */
  process: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    private readonly bin: string,
    private readonly options: MemcachedNodeOptions,
  ) {
    this.host = options.host ?? '127.0.0.1';
  }

  /** `host:port`. */
  get address(): string {
    return `${this.host}:${this.port}`;
  }

  /** Starts memcached on a free port and waits until it answers. */
  static async start(options: MemcachedNodeOptions = {}): Promise<MemcachedNode> {
    const bin = ensureMemcached();
    if (options.port !== undefined) {
      const node = new MemcachedNode(options.port, bin, options);
      await node.launch();
      return node;
    }
    for (let attempt = 1; ; attempt++) {
      const node = new MemcachedNode(await freePort(), bin, options);
      try {
        await node.launch();
        return node;
      } catch (err) {
        if (attempt >= 5) throw err;
      }
    }
  }

  /** Starts the process again on the same port (after {@link MemcachedNode.kill} or {@link MemcachedNode.stop}). */
  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  /** SIGKILL: the node vanishes, its data with it. */
  async kill(): Promise<void> {
    await this.signalAndWait('SIGKILL');
  }

  /** SIGSTOP: the node holds connections but answers nothing. Resolves once it is stopped. */
  async pause(): Promise<void> {
    const pid = this.process?.pid;
    if (pid === undefined) return;
    this.process?.kill('SIGSTOP');
    // The signal lands asynchronously; wait until the kernel shows the process stopped.
    for (let i = 0; i < 200 && processState(pid) !== 'T'; i++) await sleep(5);
  }

  /** SIGCONT after {@link MemcachedNode.pause}. */
  resume(): void {
    this.process?.kill('SIGCONT');
  }

  /** Stops the process (SIGKILL after resuming it, so a paused node stops too). */
  async stop(): Promise<void> {
    this.resume();
    await this.signalAndWait('SIGKILL');
  }

  private async signalAndWait(signal: NodeJS.Signals): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
    this.process = undefined;
    running.delete(this);
  }

  private async launch(): Promise<void> {
    const args = [
      '-l',
      this.host,
      '-p',
      String(this.port),
      '-U',
      '0',
      '-m',
      String(this.options.memoryMb ?? 64),
    ];
    if (process.getuid?.() === 0) args.push('-u', 'root');
    const env = { ...process.env };
    if (this.options.sasl) {
      args.push('-S');
      env.SASL_CONF_PATH = saslConfig(this.options.sasl.username, this.options.sasl.password);
    }
    if (this.options.tls) {
      const { certFile, keyFile } = this.options.tls;
      args.push('-Z', '-o', `ssl_chain_cert=${certFile},ssl_key=${keyFile}`);
    }
    args.push(...(this.options.args ?? []));
    const child = spawn(this.bin, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    this.process = child;
    running.add(this);
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) break;
      const ready =
        this.options.sasl || this.options.tls
          ? await accepts(this.host, this.port)
          : await answers(this.host, this.port, 200);
      if (ready) return;
      await sleep(20);
    }
    await this.stop();
    throw new Error(
      `memcached on port ${this.port} did not start: ${stderr.trim() || 'no answer in 5 s'}`,
    );
  }
}

/** Starts `count` memcached nodes. */
export async function startMemcached(
  count = 1,
  options: MemcachedNodeOptions = {},
): Promise<MemcachedNode[]> {
  return Promise.all(Array.from({ length: count }, () => MemcachedNode.start(options)));
}

/** Stops every node started by this process. */
export async function stopAllMemcached(): Promise<void> {
  await Promise.all([...running].map((n) => n.stop()));
}
