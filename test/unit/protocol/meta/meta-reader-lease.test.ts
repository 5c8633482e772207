import { describe, expect, it } from 'vitest';
import {
  MARK_STALE,
  MARK_TAKEN,
  MARK_WON,
  MetaReader,
  type MetaReply,
} from '../../../../src/protocol/meta/meta-reader.js';
import { metaInvalidate, metaLeaseGet } from '../../../../src/protocol/meta/meta-request.js';

function read(bytes: string): MetaReply[] {
  const replies: MetaReply[] = [];
  new MetaReader(1024).push(Buffer.from(bytes, 'latin1'), (r) => replies.push(r));
  return replies;
}

describe('meta lease flags', () => {
  it('reads W, Z, X and the TTL left (t, -1 for never) from an mg reply', () => {
    const [won, taken] = read(
      'VA 0 c7 f0 t3 W O00000001\r\n\r\nVA 2 c9 f16 t-1 Z X O00000002\r\nhi\r\n',
    );
    expect(won).toMatchObject({
      word: 'VA',
      cas: 7n,
      flags: 0,
      ttl: 3,
      marks: MARK_WON,
      opaque: 1,
    });
    expect(won!.value).toEqual(Buffer.alloc(0));
    expect(taken).toMatchObject({ cas: 9n, ttl: -1, marks: MARK_TAKEN | MARK_STALE, opaque: 2 });
    expect(taken!.value?.toString()).toBe('hi');
  });

  it('a reply without them has no marks and no TTL', () => {
    const [r] = read('VA 1 c1 f0 O00000003\r\nx\r\n');
    expect(r).toMatchObject({ marks: 0, ttl: undefined });
  });

  it('asks for the value, CAS, flags and TTL with N, and R only for a window', () => {
    expect(metaLeaseGet('k', 4, 0).request.toString()).toBe('mg k v c f t N4 O00000000\r\n');
    expect(metaLeaseGet('k', 4, 30).request.toString()).toBe('mg k v c f t N4 R30 O00000000\r\n');
    expect(metaLeaseGet('k', 0, 0).request.toString()).toBe('mg k v c f t O00000000\r\n');
    expect(metaInvalidate('k', 0n).request.toString()).toBe('md k I O00000000\r\n');
    expect(metaInvalidate('k', 12n).request.toString()).toBe('md k I C12 O00000000\r\n');
  });
});
