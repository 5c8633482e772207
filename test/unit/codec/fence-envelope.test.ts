import { describe, expect, it } from 'vitest';
import { checkCodec, decodeValue, jsonCodec, stringCodec } from '../../../src/codec/index.js';
import {
  FENCE_HEADER_BYTES,
  FENCED_FLAGS,
  unwrapFenced,
  wrapFenced,
} from '../../../src/codec/fence-envelope.js';
import { CodecError, InvalidArgumentError } from '../../../src/errors/index.js';

describe('fenced envelope', () => {
  it('lays out version, inner flags and a 128-bit big-endian token before the value', () => {
    const token = (1_700_000_000n << 64n) | 42n;
    const bytes = wrapFenced(token, 16, Buffer.from('hi'));
    expect(bytes.length).toBe(FENCE_HEADER_BYTES + 2);
    expect(bytes.subarray(0, FENCE_HEADER_BYTES).toString('hex')).toBe(
      '01' + '00000010' + (1_700_000_000).toString(16).padStart(16, '0') + '000000000000002a',
    );
    expect(unwrapFenced(bytes)).toEqual({ token, flags: 16, value: Buffer.from('hi') });
  });

  it('readers decode the value inside with its own codec', () => {
    const inner = jsonCodec().encode({ a: 1 });
    const stored = wrapFenced(7n, 0, inner);
    expect(decodeValue(jsonCodec(), 'k', stored, FENCED_FLAGS)).toEqual({ a: 1 });
    // The inner flags still have to be the reading codec's.
    expect(() => decodeValue(stringCodec(), 'k', stored, FENCED_FLAGS)).toThrow(CodecError);
  });

  it('a malformed envelope is a CodecError', () => {
    expect(() => decodeValue(jsonCodec(), 'k', Buffer.from('{}'), FENCED_FLAGS)).toThrow(
      CodecError,
    );
  });

  it('no codec may use the envelope flags', () => {
    expect(() => checkCodec(jsonCodec({ flags: FENCED_FLAGS }), 'codec')).toThrow(
      InvalidArgumentError,
    );
  });
});
