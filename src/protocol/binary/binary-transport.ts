import type { Socket } from 'node:net';
import memjs from 'memjs';
import { AuthenticationError } from '../../errors/index.js';
import type { ConnectionOptions } from '../connection.js';
import { MalformedReplyError } from '../malformed-reply-error.js';
import type { Opening, Pending, Transport, TransportEvents } from '../transport.js';
import { Opcode, Status } from './opcodes.js';
import { encodeBare } from './request.js';
import { ResponseReader, type Response } from './response.js';
import { useTls } from './tls-socket.js';

/** Bytes a reply may carry beyond the value: extras and the key (at most 250). */
const REPLY_OVERHEAD_BYTES = 512;
/** The handshake's opaque; requests use 1 … 2^32-1. */
const HANDSHAKE_OPAQUE = 0;
const HANDSHAKE = encodeBare(Opcode.NOOP);

/** The parts of memjs's Server this class reaches past its API. */
interface ServerInternals {
  _socket?: Socket;
}

/**
 * The binary protocol's part of a connection. The socket is opened through
 * memjs's `Server` (connect, TLS through {@link useTls}, SASL PLAIN); memjs's
 * own request path (a socket write per request, a copy of its whole receive
 * buffer per chunk, re-sending failed requests) is not used. Once open, a
 * NOOP checks that the server speaks the binary protocol and does not want
 * SASL the client cannot give.
 */
export class BinaryTransport implements Transport<Response> {
  readonly protocol = 'binary';
  readonly reader: ResponseReader;
  readonly opening: ReadonlyArray<Opening<Response>>;
  private readonly server: memjs.Server;

  /** @param options - where and how to connect */
  constructor(private readonly options: ConnectionOptions) {
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
    this.opening = [{ request: HANDSHAKE, check: (r) => this.checkHandshake(r) }];
  }

  open(events: TransportEvents): Socket {
    // The seam: memjs hands every chunk to responseHandler and every socket
    // failure to error(); both are taken over here.
    this.server.responseHandler = events.data;
    this.server.error = (err: Error | string) =>
      events.error(typeof err === 'string' ? new Error(err) : err);
    // memjs connects (and runs SASL) and calls back once authenticated.
    this.server.sock(false, () => events.ready());
    const socket = (this.server as unknown as ServerInternals)._socket;
    if (socket === undefined) throw new Error('memjs opened no socket');
    return socket;
  }

  /** SASL, driven by memjs's listSasl()/saslAuth(). */
  beforeReady(r: Response): void {
    if (r.opcode === Opcode.SASL_LIST_MECHS) return this.server.saslAuth();
    if (r.opcode === Opcode.SASL_AUTH) {
      if (r.status === Status.OK) return void this.server.emit('authenticated');
      throw new AuthenticationError(`${this.options.host}:${this.options.port}`);
    }
    throw new MalformedReplyError(
      `answered opcode 0x${hex(r.opcode)} before the connection was open`,
    );
  }

  stamp(p: Pending<Response>, opaque: number): void {
    p.request.writeUInt32BE(opaque, 12);
  }

  opaqueOf(r: Response): number {
    return r.opaque;
  }

  match(p: Pending<Response>, r: Response): void {
    const opcode = p.request[1] as number;
    if (r.opcode !== opcode) {
      const what = p.key === '' ? p.op : `${p.op} ${JSON.stringify(p.key)}`;
      throw new MalformedReplyError(
        `answered ${what} (opcode 0x${hex(opcode)}) with opcode 0x${hex(r.opcode)}`,
      );
    }
  }

  private checkHandshake(r: Response): void {
    if (r.opcode === Opcode.NOOP && r.opaque === HANDSHAKE_OPAQUE) {
      if (r.status === Status.OK) return;
      if (r.status === Status.AUTH_ERROR) {
        const address = `${this.options.host}:${this.options.port}`;
        throw new AuthenticationError(
          address,
          this.options.credentials === undefined
            ? `memcached ${address} requires SASL authentication; give username and password`
            : undefined,
        );
      }
    }
    throw new MalformedReplyError(
      `answered the connection's opening with opcode 0x${hex(r.opcode)}, status 0x${hex(r.status)}`,
    );
  }
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}
