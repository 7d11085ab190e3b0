import { describe, expect, it } from 'vitest';
import { fnv1a32 } from './hash';

describe('fnv1a32', () => {
  it('is FNV-1a 32 (published test vectors)', () => {
    expect(fnv1a32('')).toBe('811c9dc5');
    expect(fnv1a32('a')).toBe('e40c292c');
    expect(fnv1a32('foobar')).toBe('bf9cf968');
  });

  it('takes a seed into the offset basis (the second half of the config ids)', () => {
    expect(fnv1a32('', 0x5bd1e995)).toBe(((0x811c9dc5 ^ 0x5bd1e995) >>> 0).toString(16).padStart(8, '0'));
    expect(fnv1a32('abc', 0x5bd1e995)).not.toBe(fnv1a32('abc'));
  });
});
