import { MalformedReplyError } from '../malformed-reply-error.js';
import type { Reply, ReplyReader } from '../transport.js';

/** One meta-protocol reply (or a classic line the meta client also meets). */
export interface MetaReply extends Reply {
  /** The first word: `VA`, `HD`, `EN`, `NS`, `EX`, `NF`, `MN`, `OK`, `END`, `STAT`, `VERSION`, `STORED`, `ERROR`, `CLIENT_ERROR`, `SERVER_ERROR`. */
  readonly word: string;
  /** The rest of the line, split at spaces (for `VA`, the size first). */
  readonly tokens: readonly string[];
  /** The data block of a `VA` reply (a view into the socket chunk). */
  readonly value: Buffer | undefined;
  /** The `O` flag, when the reply has one. */
  readonly opaque: number | undefined;
}

/** Words a meta client may be answered with. */
const WORDS = new Set([
  'VA',
  'HD',
  'EN',
  'NS',
  'EX',
  'NF',
  'MN',
  'OK',
  'END',
  'STAT',
  'VERSION',
  'STORED',
  'ERROR',
  'CLIENT_ERROR',
  'SERVER_ERROR',
]);
/** The longest reply line read (memcached's are far shorter; a value never sits on the line). */
const MAX_LINE = 8192;
const CR = 0x0d;
const LF = 0x0a;

/**
 * Cuts a meta-protocol byte stream into replies: a line, and for `VA` a data
 * block of the announced size. Parses in place when a chunk holds whole
 * replies and joins chunks only once a reply is complete. A value larger than
 * `maxValueBytes` is skipped without buffering (the reply carries `oversize`);
 * an unknown word, a bad size or a line without end throws
 * {@link MalformedReplyError}.
 */
export class MetaReader implements ReplyReader<MetaReply> {
  private parts: Buffer[] = [];
  private buffered = 0;
  /** Bytes needed before parsing again (0: until a line end arrives). */
  private needed = 0;
  /** Bytes of an oversized value (and its CRLF) still to discard. */
  private skipping = 0;

  /** @param maxValueBytes - the largest value read */
  constructor(private readonly maxValueBytes: number) {}

  push(chunk: Buffer, onReply: (r: MetaReply) => void): void {
    if (this.skipping > 0) {
      if (chunk.length <= this.skipping) {
        this.skipping -= chunk.length;
        return;
      }
      chunk = chunk.subarray(this.skipping);
      this.skipping = 0;
    }
    let buf: Buffer;
    if (this.buffered === 0) {
      buf = chunk;
    } else {
      this.parts.push(chunk);
      this.buffered += chunk.length;
      if (this.needed > 0 && this.buffered < this.needed) return;
      buf = Buffer.concat(this.parts, this.buffered);
      this.parts = [];
      this.buffered = 0;
    }
    this.needed = 0;
    let offset = 0;
    while (offset < buf.length) {
      const eol = buf.indexOf(LF, offset);
      if (eol < 0) {
        if (buf.length - offset > MAX_LINE) throw notMeta(buf.subarray(offset));
        break;
      }
      if (eol === offset || buf[eol - 1] !== CR) throw notMeta(buf.subarray(offset));
      const line = buf.toString('latin1', offset, eol - 1);
      const space = line.indexOf(' ');
      const word = space < 0 ? line : line.slice(0, space);
      if (!WORDS.has(word)) throw notMeta(buf.subarray(offset));
      const tokens = space < 0 ? [] : line.slice(space + 1).split(' ');
      if (word !== 'VA') {
        onReply({ word, tokens, value: undefined, opaque: opaqueOf(tokens) });
        offset = eol + 1;
        continue;
      }
      const size = Number(tokens[0]);
      if (!/^\d+$/.test(tokens[0] ?? '') || !Number.isSafeInteger(size)) {
        throw new MalformedReplyError(`sent a VA reply with the size ${JSON.stringify(tokens[0])}`);
      }
      const start = eol + 1;
      if (size > this.maxValueBytes) {
        onReply({ word, tokens, value: undefined, opaque: opaqueOf(tokens), oversize: size });
        const available = buf.length - start;
        if (available >= size + 2) {
          offset = start + size + 2;
          continue;
        }
        this.skipping = size + 2 - available;
        offset = buf.length;
        break;
      }
      if (buf.length - start < size + 2) {
        this.needed = start - offset + size + 2;
        break;
      }
      if (buf[start + size] !== CR || buf[start + size + 1] !== LF) {
        throw new MalformedReplyError(`sent a ${size}-byte value not followed by CRLF`);
      }
      onReply({ word, tokens, value: buf.subarray(start, start + size), opaque: opaqueOf(tokens) });
      offset = start + size + 2;
    }
    if (offset < buf.length) {
      const rest = buf.subarray(offset);
      this.parts = [rest];
      this.buffered = rest.length;
    }
  }
}

/** The `O` flag of a reply, as a number. */
function opaqueOf(tokens: readonly string[]): number | undefined {
  for (const t of tokens) {
    if (t.charCodeAt(0) !== 0x4f /* O */) continue;
    const n = Number.parseInt(t.slice(1), 16);
    if (!Number.isInteger(n) || t.length !== 9) {
      throw new MalformedReplyError(`sent the opaque ${JSON.stringify(t)}, not one memcas sent`);
    }
    return n;
  }
  return undefined;
}

/** The value of flag `name` in a reply's tokens (`c123` → `'123'`). */
export function metaFlag(reply: MetaReply, name: string): string | undefined {
  for (const t of reply.tokens) if (t[0] === name) return t.slice(1);
  return undefined;
}

/** The error for bytes that are not a meta reply, naming what they look like. */
function notMeta(bytes: Buffer): MalformedReplyError {
  const head = bytes.subarray(0, 40);
  const printable = head.every(
    (b) => b === CR || b === LF || b === 0x09 || (b >= 0x20 && b < 0x7f),
  );
  const seen = printable
    ? `the text ${JSON.stringify(head.toString('latin1'))}`
    : `bytes ${head.subarray(0, 8).toString('hex')}…`;
  return new MalformedReplyError(
    `answered with ${seen}, not a memcached meta-protocol reply; check that the address is ` +
      'memcached 1.6 or later (not a text-only proxy, not HTTP)',
  );
}
