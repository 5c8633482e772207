import type { Socket } from 'node:net';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import memjs from 'memjs';
import {
  AuthenticationError,
  ConnectionError,
  IndeterminateWriteError,
  ProtocolError,
  TimeoutError,
} from '../errors/index.js';
import type { Credentials } from './credentials.js';
import { useTls } from './tls-socket.js';
import { Fifo } from './fifo.js';
import { Opcode, Status } from './opcodes.js';
import { ResponseReader, type Response } from './response.js';

/** How to reach one memcached node. */
export interface ConnectionOptions {
  /** Host name or address. */
  readonly host: string;
  /** TCP port. */
  readonly port: number;
  /** Time allowed for an answer once a request is written, in ms. */
  readonly timeoutMs: number;
  /** Time allowed to open the connection (and authenticate), in ms. */
  readonly connectTimeoutMs: number;
  /** SASL PLAIN credentials, if the server requires authentication. */
  readonly credentials?: Credentials | undefined;
  /** TLS options; when set, every connection is a TLS socket. */
  readonly tls?: TlsOptions | undefined;
}

/** One request waiting for its answer. */
export interface Pending {
  /** The encoded request; the connection writes its opaque. */
  readonly request: Buffer;
  /** Operation name, for error messages. */
  readonly op: string;
  /** Key, for error messages ('' when none). */
  readonly key: string;
  /** True when the request changes state, so a lost answer leaves its outcome unknown. */
  readonly write: boolean;
  /** True for quiet requests (GETQ), which get no answer on a miss. */
  readonly quiet: boolean;
  /**
   * Called with each answer (or `undefined` for a quiet request that got none);
   * returns true when the request is complete.
   */
  readonly onResponse: (r: Response | undefined) => boolean;
  /** Called once if the request fails. */
  readonly onError: (err: Error) => void;
  /** Set by the connection. */
  opaque?: number;
  /** Set by the connection once written. */
  sent?: boolean;
  /** Set by the connection once written: when the answer is due (performance.now() ms). */
  deadline?: number;
}

/**
 * One socket to one memcached node, opened through memjs's `Server` (socket,
 * connect timeout, SASL), with memcas's own pipelining at the seam: requests
 * made in one tick leave in one socket write, answers are parsed in place,
 * one timer watches the oldest request. memjs's own request path (a socket
 * write per request, a copy of its whole receive buffer per chunk, re-sending
 * failed requests) is not used.
 *
 * A connection is used until it fails, then thrown away: every request still
 * in flight is settled, a write that was sent with
 * {@link IndeterminateWriteError}, and a new connection is made by the owner.
 */
export class Connection {
  /** `host:port`. */
  readonly address: string;
  /** True once the connection has failed or been closed; make a new one. */
  dead = false;
  private readonly server: memjs.Server;
  private readonly inFlight = new Fifo<Pending>();
  private readonly reader = new ResponseReader();
  private unsent: Pending[] = [];
  private flushScheduled = false;
  private nextOpaque = 1;
  private socket: Socket | undefined;
  private timer: NodeJS.Timeout | undefined;
  private idle: (() => void) | undefined;

  /** @param options - where and how to connect */
  constructor(private readonly options: ConnectionOptions) {
    this.address = `${options.host}:${options.port}`;
    this.server = new memjs.Server(options.host, options.port, undefined, undefined, {
      timeout: options.timeoutMs / 1000,
      conntimeout: options.connectTimeoutMs / 1000,
      keepAlive: true,
      keepAliveDelay: 30,
    });
    // memjs reads username/password from the Server (and falls back to
    // MEMCACHIER_* / MEMCACHE_* environment variables): give it ours through
    // hidden getters, so the secret never sits in a plain property.
    const credentials = options.credentials;
    for (const field of ['username', 'password'] as const) {
      Object.defineProperty(this.server, field, {
        enumerable: false,
        get: () => credentials?.[field],
      });
    }
    if (options.tls) useTls(this.server, options.tls);
    // The seam: memjs hands every chunk to responseHandler and every socket
    // failure to error(); both are taken over here.
    this.server.responseHandler = (chunk: Buffer) => this.reader.push(chunk, this.onResponse);
    this.server.error = (err: Error | string) => {
      const cause = typeof err === 'string' ? new Error(err) : err;
      this.fail(cause, 'error');
    };
  }

  /** Number of requests not yet answered. */
  get pending(): number {
    return this.inFlight.length;
  }

