import { MalformedReplyError } from '../malformed-reply-error.js';
import { StreamBuffer } from '../stream-buffer.js';
import type { Reply, ReplyReader } from '../transport.js';

/** One meta-protocol reply (or a classic line the meta client also meets). */
export interface MetaReply extends Reply {
  /** The first word: `VA`, `HD`, `EN`, `NS`, `EX`, `NF`, `MN`, `OK`, `END`, `STAT`, `VERSION`, `STORED`, `ERROR`, `CLIENT_ERROR`, `SERVER_ERROR`. */
  readonly word: string;
  /** The rest of the line, split at spaces, for the classic lines (`STAT`, `VERSION`, errors); empty for meta replies, whose flags are parsed below. */
  readonly tokens: readonly string[];
  /** The data block of a `VA` reply (a view into the socket chunk). */
  readonly value: Buffer | undefined;
  /** The `O` flag, when the reply has one. */
  readonly opaque: number | undefined;
  /** The `c` flag (the item's CAS), when the reply has one. */
  readonly cas: bigint | undefined;
  /** The `f` flag (the client flags), when the reply has one. */
  readonly flags: number | undefined;
  /** The lease flags of an `mg` reply: {@link MARK_WON}, {@link MARK_TAKEN}, {@link MARK_STALE} (0 for none). */
  readonly marks: number;
  /** The `t` flag (seconds the item has left, -1 for never), when the reply has one. */
  readonly ttl: number | undefined;
}

/** `W`: this client won the right to recache the item (its lease). */
export const MARK_WON = 1;
/** `Z`: another client already won it. */
export const MARK_TAKEN = 2;
/** `X`: the item was marked stale (`md … I`). */
export const MARK_STALE = 4;

/** The two-letter words of meta replies, by their two bytes. */
const META_WORDS = new Map<number, string>(
  ['VA', 'HD', 'EN', 'NS', 'EX', 'NF', 'MN'].map((w) => [
    (w.charCodeAt(0) << 8) | w.charCodeAt(1),
    w,
  ]),
);
const EMPTY: readonly string[] = Object.freeze([]);

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
/** The largest item memcached can be configured to hold (`-I 1024m`). */
const MEMCACHED_MAX_ITEM_BYTES = 1024 * 1024 * 1024;
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
  private readonly held = new StreamBuffer();
  /** The flags of the line being read: one object for every line (they are copied into its reply). */
  private readonly flags: Flags = {
    size: -1,
    opaque: undefined,
    cas: undefined,
    flags: undefined,
    marks: 0,
    ttl: undefined,
  };

  /** @param maxValueBytes - the largest value read */
  constructor(private readonly maxValueBytes: number) {}

  push(chunk: Buffer, onReply: (r: MetaReply) => void): void {
    const buf = this.held.take(chunk);
    if (buf === undefined) return;
    let needed = 0;
    let offset = 0;
    while (offset < buf.length) {
      const eol = lineFeed(buf, offset);
      if (eol < 0) {
        if (buf.length - offset > MAX_LINE) throw notMeta(buf.subarray(offset));
        break;
      }
      if (eol === offset || buf[eol - 1] !== CR) throw notMeta(buf.subarray(offset));
      const end = eol - 1;
      const meta =
        end - offset >= 2 && (end - offset === 2 || buf[offset + 2] === 0x20)
          ? META_WORDS.get(((buf[offset] as number) << 8) | (buf[offset + 1] as number))
          : undefined;
      if (meta === undefined) {
        // A classic line: rare (stats, version, errors, the login), parsed as text.
        const line = buf.toString('latin1', offset, end);
        const space = line.indexOf(' ');
        const word = space < 0 ? line : line.slice(0, space);
        if (!WORDS.has(word)) throw notMeta(buf.subarray(offset));
        const tokens = space < 0 ? EMPTY : line.slice(space + 1).split(' ');
        onReply({
          word,
          tokens,
          value: undefined,
          opaque: undefined,
          cas: undefined,
          flags: undefined,
          marks: 0,
          ttl: undefined,
        });
        offset = eol + 1;
        continue;
      }
      const f = this.flags;
      parseFlags(f, buf, offset + 2, end, meta === 'VA');
      if (meta !== 'VA') {
        onReply({
          word: meta,
          tokens: EMPTY,
          value: undefined,
          opaque: f.opaque,
          cas: f.cas,
          flags: f.flags,
          marks: f.marks,
          ttl: f.ttl,
        });
        offset = eol + 1;
        continue;
      }
      const size = f.size;
      if (size > MEMCACHED_MAX_ITEM_BYTES) {
        // No memcached holds that much: skipping it would only wait out the timeout.
        throw new MalformedReplyError(
          `sent a VA reply announcing ${size} bytes, more than memcached can hold`,
        );
      }
      const start = eol + 1;
      if (size > this.maxValueBytes) {
        onReply({
          word: meta,
          tokens: EMPTY,
          value: undefined,
          opaque: f.opaque,
          cas: f.cas,
          flags: f.flags,
          marks: f.marks,
          ttl: f.ttl,
          oversize: size,
        });
        const available = buf.length - start;
        if (available >= size + 2) {
          offset = start + size + 2;
          continue;
        }
        this.held.skip(size + 2 - available);
        offset = buf.length;
        break;
      }
      if (buf.length - start < size + 2) {
        needed = start - offset + size + 2;
        break;
      }
      if (buf[start + size] !== CR || buf[start + size + 1] !== LF) {
        throw new MalformedReplyError(`sent a ${size}-byte value not followed by CRLF`);
      }
      onReply({
        word: meta,
        tokens: EMPTY,
        value: buf.subarray(start, start + size),
        opaque: f.opaque,
        cas: f.cas,
        flags: f.flags,
        marks: f.marks,
        ttl: f.ttl,
      });
      offset = start + size + 2;
    }
    this.held.keep(buf, offset, needed);
  }
}

