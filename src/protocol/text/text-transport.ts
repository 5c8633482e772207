import type { Socket } from 'node:net';
import type { ConnectionOptions } from '../connection.js';
import { asciiLogin } from '../ascii-login.js';
import { openSocket } from '../open-socket.js';
import type { Opening, ReplyReader, Transport, TransportEvents } from '../transport.js';
import { TextReader } from './text-reader.js';
import type { TextReply } from './text-reply.js';
import { isUnauthenticated, unauthenticatedError } from './text-status.js';

/**
 * The classic text protocol's part of a connection, for memcached and the
 * proxies in front of it (twemproxy, mcrouter): a plain or TLS socket (no
 * memjs), replies matched in order (the protocol has no opaque), and nothing
 * sent first but memcached's ASCII authentication when credentials are given
 * (`-Y` on the server). No protocol check: a proxy must receive nothing it
 * would not accept (twemproxy closes the connection on any command it does
 * not know).
 *
 * A refusal of ASCII authentication (`CLIENT_ERROR unauthenticated`, …),
 * whenever it comes, fails the connection with an {@link AuthenticationError}:
 * memcached drops the requests sent behind the one it answers so, and they
 * would otherwise wait for their timeout.
 */
export class TextTransport implements Transport<TextReply> {
  readonly protocol = 'text';
  readonly reader: ReplyReader<TextReply>;
  readonly opening: ReadonlyArray<Opening<TextReply>>;

  /** @param options - where and how to connect */
  constructor(private readonly options: ConnectionOptions) {
    const reader = new TextReader(options.maxValueBytes);
    const address = `${options.host}:${options.port}`;
    const hasCredentials = options.credentials !== undefined;
    this.reader = {
      push: (chunk, onReply) =>
        reader.push(chunk, (r) => {
          if (isUnauthenticated(r)) throw unauthenticatedError(address, hasCredentials);
          onReply(r);
        }),
    };
    this.opening = asciiLogin<TextReply>(options);
  }

  open(events: TransportEvents): Socket {
    return openSocket(this.options.host, this.options.port, this.options.tls, events);
  }

  /** The text protocol carries no opaque. */
  stamp(): void {}

  /** Every reply answers the oldest request: matched in order. */
  opaqueOf(): undefined {
    return undefined;
  }
}
