import { MalformedReplyError } from '../malformed-reply-error.js';
import type { ReplyReader } from '../transport.js';
import type { TextReply, TextValue } from './text-reply.js';
import { MAX_COMMAND_LINE_BYTES } from './text-request.js';

/** The longest reply line read, CRLF not counted (memcached's are under 300 bytes). */
export const MAX_LINE_BYTES = 8192;
/** The largest item memcached can be configured to hold (`-I 1024m`): a longer VALUE is bogus. */
const MEMCACHED_MAX_ITEM_BYTES = 1024 * 1024 * 1024;
/** The longest key memcached has. */
const MAX_KEY_BYTES = 250;
/**
 * The most VALUE blocks one reply may carry: a `gets` line memcas sends names
 * at most this many keys (each at least one byte and a space), and memcached
 * answers each key at most once.
 */
const MAX_VALUES = MAX_COMMAND_LINE_BYTES / 2;
/** The most statistics one `stats` answer may carry (memcached sends under 100). */
const MAX_STATS = 1000;
/** The most bytes of statistics one `stats` answer may carry. */
const MAX_STATS_BYTES = 256 * 1024;
const MAX_U64 = (1n << 64n) - 1n;

const CR = 0x0d;
const LF = 0x0a;
const SPACE = 0x20;

/** The one-word replies. */
const WORDS = new Set(['STORED', 'NOT_STORED', 'EXISTS', 'NOT_FOUND', 'DELETED', 'TOUCHED', 'OK']);
const NO_VALUES: readonly TextValue[] = Object.freeze([]);
const NO_STATS: ReadonlyArray<readonly [string, string]> = Object.freeze([]);

/** The VALUE line whose data block is being read or skipped. */
interface ValueHeader {
  readonly key: string;
  readonly flags: number;
  readonly cas: bigint | undefined;
  readonly bytes: number;
  /** True when the value is larger than this client reads: its bytes are discarded. */
  readonly skipped: boolean;
}

/**
 * Cuts a stream of memcached text-protocol bytes into replies (see
 * {@link TextReply}): single lines, and the `VALUE`/`STAT` lines up to `END`
 * as one reply per command.
 *
 * Parses in place when a chunk holds whole lines and values; a line or value
 * split across chunks is joined once, when its last byte arrives (chunks
 * before that are only kept, never copied), and only it: the rest of the
 * chunk is parsed in place again. A value larger than `maxValueBytes` is
 * discarded as it arrives, never buffered, and its `END` reply carries
 * `oversize`. Nothing the server sends is trusted: a line longer than
 * {@link MAX_LINE_BYTES} or without its CRLF, a length memcached cannot hold,
 * a number that does not parse, an unknown word, a value not followed by
 * CRLF, or a line out of place (a `STORED` between `VALUE` blocks) throws
 * {@link MalformedReplyError}.
 */
export class TextReader implements ReplyReader<TextReply> {
  private parts: Buffer[] = [];
  private buffered = 0;
  /** Bytes of the awaited data block, its CRLF included; 0 while a line is awaited. */
  private needed = 0;
  /** Bytes of an oversized value still to discard (its CRLF is read as a 2-byte block after). */
  private skipping = 0;
  private header: ValueHeader | undefined;
  /** What the reply being gathered holds before its `END`. */
  private gathering: 'values' | 'stats' | undefined;
  private values: TextValue[] | readonly TextValue[] = NO_VALUES;
  private stats: Array<readonly [string, string]> | ReadonlyArray<readonly [string, string]> =
    NO_STATS;
  private statsBytes = 0;
  private oversize: number | undefined;

  /** @param maxValueBytes - the largest value read; larger ones (up to memcached's own maximum) are skipped */
  constructor(private readonly maxValueBytes: number) {}

  /**
   * Feeds a chunk; calls `onReply` for every complete reply, in order.
   * @throws {@link MalformedReplyError} for bytes that are not a text-protocol reply
   */
  push(chunk: Buffer, onReply: (r: TextReply) => void): void {
    let offset = 0;
    if (this.buffered > 0) {
      // Finish the line or data block begun in earlier chunks with just the
      // bytes of this one it needs, in one copy.
      let take: number;
      if (this.needed > 0) {
        take = this.needed - this.buffered;
      } else {
        const eol = chunk.indexOf(LF);
        take = eol < 0 ? Infinity : eol + 1;
        if (this.buffered + Math.min(take, chunk.length) > MAX_LINE_BYTES + 2) {
          throw lineTooLong(this.parts[0] as Buffer);
        }
      }
      if (take > chunk.length) {
        this.parts.push(chunk);
        this.buffered += chunk.length;
        return;
      }
      const frame = Buffer.concat([...this.parts, chunk.subarray(0, take)], this.buffered + take);
      this.parts = [];
      this.buffered = 0;
      this.parse(frame, 0, onReply);
      offset = take;
    }
    this.parse(chunk, offset, onReply);
  }