/**
 * The first LF at or after `from`, or -1. Reply lines are short: the first
 * bytes are scanned here, which costs less than Buffer.indexOf's call into
 * C++ per line; a longer stretch (garbage, a trickled line) goes to indexOf.
 */
function lineFeed(buf: Buffer, from: number): number {
  const scan = Math.min(buf.length, from + 128);
  for (let i = from; i < scan; i++) if (buf[i] === LF) return i;
  return scan < buf.length ? buf.indexOf(LF, scan) : -1;
}

/** The flags memcas reads from a meta reply line, parsed from its bytes. */
interface Flags {
  size: number;
  opaque: number | undefined;
  cas: bigint | undefined;
  flags: number | undefined;
  marks: number;
  ttl: number | undefined;
}

/**
 * Reads the flags of a meta reply line between `from` and `end` (for `VA`,
 * the value size first) straight from the bytes into `out`: no string or
 * object per reply.
 */
function parseFlags(out: Flags, buf: Buffer, from: number, end: number, sized: boolean): void {
  out.size = -1;
  out.opaque = undefined;
  out.cas = undefined;
  out.flags = undefined;
  out.marks = 0;
  out.ttl = undefined;
  let i = from;
  let first = sized;
  while (i < end) {
    if (buf[i] === 0x20) {
      i++;
      continue;
    }
    const tokenStart = i;
    while (i < end && buf[i] !== 0x20) i++;
    const name = buf[tokenStart] as number;
    if (first) {
      out.size = digits(buf, tokenStart, i, 'a value size');
      first = false;
    } else if (name === 0x63 /* c */) {
      out.cas = BigInt(digits(buf, tokenStart + 1, i, 'a CAS', true));
    } else if (name === 0x66 /* f */) {
      out.flags = digits(buf, tokenStart + 1, i, 'client flags');
    } else if (name === 0x4f /* O */) {
      out.opaque = hex8(buf, tokenStart + 1, i);
    } else if (name === 0x57 /* W */) {
      out.marks |= MARK_WON;
    } else if (name === 0x5a /* Z */) {
      out.marks |= MARK_TAKEN;
    } else if (name === 0x58 /* X */) {
      out.marks |= MARK_STALE;
    } else if (name === 0x74 /* t */) {
      // -1: the item never expires.
      out.ttl = buf[tokenStart + 1] === 0x2d /* - */ ? -1 : digits(buf, tokenStart + 1, i, 'a TTL');
    }
  }
  if (sized && out.size < 0) throw new MalformedReplyError('sent a VA reply without a size');
}

/** A decimal number in `buf[from, to)`; as a string past 2^53 when `big` (a CAS may be). */
function digits(buf: Buffer, from: number, to: number, what: string): number;
function digits(buf: Buffer, from: number, to: number, what: string, big: true): number | string;
function digits(buf: Buffer, from: number, to: number, what: string, big = false): number | string {
  if (to <= from || to - from > 20) throw badNumber(buf, from, to, what);
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = (buf[i] as number) - 0x30;
    if (d < 0 || d > 9) throw badNumber(buf, from, to, what);
    n = n * 10 + d;
  }
  if (big) return n <= Number.MAX_SAFE_INTEGER ? n : buf.toString('latin1', from, to);
  if (!Number.isSafeInteger(n)) throw badNumber(buf, from, to, what);
  return n;
}

/** The 8 hex digits of an opaque memcas sent. */
function hex8(buf: Buffer, from: number, to: number): number {
  if (to - from !== 8) throw badNumber(buf, from - 1, to, 'an opaque memcas sent');
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = buf[i] as number;
    const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1;
    if (d < 0) throw badNumber(buf, from - 1, to, 'an opaque memcas sent');
    n = n * 16 + d;
  }
  return n;
}

function badNumber(buf: Buffer, from: number, to: number, what: string): MalformedReplyError {
  return new MalformedReplyError(
    `sent ${JSON.stringify(buf.toString('latin1', from, Math.min(to, from + 40)))} where ${what} belongs`,
  );
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
