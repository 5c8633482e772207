import { createServer, type Socket } from 'node:net';
import { BaselineStore, type BaselineItem } from './binary-baseline.js';
import { OP, parseRequest, REQUEST_MAGIC, type BinaryRequest } from './binary-frames.js';

/**
 * One request a {@link HostileServer} received, handed to its {@link Behaviour}
 * together with what it may do about it. Writes keep their order on the
 * connection: a `drip` finishes before anything sent after it starts.
 */
export interface Exchange {
  /** The parsed request. */
  readonly request: BinaryRequest;
  /** Which connection it came on: 1 for the first the server accepted, and so on. */
  readonly connection: number;
  /** Its position on that connection, from 0. */
  readonly index: number;
  /** True for the client's handshake: a NOOP that is the first request on its connection. */
  readonly handshake: boolean;
  /**
   * Applies the request to the server's {@link BaselineStore} and returns the
   * answer a correct memcached gives (several frames for STAT, none for a GETQ
   * miss). Nothing is sent until the behaviour sends it.
   */
  reply(): Buffer;
  /** Queues bytes for the client, in one socket write. */
  send(bytes: Buffer): void;
  /** Queues chunks to be written one every `intervalMs` (stops if the socket closes). */
  drip(chunks: Iterable<Buffer>, intervalMs: number): void;
  /** From now on, requests on this connection are read and never answered. */
  mute(): void;
  /** Ends the connection (FIN) once what was queued has been written; later requests are ignored. */
  end(): void;
  /** Destroys the connection at once. */
  destroy(): void;
}

/** Decides what a {@link HostileServer} does with each request. */
export type Behaviour = (exchange: Exchange) => void;

/** A request as the server logged it, for asserting what the client sent. */
export interface ReceivedRequest {
  /** Connection number, from 1. */
  readonly connection: number;
  /** Position on the connection, from 0. */
  readonly index: number;
  /** The opcode. */
  readonly opcode: number;
  /** The key ('' when none). */
  readonly key: string;
  /** True for a NOOP that was the first request on its connection. */
  readonly handshake: boolean;
}

/** A running fake memcached; see {@link startHostileServer}. */
export interface HostileServer {
  /** `127.0.0.1:port`, for `createClient({ servers: [address] })`. */
  readonly address: string;
  /** The port it listens on. */
  readonly port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Connections open now. */
  readonly open: number;
  /** Every request received, in order. */
  readonly requests: readonly ReceivedRequest[];
  /** The baseline's items (seed them to make GET hit). */
  readonly items: Map<string, BaselineItem>;
  /** Errors thrown by behaviours, or malformed requests; a test should expect none. */
  readonly errors: readonly Error[];
  /** Replaces the behaviour for every request from now on, on every connection. */
  behave(behaviour: Behaviour): void;
  /** Writes bytes on every open connection, whether or not anything was asked. */
  broadcast(bytes: Buffer): void;
  /** Destroys every open connection; resolves once they have all closed. */
  dropConnections(): Promise<void>;
  /** Stops listening and destroys every connection and timer. */
  close(): Promise<void>;
}

interface Peer {
  readonly id: number;
  readonly socket: Socket;
  pending: Buffer;
  index: number;
  muted: boolean;
  /** The write queue: each send or drip starts when the one before it is done. */
  out: Promise<void>;
  readonly timers: Set<NodeJS.Timeout>;
}

/**
 * Starts a fake memcached on 127.0.0.1 (a free port) that parses binary-protocol
 * requests and lets `behaviour` answer each one: correctly (see
 * `baseline` in hostile-behaviours.ts) or not at all, with garbage, slowly, or
 * by hanging up. The behaviour can be swapped with {@link HostileServer.behave}.
 * Server-side socket errors (the client hanging up mid-write) are swallowed:
 * the server must outlive whatever the client does.
 *
 * @example
 * ```ts
 * const server = await startHostileServer(afterHandshake(wrongOpaque));
 * const client = createClient({ servers: [server.address] });
 * await expect(client.get('k')).rejects.toBeInstanceOf(ProtocolError);
 * server.behave(baseline);
 * ```
 */