  /** Parses `buf` from `offset`, keeping an unfinished line or data block for the next chunk. */
  private parse(buf: Buffer, offset: number, onReply: (r: TextReply) => void): void {
    while (offset < buf.length) {
      if (this.skipping > 0) {
        const n = Math.min(this.skipping, buf.length - offset);
        this.skipping -= n;
        offset += n;
        // Then the CRLF behind the skipped bytes, checked like any data block's.
        if (this.skipping === 0) this.needed = 2;
        continue;
      }
      if (this.needed > 0) {
        if (buf.length - offset < this.needed) break;
        offset = this.dataBlock(buf, offset);
        continue;
      }
      const eol = buf.indexOf(LF, offset);
      if (eol < 0) break;
      if (eol === offset || buf[eol - 1] !== CR) throw notText(buf.subarray(offset, eol + 1));
      this.line(buf, offset, eol - 1, onReply);
      offset = eol + 1;
    }
    if (offset < buf.length) {
      const rest = buf.subarray(offset);
      if (this.needed === 0) {
        if (!startsReply(rest[0] as number)) throw notText(rest);
        if (rest.length > MAX_LINE_BYTES + 1) throw lineTooLong(rest);
      }
      this.parts = [rest];
      this.buffered = rest.length;
    }
  }

  /** Reads the data block at `offset` (all `needed` bytes are there); returns the offset after it. */
  private dataBlock(buf: Buffer, offset: number): number {
    const h = this.header as ValueHeader;
    const end = offset + this.needed;
    if (buf[end - 2] !== CR || buf[end - 1] !== LF) {
      throw new MalformedReplyError(
        `sent a value for ${JSON.stringify(h.key)} that does not end after the ${h.bytes} bytes its VALUE line announced`,
      );
    }
    if (!h.skipped) {
      if (this.values === NO_VALUES) this.values = [];
      (this.values as TextValue[]).push({
        key: h.key,
        flags: h.flags,
        cas: h.cas,
        value: buf.subarray(offset, end - 2),
      });
    }
    this.header = undefined;
    this.needed = 0;
    return end;
  }

  /** One line, `buf[start, end)` (CRLF at `end`). */
  private line(buf: Buffer, start: number, end: number, onReply: (r: TextReply) => void): void {
    if (end - start > MAX_LINE_BYTES) throw lineTooLong(buf.subarray(start, end));
    const first = buf[start] as number;
    if (first >= 0x30 && first <= 0x39) {
      this.notGathering('a number');
      onReply({ word: 'NUMBER', value: u64(buf, start, end, 'a counter value') });
      return;
    }
    let space = buf.indexOf(SPACE, start);
    if (space < 0 || space > end) space = end;
    const word = buf.toString('latin1', start, space);
    const rest = (): string => (space === end ? '' : buf.toString('latin1', space + 1, end));
    switch (word) {
      case 'VALUE':
        return this.valueLine(buf, space + 1, end);
      case 'STAT':
        return this.statLine(word, rest(), end - start);
      case 'END':
        if (space !== end) throw notText(buf.subarray(start, end + 2));
        return this.end(onReply);
      case 'ERROR':
      case 'CLIENT_ERROR':
      case 'SERVER_ERROR':
        // memcached may give up in the middle of a get (SERVER_ERROR out of
        // memory writing get response): the error is the command's answer.
        this.reset();
        onReply({ word, message: rest() });
        return;
      case 'VERSION':
        this.notGathering(word);
        onReply({ word, version: rest() });
        return;
    }
    if (!WORDS.has(word) || space !== end) throw notText(buf.subarray(start, end + 2));
    this.notGathering(word);
    onReply({ word: word as 'STORED' });
  }

  /** `VALUE <key> <flags> <bytes> [<cas>]`, its fields from `from` to `end`. */
  private valueLine(buf: Buffer, from: number, end: number): void {
    if (this.gathering === 'stats') throw outOfPlace('VALUE', 'stats');
    const s1 = spaceIn(buf, from, end);
    const s2 = s1 < 0 ? -1 : spaceIn(buf, s1 + 1, end);
    if (s1 <= from || s2 < 0) {
      throw new MalformedReplyError(
        `sent the VALUE line ${JSON.stringify(buf.toString('latin1', from - 6, Math.min(end, from + 300)))} without key, flags and length`,
      );
    }
    if (s1 - from > MAX_KEY_BYTES) {
      throw new MalformedReplyError(
        `sent a VALUE for a ${s1 - from}-byte key (memcached's keys are at most ${MAX_KEY_BYTES})`,
      );
    }
    const s3 = spaceIn(buf, s2 + 1, end);
    const flags = decimal(buf, s1 + 1, s2, 'client flags', 0xffffffff);
    const lengthEnd = s3 < 0 ? end : s3;
    const bytes = decimal(buf, s2 + 1, lengthEnd, 'a value length', Infinity);
    if (bytes > MEMCACHED_MAX_ITEM_BYTES) {
      throw new MalformedReplyError(
        `sent a VALUE announcing ${buf.toString('latin1', s2 + 1, lengthEnd)} bytes, more than memcached can hold`,
      );
    }
    const cas = s3 < 0 ? undefined : u64(buf, s3 + 1, end, 'a CAS token');
    if (this.values.length >= MAX_VALUES) {
      throw new MalformedReplyError(`sent more than ${MAX_VALUES} VALUE blocks in one reply`);
    }
    this.gathering = 'values';
    const skipped = bytes > this.maxValueBytes;
    this.header = { key: buf.toString('utf8', from, s1), flags, cas, bytes, skipped };
    if (skipped) {
      this.oversize = Math.max(this.oversize ?? 0, bytes);
      this.skipping = bytes;
    } else {
      this.needed = bytes + 2;
    }
  }

