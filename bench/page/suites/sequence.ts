/**
 * Suite 4: sequence-model training throughput, Burrow's GRU4Rec / SASRec (src/models/sequence,
 * one step = every position of every window predicts its next item) vs the stock TF.js way
 * (tf.layers.embedding -> tf.layers.gru -> dense softmax, model.fit on the last position only),
 * same catalog size, sequence length, width and batch, in the same page.
 */
import * as tf from '@tensorflow/tfjs';
import type { Interactions } from '../../../src/models/contract';
import { createSequenceModel } from '../../../src/models/sequence';
import { blockedSoftmaxCrossEntropyWebGPU, fusedSoftmaxCrossEntropyWebGPU } from '../../../src/compute/kernels';
import { softmaxCEBlockedOp, softmaxCEOp, softmaxCrossEntropy } from '../../../src/models/sequence/ops';
import { errorText, now, syntheticFloats, syntheticInts } from '../timing';

export interface SequenceParams {
  items: number;
  length: number;
  dim: number;
  batch: number;
  /** time budget per arm after warm-up; at least `minSteps` steps run */
  budgetMs: number;
  minSteps: number;
}

export interface SequenceRow {
  arm: 'stock-gru' | 'gru4rec' | 'sasrec';
  steps: number;
  sequencesPerSecond: number;
  error?: string;
}

/** `users` sequences of `length + 1` items with a learnable pattern (mostly i -> i + 1). */
function syntheticSequences(users: number, length: number, items: number): Interactions {
  const n = users * (length + 1);
  const starts = syntheticInts(users, items, 7);
  const noise = syntheticInts(n, items, 11);
  const user = new Int32Array(n);
  const item = new Int32Array(n);
  for (let u = 0; u < users; u++) {
    for (let t = 0; t <= length; t++) {
      const e = u * (length + 1) + t;
      user[e] = u;
      item[e] = t % 5 === 4 ? noise[e]! : (starts[u]! + t) % items;
    }
  }
  return { numUsers: users, numItems: items, user, item, weight: new Float32Array(n).fill(1), time: Float64Array.from({ length: n }, (_, i) => i) };
}

async function timeSteps(step: () => Promise<void>, p: SequenceParams): Promise<{ steps: number; seconds: number }> {
  await step(); // warm-up: shader/kernel compilation
  const t0 = now();
  let steps = 0;
  while (steps < p.minSteps || now() - t0 < p.budgetMs) {
    await step();
    steps++;
  }
  return { steps, seconds: (now() - t0) / 1000 };
}

async function stockGru(p: SequenceParams): Promise<SequenceRow> {
  const model = tf.sequential();
  model.add(tf.layers.embedding({ inputDim: p.items, outputDim: p.dim, inputLength: p.length }));
  model.add(tf.layers.gru({ units: p.dim }));
  model.add(tf.layers.dense({ units: p.items, activation: 'softmax' }));
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'sparseCategoricalCrossentropy' });
  const x = tf.tensor2d(syntheticInts(p.batch * p.length, p.items, 3), [p.batch, p.length], 'int32');
  const y = tf.tensor1d(syntheticInts(p.batch, p.items, 5), 'float32');
  try {
    const { steps, seconds } = await timeSteps(async () => {
      await model.fit(x, y, { batchSize: p.batch, epochs: 1, verbose: 0 });
    }, p);
    return { arm: 'stock-gru', steps, sequencesPerSecond: (steps * p.batch) / seconds };
  } finally {
    x.dispose();
    y.dispose();
    model.dispose();
  }
}

async function burrow(kind: 'gru4rec' | 'sasrec', p: SequenceParams): Promise<SequenceRow> {
  const model = createSequenceModel({
    kind,
    numItems: p.items,
    config: { maxLen: p.length, dim: p.dim, batchSize: p.batch, maxValidationUsers: 0 },
  });
  const task = model.createTrainTask(syntheticSequences(p.batch * 4, p.length, p.items), 1);
  try {
    await task.prepare(); // as fit() does: on WebGPU, the fused softmax cross-entropy kernels
    const { steps, seconds } = await timeSteps(async () => {
      const { loss } = task.step();
      await loss.data(); // one readback per step so the timing covers the GPU work
      loss.dispose();
    }, p);
    return { arm: kind, steps, sequencesPerSecond: (steps * p.batch) / seconds };
  } finally {
    (task as { dispose?: () => void }).dispose?.();
    model.dispose();
  }
}

export async function runSequence(p: SequenceParams): Promise<SequenceRow[]> {
  const rows: SequenceRow[] = [];
  const arms: [SequenceRow['arm'], () => Promise<SequenceRow>][] = [
    ['stock-gru', () => stockGru(p)],
    ['gru4rec', () => burrow('gru4rec', p)],
    ['sasrec', () => burrow('sasrec', p)],
  ];
  for (const [arm, run] of arms) {
    try {
      rows.push(await run());
    } catch (e) {
      rows.push({ arm, steps: 0, sequencesPerSecond: 0, error: errorText(e) });
    }
  }
  return rows;
}

export interface SoftmaxCERow {
  impl: 'stock-ops' | 'fused' | 'blocked';
  /** loss + both gradients of a [rows, dim] x [items, dim] full softmax, one readback each */
  msPerPass: number;
  passes: number;
  error?: string;
}

/**
 * The full-softmax loss + gradients alone: stock ops (whole [P, N] logits) vs the fused WebGPU kernels
 * (logits never stored) vs the register-blocked WebGPU kernels (logits stored once).
 */
export async function runSoftmaxCE(p: { rows: number; items: number; dim: number; budgetMs: number }): Promise<SoftmaxCERow[]> {
  const h = tf.tensor2d(syntheticFloats(p.rows * p.dim, 1, 1), [p.rows, p.dim]);
  const E = tf.tensor2d(syntheticFloats(p.items * p.dim, 2, 0.5), [p.items, p.dim]);
  const t = tf.tensor1d(syntheticInts(p.rows, p.items, 3), 'int32');
  const rows: SoftmaxCERow[] = [];
  try {
    for (const impl of ['stock-ops', 'fused', 'blocked'] as const) {
      try {
        if (impl === 'fused' && !(await softmaxCEOp.validate({ dim: p.dim }))) throw new Error(`fused kernels unavailable on ${tf.getBackend()}`);
        if (impl === 'blocked' && !(await softmaxCEBlockedOp.validate({ dim: p.dim }))) throw new Error(`blocked kernels unavailable on ${tf.getBackend()}`);
        const loss = { 'stock-ops': softmaxCrossEntropy, fused: fusedSoftmaxCrossEntropyWebGPU, blocked: blockedSoftmaxCrossEntropyWebGPU }[impl];
        const pass = async () => {
          const out = tf.tidy(() => {
            const { value, grads } = tf.valueAndGrads((x: tf.Tensor, e: tf.Tensor) => tf.sum(loss(x as tf.Tensor2D, e as tf.Tensor2D, t)) as tf.Scalar)([h, E]);
            return [value, ...grads.map((g) => tf.sum(g))];
          });
          await Promise.all(out.map((o) => o.data()));
          tf.dispose(out);
        };
        const { steps, seconds } = await timeSteps(pass, { items: p.items, length: 0, dim: p.dim, batch: 0, budgetMs: p.budgetMs, minSteps: 2 });
        rows.push({ impl, passes: steps, msPerPass: (seconds * 1000) / steps });
      } catch (e) {
        rows.push({ impl, passes: 0, msPerPass: 0, error: errorText(e) });
      }
    }
  } finally {
    tf.dispose([h, E, t]);
  }
  return rows;
}
