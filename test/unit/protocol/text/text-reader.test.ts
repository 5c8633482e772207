import { describe, expect, it } from 'vitest';
import { MalformedReplyError } from '../../../../src/protocol/malformed-reply-error.js';
import { MAX_LINE_BYTES, TextReader } from '../../../../src/protocol/text/text-reader.js';
import type { TextReply } from '../../../../src/protocol/text/text-reply.js';

/** Feeds `stream` cut every `size` bytes; returns the replies. */
function feed(stream: Buffer, size: number, reader = new TextReader(1024 * 1024)): TextReply[] {
  const out: TextReply[] = [];
  for (let i = 0; i < stream.length; i += size) {
    reader.push(stream.subarray(i, i + size), (r) => out.push(r));
  }
  return out;
}

/** Bytes of the reader still kept for the next chunk. */
function buffered(reader: TextReader): number {
  return (reader as unknown as { buffered: number }).buffered;
}

const bin = Buffer.from('\r\n\r\nEND\r\n\x00\xff', 'latin1');
const stream = Buffer.concat([
  Buffer.from(
    'STORED\r\nNOT_STORED\r\nEXISTS\r\nNOT_FOUND\r\nDELETED\r\nTOUCHED\r\nOK\r\nEND\r\n' +
      'VERSION 1.6.18\r\n42\r\n18446744073709551615\r\nERROR\r\n' +
      'CLIENT_ERROR bad data chunk\r\nSERVER_ERROR out of memory storing object\r\n' +
      'VALUE a 5 3 10\r\nabc\r\n',
    'latin1',
  ),
  Buffer.from('VALUE é 0 0\r\n\r\n', 'utf8'),
  Buffer.from(`VALUE bin 4294967295 ${bin.length} 18446744073709551615\r\n`, 'latin1'),
  bin,
  Buffer.from('\r\nEND\r\nSTAT pid 1\r\nSTAT version 1.6.18 extra\r\nEND\r\nDELETED\r\n', 'latin1'),
]);
const expected: TextReply[] = [
  { word: 'STORED' },
  { word: 'NOT_STORED' },
  { word: 'EXISTS' },
  { word: 'NOT_FOUND' },
  { word: 'DELETED' },
  { word: 'TOUCHED' },
  { word: 'OK' },
  { word: 'END', values: [], stats: [] },
  { word: 'VERSION', version: '1.6.18' },
  { word: 'NUMBER', value: 42n },
  { word: 'NUMBER', value: (1n << 64n) - 1n },
  { word: 'ERROR', message: '' },
  { word: 'CLIENT_ERROR', message: 'bad data chunk' },
  { word: 'SERVER_ERROR', message: 'out of memory storing object' },
  {
    word: 'END',
    values: [
      { key: 'a', flags: 5, cas: 10n, value: Buffer.from('abc') },
      { key: 'é', flags: 0, cas: undefined, value: Buffer.alloc(0) },
      { key: 'bin', flags: 0xffffffff, cas: (1n << 64n) - 1n, value: bin },
    ],
    stats: [],
  },
  {
    word: 'END',
    values: [],
    stats: [
      ['pid', '1'],
      ['version', '1.6.18 extra'],
    ],
  },
  { word: 'DELETED' },
];

