import { createServer, type Socket } from 'node:net';
import { parseLineRequest, type LineRequest } from './line-requests.js';
import { LineBaselineStore } from './meta-baseline.js';
import type { LineItem } from './text-baseline.js';

/**
 * One request a {@link HostileLineServer} received, handed to its
 * {@link LineBehaviour} together with what it may do about it. Writes keep
 * their order on the connection: a `drip` finishes before anything sent after
 * it starts.
 */
export interface LineExchange {
  /** The parsed request. */
  readonly request: LineRequest;
  /** Which connection it came on: 1 for the first the server accepted, and so on. */
  readonly connection: number;
  /** Its position on that connection, from 0. */
  readonly index: number;
  /** The protocol the client under test speaks (see {@link HostileLineServerOptions.dialect}). */
  readonly dialect: LineDialect;
  /**
   * True for the requests memcas sends when a connection opens, before any
   * other: an ASCII-authentication `set memcas-auth`, then the server's
   * `openingCommands` in order (for meta, the protocol check `mn` and
   * `stats settings`, which tells memcas the item size limit).
   */
  readonly opening: boolean;
  /**
   * Applies the request to the server's {@link LineBaselineStore} and returns
   * the answer a correct memcached gives (none for a quiet miss). Nothing is
   * sent until the behaviour sends it.
   */
  reply(): Buffer;
  /** Queues bytes (a string as latin1) for the client, in one socket write. */
  send(bytes: Buffer | string): void;
  /** Queues chunks to be written one every `intervalMs` (stops if the socket closes). */
  drip(chunks: Iterable<Buffer>, intervalMs: number): void;
  /** From now on, requests on this connection are read and never answered. */
  mute(): void;
  /** Ends the connection (FIN) once what was queued has been written; later requests are ignored. */
  end(): void;
  /** Destroys the connection at once. */
  destroy(): void;
}

/** Decides what a {@link HostileLineServer} does with each request. */
export type LineBehaviour = (exchange: LineExchange) => void;

/** A request as the server logged it, for asserting what the client sent. */
export interface ReceivedLineRequest {
  /** Connection number, from 1. */
  readonly connection: number;
  /** Position on the connection, from 0. */
  readonly index: number;
  /** The command line, without its line end (and without a data block). */
  readonly line: string;
  /** The first word. */
  readonly command: string;
  /** The key ('' when none). */
  readonly key: string;
  /** True for a request of the connection's opening. */
  readonly opening: boolean;
}

/** The line protocol a client speaks: memcached's meta commands, or its classic text ones. */
export type LineDialect = 'meta' | 'text';

/** Options of {@link startHostileLineServer}. */
export interface HostileLineServerOptions {
  /**
   * The protocol of the client under test, for behaviours that shape their
   * garbage like its replies (a `VA` line for meta, a `VALUE` block for text).
   * The server parses both either way.
   * @defaultValue `'meta'`
   */
  readonly dialect?: LineDialect;
  /**
   * Commands that, first on a connection and in this order (after an
   * ASCII-authentication `set memcas-auth`, if any), are the client's opening.
   * @defaultValue `['mn', 'stats']` for meta (memcas's opening: the protocol
   * check, then `stats settings`), `[]` for text (it sends no check)
   */
  readonly openingCommands?: readonly string[];
}

/** A running fake memcached; see {@link startHostileLineServer}. */
export interface HostileLineServer {
  /** `127.0.0.1:port`, for `createClient({ servers: [address] })`. */
  readonly address: string;
  /** The port it listens on. */
  readonly port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Connections open now. */
  readonly open: number;
  /** Every request received, in order. */
  readonly requests: readonly ReceivedLineRequest[];
  /** The baseline's items (seed them to make reads hit). */
  readonly items: Map<string, LineItem>;
  /** Errors thrown by behaviours, or unreadable requests; a test should expect none. */
  readonly errors: readonly Error[];
  /** Replaces the behaviour for every request from now on, on every connection. */
  behave(behaviour: LineBehaviour): void;
  /** Writes bytes on every open connection, whether or not anything was asked. */
  broadcast(bytes: Buffer | string): void;
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
  /** Still in the connection's opening: nothing but its requests seen yet. */
  opening: boolean;
  /** How many of the opening commands (after authentication) it has seen. */
  openingSeen: number;
  muted: boolean;
  /** The write queue: each send or drip starts when the one before it is done. */
  out: Promise<void>;
  readonly timers: Set<NodeJS.Timeout>;
}

/** The key memcas's ASCII-authentication `set` stores to (memcached -Y ignores it). */
const AUTH_KEY = 'memcas-auth';

/**
 * Starts a fake memcached on 127.0.0.1 (a free port) that parses the line
 * protocols (meta and classic text commands, with their data blocks) and lets
 * `behaviour` answer each request: correctly (see `baseline` in
 * hostile-line-behaviours.ts) or not at all, with garbage, slowly, or by
 * hanging up. The behaviour can be swapped with {@link HostileLineServer.behave}.
 * Server-side socket errors (the client hanging up mid-write) are swallowed:
 * the server must outlive whatever the client does.
 *
 * @example
 * ```ts
 * const server = await startHostileLineServer(afterOpening(unknownStatus));
 * const client = createClient({ servers: [server.address], protocol: 'meta' });
 * await expect(client.get('k')).rejects.toBeInstanceOf(ProtocolError);
 * server.behave(baseline);
 * ```
 */
export async function startHostileLineServer(
  behaviour: LineBehaviour,
  options: HostileLineServerOptions = {},
): Promise<HostileLineServer> {
  const dialect = options.dialect ?? 'meta';
  const openingCommands = options.openingCommands ?? (dialect === 'meta' ? ['mn', 'stats'] : []);
  const store = new LineBaselineStore();
  const peers = new Set<Peer>();
  const requests: ReceivedLineRequest[] = [];
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

  /** Whether `request` belongs to the connection's opening; ends the opening at the first that does not. */
  const isOpening = (peer: Peer, request: LineRequest, index: number): boolean => {
    if (!peer.opening) return false;
    if (index === 0 && request.command === 'set' && request.key === AUTH_KEY) return true;
    if (request.command !== openingCommands[peer.openingSeen]) {
      peer.opening = false;
      return false;
    }
    peer.openingSeen++;
    if (peer.openingSeen === openingCommands.length) peer.opening = false;
    return true;
  };

  const dispatch = (peer: Peer, request: LineRequest): void => {
    const index = peer.index++;
    const opening = isOpening(peer, request, index);
    const { line, command, key } = request;
    // The ASCII-auth set carries the credentials in its data, never in its line.
    requests.push({ connection: peer.id, index, line, command, key, opening });
    if (peer.muted) return;
    const exchange: LineExchange = {
      request,
      connection: peer.id,
      index,
      dialect,
      opening,
      reply: () => store.reply(request),
      send: (bytes) =>
        enqueue(peer, () =>
          write(peer, typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes),
        ),
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
      opening: true,
      openingSeen: 0,
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
      try {
        for (;;) {
          const request = parseLineRequest(peer.pending, offset);
          if (request === undefined) break;
          offset += request.frameBytes;
          dispatch(peer, request);
        }
      } catch (err) {
        errors.push(new Error(`connection ${peer.id} sent ${(err as Error).message}`));
        socket.destroy();
        return;
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
      const buf = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
      for (const peer of peers) enqueue(peer, () => write(peer, buf));
    },
    dropConnections,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await dropConnections();
      await closed;
    },
  };
}
