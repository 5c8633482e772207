import { InvalidArgumentError } from '../errors/index.js';
import { Credentials } from '../protocol/index.js';

/** One memcached node in the `servers` option. */
export interface ServerAddress {
  /** Host name or IP address. */
  readonly host: string;
  /** TCP port. @defaultValue 11211 */
  readonly port?: number;
  /** Relative share of keys on the ring. @defaultValue 1 */
  readonly weight?: number;
  /** SASL user name for this node, overriding the client's `username`. @defaultValue the client's */
  readonly username?: string;
  /** SASL password for this node, overriding the client's `password`. @defaultValue the client's */
  readonly password?: string;
}

/** A server entry with every field filled in. */
export interface ResolvedServer {
  /** Host name or IP address. */
  readonly host: string;
  /** TCP port. */
  readonly port: number;
  /** Relative share of keys. */
  readonly weight: number;
  /** `host:port`, the node's name everywhere in memcas. */
  readonly address: string;
  /** This node's own SASL credentials, when its entry gave them. */
  readonly credentials: Credentials | undefined;
}

/** memcached's default port. */
export const DEFAULT_MEMCACHED_PORT = 11211;

/**
 * Parses `'host:port'`, `'host'`, `'[::1]:11211'` or a {@link ServerAddress}.
 *
 * @param where - how to name the entry in errors (`servers[2]`, `addServer`)
 * @throws {@link InvalidArgumentError} naming the entry
 */
export function parseServer(entry: string | ServerAddress, where: string): ResolvedServer {
  let host: string;
  let port: number = DEFAULT_MEMCACHED_PORT;
  let weight = 1;
  let credentials: Credentials | undefined;
  if (typeof entry === 'string') {
    const m = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d+))?$/.exec(entry.trim());
    if (!m)
      throw new InvalidArgumentError(
        `${where} must look like "host:port", got ${JSON.stringify(entry)}`,
      );
    host = (m[1] ?? m[2]) as string;
    if (m[3] !== undefined) port = Number(m[3]);
  } else if (typeof entry === 'object' && entry !== null && typeof entry.host === 'string') {
    host = entry.host;
    port = entry.port ?? DEFAULT_MEMCACHED_PORT;
    weight = entry.weight ?? 1;
    credentials = credentialsFrom(entry.username, entry.password, where);
  } else {
    throw new InvalidArgumentError(`${where} must be "host:port" or { host, port?, weight? }`);
  }
  if (host === '') throw new InvalidArgumentError(`${where} has an empty host`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InvalidArgumentError(
      `${where} has port ${String(port)}; expected an integer from 1 to 65535`,
    );
  }
  if (!Number.isInteger(weight) || weight < 1) {
    throw new InvalidArgumentError(
      `${where} has weight ${String(weight)}; expected a positive integer`,
    );
  }
  const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return { host, port, weight, address, credentials };
}

/**
 * SASL credentials from a user name and password, both or neither.
 * @throws TypeError naming `where`, without the values
 */
export function credentialsFrom(
  username: unknown,
  password: unknown,
  where: string,
): Credentials | undefined {
  if (username === undefined && password === undefined) return undefined;
  if (
    typeof username !== 'string' ||
    typeof password !== 'string' ||
    username === '' ||
    password === ''
  ) {
    throw new InvalidArgumentError(
      `${where}: username and password must both be non-empty strings`,
    );
  }
  return new Credentials(username, password);
}
