import * as tf from '@tensorflow/tfjs';
import { Rng, randomNormalArray } from '../common';

/**
 * The "stock TF.js way" of training MF, kept as the benchmark's reference point:
 * `tf.train.adam().minimize()` over `tf.gather` of full tf.Variables. Its gradient is a dense
 * UnsortedSegmentSum into the whole table and Adam then updates every row of every table (and both
 * moment tables) on every step. Same BPR loss as the fast trainer with negatives = 1.
 */
export interface StockMF {
  /** [numUsers, dim] */
  users: tf.Variable;
  /** [numItems, dim] */
  items: tf.Variable;
  /** [numItems] */
  itemBias: tf.Variable;
  optimizer: tf.AdamOptimizer;
  dispose(): void;
}

/** One BPR batch: `[B]` users, their positive and one sampled negative item each. */
export interface BprBatch {
  users: Int32Array;
  pos: Int32Array;
  neg: Int32Array;
}

export function createStockMF(args: { numUsers: number; numItems: number; dim: number; lr?: number; seed?: number }): StockMF {
  const rng = new Rng(args.seed ?? 1);
  const [users, items, itemBias] = tf.tidy(() => [
    tf.variable(tf.tensor2d(randomNormalArray(args.numUsers * args.dim, 0.1, rng), [args.numUsers, args.dim])),
    tf.variable(tf.tensor2d(randomNormalArray(args.numItems * args.dim, 0.1, rng), [args.numItems, args.dim])),
    tf.variable(tf.zeros([args.numItems])),
  ]) as [tf.Variable, tf.Variable, tf.Variable];
  const optimizer = tf.train.adam(args.lr ?? 0.01);
  return {
    users,
    items,
    itemBias,
    optimizer,
    dispose() {
      optimizer.dispose();
      users.dispose();
      items.dispose();
      itemBias.dispose();
    },
  };
}

/** One stock step; returns the loss scalar (caller disposes). No readback. */
export function stockTrainStep(model: StockMF, batch: BprBatch): tf.Scalar {
  return tf.tidy(() => {
    const u = tf.tensor1d(batch.users, 'int32');
    const p = tf.tensor1d(batch.pos, 'int32');
    const n = tf.tensor1d(batch.neg, 'int32');
    const loss = model.optimizer.minimize(
      () => {
        const U = tf.gather(model.users, u);
        const sPos = tf.add(tf.sum(tf.mul(U, tf.gather(model.items, p)), 1), tf.gather(model.itemBias, p));
        const sNeg = tf.add(tf.sum(tf.mul(U, tf.gather(model.items, n)), 1), tf.gather(model.itemBias, n));
        return tf.mean(tf.softplus(tf.sub(sNeg, sPos))) as tf.Scalar;
      },
      true,
      [model.users, model.items, model.itemBias],
    );
    return loss as tf.Scalar;
  });
}
