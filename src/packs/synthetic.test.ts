import { describe, expect, it } from 'vitest';
import { idfWeighted, type FeatureRows } from '../ranking';
import { contentNeighbours, syntheticWalks } from './synthetic';

/** 30 items in 3 genres (10 each), 2 features per item: genre (shared) + a per-pair feature. */
function rows(): FeatureRows {
  const N = 30;
  const F = 2;
  const ids = new Int32Array(N * F);
  const weights = new Float32Array(N * F);
  for (let i = 0; i < N; i++) {
    ids[i * F] = 1 + Math.floor(i / 10); // genre 1..3
    ids[i * F + 1] = 4 + Math.floor(i / 2); // pair feature 4..18
    weights[i * F] = 1;
    weights[i * F + 1] = 1;
  }
  return { numItems: N, maxFeatures: F, ids, weights };
}
const genre = (i: number) => Math.floor(i / 10);

function bruteForceCosine(r: FeatureRows, a: number, b: number): number {
  const vec = (i: number) => {
    const m = new Map<number, number>();
    for (let f = 0; f < r.maxFeatures; f++) if (r.ids[i * r.maxFeatures + f]) m.set(r.ids[i * r.maxFeatures + f]!, r.weights[i * r.maxFeatures + f]!);
    return m;
  };
  const va = vec(a);
  const vb = vec(b);
  let dot = 0;
  for (const [k, w] of va) dot += w * (vb.get(k) ?? 0);
  const n = (v: Map<number, number>) => Math.sqrt([...v.values()].reduce((s, w) => s + w * w, 0));
  return dot / (n(va) * n(vb));
}

describe('contentNeighbours', () => {
  it('finds the exact top-k by cosine, best first, ties by index', () => {
    const r = idfWeighted(rows());
    const nb = contentNeighbours(r, 4);
    for (let i = 0; i < r.numItems; i++) {
      const expected = Array.from({ length: r.numItems }, (_, j) => j)
        .filter((j) => j !== i && bruteForceCosine(r, i, j) > 0)
        .sort((a, b) => bruteForceCosine(r, i, b) - bruteForceCosine(r, i, a) || a - b)
        .slice(0, 4);
      expect(Array.from(nb.items.subarray(i * 4, i * 4 + 4))).toEqual(expected);
      expect(nb.similarity[i * 4]).toBeCloseTo(bruteForceCosine(r, i, expected[0]!), 5);
    }
    // the pair partner shares both features: always the nearest
    expect(nb.items[0]).toBe(1);
    expect(nb.items[3 * 4]).toBe(2);
  });
});

describe('syntheticWalks', () => {
  const popularity = Float32Array.from({ length: 30 }, (_, i) => (i % 10) / 10);
  const opts = { walks: 200, minLength: 4, maxLength: 8, neighbours: 5, jump: 0.1, seed: 3 };

  it('is deterministic for a seed and differs across seeds', () => {
    const a = syntheticWalks(rows(), popularity, opts);
    const b = syntheticWalks(rows(), popularity, opts);
    const c = syntheticWalks(rows(), popularity, { ...opts, seed: 4 });
    expect(Array.from(a.item)).toEqual(Array.from(b.item));
    expect(Array.from(a.item)).not.toEqual(Array.from(c.item));
  });

  it('returns a valid log: one user per walk, lengths in range, no repeats, time-ordered, weight 1', () => {
    const d = syntheticWalks(rows(), popularity, opts);
    expect(d.numUsers).toBe(200);
    expect(d.numItems).toBe(30);
    const perUser = new Map<number, number[]>();
    for (let i = 0; i < d.user.length; i++) {
      if (i > 0 && d.user[i] === d.user[i - 1]) expect(d.time[i]!).toBeGreaterThan(d.time[i - 1]!);
      if (!perUser.has(d.user[i]!)) perUser.set(d.user[i]!, []);
      perUser.get(d.user[i]!)!.push(d.item[i]!);
    }
    expect(perUser.size).toBe(200);
    for (const items of perUser.values()) {
      expect(items.length).toBeGreaterThanOrEqual(4);
      expect(items.length).toBeLessThanOrEqual(8);
      expect(new Set(items).size).toBe(items.length);
    }
    expect(d.weight.every((w) => w === 1)).toBe(true);
  });

  it('walks mostly stay within content (genre) and favour popular items', () => {
    const d = syntheticWalks(rows(), popularity, opts);
    let same = 0;
    let steps = 0;
    for (let i = 1; i < d.user.length; i++) {
      if (d.user[i] !== d.user[i - 1]) continue;
      steps += 1;
      if (genre(d.item[i]!) === genre(d.item[i - 1]!)) same += 1;
    }
    expect(same / steps).toBeGreaterThan(0.75);
    // short walks: long ones exhaust a 10-item genre, which hides the popularity preference
    const short = syntheticWalks(rows(), popularity, { ...opts, minLength: 2, maxLength: 3 });
    const counts = new Float64Array(10);
    for (const i of short.item) counts[i % 10]! += 1;
    expect(counts[9]!).toBeGreaterThan(2 * counts[1]!);
  });

  it('rejects bad options', () => {
    expect(() => syntheticWalks(rows(), popularity.subarray(0, 5))).toThrow(/5 popularity values for 30 items/);
    expect(() => syntheticWalks(rows(), popularity, { minLength: 9, maxLength: 3 })).toThrow(/minLength/);
  });
});
