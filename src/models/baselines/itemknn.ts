/**
 * Item-based k-nearest-neighbours (Sarwar et al. 2001; the "ItemKNN" of RecBole and of
 * Dacrema et al. 2019's baselines): cosine similarity between item columns of the binary
 * user-item matrix, shrunk towards 0 for items with little support, pruned to the top-k
 * neighbours of each item. A user's score for item j is the sum of sim(i, j) over the distinct
 * items i in their history. Exact and CPU-only: typed arrays, no tensors.
 */
import { z } from 'zod';
import type { Interactions, Recommender, ScoreQuery, TrainTask } from '../contract';
import { binaryMatrix, checkShape, parseConfig } from './common';

export const itemKnnConfigSchema = z
  .object({
    /** neighbours kept per item; smaller = less noise from weak co-occurrences */
    k: z.number().int().positive().default(100),
    /**
     * added to the cosine denominator: sim = co(i,j) / (sqrt(n_i n_j) + shrink). Damps pairs of
     * rare items whose cosine is high by chance (one shared user gives cosine 1).
     */
    shrink: z.number().nonnegative().default(10),
  })
  .strict();
export type ItemKnnConfig = z.output<typeof itemKnnConfigSchema>;

export class ItemKNNModel implements Recommender {
  readonly name = 'itemknn';
  readonly numUsers: number;
  readonly numItems: number;
  readonly config: ItemKnnConfig;
  /** neighbours of item i: neighbours[offsets[i] .. offsets[i+1]), similarity in sims */
  private offsets: Int32Array;
  private neighbours = new Int32Array(0);
  private sims = new Float32Array(0);
  /** dedupes a query's history without allocating a mask per call */
  private seen: Uint32Array;
  private seenStamp = 0;

  constructor(ctx: { numUsers: number; numItems: number; config?: Record<string, unknown> }) {
    this.numUsers = ctx.numUsers;
    this.numItems = ctx.numItems;
    this.config = parseConfig('itemknn', itemKnnConfigSchema, ctx.config);
    this.offsets = new Int32Array(ctx.numItems + 1);
    this.seen = new Uint32Array(ctx.numItems);
  }

  /**
   * The neighbour lists are closed-form, computed one item per step (so the trainer can report
   * progress and stop between items); the model takes them over after the last item only, so a
   * cancelled fit leaves it as it was.
   */
  createTrainTask(data: Interactions): TrainTask {
    checkShape(this.name, data, this.numUsers, this.numItems);
    const { k, shrink } = this.config;
    const numItems = this.numItems;
    const { byUser, byItem } = binaryMatrix(data);
    const support = new Float64Array(numItems);
    for (let i = 0; i < numItems; i++) support[i] = byItem.offsets[i + 1]! - byItem.offsets[i]!;

    const offsets = new Int32Array(numItems + 1);
    const nbr: number[] = [];
    const sim: number[] = [];
    // Row-at-a-time co-occurrence: O(numItems) scratch instead of a dense numItems^2 matrix,
    // so catalogs of tens of thousands of items still fit in memory.
    const co = new Float64Array(numItems);
    const touched = new Int32Array(numItems);
    let i = 0;
    const step = (): { examples: number } => {
      let m = 0;
      for (let a = byItem.offsets[i]!; a < byItem.offsets[i + 1]!; a++) {
        const u = byItem.values[a]!;
        for (let b = byUser.offsets[u]!; b < byUser.offsets[u + 1]!; b++) {
          const j = byUser.values[b]!;
          if (j === i) continue;
          if (co[j] === 0) touched[m++] = j;
          co[j]!++;
        }
      }
      const cand: { j: number; s: number }[] = new Array(m);
      for (let t = 0; t < m; t++) {
        const j = touched[t]!;
        cand[t] = { j, s: co[j]! / (Math.sqrt(support[i]! * support[j]!) + shrink) };
        co[j] = 0;
      }
      // Ties towards the lower index so the model is deterministic.
      cand.sort((x, y) => y.s - x.s || x.j - y.j);
      const keep = Math.min(k, m);
      for (let t = 0; t < keep; t++) {
        const c = cand[t]!;
        if (c.s <= 0) break;
        nbr.push(c.j);
        sim.push(c.s);
      }
      offsets[i + 1] = nbr.length;
      // the item's users: summed over all items, the (user, item) pairs the lists came from
      const examples = support[i]!;
      if (++i === numItems) {
        this.offsets = offsets;
        this.neighbours = Int32Array.from(nbr);
        this.sims = Float32Array.from(sim);
      }
      return { examples };
    };
    return {
      // progress and a chance to cancel every 64 items
      schedule: { maxEpochs: 1, patience: 0, lossEvery: 64 },
      stepsPerEpoch: numItems,
      step,
      variables: () => [],
      dispose: () => {},
    };
  }

  async scoreAll(query: ScoreQuery): Promise<Float32Array> {
    const scores = new Float32Array(this.numItems);
    this.seenStamp++;
    if (this.seenStamp === 0xffffffff) {
      this.seen.fill(0);
      this.seenStamp = 1;
    }
    for (let h = 0; h < query.history.length; h++) {
      const i = query.history[h]!;
      if (i < 0 || i >= this.numItems) {
        throw new RangeError(`itemknn: history item ${i} is outside 0..${this.numItems - 1}`);
      }
      // Distinct history items only: the similarity was computed on the binary matrix.
      if (this.seen[i] === this.seenStamp) continue;
      this.seen[i] = this.seenStamp;
      for (let t = this.offsets[i]!; t < this.offsets[i + 1]!; t++) {
        scores[this.neighbours[t]!]! += this.sims[t]!;
      }
    }
    return scores;
  }

  dispose(): void {}
}
