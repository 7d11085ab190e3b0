/**
 * The ranker's GPU path (ranker.ts): rank the whole catalog for one user by a model's embeddings,
 * scores = itemEmb [N, dim] · user [dim] (+ bias [N]), drop `exclude`, return the top K (only the
 * K winners are read back to the CPU, never the N scores).
 *
 * One fused op (src/compute/kernels' registry): the stock form runs on every backend with stock
 * TF.js ops (matMul, scatterND mask, topk); the fused form is Burrow's WGSL kernel
 * (src/compute/kernels/topk-webgpu.ts), webgpu only, checked on this device on first use.
 * Both follow the ranker's ordering contract (ranker.ts) (ties -> lower index; excluded/NaN/-Inf dropped).
 */
import * as tf from '@tensorflow/tfjs';
import { defineFusedOp, fusedRankTopK, TOP_K_KERNEL, type KernelChoice, type TopKConfig } from '../compute/kernels';
import type { TopKResult } from './ranker';

export interface RankOptions {
  /** 'auto' (default): the fused kernel on webgpu when it supports the sizes (k <= 256), stock elsewhere */
  kernels?: KernelChoice;
}

type TopK = (itemEmb: tf.Tensor2D, user: tf.Tensor1D, bias: tf.Tensor1D | null, k: number, exclude: ArrayLike<number>) => Promise<TopKResult>;

/** The stock-op graph; returns [values, indices] tensors of length min(k, N). Caller disposes. */
export function stockScoreTopKTensors(
  itemEmb: tf.Tensor2D,
  user: tf.Tensor1D,
  bias: tf.Tensor1D | null,
  k: number,
  exclude: ArrayLike<number>,
): { values: tf.Tensor1D; indices: tf.Tensor1D } {
  const [n, dim] = itemEmb.shape;
  const valid: number[] = [];
  for (let i = 0; i < exclude.length; i++) {
    const e = exclude[i]!;
    if (e >= 0 && e < n) valid.push(e);
  }
  return tf.tidy(() => {
    let scores = tf.matMul(itemEmb, tf.reshape(user, [dim, 1])).reshape([n]) as tf.Tensor1D;
    if (bias !== null) scores = tf.add(scores, bias);
    if (valid.length > 0) {
      // additive -Inf mask; duplicates sum to -Inf, which is still -Inf
      const mask = tf.scatterND(
        tf.tensor2d(Int32Array.from(valid), [valid.length, 1], 'int32'),
        tf.fill([valid.length], -Infinity),
        [n],
      );
      scores = tf.add(scores, mask);
    }
    const { values, indices } = tf.topk(scores, Math.min(k, n), true);
    return { values: values as tf.Tensor1D, indices: indices as tf.Tensor1D };
  });
}

/** Drop entries that are not rankable (-Inf from the mask, NaN) from a sorted top-K readback. */
export function trimUnrankable(values: Float32Array, indices: Int32Array): TopKResult {
  // tf.topk sorts NaN unpredictably, so filter rather than cut at the first bad entry.
  const keep: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v === v && v !== -Infinity) keep.push(i);
  }
  if (keep.length === values.length) return { indices, scores: values };
  return {
    indices: Int32Array.from(keep, (i) => indices[i]!),
    scores: Float32Array.from(keep, (i) => values[i]!),
  };
}

/** The top-K as a fused op; its configuration is the item width, min(k, N) and whether there is a bias. */
export const embeddingTopKOp = defineFusedOp<TopKConfig, TopK>({
  ...TOP_K_KERNEL,
  fused: fusedRankTopK,
  stock: (itemEmb, user, bias, k, exclude) => stockTopKByEmbedding(itemEmb, user, bias, k, exclude),
});

/** The stock-op form, read back and trimmed to the rankable items (the fused form's reference). */
export async function stockTopKByEmbedding(
  itemEmb: tf.Tensor2D,
  user: tf.Tensor1D,
  bias: tf.Tensor1D | null,
  k: number,
  exclude: ArrayLike<number>,
): Promise<TopKResult> {
  if (k <= 0 || itemEmb.shape[0] === 0) return { indices: new Int32Array(0), scores: new Float32Array(0) };
  const { values, indices } = stockScoreTopKTensors(itemEmb, user, bias, k, exclude);
  try {
    const [v, i] = await Promise.all([values.data(), indices.data()]);
    return trimUnrankable(v as Float32Array, i as Int32Array);
  } finally {
    tf.dispose([values, indices]);
  }
}

/**
 * Top-K items for one user over the whole catalog, on the compute backend.
 * @param itemEmb [N, dim] item embeddings
 * @param user [dim] user embedding
 * @param bias [N] item bias, or null
 * @param k how many to return (fewer come back if fewer than k items are rankable)
 * @param exclude item indices never to return (already rated / disliked); duplicates and
 *                out-of-range entries are ignored
 */
export async function topKByEmbedding(
  itemEmb: tf.Tensor2D,
  user: tf.Tensor1D,
  bias: tf.Tensor1D | null,
  k: number,
  exclude: Int32Array,
  options: RankOptions = {},
): Promise<TopKResult> {
  if (user.shape[0] !== itemEmb.shape[1]) {
    throw new Error(`user dim ${user.shape[0]} != item dim ${itemEmb.shape[1]}`);
  }
  if (bias !== null && bias.shape[0] !== itemEmb.shape[0]) {
    throw new Error(`bias length ${bias.shape[0]} != item count ${itemEmb.shape[0]}`);
  }
  const config: TopKConfig = { dim: itemEmb.shape[1], k, items: itemEmb.shape[0], hasBias: bias !== null };
  const form = await embeddingTopKOp.chooseValidated(options.kernels ?? 'auto', config);
  return form === 'fused' ? fusedRankTopK(itemEmb, user, bias, k, exclude) : stockTopKByEmbedding(itemEmb, user, bias, k, exclude);
}
