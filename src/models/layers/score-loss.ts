import * as tf from '@tensorflow/tfjs';
import {
  defineFusedOp,
  SCORE_LOSS_KERNEL,
  scoreLossBackwardWebGPU,
  scoreLossForwardWebGPU,
  type KernelChoice,
  type SampledLoss,
  type ScoreLossConfig,
  type ScoreLossDeviceBatch,
} from '../../compute/kernels';
import { gatherRows } from './gather-rows';
import { occurrences } from './occurrences';
import { sumLastAxis } from './sum-last-axis';

export type { SampledLoss } from '../../compute/kernels';

/**
 * One batch of sampled examples, as CPU index arrays into the batch's DISTINCT rows: example b has
 * user row `userOf[b]` and `slots` candidate items `itemOf[b*slots .. ]`, the positive first.
 */
export interface ScoreLossBatch {
  examples: number;
  slots: number;
  /** distinct user / item rows the indices point into (padding rows included) */
  userRows: number;
  itemRows: number;
  userOf: Int32Array;
  itemOf: Int32Array;
  /** [examples] loss weight of each example */
  weight: Float32Array;
  /** [examples*slots] logQ correction subtracted from each logit (sampled softmax) */
  corr: Float32Array | null;
  /** [examples*slots] 1 on explicit negatives (sampled softmax adds a pairwise push for them) */
  hard: Float32Array | null;
}

/** A batch uploaded for one of the two implementations of {@link scoreLoss}. */
export type PreparedScoreLoss =
  | { kind: 'fused'; loss: SampledLoss; device: ScoreLossDeviceBatch }
  | {
      kind: 'stock';
      loss: SampledLoss;
      examples: number;
      slots: number;
      userOfSlot: tf.Tensor1D;
      itemOf: tf.Tensor1D;
      weight: tf.Tensor1D;
      corr: tf.Tensor2D | null;
      hard: tf.Tensor2D | null;
    };

/** [a, b] -> [a, a, a, b, b, b] for times = 3 */
export function repeatEach(values: Int32Array, times: number): Int32Array {
  const out = new Int32Array(values.length * times);
  for (let i = 0; i < values.length; i++) out.fill(values[i]!, i * times, (i + 1) * times);
  return out;
}

type PrepareScoreLoss = (batch: ScoreLossBatch, loss: SampledLoss) => PreparedScoreLoss;

/**
 * The sampled loss as a fused op: the form is chosen when the batch is uploaded (the fused kernels
 * take the slot floats in one buffer and CSR lists of each row's slots, built here on the CPU),
 * and {@link scoreLoss} follows it.
 */
export const scoreLossOp = defineFusedOp<ScoreLossConfig, PrepareScoreLoss>({
  ...SCORE_LOSS_KERNEL,
  fused: (batch, loss) => {
    const { examples: B, slots: S } = batch;
    const softmax = loss === 'sampled-softmax';
    const users = occurrences(batch.userOf, batch.userRows);
    const items = occurrences(batch.itemOf, batch.itemRows);
    const corr = softmax ? batch.corr : null;
    const hard = softmax ? batch.hard : null;
    const slotFloats = new Float32Array(B + (corr ? B * S : 0) + (hard ? B * S : 0));
    slotFloats.set(batch.weight);
    if (corr) slotFloats.set(corr, B);
    if (hard) slotFloats.set(hard, B + (corr ? B * S : 0));
    return {
      kind: 'fused',
      loss,
      device: {
        examples: B,
        slots: S,
        userOf: tf.tensor1d(batch.userOf, 'int32'),
        itemOf: tf.tensor1d(batch.itemOf, 'int32'),
        slotFloats: tf.tensor1d(slotFloats),
        hasCorr: corr !== null,
        hasHard: hard !== null,
        userPtr: tf.tensor1d(users.ptr, 'int32'),
        userOcc: tf.tensor1d(users.occ, 'int32'),
        itemPtr: tf.tensor1d(items.ptr, 'int32'),
        itemOcc: tf.tensor1d(items.occ, 'int32'),
      },
    };
  },
  stock: (batch, loss) => {
    const { examples: B, slots: S } = batch;
    const softmax = loss === 'sampled-softmax';
    return {
      kind: 'stock',
      loss,
      examples: B,
      slots: S,
      // each example's user once per slot, so the dot products need no broadcast: the gradient of
      // a broadcast is a reduce, slow on WebGPU (see sumLastAxis)
      userOfSlot: tf.tensor1d(repeatEach(batch.userOf, S), 'int32'),
      itemOf: tf.tensor1d(batch.itemOf, 'int32'),
      weight: tf.tensor1d(batch.weight),
      corr: softmax && batch.corr ? tf.tensor2d(batch.corr, [B, S]) : null,
      hard: softmax && batch.hard ? tf.tensor2d(batch.hard, [B, S]) : null,
    };
  },
});

/**
 * Uploads the batch (the tensors belong to the caller's tidy scope) for the form `kernels` picks:
 * 'auto' is the fused WebGPU kernels where they support the batch and have not failed validation
 * here, stock TF.js ops elsewhere.
 */