  /** Queues a request; it is written with the others of this tick. */
  enqueue(p: Pending): void {
    if (this.dead) {
      p.onError(
        new ConnectionError(this.address, `${this.describe(p)} not sent: the connection is closed`),
      );
      return;
    }
    const opaque = this.nextOpaque;
    this.nextOpaque = opaque === 0xffffffff ? 1 : opaque + 1;
    p.opaque = opaque;
    p.request.writeUInt32BE(opaque, 12);
    this.inFlight.push(p);
    this.unsent.push(p);
    if (this.inFlight.length === 1 && this.socket !== undefined) {
      // An idle connection sends at once: waiting for the tick to end would
      // only add latency when there is nothing to batch with.
      this.flush();
    } else if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(this.flush);
    }
  }

  /** Ends the socket once every request in flight has settled. */
  async close(): Promise<void> {
    if (this.inFlight.length > 0 && !this.dead) {
      await new Promise<void>((resolve) => (this.idle = resolve));
    }
    this.dead = true;
    this.clearTimer();
    this.server.close();
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    const batch = this.unsent;
    this.unsent = [];
    if (batch.length === 0 || this.dead) return;
    this.server.sock(false, (socket: Socket) => {
      if (this.dead) return;
      this.attach(socket);
      const deadline = performance.now() + this.options.timeoutMs;
      for (const p of batch) {
        p.sent = true;
        p.deadline = deadline;
      }
      socket.write(
        batch.length === 1
          ? (batch[0] as Pending).request
          : Buffer.concat(batch.map((p) => p.request)),
      );
      this.armTimer();
    });
  };

  private attach(socket: Socket): void {
    if (this.socket === socket) return;
    this.socket = socket;
    // memjs leaves Nagle on; pipelined small writes would wait for delayed ACKs.
    socket.setNoDelay(true);
    socket.once('close', () => this.fail(new Error('the server closed the connection'), 'error'));
  }

  private readonly onResponse = (r: Response): void => {
    // SASL exchange, driven by memjs's listSasl()/saslAuth().
    if (r.opcode === Opcode.SASL_LIST_MECHS) return this.server.saslAuth();
    if (r.opcode === Opcode.SASL_AUTH) {
      if (r.status === Status.OK) return void this.server.emit('authenticated');
      return this.fail(new AuthenticationError(this.address), 'error');
    }
    for (;;) {
      const head = this.inFlight.peek();
      if (head === undefined) {
        return this.fail(
          new ProtocolError(`${this.address} sent an answer to no request (opaque ${r.opaque})`),
          'error',
        );
      }
      if (head.opaque === r.opaque) break;
      // Answers come in order: a quiet request passed over without an answer was a miss.
      if (!head.quiet) {
        return this.fail(
          new ProtocolError(
            `${this.address} answered out of order (opaque ${r.opaque}, expected ${head.opaque})`,
          ),
          'error',
        );
      }
      this.inFlight.shift();
      head.onResponse(undefined);
    }
    const head = this.inFlight.peek() as Pending;
    if (head.onResponse(r)) this.inFlight.shift();
    if (this.inFlight.length === 0 && this.idle) this.idle();
  };

  private armTimer(): void {
    if (this.timer !== undefined) return;
    const head = this.inFlight.peek();
    if (head?.deadline === undefined) return;
    this.timer = setTimeout(this.checkTimeout, Math.max(1, head.deadline - performance.now()));
    this.timer.unref();
  }

  private readonly checkTimeout = (): void => {
    this.timer = undefined;
    const head = this.inFlight.peek();
    if (head?.deadline === undefined) return;
    if (head.deadline <= performance.now()) {
      // The node stopped answering: the whole pipeline behind it is stuck too.
      this.fail(new Error(`no answer within ${this.options.timeoutMs} ms`), 'timeout');
    } else {
      this.armTimer();
    }
  };

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Settles every request in flight and throws the socket away. */
  private fail(cause: Error, kind: 'error' | 'timeout'): void {
    if (this.dead && this.inFlight.length === 0) return;
    this.dead = true;
    this.clearTimer();
    this.unsent = [];
    const failed = this.inFlight.drain();
    this.socket = undefined;
    // The socket memjs is still opening (or authenticating), or the one in use.
    (this.server as unknown as { _socket?: Socket })._socket?.destroy();
    for (const p of failed) p.onError(this.errorFor(p, cause, kind));
    this.idle?.();
  }

  private errorFor(p: Pending, cause: Error, kind: 'error' | 'timeout'): Error {
    const what = this.describe(p);
    if (cause instanceof ProtocolError || cause instanceof AuthenticationError) return cause;
    if (!p.sent) {
      return new ConnectionError(
        this.address,
        `could not reach memcached ${this.address} (${what} not sent): ${describeCause(cause)}`,
        { cause },
      );
    }
    const lost =
      kind === 'timeout'
        ? `did not answer within ${this.options.timeoutMs} ms`
        : `lost the connection before answering (${cause.message})`;
    if (p.write) {
      return new IndeterminateWriteError(
        this.address,
        p.key,
        `memcached ${this.address} ${lost} (${what}); the write may or may not have been applied`,
        { cause },
      );
    }
    if (kind === 'timeout')
      return new TimeoutError(this.address, `memcached ${this.address} ${lost} (${what})`, {
        cause,
      });
    return new ConnectionError(this.address, `memcached ${this.address} ${lost} (${what})`, {
      cause,
    });
  }

  private describe(p: Pending): string {
    return p.key === '' ? p.op : `${p.op} ${JSON.stringify(p.key)}`;
  }
}

/** A connection failure in words; TLS failures say so and point at the options to check. */
function describeCause(cause: Error): string {
  const code = (cause as { code?: unknown }).code;
  const tls =
    typeof code === 'string' &&
    (code.startsWith('ERR_SSL') ||
      code.startsWith('ERR_TLS') ||
      code.includes('CERT') ||
      code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  return tls
    ? `TLS handshake failed: ${cause.message} (${code}); check the tls options (ca, servername)`
    : cause.message;
}
