/**
 * The longest command line memcas sends, CRLF included: ElastiCache
 * Serverless refuses a `get`/`gets` line over 16 KB, so a multi-key read is
 * split into several commands below it.
 */
export const MAX_COMMAND_LINE_BYTES = 16 * 1024;

/** The storage commands. */
export type StoreCommand = 'set' | 'add' | 'replace' | 'cas';

const CRLF = Buffer.from('\r\n', 'latin1');
const GETS_WORD = Buffer.from('gets', 'latin1');

/** A command without arguments (`version`, `stats`, `flush_all`). */
export function textBare(command: string): Buffer {
  return Buffer.from(`${command}\r\n`, 'latin1');
}

/** `gets <key>`: the value, flags and CAS token. */
export function textGets(key: string): Buffer {
  return Buffer.from(`gets ${key}\r\n`, 'utf8');
}

/** One `gets k1 k2 …` command of a multi-key read: its line and the keys it asks for. */
export interface GetsCommand {
  /** The command line. */
  readonly request: Buffer;
  /** Positions in the caller's key list, in the order of the line. */
  readonly indexes: readonly number[];
}

/**
 * `gets` commands asking for every key, each line at most
 * {@link MAX_COMMAND_LINE_BYTES}. A key is at most 250 bytes, so every line
 * holds at least one.
 */
export function textGetsMany(keys: readonly string[]): GetsCommand[] {
  const commands: GetsCommand[] = [];
  let parts: Buffer[] = [GETS_WORD];
  let length = GETS_WORD.length + CRLF.length;
  let indexes: number[] = [];
  keys.forEach((key, i) => {
    const bytes = Buffer.from(` ${key}`, 'utf8');
    if (indexes.length > 0 && length + bytes.length > MAX_COMMAND_LINE_BYTES) {
      parts.push(CRLF);
      commands.push({ request: Buffer.concat(parts, length), indexes });
      parts = [GETS_WORD];
      length = GETS_WORD.length + CRLF.length;
      indexes = [];
    }
    parts.push(bytes);
    length += bytes.length;
    indexes.push(i);
  });
  parts.push(CRLF);
  commands.push({ request: Buffer.concat(parts, length), indexes });
  return commands;
}

/**
 * `set`/`add`/`replace <key> <flags> <exptime> <bytes>` or
 * `cas … <bytes> <cas>`, then the value: one buffer.
 */
export function textStore(
  command: StoreCommand,
  key: string,
  value: Buffer,
  flags: number,
  ttl: number,
  cas: bigint,
): Buffer {
  const casPart = command === 'cas' ? ` ${cas}` : '';
  const line = `${command} ${key} ${flags} ${ttl} ${value.length}${casPart}\r\n`;
  const lineBytes = Buffer.byteLength(line, 'utf8');
  const out = Buffer.allocUnsafe(lineBytes + value.length + 2);
  out.write(line, 0, lineBytes, 'utf8');
  value.copy(out, lineBytes);
  out[lineBytes + value.length] = 0x0d;
  out[lineBytes + value.length + 1] = 0x0a;
  return out;
}

/** `delete <key>` (no CAS: the text protocol has none for delete). */
export function textDelete(key: string): Buffer {
  return Buffer.from(`delete ${key}\r\n`, 'utf8');
}

/** `incr`/`decr <key> <delta>`. */
export function textCounter(command: 'incr' | 'decr', key: string, delta: bigint): Buffer {
  return Buffer.from(`${command} ${key} ${delta}\r\n`, 'utf8');
}

/** `touch <key> <exptime>`. */
export function textTouch(key: string, ttl: number): Buffer {
  return Buffer.from(`touch ${key} ${ttl}\r\n`, 'utf8');
}
