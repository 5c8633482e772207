import type { Socket } from 'node:net';
import { AuthenticationError } from '../../errors/index.js';
import type { ConnectionOptions } from '../connection.js';
import { MalformedReplyError } from '../malformed-reply-error.js';
import { asciiLogin } from '../ascii-login.js';
import { openSocket } from '../open-socket.js';
import type { Opening, Pending, Transport, TransportEvents } from '../transport.js';
import { MetaReader, type MetaReply } from './meta-reader.js';
import { metaBare } from './meta-request.js';

const NOOP = metaBare('mn').request;
const SETTINGS = Buffer.from('stats settings\r\n', 'latin1');
/** The most lines a `stats settings` answer may have (memcached 1.6 sends about 80). */
const MAX_SETTINGS = 1000;
/** The bytes of the hex digits, 0-9a-f. */
const HEX = Buffer.from('0123456789abcdef', 'latin1');

/**
 * The meta protocol's part of a connection: a plain or TLS socket (no
 * memjs), replies matched by their `O` opaque (or in order, for the few
 * commands that carry none), and an opening that checks the server speaks
 * meta (`mn` → `MN`), after memcached's ASCII authentication when
 * credentials are given (`-Y` on the server), then learns the node's item
 * size limit (`stats settings`, in the same round trip): memcached unlinks
 * the old item when any `ms` fails to allocate, so no write over it is sent.
 */
export class MetaTransport implements Transport<MetaReply> {
  readonly protocol = 'meta';
  readonly reader: MetaReader;
  readonly opening: ReadonlyArray<Opening<MetaReply>>;
  /** memcached's `item_size_max`, once the opening read it (undefined: not told). */
  itemLimit: number | undefined = undefined;
  private settingsLines = 0;

  /** @param options - where and how to connect */
  constructor(private readonly options: ConnectionOptions) {
    this.reader = new MetaReader(options.maxValueBytes);
    this.opening = [
      ...asciiLogin(options),
      { request: NOOP, check: (r) => this.checkNoop(r) },
      { request: SETTINGS, check: (r) => this.readSettings(r) },
    ];
  }

  open(events: TransportEvents): Socket {
    return openSocket(this.options.host, this.options.port, this.options.tls, events);
  }

  stamp(p: Pending<MetaReply>, opaque: number): void {
    const at = p.opaqueAt;
    if (at === undefined) return;
    // Byte by byte: a string and a Buffer.write per request cost more than the request's own encoding.
    const request = p.request;
    for (let i = at + 7, n = opaque; i >= at; i--, n >>>= 4) request[i] = HEX[n & 15] as number;
  }

  opaqueOf(r: MetaReply): number | undefined {
    return r.opaque;
  }

  /**
   * A line of the `stats settings` answer: keeps `item_size_max`. An answer
   * that is not statistics (a proxy that refuses the command) ends it, with
   * the limit unknown: writes are then checked against `maxValueBytes` only.
   */
  private readSettings(r: MetaReply): 'more' | undefined {
    if (r.word !== 'STAT') return undefined;
    if (++this.settingsLines > MAX_SETTINGS) {
      throw new MalformedReplyError(`sent more than ${MAX_SETTINGS} lines of settings`);
    }
    if (r.tokens[0] === 'item_size_max') {
      const limit = Number(r.tokens[1]);
      if (Number.isSafeInteger(limit) && limit > 0) this.itemLimit = limit;
    }
    return 'more';
  }

  private checkNoop(r: MetaReply): void {
    if (r.word === 'MN') return;
    const address = `${this.options.host}:${this.options.port}`;
    if (r.word === 'CLIENT_ERROR' && r.tokens[0] === 'unauthenticated') {
      throw new AuthenticationError(
        address,
        `memcached ${address} requires authentication; give username and password`,
      );
    }
    throw new MalformedReplyError(
      `answered the meta no-op (mn) with ${r.word}; it does not speak the meta protocol ` +
        '(memcached 1.6 or later does; text-only proxies do not: use protocol: "text")',
    );
  }
}
