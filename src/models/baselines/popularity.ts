/**
 * Most-popular baseline: every user gets the same scores, the number of positive training
 * events per item. The floor any personalised model has to beat.
 */
import { z } from 'zod';
import type { FitOptions, FitSummary, Interactions, Recommender, ScoreQuery } from '../contract';
import { checkShape, parseConfig } from './common';

/** Popularity has no knobs; the empty strict object still rejects misspelt keys. */
export const popularityConfigSchema = z.object({}).strict();
export type PopularityConfig = z.output<typeof popularityConfigSchema>;

export class PopularityModel implements Recommender {
  readonly name = 'pop';
  readonly numUsers: number;
  readonly numItems: number;
  readonly config: PopularityConfig;
  private counts: Float32Array;

  constructor(ctx: { numUsers: number; numItems: number; config?: Record<string, unknown> }) {
    this.numUsers = ctx.numUsers;
    this.numItems = ctx.numItems;
    this.config = parseConfig('pop', popularityConfigSchema, ctx.config);
    this.counts = new Float32Array(ctx.numItems);
  }

  async fit(data: Interactions, options: FitOptions = {}): Promise<FitSummary> {
    const start = performance.now();
    checkShape(this.name, data, this.numUsers, this.numItems);
    if (options.signal?.aborted) {
      return { epochs: 0, steps: 0, examples: 0, seconds: 0, cancelled: true };
    }
    const counts = new Float32Array(this.numItems);
    let examples = 0;
    for (let e = 0; e < data.item.length; e++) {
      // Only positive feedback makes an item popular; dislikes are not "attention".
      if (data.weight[e]! > 0) {
        counts[data.item[e]!]!++;
        examples++;
      }
    }
    this.counts = counts;
    options.onProgress?.({ epoch: 1, step: 1, totalSteps: 1 });
    return { epochs: 1, steps: 1, examples, seconds: (performance.now() - start) / 1000 };
  }

  async scoreAll(_query: ScoreQuery): Promise<Float32Array> {
    // A copy: callers may mutate the scores (e.g. mask exclusions) without corrupting the model.
    return this.counts.slice();
  }

  dispose(): void {}
}
