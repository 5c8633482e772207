import { performance } from 'node:perf_hooks';
import type { Socket } from 'node:net';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import {
  AuthenticationError,
  ConnectionError,
  IndeterminateWriteError,
  ProtocolError,
  TimeoutError,
  ValueTooLargeError,
} from '../errors/index.js';
import type { Credentials } from './credentials.js';
import { Fifo } from './fifo.js';
import { MalformedReplyError } from './malformed-reply-error.js';
import type { Opening, Pending, Reply, Transport } from './transport.js';

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
   * deadline: TCP connect, TLS handshake, authentication and the protocol
   * check together (the opening requests' answers are also due within `timeoutMs`).
   */
  readonly connectTimeoutMs: number;
  /** The largest value memcached will send (its `-I`); a larger one is skipped and fails its read. */
  readonly maxValueBytes: number;
  /** Credentials, if the server requires authentication (SASL for binary, ASCII auth for meta and text). */
  readonly credentials?: Credentials | undefined;
  /** TLS options; when set, every connection is a TLS socket. */
  readonly tls?: TlsOptions | undefined;
}

/**
 * The life of a connection: `idle` (nothing opened yet), `connecting` (TCP,
 * TLS, SASL), `opening` (the transport's opening requests: a protocol check,
 * ASCII authentication), `ready`. Requests queue until `ready`.
 */
type State = 'idle' | 'connecting' | 'opening' | 'ready';

/** The hint for a meta or text connection a server drops or ignores while it opens. */
const SASL_ONLY_BINARY =
  'a memcached started with SASL, -S, speaks only the binary protocol: use protocol: "binary" for it';

/**
 * One socket to one memcached node, whatever the protocol: the connection
 * core. Requests made in one tick leave in one socket write, replies are
 * matched to requests (by opaque, or in order), one timer watches the oldest
 * request. The protocol's {@link Transport} adds only how to open the socket,
 * how replies are framed and what to send first.
 *
 * Opening is bounded by one absolute deadline (`connectTimeoutMs`) and ends
 * with the transport's opening requests (a protocol check), so a server that
 * speaks another protocol, or wants authentication, is named before any
 * request is sent.
 *
 * A connection is used until it fails, then thrown away: every request still
 * in flight is settled, a write that was sent with
 * {@link IndeterminateWriteError} (whatever broke the connection), and a new
 * connection is made by the owner. Nothing the server sends throws out of a
 * socket callback: a reply that breaks the protocol fails the connection with
 * {@link ProtocolError}.
 */
export class Connection<R extends Reply> {
  /** `host:port`. */
  readonly address: string;
  /** True once the connection has failed or been closed; make a new one. */
  dead = false;
  private state: State = 'idle';
  private readonly inFlight = new Fifo<Pending<R>>();
  private unsent: Array<Pending<R>> = [];
  private flushScheduled = false;
  /** Replies read so far, and whether the last socket read carried more than one. */
  private replies = 0;
  private burst = false;
  private nextOpaque = 1;
  private socket: Socket | undefined;
  private timer: NodeJS.Timeout | undefined;
  private connectTimer: NodeJS.Timeout | undefined;
  private connectDeadline = 0;
  /** Opening requests sent and not yet answered, in order. */
  private opening: Array<Opening<R>> = [];
  private idle: (() => void) | undefined;

  /**
   * @param options - where and how to connect
   * @param transport - the protocol's part
   * @param id - this connection's number among its backend's, the session of the CAS tokens read on it
   */
  constructor(
    private readonly options: ConnectionOptions,
    private readonly transport: Transport<R>,
    readonly id = 0,
  ) {
    this.address = `${options.host}:${options.port}`;
  }

  /** Number of requests not yet answered. */
  get pending(): number {
    return this.inFlight.length;
  }