export function prepareScoreLoss(batch: ScoreLossBatch, loss: SampledLoss, kernels: KernelChoice = 'auto'): PreparedScoreLoss {
  const { examples: B, slots: S } = batch;
  if (S < 2) throw new Error(`a sampled loss needs a positive and at least one negative per example (slots = ${S})`);
  if (batch.userOf.length !== B || batch.itemOf.length !== B * S || batch.weight.length !== B) {
    throw new Error(`batch arrays do not match ${B} examples x ${S} slots`);
  }
  // the configuration's dim only sizes the validation probe, so any width picks the same form
  const config = { slots: S, loss, hasCorr: batch.corr !== null, hasHard: batch.hard !== null, dim: 1 };
  return scoreLossOp.implementation(kernels, config)(batch, loss);
}

/**
 * The sampled training loss, `sum_b weight_b * loss_b / B`, differentiable w.r.t. the three row
 * tensors (call it inside the taped function):
 *   bpr:              loss_b = mean_{j>=1} softplus(s_j - s_0)
 *   sampled-softmax:  loss_b = logsumexp_s(s_s - corr_s) - (s_0 - corr_0) + sum_j hard_j softplus(s_j - s_0)
 * with s_j = userRows[userOf[b]] . itemRows[itemOf[b, j]] + itemBias[itemOf[b, j]] (+ extraScore of
 * the two rows, stock-ops implementation only).
 * @param userRows `[userRows, dim]`, itemRows `[itemRows, dim]`, itemBias `[itemRows, 1]`
 */
export function scoreLoss(
  prepared: PreparedScoreLoss,
  userRows: tf.Tensor2D,
  itemRows: tf.Tensor2D,
  itemBias: tf.Tensor2D,
  extraScore?: ExtraScore,
): tf.Scalar {
  if (prepared.kind === 'fused') {
    if (extraScore) throw new Error("scoreLoss: the fused kernel scores dot products only; prepare the batch with kernels 'stock'");
    return fusedScoreLoss(prepared.device, prepared.loss, userRows, itemRows, itemBias);
  }
  return opsScoreLoss(prepared, userRows, itemRows, itemBias, extraScore);
}

/** A score added to each slot's dot product: `[n]` from the slot's user and item rows `[n, dim]`. */
export type ExtraScore = (users: tf.Tensor2D, items: tf.Tensor2D) => tf.Tensor1D;

function fusedScoreLoss(
  device: ScoreLossDeviceBatch,
  loss: SampledLoss,
  userRows: tf.Tensor2D,
  itemRows: tf.Tensor2D,
  itemBias: tf.Tensor2D,
): tf.Scalar {
  const B = device.examples;
  const S = device.slots;
  const f = tf.customGrad((...args) => {
    const [u, r, b] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    const save = args[3] as tf.GradSaveFunc;
    const forward = scoreLossForwardWebGPU(u, r, tf.reshape(b, [b.shape[0]]), device, loss);
    save([u, r, forward]);
    const value = tf.reshape(tf.slice(forward, [B * S], [1]), []) as tf.Scalar;
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [su, sr, sf] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
      const g = scoreLossBackwardWebGPU(sf, dy, su, sr, device);
      return [g.userGrad, g.itemGrad, tf.reshape(g.biasGrad, [sr.shape[0], 1])];
    };
    return { value, gradFunc };
  });
  return f(userRows, itemRows, itemBias) as tf.Scalar;
}

function opsScoreLoss(
  p: Extract<PreparedScoreLoss, { kind: 'stock' }>,
  userRows: tf.Tensor2D,
  itemRows: tf.Tensor2D,
  itemBias: tf.Tensor2D,
  extraScore?: ExtraScore,
): tf.Scalar {
  const B = p.examples;
  const S = p.slots;
  const users = gatherRows(userRows, p.userOfSlot); // [B * S, dim]
  const items = gatherRows(itemRows, p.itemOf); // [B * S, dim]
  const bias = tf.reshape(gatherRows(itemBias, p.itemOf), [B, S]);
  let scores = tf.add(tf.reshape(sumLastAxis(tf.mul(items, users)), [B, S]), bias);
  if (extraScore) scores = tf.add(scores, tf.reshape(extraScore(users, items), [B, S]));
  let perExample: tf.Tensor; // [B]
  if (p.loss === 'bpr') {
    const sPos = tf.slice(scores, [0, 0], [B, 1]);
    const sNeg = tf.slice(scores, [0, 1], [B, S - 1]);
    perExample = tf.div(sumLastAxis(tf.softplus(tf.sub(sNeg, sPos))), S - 1);
  } else {
    const logits = p.corr ? tf.sub(scores, p.corr) : scores;
    perExample = tf.sub(tf.logSumExp(logits, 1), tf.reshape(tf.slice(logits, [0, 0], [B, 1]), [B]));
    if (p.hard) {
      // Explicit dislikes also get a pairwise (BPR) push below the positive: inside the
      // partition alone their gradient fades once the positive dominates the softmax.
      const pair = tf.softplus(tf.sub(scores, tf.slice(scores, [0, 0], [B, 1])));
      perExample = tf.add(perExample, tf.sum(tf.mul(pair, p.hard), 1));
    }
  }
  return tf.div(tf.sum(tf.mul(perExample, p.weight)), B) as tf.Scalar;
}