describe('TextReader', () => {
  it('reads every kind of reply, and values by their length (CRLF and END inside a value are data)', () => {
    expect(feed(stream, stream.length)).toEqual(expected);
  });

  it('gives the same replies whatever size the chunks are cut to', () => {
    for (let size = 1; size <= stream.length; size++) {
      expect(feed(stream, size), `cut every ${size} bytes`).toEqual(expected);
    }
  });

  it('hands out values as views into the chunk when it holds them whole', () => {
    const chunk = Buffer.from('VALUE k 0 5 1\r\nhello\r\nEND\r\n');
    const [reply] = feed(chunk, chunk.length);
    const value = reply?.word === 'END' ? reply.values[0]?.value : undefined;
    expect(value?.buffer).toBe(chunk.buffer);
  });

  it('keeps only the unfinished line or value between chunks, never what was already read', () => {
    const reader = new TextReader(1024 * 1024);
    const value = Buffer.alloc(100_000, 7);
    const big = Buffer.concat([
      Buffer.from('STORED\r\n'.repeat(1000)),
      Buffer.from(`VALUE k 0 ${value.length}\r\n`),
      value,
      Buffer.from('\r\nEND\r\nSTORED\r\n'),
    ]);
    let most = 0;
    const out: TextReply[] = [];
    for (let i = 0; i < big.length; i += 4096) {
      reader.push(big.subarray(i, i + 4096), (r) => out.push(r));
      most = Math.max(most, buffered(reader));
    }
    expect(out).toHaveLength(1002);
    expect(most).toBeLessThanOrEqual(value.length + 2);
    expect(buffered(reader)).toBe(0);
  });

  describe('a value over maxValueBytes', () => {
    const big = Buffer.alloc(5000, 0x41);
    const withBig = Buffer.concat([
      Buffer.from('VALUE a 0 3 1\r\nabc\r\nVALUE big 0 5000 2\r\n'),
      big,
      Buffer.from('\r\nVALUE c 0 1 3\r\nz\r\nEND\r\nSTORED\r\n'),
    ]);

    it('is skipped without being buffered, whatever the chunk size, and its END carries oversize', () => {
      for (const size of [1, 2, 7, 40, 41, 42, 100, 4999, 5000, 5001, withBig.length]) {
        const reader = new TextReader(1000);
        const out: TextReply[] = [];
        let most = 0;
        for (let i = 0; i < withBig.length; i += size) {
          reader.push(withBig.subarray(i, i + size), (r) => out.push(r));
          most = Math.max(most, buffered(reader));
        }
        expect(out, `cut every ${size} bytes`).toEqual([
          {
            word: 'END',
            values: [
              { key: 'a', flags: 0, cas: 1n, value: Buffer.from('abc') },
              { key: 'c', flags: 0, cas: 3n, value: Buffer.from('z') },
            ],
            stats: [],
            oversize: 5000,
          },
          { word: 'STORED' },
        ]);
        expect(most, `cut every ${size} bytes`).toBeLessThan(100);
      }
    });

    it('still needs its CRLF after the skipped bytes', () => {
      const bad = Buffer.concat([Buffer.from('VALUE big 0 5000\r\n'), big, Buffer.from('XX')]);
      expect(() => feed(bad, 1, new TextReader(1000))).toThrow(MalformedReplyError);
    });
  });

  it('takes an error line in the middle of a get as the answer, dropping the values before it', () => {
    const s = Buffer.from(
      'VALUE k 0 1\r\nx\r\nSERVER_ERROR out of memory writing get response\r\nSTORED\r\n',
    );
    expect(feed(s, 3)).toEqual([
      { word: 'SERVER_ERROR', message: 'out of memory writing get response' },
      { word: 'STORED' },
    ]);
  });

  describe('anything else is a MalformedReplyError, at once or byte by byte', () => {
    const cases: Array<[string, Buffer]> = [
      ['an unknown word', Buffer.from('HELLO\r\n')],
      ['a known word with trailing text', Buffer.from('STORED now\r\n')],
      ['END with trailing text', Buffer.from('END x\r\n')],
      ['a line ended by LF alone', Buffer.from('STORED\n')],
      ['an empty line', Buffer.from('\r\n')],
      ['a line start no reply has', Buffer.from('stored\r\n')],
      ['binary-protocol bytes', Buffer.from([0x81, 0x00, 0x00, 0x00, 0x04, 0x00])],
      ['HTTP', Buffer.from('HTTP/1.1 400 Bad Request\r\n')],
      ['a line longer than the limit without CRLF', Buffer.alloc(MAX_LINE_BYTES + 10, 0x41)],
      [
        'a line longer than the limit with CRLF',
        Buffer.from(`SERVER_ERROR ${'x'.repeat(MAX_LINE_BYTES)}\r\n`),
      ],
      ['a length memcached cannot hold', Buffer.from('VALUE k 0 2000000000\r\n')],
      ['a length of 16 digits', Buffer.from('VALUE k 0 1000000000000000\r\n')],
      ['a length that is not a number', Buffer.from('VALUE k 0 1x\r\nx\r\nEND\r\n')],
      ['a negative length', Buffer.from('VALUE k 0 -1\r\n')],
      ['a VALUE line without length', Buffer.from('VALUE k 0\r\n')],
      ['a VALUE line without key', Buffer.from('VALUE \r\n')],
      ['a key over 250 bytes', Buffer.from(`VALUE ${'k'.repeat(251)} 0 1\r\nx\r\nEND\r\n`)],
      ['flags over 32 bits', Buffer.from('VALUE k 4294967296 1\r\nx\r\nEND\r\n')],
      ['a CAS over 64 bits', Buffer.from('VALUE k 0 1 18446744073709551616\r\nx\r\nEND\r\n')],
      ['a value longer than announced', Buffer.from('VALUE k 0 3\r\nabcd\r\nEND\r\n')],
      ['a value shorter than announced', Buffer.from('VALUE k 0 5\r\nabc\r\nEND\r\n')],
      ['a counter over 64 bits', Buffer.from('18446744073709551616\r\n')],
      ['a counter with a sign', Buffer.from('12-3\r\n')],
      ['a one-word reply among VALUE blocks', Buffer.from('VALUE k 0 1\r\nx\r\nSTORED\r\n')],
      ['a number among VALUE blocks', Buffer.from('VALUE k 0 1\r\nx\r\n5\r\n')],
      ['VALUE among STAT lines', Buffer.from('STAT a 1\r\nVALUE k 0 1\r\nx\r\nEND\r\n')],
      ['STAT among VALUE blocks', Buffer.from('VALUE k 0 1\r\nx\r\nSTAT a 1\r\nEND\r\n')],
      ['a STAT line without value', Buffer.from('STAT pid\r\nEND\r\n')],
      ['more than 1000 statistics', Buffer.from('STAT a 1\r\n'.repeat(1001))],
      [
        'more VALUE blocks than a gets line can ask for',
        Buffer.from('VALUE k 0 0\r\n\r\n'.repeat(8193)),
      ],
    ];

    it.each(cases)('%s', (_, bytes) => {
      expect(() => feed(bytes, bytes.length)).toThrow(MalformedReplyError);
      if (bytes.length < 20_000) expect(() => feed(bytes, 1)).toThrow(MalformedReplyError);
    });
  });

  it('refuses a line without end as soon as it passes the limit, not at its end', () => {
    const reader = new TextReader(1000);
    const chunk = Buffer.alloc(1000, 0x41);
    let pushed = 0;
    expect(() => {
      for (;;) {
        reader.push(chunk, () => undefined);
        pushed += chunk.length;
      }
    }).toThrow(/more than 8192 bytes/);
    expect(pushed).toBeLessThanOrEqual(MAX_LINE_BYTES + 1000);
  });
});
