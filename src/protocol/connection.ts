import type { Socket } from 'node:net';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import memjs from 'memjs';
import {
  AuthenticationError,
  ConnectionError,
  IndeterminateWriteError,
  ProtocolError,
  TimeoutError,
  ValueTooLargeError,
} from '../errors/index.js';
import type { Credentials } from './credentials.js';
import { useTls } from './tls-socket.js';
import { Fifo } from './fifo.js';
import { MalformedReplyError } from './malformed-reply-error.js';
import { Opcode, Status } from './opcodes.js';
import { encodeBare } from './request.js';
import { ResponseReader, type Response } from './response.js';

/** How to reach one memcached node. */
export interface ConnectionOptions {
  /** Host name or address. */
  readonly host: string;
  /** TCP port. */
  readonly port: number;
  /** Time allowed for an answer once a request is written, in ms. */
  readonly timeoutMs: number;
  /**
   * Time allowed to make the connection usable, in ms, as one absolute
   * deadline: TCP connect, TLS handshake, SASL authentication and the
   * protocol check together (the check's answer is also due within `timeoutMs`).
   */
  readonly connectTimeoutMs: number;
  /** The largest value memcached will send (its `-I`); a reply announcing more fails the connection. */
  readonly maxValueBytes: number;
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
   * returns true when the request is complete. Throws
   * {@link MalformedReplyError} for an answer that cannot be what it claims,
   * which fails the whole connection.
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

/** The parts of memjs's Server this class reaches past its API. */
interface ServerInternals {
  _socket?: Socket;
}

/** Bytes a reply may carry beyond the value: extras and the key (at most 250). */
const REPLY_OVERHEAD_BYTES = 512;
/** The handshake's opaque; requests use 1 … 2^32-1. */
const HANDSHAKE_OPAQUE = 0;
const HANDSHAKE = encodeBare(Opcode.NOOP);

/**
 * The life of a connection: `idle` (nothing opened yet), `connecting` (TCP,
 * TLS, SASL), `handshake` (a NOOP sent to check that the server speaks the
 * binary protocol), `ready`. Requests queue until `ready`.
 */
type State = 'idle' | 'connecting' | 'handshake' | 'ready';

/**
 * One socket to one memcached node, opened through memjs's `Server` (socket,
 * SASL), with memcas's own pipelining at the seam: requests made in one tick
 * leave in one socket write, answers are parsed in place, one timer watches
 * the oldest request. memjs's own request path (a socket write per request, a
 * copy of its whole receive buffer per chunk, re-sending failed requests) is
 * not used.
 *
 * Opening is bounded by one absolute deadline (`connectTimeoutMs`) and ends
 * with a NOOP that must come back as a binary reply, so a server that speaks
 * another protocol, or wants SASL, is named before any request is sent.
 *
 * A connection is used until it fails, then thrown away: every request still
 * in flight is settled, a write that was sent with
 * {@link IndeterminateWriteError} (whatever broke the connection), and a new
 * connection is made by the owner. Nothing the server sends throws out of a
 * socket callback: a reply that breaks the protocol fails the connection with
 * {@link ProtocolError}.
 */
export class Connection {
  /** `host:port`. */
  readonly address: string;
  /** True once the connection has failed or been closed; make a new one. */
  dead = false;
  private state: State = 'idle';
  private readonly server: memjs.Server;
  private readonly inFlight = new Fifo<Pending>();
  private readonly reader: ResponseReader;
  private unsent: Pending[] = [];
  private flushScheduled = false;
  private nextOpaque = 1;
  private socket: Socket | undefined;
  private timer: NodeJS.Timeout | undefined;
  private connectTimer: NodeJS.Timeout | undefined;
  private connectDeadline = 0;
  private idle: (() => void) | undefined;

  /**
   * @param options - where and how to connect
   * @param id - this connection's number among its backend's, the session of the CAS tokens read on it
   */
  constructor(
    private readonly options: ConnectionOptions,
    readonly id = 0,
  ) {
    this.address = `${options.host}:${options.port}`;
    this.reader = new ResponseReader(options.maxValueBytes + REPLY_OVERHEAD_BYTES);
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
    this.server.responseHandler = this.onData;
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
    if (this.inFlight.length === 1 && this.state === 'ready') {
      // An idle connection sends at once: waiting for the tick to end would
      // only add latency when there is nothing to batch with.
      this.flush();
    } else if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(this.flush);
    }
  }