  /** Queues a request; it is written with the others of this tick. */
  enqueue(p: Pending<R>): void {
    if (this.dead) {
      p.onError(
        new ConnectionError(this.address, `${this.describe(p)} not sent: the connection is closed`),
      );
      return;
    }
    if (p.itemSize !== undefined && this.state === 'ready' && this.refuseTooLarge(p)) return;
    const opaque = this.nextOpaque;
    this.nextOpaque = opaque === 0xffffffff ? 1 : opaque + 1;
    p.opaque = opaque;
    this.transport.stamp(p, opaque);
    this.inFlight.push(p);
    this.unsent.push(p);
    if (this.inFlight.length === 1 && this.state === 'ready' && !this.burst) {
      // An idle connection sends at once: waiting for the tick to end would
      // only add latency when there is nothing to batch with. Unless the last
      // socket read answered several requests: their callers' next requests
      // are about to follow, and sending the first alone would cost a write
      // (and a read on the server) per round of a busy pipeline.
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
    // Otherwise the requests wait for the connection to open.
  };

  private open(): void {
    this.state = 'connecting';
    this.connectDeadline = performance.now() + this.options.connectTimeoutMs;
    this.connectTimer = setTimeout(this.connectTimedOut, this.options.connectTimeoutMs);
    this.connectTimer.unref();
    try {
      const socket = this.transport.open({
        data: this.onData,
        error: (err) => this.fail(err, 'error'),
        ready: this.onReady,
      });
      this.socket = socket;
      // Pipelined small writes would wait for delayed ACKs with Nagle on.
      socket.setNoDelay(true);
      socket.once('close', () => this.fail(new Error(this.closedMessage()), 'error'));
    } catch (err) {
      // tls.connect and net.connect throw synchronously for some bad options.
      this.fail(err as Error, 'error');
    }
  }

  /** Why the socket closed, for the requests it fails. */
  private closedMessage(): string {
    if (this.state !== 'opening') return 'the server closed the connection';
    const protocol = this.transport.protocol;
    return (
      `the server closed the connection before answering the ${protocol}-protocol opening` +
      (protocol === 'binary' ? '' : ` (${SASL_ONLY_BINARY})`)
    );
  }

  private readonly onReady = (): void => {
    const socket = this.socket;
    if (this.dead || this.state !== 'connecting' || socket === undefined) return;
    const opening = this.transport.opening;
    if (opening.length === 0) return this.ready();
    this.state = 'opening';
    this.opening = [...opening];
    // The opening requests are requests like any other: their answers are due
    // within timeoutMs (and still within the connect deadline).
    const left = this.connectDeadline - performance.now();
    if (this.options.timeoutMs < left) {
      if (this.connectTimer !== undefined) clearTimeout(this.connectTimer);
      this.connectTimer = setTimeout(this.connectTimedOut, this.options.timeoutMs);
      this.connectTimer.unref();
    }
    socket.write(
      opening.length === 1
        ? (opening[0]?.request as Buffer)
        : Buffer.concat(opening.map((o) => o.request)),
    );
  };

  private ready(): void {
    this.state = 'ready';
    if (this.connectTimer !== undefined) clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    if (this.transport.itemLimit !== undefined) this.dropTooLarge();
    this.writeUnsent();
  }

  /**
   * Fails `p` with {@link ValueTooLargeError}, unsent, when it writes an item
   * over the node's item size limit: memcached would refuse it, and over meta
   * unlink the item it was meant to replace.
   */
  private refuseTooLarge(p: Pending<R>): boolean {
    const limit = this.transport.itemLimit;
    const size = p.itemSize;
    if (limit === undefined || size === undefined || size <= limit) return false;
    p.onError(new ValueTooLargeError(p.key, size, limit, `memcached ${this.address}`));
    return true;
  }

  /** The requests queued while the connection opened (none sent yet), without those over the item size limit it learned. */
  private dropTooLarge(): void {
    const queued = this.inFlight.drain();
    this.unsent = [];
    for (const p of queued) {
      if (this.refuseTooLarge(p)) continue;
      this.inFlight.push(p);
      this.unsent.push(p);
    }
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
        ? (batch[0] as Pending<R>).request
        : Buffer.concat(batch.map((p) => p.request)),
    );
    this.armTimer();
  }

