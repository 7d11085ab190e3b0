import { describe, expect, it } from 'vitest';
import { topK, topKItems } from './ranker';

function naive(scores: Float32Array, k: number, exclude: number[]): number[] {
  const ex = new Set(exclude);
  const idx = [...scores.keys()].filter((i) => !ex.has(i) && !Number.isNaN(scores[i]) && scores[i] !== -Infinity);
  idx.sort((a, b) => scores[b]! - scores[a]! || a - b);
  return idx.slice(0, k);
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('topK', () => {
  it('matches a full sort on random data with exclusions', () => {
    const r = rng(7);
    for (const n of [1, 5, 100, 3000]) {
      const scores = Float32Array.from({ length: n }, () => r() * 2 - 1);
      const exclude = Array.from({ length: Math.floor(n / 10) }, () => Math.floor(r() * n));
      for (const k of [1, 10, 100]) {
        const got = topK(scores, k, exclude);
        const want = naive(scores, k, exclude);
        expect(Array.from(got.indices)).toEqual(want);
        expect(Array.from(got.scores)).toEqual(want.map((i) => scores[i]));
      }
    }
  });

  it('breaks ties by lower index first', () => {
    const scores = new Float32Array([1, 3, 3, 2, 3, 1]);
    expect(Array.from(topK(scores, 4).indices)).toEqual([1, 2, 4, 3]);
    expect(Array.from(topK(new Float32Array(6), 3).indices)).toEqual([0, 1, 2]);
  });

  it('drops excluded, NaN and -Infinity items and returns fewer than k', () => {
    const scores = new Float32Array([NaN, 5, -Infinity, 4, 3]);
    const got = topK(scores, 10, new Int32Array([4, 4, 99, -1]));
    expect(Array.from(got.indices)).toEqual([1, 3]);
    expect(Array.from(got.scores)).toEqual([5, 4]);
  });

  it('handles k = 0 and empty input', () => {
    expect(topK(new Float32Array([1, 2]), 0).indices.length).toBe(0);
    expect(topK(new Float32Array(0), 5).indices.length).toBe(0);
  });
});

describe('topKItems', () => {
  it('is topK as a plain list, and ranks any ArrayLike', () => {
    expect(topKItems([0.5, 2, NaN, 2, -Infinity, 1], 4, [5])).toEqual([1, 3, 0]);
  });
});
