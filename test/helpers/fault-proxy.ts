import { createServer, type Server, type Socket } from 'node:net';
import { Link, type LinkHost } from './fault-link.js';
import {
  Dice,
  NO_FAULTS,
  resolveFaults,
  type FaultSettings,
  type FaultStats,
} from './fault-settings.js';

export {
  NO_FAULTS,
  seededRandom,
  type FaultMs,
  type FaultSettings,
  type FaultStats,
} from './fault-settings.js';

/** Options of {@link FaultProxy.start}. */
export interface FaultProxyOptions {
  /** The memcached node, as `'host:port'` or `{ host, port }`. */
  readonly target: string | { readonly host: string; readonly port: number };
  /**
   * Seed of the random source behind every fault decision and duration.
   * @defaultValue 1
   */
  readonly seed?: number;
  /**
   * Faults from the start; change them later with {@link FaultProxy.setFaults}.
   * @defaultValue {@link NO_FAULTS}
   */
  readonly faults?: FaultSettings;
  /**
   * Port to listen on (127.0.0.1).
   * @defaultValue 0 (a free port)
   */
  readonly port?: number;
}

/**
 * A TCP proxy on 127.0.0.1 in front of one memcached node (make one per node)
 * that injects network faults: cut requests, cut, dropped or delayed replies,
 * resets and partitions, at random with a seeded source or on demand. It
 * forwards bytes and knows no protocol, so it serves the binary, text and
 * meta protocols alike.
 *
 * Bytes held by a partition or a delay are still delivered after the client
 * has given up and closed, as late TCP segments would be: the worst case for
 * a client that takes a timed-out write for one that did not happen. The
 * seed fixes the sequence of decisions; which chunk meets which decision
 * still depends on timing.
 *
 * @example
 * ```ts
 * const proxy = await FaultProxy.start({ target: node.address, seed: 7, faults: { cutReply: 0.01 } });
 * const client = createClient({ servers: [proxy.address], timeoutMs: 200 });
 * proxy.partition(300); // the node answers nothing for 300 ms
 * await client.close();
 * await proxy.close();
 * ```
 */
export class FaultProxy {
  /** Always 127.0.0.1. */
  readonly host = '127.0.0.1';
  /** What the proxy has done so far. */
  readonly stats: FaultStats = {
    connections: 0,
    requestChunks: 0,
    replyChunks: 0,
    resets: 0,
    cutRequests: 0,
    cutReplies: 0,
    droppedReplies: 0,
    delayedReplies: 0,
    partitions: 0,
  };
  private readonly dice: Dice;
  private readonly links = new Set<Link>();
  private settings: Readonly<Required<FaultSettings>> = NO_FAULTS;
  private partitionedUntil = 0;
  private healTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** What links see of the proxy. */
  private readonly linkHost: LinkHost;

  private constructor(
    private readonly server: Server,
    /** The port the proxy listens on. */
    readonly port: number,
    /** The memcached node behind it. */
    readonly target: { readonly host: string; readonly port: number },
    seed: number,
  ) {
    this.dice = new Dice(seed);
    this.linkHost = {
      target,
      stats: this.stats,
      dice: this.dice,
      faults: () => this.settings,
      partitioned: () => this.partitioned,
      partition: (ms) => this.partition(ms),
      forget: (link) => this.links.delete(link),
    };
    server.on('connection', (socket) => this.accept(socket));
  }

  /**
   * Listens on 127.0.0.1 and forwards to `options.target`.
   * @throws TypeError when the target is not `host:port`
   */
  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    const target =
      typeof options.target === 'string' ? parseTarget(options.target) : options.target;
    const server = createServer({ noDelay: true });
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => {
        const addr = server.address();
        if (typeof addr === 'object' && addr) resolve(addr.port);
        else reject(new Error('the proxy got no port'));
      });
    });
    const proxy = new FaultProxy(server, port, target, options.seed ?? 1);
    if (options.faults) proxy.setFaults(options.faults);
    return proxy;
  }

  /** `host:port` to give clients. */
  get address(): string {
    return `${this.host}:${this.port}`;
  }

  /** The faults in force, every field set. */
  get faults(): Readonly<Required<FaultSettings>> {
    return this.settings;
  }

  /**
   * Replaces the faults in force (fields left out are off, durations default).
   * @throws TypeError naming a probability outside [0, 1]
   */
  setFaults(faults: FaultSettings): void {
    this.settings = resolveFaults(faults);
  }

  /** Turns every random fault off (a partition in force lasts until healed). */
  clearFaults(): void {
    this.settings = NO_FAULTS;
  }

  /** True while partitioned. */
  get partitioned(): boolean {
    return this.partitionedUntil > performance.now();
  }

  /**
   * Partitions the node: nothing is forwarded either way and new connections
   * are accepted but not connected onwards, so every request hangs. (A
   * loopback listener cannot make the connect itself hang.) What was held is
   * delivered, in order, when it heals.
   * @param ms - how long; omitted, until {@link FaultProxy.heal}
   */
  partition(ms = Infinity): void {
    if (this.closed) return;
    const until = Math.max(this.partitionedUntil, performance.now() + ms);
    if (!this.partitioned) this.stats.partitions++;
    this.partitionedUntil = until;
    if (this.healTimer !== undefined) clearTimeout(this.healTimer);
    this.healTimer = undefined;
    // Beyond setTimeout's range is as good as forever.
    if (until - performance.now() < 2 ** 31 - 1) {
      this.healTimer = setTimeout(() => this.heal(), until - performance.now());
    }
  }

  /** Ends a partition at once and delivers what it held. */
  heal(): void {
    if (this.healTimer !== undefined) clearTimeout(this.healTimer);
    this.healTimer = undefined;
    this.partitionedUntil = 0;
    for (const link of [...this.links]) link.resume();
  }

  /** Closes every open connection at once, as a reset would. */
  resetAll(): void {
    for (const link of [...this.links]) link.destroy();
  }

  /** Stops listening and destroys every connection and timer; resolves once the listener is closed. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.healTimer !== undefined) clearTimeout(this.healTimer);
    this.healTimer = undefined;
    this.partitionedUntil = 0;
    this.resetAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    client.on('error', () => undefined);
    if (this.closed) return void client.destroy();
    this.stats.connections++;
    if (this.dice.roll(this.settings.resetConnection)) {
      this.stats.resets++;
      return void client.destroy();
    }
    const link = new Link(this.linkHost, client);
    this.links.add(link);
    if (!this.partitioned) link.resume();
  }
}

function parseTarget(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  const port = Number(address.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new TypeError(`target must be 'host:port', got ${JSON.stringify(address)}`);
  }
  return { host: address.slice(0, i), port };
}
