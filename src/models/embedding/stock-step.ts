import * as tf from '@tensorflow/tfjs';
import { prepareFeatureBag } from '../layers/embedding-bag';
import { prepareScoreLoss, scoreLoss } from '../layers/score-loss';
import type { EmbeddingModel } from './model';
import type { EmbeddingBatch } from './train-task';

/**
 * The stock TF.js way of training this same model, kept as the benchmark's reference point:
 * `tf.train.adam().minimize()` over the model's full Variables, rows looked up with `tf.gather`
 * (its gradient is a dense UnsortedSegmentSum into the whole table) and the content tower run on
 * every slot's features straight from the full feature table, so Adam updates every row of every
 * table on every step. Same batches (from `EmbeddingTrainTask.nextBatch`), same loss: the loss
 * itself is the stock-op form of layers/score-loss, so the comparison isolates the sparse updates
 * and fused kernels. Changes the model's weights; the benchmark gives it a model of its own.
 */
export function createStockEmbeddingStep(model: EmbeddingModel): { step(batch: EmbeddingBatch): tf.Scalar; dispose(): void } {
  const c = model.config;
  if (model.head) throw new Error('createStockEmbeddingStep: the stock baseline covers the dot-product model only');
  const optimizer = tf.train.adam(c.lr);
  const variables = Object.values(model.namedVariables());
  // the model's variables are created non-trainable (Burrow's trainer never uses TF.js's
  // optimizers); minimize() only differentiates trainable ones
  const wasTrainable = variables.map((v) => v.trainable);
  for (const v of variables) v.trainable = true;
  return {
    step(batch) {
      const S = c.negatives + 1;
      const B = batch.size;
      // back from (distinct rows, inverse) to one raw row index per example / slot
      const users = Int32Array.from(batch.userInverse, (r) => batch.userUnique[r]!);
      const items = Int32Array.from(batch.itemInverse, (r) => batch.itemUnique[r]!);
      return tf.tidy(() => {
        const prepared = prepareScoreLoss(
          {
            examples: B,
            slots: S,
            userRows: B,
            itemRows: B * S,
            userOf: Int32Array.from({ length: B }, (_, b) => b),
            itemOf: Int32Array.from({ length: B * S }, (_, k) => k),
            weight: batch.exampleWeight,
            corr: batch.logitCorrection,
            hard: batch.hardMask,
          },
          c.loss,
          'ops',
        );
        const usersT = tf.tensor1d(users, 'int32');
        const itemsT = tf.tensor1d(items, 'int32');
        const content = model.content && model.featureIds && model.featureWeights ? model.content : null;
        const F = model.maxFeatures;
        const bag = content
          ? prepareFeatureBag(
              Int32Array.from({ length: B * S * F }, (_, k) => model.featureIds![items[Math.floor(k / F)]! * F + (k % F)]!),
              Float32Array.from({ length: B * S * F }, (_, k) => model.featureWeights![items[Math.floor(k / F)]! * F + (k % F)]!),
              B * S,
              model.vocabSize,
              'ops',
            )
          : null;
        const loss = optimizer.minimize(
          () => {
            const u = tf.gather(model.userTable, usersT) as tf.Tensor2D;
            const r = tf.gather(model.residual, itemsT) as tf.Tensor2D;
            const bi = tf.gather(model.itemBias, itemsT) as tf.Tensor2D;
            const itemVec = content
              ? (tf.add(model.contentForward(content.featureEmbedding as tf.Tensor2D, bag!, model.denseParams(), null), r) as tf.Tensor2D)
              : r;
            let total: tf.Tensor = scoreLoss(prepared, u, itemVec, bi);
            if (c.l2 > 0) total = tf.add(total, tf.mul(tf.add(tf.sum(tf.square(u)), tf.sum(tf.square(bi))), c.l2 / B));
            if (c.l2Residual > 0) total = tf.add(total, tf.mul(tf.sum(tf.square(r)), c.l2Residual / B));
            return total as tf.Scalar;
          },
          true,
          variables,
        );
        if (loss === null) throw new Error('minimize returned no loss');
        return loss;
      });
    },
    dispose() {
      optimizer.dispose();
      variables.forEach((v, i) => (v.trainable = wasTrainable[i]!));
    },
  };
}
