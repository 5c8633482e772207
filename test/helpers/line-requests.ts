// memcached's line protocols (meta and classic text) as a server reads them,
// written out again for the fake servers under test/helpers. It shares nothing
// with src/protocol, so a test server is an independent oracle rather than the
// client's own encoder echoed.

/** One request as a server reads it: its command line cut into words, and its data block. */
export interface LineRequest {
  /** The command line, without its line end. */
  readonly line: string;
  /** The first word: `mg`, `ms`, `md`, `ma`, `mn`, `get`, `set`, `version`… */
  readonly command: string;
  /** The words after the command. */
  readonly args: readonly string[];
  /** The key ('' for commands without one; for `get a b`, the first). */
  readonly key: string;
  /** The data block of a storage command (`ms`, `set`, `cas`…), without its CRLF. */
  readonly data: Buffer | undefined;
  /** A meta command's flags (`v`, `c`, `q`, `T60`, `O0000002a`), in the order sent; [] for text commands. */
  readonly flags: readonly string[];
  /** The meta `O` flag's token as sent (without the `O`), if any. */
  readonly opaque: string | undefined;
  /** Bytes the request took in the stream, line end and data block included. */
  readonly frameBytes: number;
}

/** A request line longer than this, without a line end, is not memcached's. */
export const MAX_REQUEST_LINE = 64 * 1024;

const LF = 0x0a;
const CR = 0x0d;
/** Meta commands whose second word is the key. */
const META_KEYED = new Set(['mg', 'ms', 'md', 'ma']);
/** Classic storage commands: `<cmd> <key> <flags> <exptime> <bytes> [cas] [noreply]`, then data. */
export const TEXT_STORAGE = new Set(['set', 'add', 'replace', 'append', 'prepend', 'cas']);
/** Classic commands that change state (storage commands aside). */
const TEXT_WRITES = new Set(['delete', 'incr', 'decr', 'touch', 'flush_all']);

/** What a server does about a request stream it cannot read: it is not memcached's client's. */
export class LineRequestError extends Error {
  override readonly name = 'LineRequestError';
}

/**
 * Parses the request at `offset` of `buf`: undefined while it is incomplete.
 * A line ends at LF (a CR before it is dropped, as memcached does).
 * @throws {@link LineRequestError} for a line longer than {@link MAX_REQUEST_LINE},
 *   or a data block not followed by CRLF
 */
export function parseLineRequest(buf: Buffer, offset: number): LineRequest | undefined {
  const eol = buf.indexOf(LF, offset);
  if (eol < 0) {
    if (buf.length - offset > MAX_REQUEST_LINE)
      throw new LineRequestError(`a request line of more than ${MAX_REQUEST_LINE} bytes`);
    return undefined;
  }
  const end = eol > offset && buf[eol - 1] === CR ? eol - 1 : eol;
  const line = buf.toString('utf8', offset, end);
  const words = line.split(' ').filter((w) => w !== '');
  const command = words[0] ?? '';
  const args = words.slice(1);
  const key = args[0] ?? '';
  const meta = META_KEYED.has(command);
  // ms carries its data length before its flags.
  const flags = meta ? args.slice(command === 'ms' ? 2 : 1) : command === 'mn' ? args : [];
  const opaque = flags.find((f) => f.startsWith('O'))?.slice(1);
  const dataBytes = dataLength(command, args);
  let frameBytes = eol + 1 - offset;
  let data: Buffer | undefined;
  if (dataBytes !== undefined) {
    const start = eol + 1;
    if (buf.length - start < dataBytes + 2) return undefined;
    if (buf[start + dataBytes] !== CR || buf[start + dataBytes + 1] !== LF) {
      throw new LineRequestError(`a ${dataBytes}-byte data block of ${command} not ended by CRLF`);
    }
    data = Buffer.from(buf.subarray(start, start + dataBytes));
    frameBytes += dataBytes + 2;
  }
  return { line, command, args, key, data, flags, opaque, frameBytes };
}

/** The data block length a storage command announces (undefined: none, or not a number). */
function dataLength(command: string, args: readonly string[]): number | undefined {
  const word = command === 'ms' ? args[1] : TEXT_STORAGE.has(command) ? args[3] : undefined;
  if (word === undefined || !/^\d{1,10}$/.test(word)) return undefined;
  return Number(word);
}

/**
 * True when a request changes state, so a lost answer leaves its outcome
 * unknown: `ms`, `md`, `ma`, a touching `mg` (with `T`), the classic storage
 * commands, `delete`, `incr`, `decr`, `touch` and `flush_all`.
 */
export function isWrite(r: LineRequest): boolean {
  if (r.command === 'ms' || r.command === 'md' || r.command === 'ma') return true;
  if (r.command === 'mg') return r.flags.some((f) => f.startsWith('T'));
  return TEXT_STORAGE.has(r.command) || TEXT_WRITES.has(r.command);
}

/** True for a request whose answer carries a value: `mg` with `v`, `get`, `gets`. */
export function readsValue(r: LineRequest): boolean {
  return (
    (r.command === 'mg' && r.flags.includes('v')) || r.command === 'get' || r.command === 'gets'
  );
}
