import { describe, expect, it } from 'vitest';
import {
  decodeEnvelope,
  encodeEnvelope,
  LEASE_ENVELOPE_FLAGS,
  newLeaseId,
  NO_LEASE_ID,
} from '../../../src/compute/envelope.js';

describe('lease envelope', () => {
  it('round-trips a value with its flags, stale mark, lease and expiry', () => {
    const e = {
      value: Buffer.from('{"n":1}'),
      flags: 16,
      stale: true,
      leaseUntil: 1_800_000_000_123,
      leaseId: newLeaseId(),
      expiresAt: 1_800_000_060_000,
    };
    const bytes = encodeEnvelope(e);
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('mcl1');
    expect(decodeEnvelope(bytes)).toEqual(e);
  });

  it('round-trips a placeholder (no value) distinct from an empty value', () => {
    const placeholder = {
      value: undefined,
      flags: 0,
      stale: false,
      leaseUntil: 5,
      leaseId: NO_LEASE_ID,
      expiresAt: 0,
    };
    expect(decodeEnvelope(encodeEnvelope(placeholder))).toEqual(placeholder);
    const empty = { ...placeholder, value: Buffer.alloc(0) };
    expect(decodeEnvelope(encodeEnvelope(empty))?.value).toEqual(Buffer.alloc(0));
  });

  it('does not take bytes without its magic for an envelope', () => {
    expect(decodeEnvelope(Buffer.from('"plain json value, long enough to hold a header"'))).toBe(
      undefined,
    );
    expect(decodeEnvelope(Buffer.alloc(3))).toBe(undefined);
  });

  it("reserves flags 'mcl1'", () => {
    expect(LEASE_ENVELOPE_FLAGS).toBe(Buffer.from('mcl1').readUInt32BE(0));
  });
});
