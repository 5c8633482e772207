import type { Socket } from 'node:net';
import { isIP } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions as TlsOptions } from 'node:tls';
import type memjs from 'memjs';

/** The parts of memjs's Server that its own `sock()` works with. */
interface ServerInternals {
  _socket: Socket | undefined;
  connected: boolean;
  timeoutSet: boolean;
  connectCallbacks: Array<(socket: Socket) => void>;
  options: { conntimeout: number; keepAlive: boolean; keepAliveDelay: number };
}

/**
 * Makes a memjs `Server` open TLS sockets. memjs 1.3.2 only calls
 * `net.connect`; this `sock()` follows memjs's own steps (connect, SASL,
 * connect timeout, keep-alive, queued callbacks) over `tls.connect`, so SASL
 * and everything above work unchanged. Certificates are verified unless the
 * caller sets `rejectUnauthorized: false`; there is no fallback to plain TCP.
 */
export function useTls(server: memjs.Server, options: TlsOptions): void {
  const s = server as unknown as ServerInternals;
  server.sock = (sasl: boolean, go: (socket: Socket) => void): void => {
    if (s._socket === undefined) {
      s.connected = false;
      const socket = tlsConnect({
        ...options,
        host: server.host,
        port: server.port,
        servername: options.servername ?? (isIP(server.host) ? undefined : server.host),
      });
      s._socket = socket;
      socket.once('secureConnect', () => {
        server.once('authenticated', () => {
          if (s._socket !== socket) return;
          s.connected = true;
          socket.setTimeout(0);
          s.timeoutSet = false;
          go(socket);
          for (const cb of s.connectCallbacks) cb(socket);
          s.connectCallbacks = [];
        });
        socket.on('data', (chunk: Buffer) => server.responseHandler(chunk));
        if (server.username && server.password) server.listSasl();
        else server.emit('authenticated');
      });
      socket.on('error', (err: Error) => server.error(err));
      socket.on('close', () => {
        s.connected = false;
        if (s._socket === socket) s._socket = undefined;
      });
      s.timeoutSet = true;
      socket.setTimeout(s.options.conntimeout * 1000, () => {
        s.timeoutSet = false;
        if (!s.connected) {
          socket.destroy();
          server.error(
            new Error(`TLS connection not established within ${s.options.conntimeout * 1000} ms`),
          );
        }
      });
      socket.setKeepAlive(s.options.keepAlive, s.options.keepAliveDelay * 1000);
    } else if (!s.connected && !sasl) {
      server.onConnect(go);
    } else {
      go(s._socket);
    }
  };
}
