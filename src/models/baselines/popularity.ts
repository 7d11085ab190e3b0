/**
 * Most-popular baseline: every user gets the same scores, the number of positive training
 * events per item. The floor any personalised model has to beat.
 */
import { z } from 'zod';
import type { Interactions, Recommender, ScoreQuery, TrainTask } from '../contract';
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

  /** Counting is closed-form: one step, no loss, no validation. */
  createTrainTask(data: Interactions): TrainTask {
    checkShape(this.name, data, this.numUsers, this.numItems);
    return {
      schedule: { maxEpochs: 1, patience: 0 },
      stepsPerEpoch: 1,
      step: () => {
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
        return { examples };
      },
      variables: () => [],
      dispose: () => {},
    };
  }

  async scoreAll(_query: ScoreQuery): Promise<Float32Array> {
    // A copy: callers may mutate the scores (e.g. mask exclusions) without corrupting the model.
    return this.counts.slice();
  }

  dispose(): void {}
}
