import { describe, expect, it } from 'vitest';
import { bucketSize, Deduper } from './deduper';

describe('Deduper', () => {
  it('returns distinct rows in first-seen order and the inverse map', () => {
    const { unique, inverse } = new Deduper(10).run(Int32Array.from([4, 2, 4, 7]));
    expect([...unique]).toEqual([4, 2, 7]);
    expect([...inverse]).toEqual([0, 1, 0, 2]);
  });

  it('pads to a power-of-two bucket with distinct rows absent from the batch', () => {
    const dedup = new Deduper(20);
    for (const batch of [[4, 2, 4, 7, 9], [0, 1, 2, 3, 4, 5, 6, 7, 8]]) {
      const { unique, inverse } = dedup.run(Int32Array.from(batch), batch.length, true);
      const distinct = [...new Set(batch)];
      expect(unique.length).toBe(bucketSize(distinct.length, 20));
      expect([...unique.subarray(0, distinct.length)]).toEqual(distinct);
      expect(new Set(unique).size).toBe(unique.length);
      expect(inverse.every((j) => j < distinct.length)).toBe(true);
    }
    expect(bucketSize(17, 20)).toBe(20);
  });
});
