import { InvalidArgumentError } from '../errors/index.js';
import { Credentials, PROTOCOLS, type Protocol } from '../protocol/index.js';

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
  /** The protocol to speak to this node, overriding the client's `protocol`. @defaultValue the client's */
  readonly protocol?: Protocol;
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
  /** The protocol to speak to it. */
  readonly protocol: Protocol;
}

/** memcached's default port. */
export const DEFAULT_MEMCACHED_PORT = 11211;

/**
 * Parses `'host:port'`, `'host'`, `'[::1]:11211'` or a {@link ServerAddress}.
 *
 * @param where - how to name the entry in errors (`servers[2]`, `addServer`)
 * @throws {@link InvalidArgumentError} naming the entry
 */
export function parseServer(
  entry: string | ServerAddress,
  where: string,
  defaultProtocol: Protocol,
): ResolvedServer {
  let host: string;
  let port: number = DEFAULT_MEMCACHED_PORT;
  let weight = 1;
  let credentials: Credentials | undefined;
  let protocol = defaultProtocol;
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
    protocol = checkProtocol(entry.protocol ?? defaultProtocol, `${where}.protocol`);
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
  return { host, port, weight, address, credentials, protocol };
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

/**
 * Checks a protocol name.
 * @throws {@link InvalidArgumentError} naming the option and the choices
 */
export function checkProtocol(value: unknown, option: string): Protocol {
  if (!PROTOCOLS.includes(value as Protocol)) {
    throw new InvalidArgumentError(
      `${option} must be one of ${PROTOCOLS.map((p) => `'${p}'`).join(', ')}, got ${String(value)}`,
    );
  }
  return value as Protocol;
}