  /**
   * Closes the socket once every request in flight has settled (each within
   * its own deadline). The socket is destroyed, not half-closed: with nothing
   * in flight there is nothing to wait for, and a server that stopped (SIGSTOP)
   * would never answer a FIN, keeping the process alive.
   */
  async close(): Promise<void> {
    if (this.inFlight.length > 0 && !this.dead) {
      await new Promise<void>((resolve) => (this.idle = resolve));
    }
    this.dead = true;
    this.clearTimers();
    this.destroySocket();
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    if (this.dead || this.unsent.length === 0) return;
    if (this.state === 'ready') this.writeUnsent();
    else if (this.state === 'idle') this.open();
    // Otherwise the requests wait for the handshake to finish.
  };

  private open(): void {
    try {
      this.connect();
    } catch (err) {
      // tls.connect and net.connect throw synchronously for some bad options.
      this.fail(err as Error, 'error');
    }
  }

  private connect(): void {
    this.state = 'connecting';
    this.connectDeadline = performance.now() + this.options.connectTimeoutMs;
    this.connectTimer = setTimeout(this.connectTimedOut, this.options.connectTimeoutMs);
    this.connectTimer.unref();
    // memjs connects (and runs SASL) and calls back once authenticated.
    this.server.sock(false, (socket: Socket) => {
      if (this.dead || socket !== this.socket) return;
      this.state = 'handshake';
      // The NOOP is a request like any other: its answer is due within timeoutMs
      // (and still within the connect deadline).
      const left = this.connectDeadline - performance.now();
      if (this.options.timeoutMs < left) {
        if (this.connectTimer !== undefined) clearTimeout(this.connectTimer);
        this.connectTimer = setTimeout(this.connectTimedOut, this.options.timeoutMs);
        this.connectTimer.unref();
      }
      socket.write(HANDSHAKE);
    });
    const socket = (this.server as unknown as ServerInternals)._socket;
    if (socket === undefined) return;
    this.socket = socket;
    // memjs leaves Nagle on; pipelined small writes would wait for delayed ACKs.
    socket.setNoDelay(true);
    socket.once('close', () => this.fail(new Error('the server closed the connection'), 'error'));
  }

  private writeUnsent(): void {
    const batch = this.unsent;
    this.unsent = [];
    const socket = this.socket;
    if (batch.length === 0 || socket === undefined) return;
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
  }

  /** Every chunk from the socket. Nothing thrown here may escape into the socket's event. */
  private readonly onData = (chunk: Buffer): void => {
    if (this.dead) return;
    try {
      this.reader.push(chunk, this.onResponse);
    } catch (err) {
      const cause =
        err instanceof MalformedReplyError
          ? new MalformedReplyError(`memcached ${this.address} ${err.message}`)
          : new ProtocolError(
              `memcached ${this.address} sent a reply memcas could not read (${(err as Error).message})`,
            );
      this.fail(cause, 'error');
    }
  };

  private readonly onResponse = (r: Response): void => {
    if (this.dead) return;
    if (this.state !== 'ready') return this.onOpeningResponse(r);
    for (;;) {
      const head = this.inFlight.peek();
      if (head === undefined || head.sent !== true) {
        throw new MalformedReplyError(
          `sent a reply to no request (opcode 0x${hex(r.opcode)}, opaque ${r.opaque})`,
        );
      }
      if (head.opaque === r.opaque) break;
      // Answers come in order: a quiet request passed over without an answer was a miss.
      if (!head.quiet) {
        throw new MalformedReplyError(
          `answered out of order (opaque ${r.opaque}, expected ${head.opaque})`,
        );
      }
      this.inFlight.shift();
      head.onResponse(undefined);
    }
    const head = this.inFlight.peek() as Pending;
    const opcode = head.request[1] as number;
    if (r.opcode !== opcode) {
      throw new MalformedReplyError(
        `answered ${this.describe(head)} (opcode 0x${hex(opcode)}) with opcode 0x${hex(r.opcode)}`,
      );
    }
    if (r.oversize !== undefined) {
      // Only a value can be this large: a memcached with a larger -I than
      // maxValueBytes. That request fails; the connection and the node are fine.
      if (head.write) {
        throw new MalformedReplyError(
          `answered ${this.describe(head)} with a ${r.oversize}-byte body`,
        );
      }
      this.inFlight.shift();
      head.onError(
        new ValueTooLargeError(
          head.key,
          r.oversize,
          this.options.maxValueBytes,
          `memcas (reading from memcached ${this.address}; the body was skipped)`,
        ),
      );
    } else if (head.onResponse(r)) {
      this.inFlight.shift();
    }
    if (this.inFlight.length === 0 && this.idle) this.idle();
  };

