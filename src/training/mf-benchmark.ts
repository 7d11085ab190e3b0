import * as tf from '@tensorflow/tfjs';
import type { Interactions } from '../models';
import { createEmbeddingModel, type EmbeddingModel } from '../models';
import type { EmbeddingTrainTask } from '../models';
import { Rng } from '../common';
import type { BprBatch } from './stock-baseline';

export interface MfProblemArgs {
  numUsers: number;
  numItems: number;
  dim: number;
  batchSize: number;
  seed: number;
  /** positive events per user (default 20) */
  eventsPerUser?: number;
}

export interface MfProblem extends MfProblemArgs {
  interactions: Interactions;
  /** a uniform BPR batch (users/positives drawn from the events, one uniform negative) */
  sampleBprBatch(rng: Rng): BprBatch;
}

/**
 * Synthetic implicit-feedback MF dataset: hidden 8-d user/item factors; each user draws
 * `eventsPerUser` items with probability proportional to exp(2 * true score).
 */
export function mfBenchmarkProblem(args: MfProblemArgs): MfProblem {
  const { numUsers, numItems, seed } = args;
  const perUser = args.eventsPerUser ?? 20;
  const rng = new Rng(seed);
  const L = 8;
  const uf = Float32Array.from({ length: numUsers * L }, () => rng.normal() / Math.sqrt(L));
  const vf = Float32Array.from({ length: numItems * L }, () => rng.normal());
  const n = numUsers * perUser;
  const user = new Int32Array(n);
  const item = new Int32Array(n);
  const cdf = new Float64Array(numItems);
  for (let u = 0; u < numUsers; u++) {
    let acc = 0;
    for (let i = 0; i < numItems; i++) {
      let s = 0;
      for (let l = 0; l < L; l++) s += uf[u * L + l]! * vf[i * L + l]!;
      acc += Math.exp(2 * s);
      cdf[i] = acc;
    }
    for (let e = 0; e < perUser; e++) {
      const x = rng.next() * acc;
      let lo = 0;
      let hi = numItems - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (cdf[mid]! < x) lo = mid + 1;
        else hi = mid;
      }
      user[u * perUser + e] = u;
      item[u * perUser + e] = lo;
    }
  }
  const interactions: Interactions = {
    numUsers,
    numItems,
    user,
    item,
    weight: new Float32Array(n).fill(1),
    time: Float64Array.from({ length: n }, (_, i) => i),
  };
  return {
    ...args,
    interactions,
    sampleBprBatch(r: Rng): BprBatch {
      const B = args.batchSize;
      const b: BprBatch = { users: new Int32Array(B), pos: new Int32Array(B), neg: new Int32Array(B) };
      for (let k = 0; k < B; k++) {
        const e = r.int(n);
        b.users[k] = user[e]!;
        b.pos[k] = item[e]!;
        b.neg[k] = r.int(numItems);
      }
      return b;
    },
  };
}

/**
 * The fast trainer configured like the stock baseline (plain MF + item bias, BPR, one negative,
 * no regularisation, no validation) for side-by-side throughput.
 */
export function createFastMF(problem: MfProblem, lr = 0.01): { model: EmbeddingModel; task: EmbeddingTrainTask; dispose(): void } {
  const model = createEmbeddingModel({
    numUsers: problem.numUsers,
    numItems: problem.numItems,
    features: null,
    config: {
      dim: problem.dim,
      batchSize: problem.batchSize,
      negatives: 1,
      loss: 'bpr',
      lr,
      l2: 0,
      l2Residual: 0,
      dropout: 0,
      maxValidationUsers: 0,
      initStd: 0.1,
      seed: problem.seed,
    },
  });
  const task = model.createTrainTask(problem.interactions, problem.seed);
  return {
    model,
    task,
    dispose() {
      task.dispose();
      model.dispose();
    },
  };
}

/**
 * Examples/s of `step` (each step consumes `batchSize` examples): warm-up steps first, then
 * `steps` timed steps; the device is synchronised once at the end by reading the last loss.
 */
export async function measureExamplesPerSecond(
  step: () => tf.Scalar,
  batchSize: number,
  steps: number,
  warmup = 5,
): Promise<number> {
  for (let i = 0; i < warmup; i++) {
    const l = step();
    if (i === warmup - 1) await l.data();
    l.dispose();
  }
  const t0 = performance.now();
  let last: tf.Scalar | null = null;
  for (let i = 0; i < steps; i++) {
    last?.dispose();
    last = step();
  }
  if (last) {
    await last.data();
    last.dispose();
  }
  const seconds = (performance.now() - t0) / 1000;
  return (steps * batchSize) / seconds;
}
