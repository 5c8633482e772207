import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions as TlsOptions } from 'node:tls';
import type { TransportEvents } from './transport.js';

/**
 * Opens a plain TCP or TLS socket to a node for the protocols that need no
 * memjs (meta, text): data and errors go to `events`, `ready()` once
 * connected (after the TLS handshake, certificates verified unless the
 * caller's `rejectUnauthorized: false` says otherwise). The connection core
 * owns the deadline.
 */
export function openSocket(
  host: string,
  port: number,
  tls: TlsOptions | undefined,
  events: TransportEvents,
): Socket {
  const socket = tls
    ? tlsConnect({
        ...tls,
        host,
        port,
        servername: tls.servername ?? (isIP(host) ? undefined : host),
      })
    : netConnect({ host, port });
  socket.once(tls ? 'secureConnect' : 'connect', () => events.ready());
  socket.on('data', (chunk: Buffer) => events.data(chunk));
  socket.on('error', (err: Error) => events.error(err));
  socket.setKeepAlive(true, 30_000);
  return socket;
}
