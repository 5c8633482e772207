/**
 * A tiny stand-in for an ElastiCache configuration endpoint, for the
 * discovery example: it answers `config get cluster` with the node list it is
 * given (`CONFIG cluster 0 <bytes>`, the version, `hostname|ip|port` entries,
 * `END`), and can be told to answer garbage instead. Nothing here is part of
 * memcas.
 */
import { createServer, type Socket } from 'node:net';

/** A local configuration endpoint. */
export interface LocalConfigEndpoint {
  /** `127.0.0.1:port`, for the client's `discovery.endpoint`. */
  readonly address: string;
  /** Serves these nodes (`127.0.0.1:port` each) under this config version. */
  serve(version: number, addresses: readonly string[]): void;
  /** Answers every request with bytes that are not a configuration. */
  garbage(): void;
  /** Stops listening and drops its connections. */
  stop(): Promise<void>;
}

/** Starts a configuration endpoint on a free loopback port. */
export async function startConfigEndpoint(
  version: number,
  addresses: readonly string[],
): Promise<LocalConfigEndpoint> {
  let answer = '';
  const serve = (v: number, list: readonly string[]): void => {
    const nodes = list.map((a) => {
      const [host, port] = a.split(':');
      return `${host}|${host}|${port}`;
    });
    const value = `${v}\n${nodes.join(' ')}\n`;
    answer = `CONFIG cluster 0 ${Buffer.byteLength(value)}\r\n${value}\r\nEND\r\n`;
  };
  serve(version, addresses);
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => sockets.delete(socket));
    socket.on('data', (chunk) => {
      // One command per poll: answer each request line.
      for (const line of chunk.toString('latin1').split('\r\n')) {
        if (line === '') continue;
        socket.write(line === 'config get cluster' ? answer : 'ERROR\r\n');
      }
    });
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
  return {
    address: `127.0.0.1:${port}`,
    serve,
    garbage: () => (answer = 'HTTP/1.1 503 Service Unavailable\r\n\r\n'),
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