  /** `STAT <name> <value>` (`rest` is after the word; `length` of the whole line). */
  private statLine(word: string, rest: string, length: number): void {
    if (this.gathering === 'values') throw outOfPlace(word, 'get');
    const space = rest.indexOf(' ');
    if (space <= 0)
      throw new MalformedReplyError(
        `sent the stat line ${JSON.stringify(`STAT ${rest}`)} without a value`,
      );
    this.statsBytes += length;
    if (this.stats.length >= MAX_STATS || this.statsBytes > MAX_STATS_BYTES) {
      throw new MalformedReplyError(
        `sent more than ${MAX_STATS} statistics or ${MAX_STATS_BYTES} bytes of them`,
      );
    }
    this.gathering = 'stats';
    if (this.stats === NO_STATS) this.stats = [];
    (this.stats as Array<readonly [string, string]>).push([
      rest.slice(0, space),
      rest.slice(space + 1),
    ]);
  }

  private end(onReply: (r: TextReply) => void): void {
    const oversize = this.oversize;
    const reply = { word: 'END' as const, values: this.values, stats: this.stats };
    this.reset();
    onReply(oversize === undefined ? reply : { ...reply, oversize });
  }

  /** Throws when a single-line reply arrives between the VALUE or STAT lines of another. */
  private notGathering(word: string): void {
    if (this.gathering !== undefined) {
      throw outOfPlace(word, this.gathering === 'values' ? 'get' : 'stats');
    }
  }

  private reset(): void {
    this.gathering = undefined;
    this.values = NO_VALUES;
    this.stats = NO_STATS;
    this.statsBytes = 0;
    this.oversize = undefined;
  }
}

/** True for a byte a text-protocol reply line can start with (an upper-case letter or a digit). */
function startsReply(b: number): boolean {
  return (b >= 0x41 && b <= 0x5a) || (b >= 0x30 && b <= 0x39);
}

/** The index of the first space in `buf[from, end)`, or -1. */
function spaceIn(buf: Buffer, from: number, end: number): number {
  const i = buf.indexOf(SPACE, from);
  return i < 0 || i >= end ? -1 : i;
}

/** A decimal number in `buf[from, to)`, at most `max`. */
function decimal(buf: Buffer, from: number, to: number, what: string, max: number): number {
  if (to <= from || to - from > 15) throw badNumber(buf, from, to, what);
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = (buf[i] as number) - 0x30;
    if (d < 0 || d > 9) throw badNumber(buf, from, to, what);
    n = n * 10 + d;
  }
  if (n > max) throw badNumber(buf, from, to, what);
  return n;
}

/** An unsigned 64-bit decimal number in `buf[from, to)`. */
function u64(buf: Buffer, from: number, to: number, what: string): bigint {
  if (to <= from || to - from > 20) throw badNumber(buf, from, to, what);
  for (let i = from; i < to; i++) {
    const b = buf[i] as number;
    if (b < 0x30 || b > 0x39) throw badNumber(buf, from, to, what);
  }
  const n = BigInt(buf.toString('latin1', from, to));
  if (n > MAX_U64) throw badNumber(buf, from, to, what);
  return n;
}

function badNumber(buf: Buffer, from: number, to: number, what: string): MalformedReplyError {
  return new MalformedReplyError(
    `sent ${JSON.stringify(buf.toString('latin1', from, Math.min(to, from + 40)))} where ${what} belongs`,
  );
}

function outOfPlace(word: string, within: string): MalformedReplyError {
  return new MalformedReplyError(`sent ${word} in the middle of a ${within} reply`);
}

function lineTooLong(head: Buffer): MalformedReplyError {
  return new MalformedReplyError(
    `sent a line of more than ${MAX_LINE_BYTES} bytes without an end, starting ${describe(head)}`,
  );
}

/** The error for bytes that are not a text-protocol reply, naming what they look like. */
function notText(bytes: Buffer): MalformedReplyError {
  return new MalformedReplyError(
    `answered with ${describe(bytes)}, not a memcached text-protocol reply; check that the ` +
      'address is memcached or a memcached proxy (not a binary-only server, not HTTP)',
  );
}

/** The first bytes, as text when printable, else in hex. */
function describe(bytes: Buffer): string {
  const head = bytes.subarray(0, 40);
  const printable = head.every(
    (b) => b === CR || b === LF || b === 0x09 || (b >= 0x20 && b < 0x7f),
  );
  return printable
    ? `the text ${JSON.stringify(head.toString('latin1'))}`
    : `bytes ${head.subarray(0, 8).toString('hex')}…`;
}
