import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions as TlsOptions } from 'node:tls';
import { DiscoveryError, type DiscoveryFailure } from '../../errors/index.js';
import { MalformedConfigError, readConfigReply, type ClusterConfig } from './cluster-config.js';

/** A configuration endpoint's address. */
export interface Endpoint {
  /** Host name or IP address. */
  readonly host: string;
  /** TCP port. */
  readonly port: number;
  /** `host:port`, for messages. */
  readonly address: string;
}

/** How to ask. */
export interface AskOptions {
  /** Time for the whole exchange (connect, command, whole answer), in ms. */
  readonly timeoutMs: number;
  /** TLS, as for the nodes (ElastiCache's in-transit encryption covers the endpoint too). */
  readonly tls?: TlsOptions | undefined;
  /** Abandons the exchange (the client is closing). */
  readonly signal?: AbortSignal | undefined;
  /** Keep the process alive while asking (else the socket and timer are unref'd). */
  readonly keepAlive?: boolean;
}

const CONFIG_GET = 'config get cluster\r\n';
/** Engines before 1.4.14 keep the configuration under this key instead. */
const LEGACY_GET = 'get AmazonElastiCache:cluster\r\n';

/**
 * Asks a configuration endpoint for the cluster's nodes, over a connection of
 * its own that is closed afterwards: `config get cluster` over the text
 * protocol, then, if the server does not know that command (`ERROR`), the
 * legacy `get AmazonElastiCache:cluster`. Unless `keepAlive`, the socket and
 * its timer do not keep the process alive.
 *
 * @throws {@link DiscoveryError} saying why no configuration came back
 */
export function askConfigEndpoint(endpoint: Endpoint, options: AskOptions): Promise<ClusterConfig> {
  return new Promise((resolve, reject) => {
    let received: Buffer = Buffer.alloc(0);
    let command = CONFIG_GET;
    let settled = false;
    const socket: Socket = options.tls
      ? tlsConnect({
          ...options.tls,
          host: endpoint.host,
          port: endpoint.port,
          servername: options.tls.servername ?? (isIP(endpoint.host) ? undefined : endpoint.host),
        })
      : netConnect({ host: endpoint.host, port: endpoint.port });
    if (!options.keepAlive) socket.unref();
    const finish = (error: DiscoveryError | undefined, config?: ClusterConfig): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', abandon);
      socket.destroy();
      if (error) reject(error);
      else resolve(config as ClusterConfig);
    };
    const fail = (reason: DiscoveryFailure, what: string, cause?: unknown): void =>
      finish(
        new DiscoveryError(
          endpoint.address,
          reason,
          `discovery endpoint ${endpoint.address} ${what}`,
          {
            cause,
          },
        ),
      );
    const abandon = (): void =>
      fail('unreachable', 'was not asked to the end: the client is closing');
    const timer = setTimeout(
      () =>
        fail('timeout', `gave no whole answer to ${command.trim()} within ${options.timeoutMs} ms`),
      options.timeoutMs,
    );
    if (!options.keepAlive) timer.unref();
    if (options.signal?.aborted) return abandon();
    options.signal?.addEventListener('abort', abandon, { once: true });

    socket.setNoDelay(true);
    socket.once(options.tls ? 'secureConnect' : 'connect', () => socket.write(command));
    socket.on('data', (chunk: Buffer) => {
      received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
      let reply;
      try {
        reply = readConfigReply(received);
      } catch (error) {
        const what = (error as MalformedConfigError).message;
        return fail('malformed', `answered ${command.trim()} badly: ${what}`, error);
      }
      if (reply === undefined) return;
      if (reply.kind === 'config') return finish(undefined, reply.config);
      if (command === LEGACY_GET) {
        return fail(
          'malformed',
          'does not know config get cluster nor the legacy get: is it ElastiCache?',
        );
      }
      command = LEGACY_GET;
      received = Buffer.alloc(0);
      socket.write(command);
    });
    socket.once('error', (error: Error) =>
      fail('unreachable', `could not be asked: ${error.message}`, error),
    );
    socket.once('close', () =>
      fail('unreachable', `closed the connection before answering ${command.trim()}`),
    );
  });
}