  /** Every chunk from the socket. Nothing thrown here may escape into the socket's event. */
  private readonly onData = (chunk: Buffer): void => {
    if (this.dead) return;
    const before = this.replies;
    try {
      this.transport.reader.push(chunk, this.onReply);
      this.burst = this.replies - before > 1;
    } catch (err) {
      if (err instanceof AuthenticationError) return this.fail(err, 'error');
      const cause =
        err instanceof MalformedReplyError
          ? new MalformedReplyError(`memcached ${this.address} ${err.message}`)
          : new ProtocolError(
              `memcached ${this.address} sent a reply memcas could not read (${(err as Error).message})`,
            );
      this.fail(cause, 'error');
    }
  };

  private readonly onReply = (r: R): void => {
    if (this.dead) return;
    this.replies++;
    if (this.state === 'connecting') {
      if (this.transport.beforeReady) return this.transport.beforeReady(r);
      throw new MalformedReplyError(`sent a reply before the connection was open`);
    }
    if (this.state === 'opening') {
      const step = this.opening[0];
      if (step === undefined) throw new MalformedReplyError('sent a reply to no request');
      if (step.check(r) === 'more') return;
      this.opening.shift();
      if (this.opening.length === 0) this.ready();
      return;
    }
    const head = this.matchHead(r);
    this.transport.match?.(head, r);
    if (r.oversize !== undefined) {
      // Only a value can be this large: a memcached with a larger -I than
      // maxValueBytes. That request fails; the connection and the node are fine.
      if (head.write) {
        throw new MalformedReplyError(
          `answered ${this.describe(head)} with a ${r.oversize}-byte value`,
        );
      }
      this.inFlight.shift();
      head.onError(
        new ValueTooLargeError(
          head.key,
          r.oversize,
          this.options.maxValueBytes,
          `memcas (reading from memcached ${this.address}; the value was skipped)`,
        ),
      );
    } else if (head.onResponse(r)) {
      this.inFlight.shift();
    }
    if (this.inFlight.length === 0 && this.idle) this.idle();
  };

  /**
   * The request `r` answers. Replies come in order: quiet requests passed
   * over without an answer were misses, and are completed as such.
   */
  private matchHead(r: R): Pending<R> {
    const opaque = this.transport.opaqueOf(r);
    for (;;) {
      const head = this.inFlight.peek();
      if (head === undefined || head.sent !== true) {
        throw new MalformedReplyError(
          `sent a reply to no request${opaque === undefined ? '' : ` (opaque ${opaque})`}`,
        );
      }
      if (opaque === undefined ? !head.quiet : head.opaque === opaque) return head;
      if (!head.quiet) {
        throw new MalformedReplyError(
          `answered out of order (opaque ${String(opaque)}, expected ${head.opaque})`,
        );
      }
      this.inFlight.shift();
      head.onResponse(undefined);
    }
  }

  private readonly connectTimedOut = (): void => {
    this.connectTimer = undefined;
    if (this.dead || this.state === 'ready') return;
    const ms = this.options.connectTimeoutMs;
    const protocol = this.transport.protocol;
    const message =
      this.state === 'opening'
        ? `connected but did not answer a ${protocol}-protocol request within ` +
          `${Math.min(ms, this.options.timeoutMs)} ms; if it is not paused or overloaded, ` +
          `check that it is memcached speaking the ${protocol} protocol` +
          (protocol === 'binary'
            ? ' (memcached -B ascii and text-only proxies never answer)'
            : ` (${SASL_ONLY_BINARY})`)
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

  private errorFor(p: Pending<R>, cause: Error, kind: 'error' | 'timeout'): Error {
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

  private describe(p: Pending<R>): string {
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
