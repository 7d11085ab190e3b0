import { describe, expect, it } from 'vitest';
import {
  MetricAccumulator,
  METRIC_NAMES,
  coverage,
  hitRate,
  ndcg,
  rankOfTarget,
  reciprocalRank,
} from './metrics';

const f32 = (xs: number[]) => Float32Array.from(xs);

describe('rankOfTarget', () => {
  it('counts strictly better items', () => {
    // scores: item0=0.1, item1=0.9, item2=0.5, item3=0.3; target item2 -> only item1 is better
    expect(rankOfTarget(f32([0.1, 0.9, 0.5, 0.3]), 2)).toBe(1);
    expect(rankOfTarget(f32([0.1, 0.9, 0.5, 0.3]), 1)).toBe(0);
    expect(rankOfTarget(f32([0.1, 0.9, 0.5, 0.3]), 0)).toBe(3);
  });

  it('is pessimistic on ties', () => {
    // target 2 ties with items 0 and 3; item1 is better -> rank 3 (after all equals)
    expect(rankOfTarget(f32([0.5, 0.9, 0.5, 0.5]), 2)).toBe(3);
    // all-equal scores: the target is last
    expect(rankOfTarget(f32([1, 1, 1, 1, 1]), 0)).toBe(4);
  });

  it('leaves out excluded items but never the target', () => {
    // items 1 and 3 beat the target; 1 is excluded -> rank 1
    expect(rankOfTarget(f32([0.1, 0.9, 0.5, 0.7]), 2, [1])).toBe(1);
    // target in its own history (repeat) stays eligible; item 1 excluded -> rank 1 (item 3)
    expect(rankOfTarget(f32([0.1, 0.9, 0.5, 0.7]), 2, [1, 2])).toBe(1);
    // an excluded tie no longer counts
    expect(rankOfTarget(f32([0.5, 0.5, 0.5]), 2, [0])).toBe(1);
  });

  it('treats NaN as -Infinity', () => {
    expect(rankOfTarget(f32([NaN, 0.2, 0.1]), 2)).toBe(1);
    expect(rankOfTarget(f32([0.1, 0.2, NaN]), 2)).toBe(2);
  });

  it('rejects bad indices', () => {
    expect(() => rankOfTarget(f32([1, 2]), 2)).toThrow(RangeError);
    expect(() => rankOfTarget(f32([1, 2]), 0, [5])).toThrow(RangeError);
  });
});

describe('per-target metrics', () => {
  it('HR, NDCG, MRR match the hand-computed values', () => {
    expect(hitRate(0, 10)).toBe(1);
    expect(hitRate(9, 10)).toBe(1);
    expect(hitRate(10, 10)).toBe(0);
    expect(ndcg(0, 10)).toBe(1);
    expect(ndcg(1, 10)).toBeCloseTo(1 / Math.log2(3), 12); // 0.6309...
    expect(ndcg(2, 10)).toBeCloseTo(0.5, 12); // 1/log2(4)
    expect(ndcg(9, 10)).toBeCloseTo(1 / Math.log2(11), 12);
    expect(ndcg(10, 10)).toBe(0);
    expect(reciprocalRank(0)).toBe(1);
    expect(reciprocalRank(3)).toBe(0.25);
    expect(coverage(3, 12)).toBe(0.25);
    expect(coverage(0, 0)).toBe(0);
  });
});

describe('MetricAccumulator', () => {
  it('averages over users and computes coverage@10 on the top-10 lists', () => {
    // 25 items so that K=10 and K=20 differ. Scores descend with the index: item i scores 25-i.
    const n = 25;
    const desc = f32(Array.from({ length: n }, (_, i) => n - i));
    const acc = new MetricAccumulator(n);

    // user A: target 0, nothing excluded -> rank 0
    expect(acc.add(desc, 0, [])).toBe(0);
    // user B: target 12, items 0..4 excluded -> 7 better items (5..11) -> rank 7
    expect(acc.add(desc, 12, Int32Array.from([0, 1, 2, 3, 4]))).toBe(7);
    // user C: target 24 (worst), nothing excluded -> rank 24, outside top 20
    expect(acc.add(desc, 24, [])).toBe(24);
    // user D: target 15 with items 0..9 excluded -> rank 5 ... and 15 ties with 20 and 21
    const tied = desc.slice();
    tied[20] = tied[15]!;
    tied[21] = tied[15]!;
    // better: 10..14 (5 items) + ties 20, 21 (pessimistic) = 7
    expect(acc.add(tied, 15, Int32Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]))).toBe(7);

    expect(acc.count).toBe(4);
    const m = acc.result();
    expect(Object.keys(m)).toEqual([...METRIC_NAMES]);
    const ranks = [0, 7, 24, 7];
    const mean = (f: (r: number) => number) => ranks.map(f).reduce((a, b) => a + b, 0) / 4;
    expect(m['HR@10']).toBeCloseTo(0.75, 12);
    expect(m['HR@20']).toBeCloseTo(0.75, 12);
    expect(m['NDCG@10']).toBeCloseTo(mean((r) => ndcg(r, 10)), 12);
    expect(m['NDCG@10']).toBeCloseTo((1 + 2 / Math.log2(9)) / 4, 12);
    expect(m['NDCG@20']).toBeCloseTo(m['NDCG@10'], 12);
    expect(m.MRR).toBeCloseTo((1 + 1 / 8 + 1 / 25 + 1 / 8) / 4, 12);
    // top-10 lists: A, C -> 0..9; B -> 5..14; D -> 10..15, 20, 21, 16, 17 (20 and 21 score like 15,
    // above 16) -> union = 0..17 + {20, 21} = 20 items / 25
    expect(m['coverage@10']).toBeCloseTo(20 / 25, 12);
  });

  it('keeps a repeat target eligible for the top-K list', () => {
    const acc = new MetricAccumulator(3);
    expect(acc.add(f32([0.1, 0.9, 0.5]), 1, [1, 2])).toBe(0);
    // top-10 = [1, 0] (item 2 excluded) -> coverage 2/3
    expect(acc.result()['coverage@10']).toBeCloseTo(2 / 3, 12);
  });

  it('gives no credit to constant scores', () => {
    const acc = new MetricAccumulator(30);
    const flat = new Float32Array(30);
    for (let t = 0; t < 30; t++) acc.add(flat, t, []);
    expect(acc.result()['HR@20']).toBe(0);
    expect(acc.result().MRR).toBeCloseTo(1 / 30, 12);
  });

  it('returns zeros with no users and validates input', () => {
    const acc = new MetricAccumulator(3);
    expect(acc.result()['HR@10']).toBe(0);
    expect(() => acc.add(f32([1, 2]), 0, [])).toThrow(/expected 3 scores/);
    expect(() => acc.add(f32([1, 2, 3]), 3, [])).toThrow(RangeError);
  });
});
