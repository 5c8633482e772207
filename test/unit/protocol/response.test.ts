import { describe, expect, it } from 'vitest';
import { encodeStore } from '../../../src/protocol/request.js';
import { ResponseReader, type Response } from '../../../src/protocol/response.js';

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
});
