import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP forwarder on 127.0.0.1 in front of one node that records what the
 * client sends and lets a test act before each chunk goes on: to write
 * through a second client in the middle of a composed operation (a race made
 * to happen every time), or to see how commands were cut. Chunks are
 * forwarded in order, each after its hook has settled.
 */
export class HookProxy {
  /** Always 127.0.0.1. */
  readonly host = '127.0.0.1';
  /** Every chunk the clients sent, in order, as latin1 text. */
  readonly sent: string[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    /** The port it listens on. */
    readonly port: number,
  ) {}

  /** `host:port`. */
  get address(): string {
    return `${this.host}:${this.port}`;
  }

  /** Every line the clients sent (data blocks included), in order. */
  get lines(): string[] {
    return this.sent
      .join('')
      .split('\r\n')
      .filter((l) => l !== '');
  }

  /**
   * Listens and forwards to `target`; `before` runs with each client chunk
   * (as latin1 text) before it is forwarded.
   */
  static async start(
    target: { readonly host: string; readonly port: number },
    before: (chunk: string) => Promise<void> | void = () => undefined,
  ): Promise<HookProxy> {
    const server = createServer({ noDelay: true });
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const addr = server.address();
        if (typeof addr === 'object' && addr) resolve(addr.port);
        else reject(new Error('no port'));
      });
    });
    const proxy = new HookProxy(server, port);
    server.on('connection', (client) => {
      const upstream = connect({ host: target.host, port: target.port, noDelay: true });
      for (const s of [client, upstream]) {
        proxy.sockets.add(s);
        s.on('error', () => undefined);
        s.once('close', () => {
          proxy.sockets.delete(s);
          client.destroy();
          upstream.destroy();
        });
      }
      let chain = Promise.resolve();
      client.on('data', (chunk: Buffer) => {
        chain = chain.then(async () => {
          const text = chunk.toString('latin1');
          proxy.sent.push(text);
          await before(text);
          upstream.write(chunk);
        });
      });
      upstream.on('data', (chunk: Buffer) => client.write(chunk));
    });
    return proxy;
  }

  /** Stops listening and closes every connection. */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
