import { describe, expect, it } from 'vitest';
import { onboardingPicks } from './onboarding';

describe('the cold-start picker', () => {
  // four clusters of films (c = i % 4); within a cluster films are near-identical
  const cluster = (i: number) => i % 4;
  const similarity = (a: number, b: number) => (cluster(a) === cluster(b) ? 0.95 : 0.1);
  const popularity = Float32Array.from({ length: 40 }, (_, i) => 1 - i / 40); // item 0 best known

  it('starts from the best-known film and covers every cluster before repeating one', () => {
    const picks = onboardingPicks(popularity, similarity, new Set(), { k: 4, pool: 40 });
    expect(picks[0]).toBe(0);
    expect(new Set(picks.map(cluster)).size).toBe(4);
    // the best-known film of each cluster, not an obscure one
    expect(picks.sort((a, b) => a - b)).toEqual([0, 1, 2, 3]);
  });

  it('chooses only among the best-known pool and never offers a judged film', () => {
    const picks = onboardingPicks(popularity, similarity, new Set([0, 1]), { k: 6, pool: 10 });
    expect(picks).toHaveLength(6);
    expect(picks.every((p) => p >= 2 && p < 12)).toBe(true);
    expect(new Set(picks).size).toBe(6);
  });

  it('offers what there is when the catalog is smaller than k', () => {
    expect(onboardingPicks(Float32Array.from([0.5, 0.2]), similarity, new Set(), { k: 12, pool: 150 })).toHaveLength(2);
    expect(onboardingPicks(new Float32Array(0), similarity)).toEqual([]);
  });
});
