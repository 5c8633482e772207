import { isIP } from 'node:net';

/** One node of a configuration endpoint's answer (`hostname|ip|port`). */
export interface DiscoveredNode {
  /** The node's DNS name; may be empty when `ip` is given. */
  readonly hostname: string;
  /** Its IP address; may be empty when `hostname` is given. */
  readonly ip: string;
  /** Its TCP port. */
  readonly port: number;
}

/** The cluster as the configuration endpoint describes it. */
export interface ClusterConfig {
  /** Rises by one each time a node is added or removed. */
  readonly version: number;
  /** At least one node, no two alike. */
  readonly nodes: readonly DiscoveredNode[];
}

/** What a complete answer to `config get cluster` (or the legacy `get`) said. */
export type ConfigReply =
  | { readonly kind: 'config'; readonly config: ClusterConfig }
  /** `ERROR`: the server does not know the command (memcached < 1.4.14 or not ElastiCache). */
  | { readonly kind: 'unknown-command' };

/** An answer that can never become a valid configuration. */
export class MalformedConfigError extends Error {
  override readonly name = 'MalformedConfigError';
}

/** The largest configuration accepted (a list of thousands of nodes is far below it). */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/**
 * The most nodes a configuration may list. A cluster is far smaller
 * (ElastiCache allows 60 nodes by default, memcas is measured at 1,000);
 * a 1 MB list of 119,000 nodes from a broken endpoint held the event loop
 * for 42 s and 450 MB building the ring.
 */
export const MAX_CONFIG_NODES = 10_000;
/** The longest first line accepted. */
const MAX_HEADER_BYTES = 1024;
/** What follows the value: its CRLF, then the end of the answer. */
const TRAILER = '\r\nEND\r\n';
/**
 * `config get cluster` answers `CONFIG cluster <flags> <bytes>`; the legacy
 * `get AmazonElastiCache:cluster` (engines before 1.4.14) answers with an
 * ordinary `VALUE` line. The value is the same.
 */
const HEADER = /^(?:CONFIG cluster|VALUE AmazonElastiCache:cluster) (\d{1,10}) (\d{1,10})$/;
const HOSTNAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,252})$/;

/**
 * Reads ElastiCache's answer to `config get cluster` from the bytes received
 * so far: `undefined` while it is incomplete, the reply once whole.
 *
 * The format (AWS, "Adding Auto Discovery to your client library"):
 * `CONFIG cluster 0 <bytes>\r\n`, then a value of `<bytes>` bytes made of the
 * config version and `\n`, the nodes as space-separated `hostname|ip|port`
 * and `\n`; then `\r\nEND\r\n`.
 *
 * @throws {@link MalformedConfigError} for an answer that can never be valid
 */
export function readConfigReply(received: Buffer): ConfigReply | undefined {
  const eol = received.indexOf('\r\n');
  if (eol < 0) {
    if (received.length > MAX_HEADER_BYTES) throw malformed('a first line of over 1024 bytes');
    return undefined;
  }
  const header = received.toString('latin1', 0, eol);
  if (header === 'ERROR') return { kind: 'unknown-command' };
  if (header === 'END') throw malformed('no configuration (END alone)');
  const m = HEADER.exec(header);
  if (!m) throw malformed(`a first line of ${quote(header)}`);
  const bytes = Number(m[2]);
  if (bytes > MAX_CONFIG_BYTES)
    throw malformed(`a value of ${bytes} bytes (at most ${MAX_CONFIG_BYTES})`);
  const end = eol + 2 + bytes;
  if (received.length < end + TRAILER.length) {
    // What has come of the trailer must already match it.
    const seen = received.toString('latin1', end, received.length);
    if (received.length > end && !TRAILER.startsWith(seen)) {
      throw malformed(`${quote(seen)} after the ${bytes}-byte value instead of END`);
    }
    return undefined;
  }
  const trailer = received.toString('latin1', end, end + TRAILER.length);
  if (trailer !== TRAILER) {
    throw malformed(`${quote(trailer)} after the ${bytes}-byte value instead of END`);
  }
  if (received.length > end + TRAILER.length) throw malformed('bytes after END');
  return { kind: 'config', config: parseConfigValue(received.toString('latin1', eol + 2, end)) };
}

/**
 * Parses the value of the answer: the version line, then the node line.
 * @throws {@link MalformedConfigError}
 */
export function parseConfigValue(value: string): ClusterConfig {
  // Lines end with LF; a CR before it is tolerated.
  const lines = value.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines.at(-1) === '') lines.pop();
  if (lines.length !== 2) {
    throw malformed(`a value of ${lines.length} line(s); expected the version and the node list`);
  }
  const [versionLine, nodeLine] = lines as [string, string];
  if (!/^\d{1,15}$/.test(versionLine)) throw malformed(`a config version of ${quote(versionLine)}`);
  const entries = nodeLine.split(' ').filter((e) => e !== '');
  if (entries.length === 0) throw malformed('a node list with no nodes');
  if (entries.length > MAX_CONFIG_NODES)
    throw malformed(`a list of ${entries.length} nodes; at most ${MAX_CONFIG_NODES}`);
  const seen = new Set<string>();
  const nodes = entries.map((entry) => {
    const node = parseEntry(entry);
    const name = `${node.hostname || node.ip}:${node.port}`;
    if (seen.has(name)) throw malformed(`node ${name} listed twice`);
    seen.add(name);
    return node;
  });
  return { version: Number(versionLine), nodes };
}

/** One `hostname|ip|port` entry. */
function parseEntry(entry: string): DiscoveredNode {
  const parts = entry.split('|');
  const [hostname, ip, port] = parts;
  if (parts.length !== 3 || hostname === undefined || ip === undefined || port === undefined) {
    throw malformed(`node ${quote(entry)}; expected hostname|ip|port`);
  }
  if (hostname === '' && ip === '')
    throw malformed(`node ${quote(entry)} with neither hostname nor ip`);
  if (hostname !== '' && !HOSTNAME.test(hostname)) {
    throw malformed(`node ${quote(entry)}: ${quote(hostname)} is not a host name`);
  }
  if (ip !== '' && isIP(ip) === 0)
    throw malformed(`node ${quote(entry)}: ${quote(ip)} is not an IP address`);
  const n = /^\d{1,5}$/.test(port) ? Number(port) : 0;
  if (n < 1 || n > 65535) throw malformed(`node ${quote(entry)}: port ${quote(port)}`);
  return { hostname, ip, port: n };
}

function malformed(what: string): MalformedConfigError {
  return new MalformedConfigError(`the answer is not ElastiCache's config format: ${what}`);
}

/** Text from the wire for a message: JSON-quoted and cut short. */
function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}
