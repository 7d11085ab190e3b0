import { AliasSampler, type Rng } from '../../common';

/**
 * Where a model's sampled losses draw their negatives, and the logQ correction of each draw:
 * log(K q(j)), the log of item j's expected count among K draws. A sampled softmax subtracts it
 * from the negative's logit, which makes the sampled partition an unbiased estimate of the full one.
 *
 * Uniform, or popularity-weighted: q(j) proportional to (count_j + 1)^alpha, drawn in O(1) from a
 * Walker alias table (a step draws batch x negatives items, so O(log n) per draw would add up).
 */
export class NegativeSampler {
  private readonly alias: AliasSampler | null;
  /** log(K / N): the correction of a uniform draw */
  readonly uniformLogQ: number;

  /**
   * @param count K, the draws per step the correction is relative to
   * @param popularity training counts `[numItems]` and the exponent; null draws uniformly
   */
  constructor(
    private readonly numItems: number,
    readonly count: number,
    popularity: { itemCounts: ArrayLike<number>; alpha: number } | null,
  ) {
    this.uniformLogQ = Math.log(count / numItems);
    if (popularity) {
      const w = new Float64Array(numItems);
      // +1: every item stays reachable as a negative
      for (let i = 0; i < numItems; i++) w[i] = Math.pow(popularity.itemCounts[i]! + 1, popularity.alpha);
      this.alias = new AliasSampler(w);
    } else {
      this.alias = null;
    }
  }

  /** One negative. */
  draw(rng: Rng): number {
    return this.alias ? this.alias.sample(rng) : rng.int(this.numItems);
  }

  /** log(K q(item)) */
  logQ(item: number): number {
    return this.alias ? Math.log(this.count * this.alias.prob[item]!) : this.uniformLogQ;
  }

  /** K negatives (shared by a whole batch) and the correction of each. */
  sample(rng: Rng): { items: Int32Array; logQ: Float32Array } {
    const K = this.count;
    const items = new Int32Array(K);
    const logQ = new Float32Array(K);
    for (let k = 0; k < K; k++) {
      const j = this.draw(rng);
      items[k] = j;
      logQ[k] = this.logQ(j);
    }
    return { items, logQ };
  }
}