  /** Replies before the connection is ready: SASL (driven by memjs), then the handshake. */
  private onOpeningResponse(r: Response): void {
    if (this.state === 'connecting' && r.opcode === Opcode.SASL_LIST_MECHS) {
      return this.server.saslAuth();
    }
    if (this.state === 'connecting' && r.opcode === Opcode.SASL_AUTH) {
      if (r.status === Status.OK) return void this.server.emit('authenticated');
      return this.fail(new AuthenticationError(this.address), 'error');
    }
    if (this.state === 'handshake' && r.opcode === Opcode.NOOP && r.opaque === HANDSHAKE_OPAQUE) {
      if (r.status === Status.OK) return this.ready();
      if (r.status === Status.AUTH_ERROR) {
        return this.fail(
          new AuthenticationError(
            this.address,
            this.options.credentials === undefined
              ? `memcached ${this.address} requires SASL authentication; give username and password`
              : undefined,
          ),
          'error',
        );
      }
    }
    throw new MalformedReplyError(
      `answered the connection's opening with opcode 0x${hex(r.opcode)}, status 0x${hex(r.status)}`,
    );
  }

  private ready(): void {
    this.state = 'ready';
    if (this.connectTimer !== undefined) clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    this.writeUnsent();
  }

  private readonly connectTimedOut = (): void => {
    this.connectTimer = undefined;
    if (this.dead || this.state === 'ready') return;
    const ms = this.options.connectTimeoutMs;
    const message =
      this.state === 'handshake'
        ? `connected but did not answer a binary-protocol NOOP within ${Math.min(ms, this.options.timeoutMs)} ms; ` +
          'if it is not paused or overloaded, check that it is ' +
          'memcached speaking the binary protocol (memcached -B ascii and text-only proxies never answer)'
        : `did not finish connecting${this.options.tls ? ' (TLS)' : ''}` +
          `${this.options.credentials ? ' and authenticating' : ''} within ${ms} ms`;
    this.fail(new Error(message), 'error');
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

  private clearTimers(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.connectTimer !== undefined) clearTimeout(this.connectTimer);
    this.timer = undefined;
    this.connectTimer = undefined;
  }

  private destroySocket(): void {
    const socket = this.socket;
    this.socket = undefined;
    socket?.destroy();
    // The socket memjs may still hold (it forgets its own on a connect timeout, without destroying it).
    (this.server as unknown as ServerInternals)._socket?.destroy();
  }

  /** Settles every request in flight and throws the socket away. */
  private fail(cause: Error, kind: 'error' | 'timeout'): void {
    if (this.dead && this.inFlight.length === 0) return;
    this.dead = true;
    this.clearTimers();
    this.unsent = [];
    const failed = this.inFlight.drain();
    this.destroySocket();
    for (const p of failed) p.onError(this.errorFor(p, cause, kind));
    this.idle?.();
  }

  private errorFor(p: Pending, cause: Error, kind: 'error' | 'timeout'): Error {
    const what = this.describe(p);
    if (cause instanceof AuthenticationError) return cause;
    if (!p.sent) {
      if (cause instanceof ProtocolError) return cause;
      return new ConnectionError(
        this.address,
        `could not reach memcached ${this.address} (${what} not sent): ${describeCause(cause)}`,
        { cause },
      );
    }
    const lost =
      kind === 'timeout'
        ? `did not answer within ${this.options.timeoutMs} ms`
        : cause instanceof ProtocolError
          ? `broke the protocol before answering (${cause.message})`
          : `lost the connection before answering (${cause.message})`;
    if (p.write) {
      // Whatever broke the connection, memcached may have applied the write.
      return new IndeterminateWriteError(
        this.address,
        p.key,
        `memcached ${this.address} ${lost} (${what}); the write may or may not have been applied`,
        { cause },
      );
    }
    if (cause instanceof ProtocolError) return cause;
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

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
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
