import { describe, expect, it } from 'vitest';
import { Rng } from '../../common';
import { foldInLossAndGradient, foldInUserVector, type FoldInHead, type FoldInRows } from './fold-in';

function rows(seed: number): FoldInRows {
  const rng = new Rng(seed);
  const dim = 6;
  const [M, P, H] = [5, 3, 2];
  return {
    dim,
    vectors: Float32Array.from({ length: (M + P + H) * dim }, () => rng.normal()),
    biases: Float32Array.from({ length: M + P + H }, () => 0.1 * rng.normal()),
    sampled: M,
    positives: P,
    negatives: H,
    positiveWeights: Float32Array.from([1, 0.5, 2]),
    negativeWeights: Float32Array.from([1, 0.25]),
  };
}

/** an NCF-style head with random weights (bias > 0 so some units are active, some not) */
function head(dim: number, seed: number): FoldInHead {
  const rng = new Rng(seed);
  const hidden = 4;
  const draw = (n: number, scale: number) => Float32Array.from({ length: n }, () => scale * rng.normal());
  return {
    hidden,
    userKernel: draw(dim * hidden, 0.5),
    itemKernel: draw(dim * hidden, 0.5),
    productKernel: draw(dim * hidden, 0.5),
    bias: Float32Array.from([0.3, -0.2, 0.1, 0.5]),
    out: draw(hidden, 1),
  };
}

describe('fold-in (JS)', () => {
  for (const [loss, withHead] of [['bpr', false], ['sampled-softmax', false], ['bpr', true], ['sampled-softmax', true]] as const) {
    it(`${loss}${withHead ? ' with an MLP head' : ''}: the gradient matches central differences`, () => {
      const r = { ...rows(3), head: withHead ? head(6, 8) : null };
      const options = { l2: 0.01, loss, sampledCorrection: Math.log(5 / 100) };
      const u = Float64Array.from({ length: r.dim }, (_, d) => 0.3 * Math.sin(d + 1));
      const grad = new Float64Array(r.dim);
      const value = foldInLossAndGradient(r, u, options, grad);
      if (withHead) {
        // the head really takes part: another loss, another gradient than the dot product alone
        const dotGrad = new Float64Array(r.dim);
        expect(Math.abs(value - foldInLossAndGradient(rows(3), u, options, dotGrad))).toBeGreaterThan(1e-3);
        expect(Math.max(...grad.map((g, d) => Math.abs(g - dotGrad[d]!)))).toBeGreaterThan(1e-3);
      }
      const h = 1e-5;
      for (let d = 0; d < r.dim; d++) {
        const up = Float64Array.from(u);
        const down = Float64Array.from(u);
        up[d]! += h;
        down[d]! -= h;
        const scratch = new Float64Array(r.dim);
        const numeric = (foldInLossAndGradient(r, up, options, scratch) - foldInLossAndGradient(r, down, options, scratch)) / (2 * h);
        expect(grad[d]!).toBeCloseTo(numeric, 6);
      }
    });
  }

  it('moves the user towards the positives and away from the explicit negatives', () => {
    const r = rows(5);
    const score = (u: Float32Array, row: number) => u.reduce((a, x, d) => a + x * r.vectors[row * r.dim + d]!, r.biases[row]!);
    const u = foldInUserVector(r, null, { steps: 50, lr: 0.05, l2: 0.01, loss: 'sampled-softmax', sampledCorrection: Math.log(5 / 100) });
    const mean = (from: number, to: number) => {
      let s = 0;
      for (let k = from; k < to; k++) s += score(u, k);
      return s / (to - from);
    };
    expect(mean(5, 8)).toBeGreaterThan(mean(0, 5)); // positives above the sampled items
    expect(mean(8, 10)).toBeLessThan(mean(0, 5)); // explicit negatives below them
  });
});
