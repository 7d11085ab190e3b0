/**
 * Rank the whole catalog for one user: scores = itemEmb [N, dim] · user [dim] (+ bias [N]), drop
 * `exclude`, return the top K (read back to the CPU: that is what the app needs).
 *
 * 'stock' runs on every backend with stock TF.js ops (matMul, scatterND mask, topk).
 * 'fused' is a custom WGSL kernel (fused-topk-webgpu.ts) and only runs on webgpu.
 * Both follow the ordering contract of topKFromArray (ties -> lower index; excluded/NaN/-Inf dropped).
 */
import * as tf from '@tensorflow/tfjs';
import type { TopKResult } from './topk-array';
import { FusedKernelUnavailable, fusedKnownBad, fusedRankTopK, fusedSupported } from './fused-topk-webgpu';

export type RankImpl = 'auto' | 'stock' | 'fused';

export interface RankOptions {
  /**
   * 'auto' (default) = fused on webgpu when supported (k <= 256), stock elsewhere.
   * 'fused' throws off webgpu.
   */
  impl?: RankImpl;
}

/** Which implementation `impl` resolves to for these sizes on the active backend. */
export function resolveRankImpl(impl: RankImpl, dim: number, k: number): 'stock' | 'fused' {
  if (impl === 'stock') return 'stock';
  if (impl === 'fused') {
    if (!fusedSupported(dim, k)) {
      throw new Error(`fused top-K needs the webgpu backend and 1 <= k <= 256 (backend ${tf.getBackend()}, k ${k})`);
    }
    return 'fused';
  }
  return fusedSupported(dim, k) ? 'fused' : 'stock';
}

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

export async function stockRankTopK(
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
 * Top-K items for one user over the whole catalog.
 * @param itemEmb [N, dim] item embeddings
 * @param user [dim] user embedding
 * @param bias [N] item bias, or null
 * @param k how many to return (fewer come back if fewer than k items are rankable)
 * @param exclude item indices never to return (already rated / disliked); duplicates and
 *                out-of-range entries are ignored
 */
export async function rankTopK(
  itemEmb: tf.Tensor2D,
  user: tf.Tensor1D,
  bias: tf.Tensor1D | null,
  k: number,
  exclude: Int32Array,
  options: RankOptions = {},
): Promise<{ indices: Int32Array; scores: Float32Array }> {
  if (user.shape[0] !== itemEmb.shape[1]) {
    throw new Error(`user dim ${user.shape[0]} != item dim ${itemEmb.shape[1]}`);
  }
  if (bias !== null && bias.shape[0] !== itemEmb.shape[0]) {
    throw new Error(`bias length ${bias.shape[0]} != item count ${itemEmb.shape[0]}`);
  }
  const requested = options.impl ?? 'auto';
  const kk = Math.min(k, itemEmb.shape[0]);
  let impl = resolveRankImpl(requested, itemEmb.shape[1], k);
  if (impl === 'fused' && requested === 'auto' && fusedKnownBad(itemEmb.shape[1], kk, bias !== null)) impl = 'stock';
  if (impl === 'fused') {
    try {
      return await fusedRankTopK(itemEmb, user, bias, k, exclude);
    } catch (e) {
      if (requested === 'auto' && e instanceof FusedKernelUnavailable) return stockRankTopK(itemEmb, user, bias, k, exclude);
      throw e;
    }
  }
  return stockRankTopK(itemEmb, user, bias, k, exclude);
}
