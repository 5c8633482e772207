import { describe, expect, it } from 'vitest';
import { InvalidKeyError } from '../../../src/errors/index.js';
import { checkKeyPrefix, prefixedKey } from '../../../src/keys/index.js';

describe('prefixedKey', () => {
  it('puts the prefix in front', () => {
    expect(prefixedKey('app:', 'user:1')).toBe('app:user:1');
  });

  it('accepts exactly 250 bytes and refuses 251, counting UTF-8 bytes', () => {
    expect(prefixedKey('', 'k'.repeat(250))).toHaveLength(250);
    expect(() => prefixedKey('', 'k'.repeat(251))).toThrow(InvalidKeyError);
    expect(prefixedKey('', 'é'.repeat(125))).toHaveLength(125);
    expect(() => prefixedKey('', 'é'.repeat(125) + 'k')).toThrow(/251 bytes/);
  });

  it('names the offending character position in the message', () => {
    expect(() => prefixedKey('p:', 'ab c')).toThrow(/character 2 \(code 32\)/);
  });
});

describe('checkKeyPrefix', () => {
  it('refuses a prefix with a space, naming the option', () => {
    expect(() => checkKeyPrefix('a b')).toThrow(/keyPrefix/);
    expect(checkKeyPrefix('')).toBe('');
  });
});
