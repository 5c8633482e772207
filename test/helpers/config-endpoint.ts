import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';

/** One node as the endpoint lists it. */
export interface ListedNode {
  /** Defaults to `127.0.0.1`. */
  readonly hostname?: string;
  /** Defaults to `127.0.0.1`; `''` lists the node by hostname only. */
  readonly ip?: string;
  readonly port: number;
}

/**
 * How the endpoint answers: `'serve'` the configuration; `'silent'` (reads,
 * never answers, keeps the connection open); `'hang-up'` (closes each
 * connection at once); `'unknown-command'` (`ERROR` to everything, as plain
 * memcached answers `config get cluster`); or `{ garbage }`, bytes sent as
 * the answer to each command.
 */
export type EndpointBehaviour =
  'serve' | 'silent' | 'hang-up' | 'unknown-command' | { readonly garbage: string };

/** ElastiCache's answer: `CONFIG cluster 0 <bytes>`, the version, the nodes, `END` (or the legacy VALUE form). */
export function configReply(version: number, nodes: readonly ListedNode[], legacy = false): string {
  const list = nodes
    .map((n) => `${n.hostname ?? '127.0.0.1'}|${n.ip ?? '127.0.0.1'}|${n.port}`)
    .join(' ');
  const value = `${version}\n${list}\n`;
  const header = legacy ? 'VALUE AmazonElastiCache:cluster' : 'CONFIG cluster';
  return `${header} 0 ${Buffer.byteLength(value)}\r\n${value}\r\nEND\r\n`;
}

/**
 * A configuration endpoint double in front of real local memcached nodes: it
 * speaks ElastiCache's `config get cluster` (and the legacy
 * `get AmazonElastiCache:cluster`) over text, and the test changes the node
 * list, the version and the behaviour (garbage, silence, hang-ups) at will.
 */
export class ConfigEndpoint {
  /** Always 127.0.0.1. */
  readonly host = '127.0.0.1';
  /** Commands received, in order. */
  readonly commands: string[] = [];
  /** How it answers now. */
  behaviour: EndpointBehaviour = 'serve';
  /** Answer `config get cluster` with `ERROR`, as an engine before 1.4.14 does (the legacy get still works). */
  legacyOnly = false;
  private version = 0;
  private nodes: readonly ListedNode[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    /** The port it listens on. */
    readonly port: number,
  ) {}

  /** `host:port`, for the client's `discovery.endpoint`. */
  get address(): string {
    return `${this.host}:${this.port}`;
  }

  /**
   * Listens on a free loopback port, serving `nodes` as config `version`;
   * with `tls`, over TLS only (ElastiCache's in-transit encryption).
   */
  static async start(
    version: number,
    nodes: readonly ListedNode[],
    tls?: { readonly certFile: string; readonly keyFile: string },
  ): Promise<ConfigEndpoint> {
    const server = tls
      ? createTlsServer({ cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) })
      : createServer({ noDelay: true });
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const addr = server.address();
        if (typeof addr === 'object' && addr) resolve(addr.port);
        else reject(new Error('no port'));
      });
    });
    const endpoint = new ConfigEndpoint(server, port);
    endpoint.serve(version, nodes);
    server.on(tls ? 'secureConnection' : 'connection', (socket: Socket) => endpoint.accept(socket));
    // A client that fails the handshake (a wrong CA) is just dropped.
    server.on('tlsClientError', () => undefined);
    return endpoint;
  }

  /** Serves a new node list under `version` (and goes back to the 'serve' behaviour). */
  serve(version: number, nodes: readonly ListedNode[]): void {
    this.version = version;
    this.nodes = nodes;
    this.behaviour = 'serve';
  }

  /** How many times the configuration was asked for. */
  get asked(): number {
    return this.commands.length;
  }

  /** Stops listening and drops every connection. */
  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => this.sockets.delete(socket));
    if (this.behaviour === 'hang-up') {
      socket.destroy();
      return;
    }
    let pending = '';
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      for (let eol = pending.indexOf('\r\n'); eol >= 0; eol = pending.indexOf('\r\n')) {
        const line = pending.slice(0, eol);
        pending = pending.slice(eol + 2);
        this.commands.push(line);
        this.answer(socket, line);
      }
    });
  }

  private answer(socket: Socket, line: string): void {
    const b = this.behaviour;
    if (b === 'silent') return;
    if (b === 'hang-up') {
      socket.destroy();
      return;
    }
    if (b === 'unknown-command') {
      socket.write('ERROR\r\n');
      return;
    }
    if (typeof b === 'object') {
      socket.write(b.garbage);
      return;
    }
    if (line === 'config get cluster' && !this.legacyOnly) {
      socket.write(configReply(this.version, this.nodes));
    } else if (line === 'get AmazonElastiCache:cluster') {
      socket.write(configReply(this.version, this.nodes, true));
    } else {
      socket.write('ERROR\r\n');
    }
  }
}
