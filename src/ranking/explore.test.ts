import { describe, expect, it } from 'vitest';
import { withExploration } from './explore';
import { PRIOR_WEIGHTS, sampleWeights, weightPosterior } from './hybrid';

/** A seeded standard normal (Box-Muller over a small LCG): ranking stays free of training's Rng. */
function seededNormal(seed: number): { normal: () => number } {
  let state = seed >>> 0;
  const uniform = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state + 0.5) / 2 ** 32;
  };
  return { normal: () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()) };
}

describe('exploration (Thompson sampling over the blend)', () => {
  it('gives one card in six to the sampled ranking, keeping the best cards in place', () => {
    const greedy = Array.from({ length: 20 }, (_, i) => i);
    const sampled = [0, 1, 50, 2, 60, 70];
    const { items, explored } = withExploration(greedy, sampled, 12);
    expect(items).toHaveLength(12);
    expect(items.slice(0, 5)).toEqual([0, 1, 2, 3, 4]);
    expect(items[5]).toBe(50); // sampled's best not already shown
    expect(items[11]).toBe(60);
    expect([...explored]).toEqual([50, 60]);
    expect(new Set(items).size).toBe(12);
    // a sampled ranking that agrees with the plain one shows the same twelve films
    expect([...withExploration(greedy, greedy, 12).items].sort((a, b) => a - b)).toEqual(greedy.slice(0, 12));
  });

  it('samples weights around the fit: wide with no evidence, narrower with more held-out likes', () => {
    const n = 200;
    const rng = seededNormal(7);
    const inputs = {
      popularity: Float32Array.from({ length: n }, () => rng.normal()),
      content: Float32Array.from({ length: n }, () => rng.normal()),
    };
    const spread = (heldOut: number) => {
      const posterior = weightPosterior(inputs, PRIOR_WEIGHTS, heldOut, []);
      const draws = Array.from({ length: 400 }, () => sampleWeights(posterior, PRIOR_WEIGHTS, () => rng.normal()).content);
      const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
      const sd = Math.sqrt(draws.reduce((a, b) => a + (b - mean) ** 2, 0) / draws.length);
      return { mean, sd };
    };
    const none = spread(0);
    const many = spread(200);
    expect(none.mean).toBeCloseTo(PRIOR_WEIGHTS.content, 0);
    expect(none.sd).toBeGreaterThan(many.sd * 1.5);
    // signals not present keep the base weights
    const posterior = weightPosterior(inputs, PRIOR_WEIGHTS, 0, []);
    expect(sampleWeights(posterior, PRIOR_WEIGHTS, () => 1).era).toBe(PRIOR_WEIGHTS.era);
  });
});
