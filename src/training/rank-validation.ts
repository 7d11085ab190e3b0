import * as tf from '@tensorflow/tfjs';
import type { HeldOutCases, HeldOutChunk, ValidationMetric } from '../models';

/** The score an excluded item gets: below any real score, finite so no NaN can come of it. */
const EXCLUDED = -1e9;

/**
 * The sum over a chunk's cases of the hit (`hr`) or NDCG gain (`ndcg`) of the held-out item at
 * `k`, ranked as the evaluation protocol ranks (/work/shared/data/README.md, src/eval/metrics.ts'
 * rankOfTarget): against every item, the case's earlier items left out, ties pessimistic (an item
 * scoring the same as the target counts as ranked above it, so constant scores earn nothing).
 * @returns a scalar (caller disposes)
 */
export function validationGain(chunk: HeldOutChunk, metric: ValidationMetric, k: number): tf.Scalar {
  return tf.tidy(() => {
    let scores: tf.Tensor2D = chunk.scores;
    if (chunk.excluded) scores = tf.tensorScatterUpdate(scores, chunk.excluded, tf.fill([chunk.excluded.shape[0]], EXCLUDED));
    const cases = scores.shape[0];
    const target = tf.gatherND(scores, tf.stack([tf.range(0, cases, 1, 'int32'), chunk.targets], 1)) as tf.Tensor1D;
    // everything scoring >= the target, except the target itself, ranks before it (compared as
    // score - target >= 0, the same test: a comparison that broadcasts a column is ~10x slower on
    // wasm than a subtraction that does and a comparison with a scalar)
    const rank = tf.sub(tf.sum(tf.cast(tf.greaterEqual(tf.sub(scores, tf.expandDims(target, 1)), 0), 'float32'), 1), 1);
    const hit = tf.cast(tf.less(rank, k), 'float32');
    const gain = metric === 'ndcg' ? tf.mul(hit, tf.div(Math.LN2, tf.log(tf.add(rank, 2)))) : hit;
    return tf.sum(gain) as tf.Scalar;
  });
}

/** The mean validation metric over all held-out cases, computed on the device with ONE readback. */
export async function rankValidation(cases: HeldOutCases): Promise<number> {
  let total: tf.Scalar = tf.scalar(0);
  for (let i = 0; i < cases.chunks; i++) {
    const next = tf.tidy(() => tf.add(total, validationGain(cases.score(i), cases.metric, cases.k)) as tf.Scalar);
    total.dispose();
    total = next;
  }
  const sum = (await total.data())[0]!;
  total.dispose();
  return cases.count > 0 ? sum / cases.count : 0;
}
