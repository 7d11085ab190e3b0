import { describe, expect, it } from 'vitest';
import { diversify } from './diversify';

describe('variety you can control (MMR)', () => {
  // items 0..9 ranked by score; even items are near-copies of each other, odd ones too
  const scores = Float32Array.from({ length: 10 }, (_, i) => 10 - i);
  const ranked = Array.from({ length: 10 }, (_, i) => i);
  const similarity = (a: number, b: number) => (a % 2 === b % 2 ? 0.9 : 0);

  it('gives the ranking back unchanged at variety 0', () => {
    expect(diversify(scores, ranked, similarity, { k: 4, variety: 0 })).toEqual([0, 1, 2, 3]);
  });

  it('keeps the best card first and alternates kinds as variety grows', () => {
    const clustered = Float32Array.from([10, 9.9, 9.8, 9.7, 1, 0.9, 0.8, 0.7, 0.6, 0.5]);
    // four near-identical top cards (all even-like under this similarity) against spread-out ones
    const sameTop = (a: number, b: number) => (a < 4 && b < 4 ? 0.95 : a === b ? 1 : 0);
    expect(diversify(clustered, ranked, sameTop, { k: 3, variety: 0.2 })).toEqual([0, 1, 2]);
    const spread = diversify(clustered, ranked, sameTop, { k: 3, variety: 0.8 });
    expect(spread[0]).toBe(0);
    expect(spread.slice(1).every((i) => i >= 4)).toBe(true);
  });

  it('never repeats an item and stays within the pool', () => {
    const out = diversify(scores, ranked, similarity, { k: 5, variety: 1, pool: 6 });
    expect(new Set(out).size).toBe(5);
    expect(out.every((i) => i < 6)).toBe(true);
    expect(diversify(scores, [3], similarity, { k: 5, variety: 0.5 })).toEqual([3]);
  });
});
