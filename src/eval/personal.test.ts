import { describe, expect, it } from 'vitest';
import { heldOutMetrics, holdOutRecentPositives } from './personal';
import { reciprocalRankFusion } from '../ranking';

const signal = (item: number, strength: number, ts: number) => ({ item, strength, ts });

describe('on-device quality', () => {
  it('holds out only the most recent positives, never negatives, none below three positives', () => {
    expect(holdOutRecentPositives([signal(1, 1, 1), signal(2, 1, 2)]).heldOut).toEqual([]);
    const split = holdOutRecentPositives([signal(1, 1, 1), signal(2, -1, 5), signal(3, 1, 3), signal(4, 1, 4)]);
    expect(split.heldOut).toEqual([4]);
    expect(split.train.map((s) => s.item)).toEqual([1, 3, 2]);
    const many = Array.from({ length: 40 }, (_, i) => signal(i, 1, i));
    expect(holdOutRecentPositives(many).heldOut).toEqual([35, 36, 37, 38, 39]);
  });

  it('computes HR@10 and NDCG@10 with training items excluded (hand-computed)', () => {
    const scores = Float32Array.from({ length: 30 }, (_, i) => 30 - i); // item 0 best
    // target 2: items 0 and 1 rank above it, item 0 is excluded -> rank 1 -> NDCG 1/log2(3)
    // target 25: rank 24 after excluding item 0 -> miss
    const m = heldOutMetrics(scores, [2, 25], [0]);
    expect(m['HR@10']).toBe(0.5);
    expect(m['NDCG@10']).toBeCloseTo(1 / Math.log2(3) / 2, 10);
  });

  it('fuses rankers by rank, keeps exclusions', () => {
    const a = Float32Array.from([3, 2, 1, -Infinity]);
    const b = Float32Array.from([1, 3, 2, 0]);
    const fused = reciprocalRankFusion([a, b]);
    expect(fused[1]!).toBeGreaterThan(fused[0]!); // ranks 2+1 beat 1+3
    expect(fused[3]).toBe(-Infinity);
  });
});
