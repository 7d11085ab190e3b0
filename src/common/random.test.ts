import { describe, expect, it } from 'vitest';
import { Rng } from './random';

describe('Rng.fillDropoutMask', () => {
  it('keeps about `keep` of the values at 1/keep, drops the rest to 0, reproducibly', () => {
    for (const keep of [0.8, 0.5, 0.7]) {
      const m = new Rng(3).fillDropoutMask(new Float32Array(100_001), keep);
      const scale = Math.fround(1 / keep);
      let kept = 0;
      let other = 0;
      for (const v of m) {
        if (v === scale) kept += 1;
        else if (v !== 0) other += 1;
      }
      expect(other).toBe(0);
      expect(Math.abs(kept / m.length - keep)).toBeLessThan(0.01);
      expect(Buffer.from(new Rng(3).fillDropoutMask(new Float32Array(100_001), keep).buffer).equals(Buffer.from(m.buffer))).toBe(true);
    }
  });

  it('advances the stream (two masks differ) and fills odd lengths to the end', () => {
    const rng = new Rng(1);
    const a = rng.fillDropoutMask(new Float32Array(1001), 0.5);
    const b = rng.fillDropoutMask(new Float32Array(1001), 0.5);
    expect(a).not.toEqual(b);
    const tail = new Rng(9).fillDropoutMask(new Float32Array(3).fill(-1), 0.5);
    expect(tail.every((v) => v === 0 || v === 2)).toBe(true);
  });
});
