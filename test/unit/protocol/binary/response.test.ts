import { describe, expect, it } from 'vitest';
import { encodeStore } from '../../../../src/protocol/binary/request.js';
import { ResponseReader, type Response } from '../../../../src/protocol/binary/response.js';

/** A response frame as memcached would send it (same layout as a request, magic 0x81). */
function frame(opaque: number, value: Buffer, cas: bigint): Buffer {
  const buf = encodeStore(0x00, '', value, 7, 0, cas);
  buf[0] = 0x81;
  buf.writeUInt32BE(opaque, 12);
  return buf;
}

function collect(chunks: Buffer[]): Response[] {
  const reader = new ResponseReader();
  const out: Response[] = [];
  for (const c of chunks) reader.push(c, (r) => out.push({ ...r, value: Buffer.from(r.value) }));
  return out;
}

describe('ResponseReader', () => {
  const a = frame(1, Buffer.from('hello'), 5n);
  const b = frame(2, Buffer.alloc(70_000, 9), (1n << 63n) + 1n);
  const stream = Buffer.concat([a, b, a]);

  it('parses several responses from one chunk', () => {
    const out = collect([stream]);
    expect(out.map((r) => r.opaque)).toEqual([1, 2, 1]);
    expect(out[0]?.value.toString()).toBe('hello');
    expect(out[0]?.flags).toBe(7);
    expect(out[1]?.cas).toBe((1n << 63n) + 1n);
  });

  it.each([1, 3, 23, 24, 25, 1000, 65536])(
    'gives the same responses when the stream is cut every %i bytes',
    (size) => {
      const chunks: Buffer[] = [];
      for (let i = 0; i < stream.length; i += size) chunks.push(stream.subarray(i, i + size));
      const out = collect(chunks);
      expect(out.map((r) => r.opaque)).toEqual([1, 2, 1]);
      expect(out[1]?.value.equals(Buffer.alloc(70_000, 9))).toBe(true);
      expect(out[2]?.value.toString()).toBe('hello');
    },
  );

  it.each([1, 7, 24, 1000, 70_000])(
    'skips a body over the limit without buffering it, cut every %i bytes, and goes on',
    (size) => {
      const big = frame(9, Buffer.alloc(70_000, 1), 3n);
      const stream = Buffer.concat([a, big, a]);
      const reader = new ResponseReader(1000);
      const out: Response[] = [];
      for (let i = 0; i < stream.length; i += size) {
        reader.push(stream.subarray(i, i + size), (r) =>
          out.push({ ...r, value: Buffer.from(r.value) }),
        );
      }
      expect(out.map((r) => [r.opaque, r.oversize])).toEqual([
        [1, undefined],
        [9, 70_000 + 8],
        [1, undefined],
      ]);
    },
  );

  it('refuses at once a header announcing more than memcached can hold, or bytes that are not binary', () => {
    const huge = Buffer.from(a);
    huge.writeUInt32BE(0x7fffffff, 8);
    expect(() => new ResponseReader(1000).push(huge.subarray(0, 24), () => undefined)).toThrow(
      /more than memcached can hold/,
    );
    expect(() => new ResponseReader().push(Buffer.from('ERROR\r\n'), () => undefined)).toThrow(
      /"ERROR\\r\\n"/,
    );
  });
});