export async function startHostileServer(behaviour: Behaviour): Promise<HostileServer> {
  const store = new BaselineStore();
  const peers = new Set<Peer>();
  const requests: ReceivedRequest[] = [];
  const errors: Error[] = [];
  let current = behaviour;
  let accepted = 0;

  const write = (peer: Peer, bytes: Buffer): void => {
    if (bytes.length > 0 && !peer.socket.destroyed && peer.socket.writable)
      peer.socket.write(bytes);
  };

  const enqueue = (peer: Peer, step: () => void | Promise<void>): void => {
    peer.out = peer.out.then(step).catch((err: unknown) => void errors.push(err as Error));
  };

  const drip = (peer: Peer, chunks: Iterable<Buffer>, intervalMs: number): Promise<void> =>
    new Promise<void>((resolve) => {
      const it = chunks[Symbol.iterator]();
      const step = (): void => {
        const next = it.next();
        if (next.done || peer.socket.destroyed) return resolve();
        write(peer, next.value);
        const timer = setTimeout(() => {
          peer.timers.delete(timer);
          step();
        }, intervalMs);
        peer.timers.add(timer);
      };
      step();
    });

  const dispatch = (peer: Peer, request: BinaryRequest): void => {
    const index = peer.index++;
    const handshake = index === 0 && request.opcode === OP.NOOP;
    requests.push({
      connection: peer.id,
      index,
      opcode: request.opcode,
      key: request.key,
      handshake,
    });
    if (peer.muted) return;
    const exchange: Exchange = {
      request,
      connection: peer.id,
      index,
      handshake,
      reply: () => store.reply(request),
      send: (bytes) => enqueue(peer, () => write(peer, bytes)),
      drip: (chunks, intervalMs) => enqueue(peer, () => drip(peer, chunks, intervalMs)),
      mute: () => void (peer.muted = true),
      end: () => {
        peer.muted = true;
        enqueue(peer, () => void peer.socket.end());
      },
      destroy: () => {
        peer.muted = true;
        peer.socket.destroy();
      },
    };
    try {
      current(exchange);
    } catch (err) {
      errors.push(err as Error);
      peer.socket.destroy();
    }
  };

  const server = createServer((socket) => {
    const peer: Peer = {
      id: ++accepted,
      socket,
      pending: Buffer.alloc(0),
      index: 0,
      muted: false,
      out: Promise.resolve(),
      timers: new Set(),
    };
    peers.add(peer);
    socket.setNoDelay(true);
    // The client may hang up at any moment; a write racing that must not throw.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      peers.delete(peer);
      for (const t of peer.timers) clearTimeout(t);
      peer.timers.clear();
    });
    socket.on('data', (chunk: Buffer) => {
      peer.pending = peer.pending.length === 0 ? chunk : Buffer.concat([peer.pending, chunk]);
      let offset = 0;
      for (;;) {
        if (peer.pending.length - offset > 0 && peer.pending[offset] !== REQUEST_MAGIC) {
          errors.push(
            new Error(
              `connection ${peer.id} sent magic 0x${(peer.pending[offset] as number).toString(16)}, not a binary request`,
            ),
          );
          socket.destroy();
          return;
        }
        const request = parseRequest(peer.pending, offset);
        if (request === undefined) break;
        offset += request.frameBytes;
        dispatch(peer, request);
      }
      peer.pending = peer.pending.subarray(offset);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  const port = address.port;

  const dropConnections = async (): Promise<void> => {
    await Promise.all(
      [...peers].map(
        (peer) =>
          new Promise<void>((resolve) => {
            if (peer.socket.destroyed) return resolve();
            peer.socket.once('close', () => resolve());
            peer.socket.destroy();
          }),
      ),
    );
  };

  return {
    address: `127.0.0.1:${port}`,
    port,
    get connections() {
      return accepted;
    },
    get open() {
      return peers.size;
    },
    requests,
    items: store.items,
    errors,
    behave(next) {
      current = next;
    },
    broadcast(bytes) {
      for (const peer of peers) enqueue(peer, () => write(peer, bytes));
    },
    dropConnections,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await dropConnections();
      await closed;
    },
  };
}
