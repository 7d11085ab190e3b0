import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../common';
import type { HeldOutCases, TrainSchedule, TrainTask } from '../contract';
import { Deduper, NegativeSampler } from '../batch';
import {
  createDenseAdamState,
  createSparseAdamState,
  denseAdamApply,
  disposeDenseAdamState,
  disposeSparseAdamState,
  sparseAdamApply,
  sparseAdamRowsOp,
  type DenseAdamState,
  type SparseAdamState,
} from '../optimizer';
import { sumLastAxis } from '../layers/sum-last-axis';
import { gatherRows } from '../layers/gather-rows';
import { gbceBeta, usesFullSoftmax } from './config';
import { buildWindows, leftPad, sampleWindows, type SequenceData, type UserSequences, type Window } from './data';
import type { SequenceModel } from './model';
import { Dropper, encode } from './network';
import { attentionSoftmaxOp, blockedMatMulOp, fullSoftmaxCrossEntropy, layerNormOp, logSumExpRows, mmT, softmaxCEBlockedOp, softmaxCEOp } from './ops';

/** One training batch, built on the CPU. */
export interface SequenceBatch {
  rows: number;
  /** max window length in the batch (<= maxLen): shorter batches cost less */
  width: number;
  /** [rows * width] left-padded input items (0 on padding) and mask (1 = real) */
  items: Int32Array;
  mask: Float32Array;
  /** [P] flat slot (row * width + col) of every input position that has a next item */
  positions: Int32Array;
  /** [P] the next item of each of those positions */
  targets: Int32Array;
}

/** Optimizer state of one model: the item table (dense or row-sparse Adam) and the dense weights. */
export interface SequenceOptimizer {
  table: { dense: DenseAdamState } | { sparse: SparseAdamState };
  /** in `model.denseNames` order */
  dense: DenseAdamState[];
}

export function createSequenceOptimizer(model: SequenceModel, lr: number, sparseTable: boolean): SequenceOptimizer {
  const hyper = { learningRate: lr, beta2: model.config.beta2, epsilon: 1e-8 };
  return {
    table: sparseTable ? { sparse: createSparseAdamState(model.itemEmbedding, hyper) } : { dense: createDenseAdamState(model.itemEmbedding, hyper) },
    dense: model.denseNames.map((n) => createDenseAdamState(model.variables[n]!, hyper)),
  };
}

/** Sets the Adam learning rate of every state of `opt` (schedules: the next apply uses it). */
export function setSequenceLearningRate(opt: SequenceOptimizer, lr: number): void {
  ('dense' in opt.table ? opt.table.dense : opt.table.sparse).hyper.learningRate = lr;
  for (const s of opt.dense) s.hyper.learningRate = lr;
}

export function disposeSequenceOptimizer(opt: SequenceOptimizer): void {
  if ('dense' in opt.table) disposeDenseAdamState(opt.table.dense);
  else disposeSparseAdamState(opt.table.sparse);
  opt.dense.forEach(disposeDenseAdamState);
}

/** Builds a batch from windows over `seqs.items` (inputs [start, end), targets shifted by one). */
export function windowsToBatch(seqs: UserSequences, windows: readonly Window[]): SequenceBatch {
  const rows = windows.length;
  let width = 1;
  let P = 0;
  for (const w of windows) {
    width = Math.max(width, w.end - w.start);
    P += w.end - w.start;
  }
  const { items, mask } = leftPad(windows.map((w) => seqs.items.subarray(w.start, w.end)), width);
  const positions = new Int32Array(P);
  const targets = new Int32Array(P);
  let k = 0;
  windows.forEach((w, r) => {
    const n = w.end - w.start;
    for (let j = 0; j < n; j++) {
      positions[k] = r * width + width - n + j;
      targets[k++] = seqs.items[w.start + 1 + j]!;
    }
  });
  return { rows, width, items, mask, positions, targets };
}

/**
 * `[P * K]` row-major: `hit` where negative k is position p's target, `other` elsewhere.
 * Built through an item -> slots map of the K negatives, so it costs O(P + K + hits).
 */
export function accidentalHitMask(targets: Int32Array, negatives: Int32Array, hit: number, other: number): Float32Array {
  const K = negatives.length;
  const out = new Float32Array(targets.length * K);
  if (other !== 0) out.fill(other);
  const slots = new Map<number, number[]>();
  negatives.forEach((it, k) => {
    const l = slots.get(it);
    if (l) l.push(k);
    else slots.set(it, [k]);
  });
  targets.forEach((t, p) => {
    const l = slots.get(t);
    if (l) for (const k of l) out[p * K + k] = hit;
  });
  return out;
}

/**
 * One optimisation step (shared by the train task and the fine-tune task). Builds the loss under
 * a tape, applies Adam, reads nothing back; returns the loss scalar (caller disposes).
 *
 * full softmax: loss = mean over positions of logsumexp(h . E^T) - h . e_target.
 * sampled: the same over {target} U K shared negatives, negatives' logits minus log(K q(j))
 * (the importance weight that makes the partition an unbiased estimate), accidental hits
 * (negative == target) removed.
 * gbce (gSASRec): mean over positions of -beta log sigmoid(s+) - sum_k log sigmoid(-s_k) over the
 * same K shared negatives (no logQ: the calibration is beta), accidental hits removed.
 */
export function trainStep(
  model: SequenceModel,
  batch: SequenceBatch,
  opt: SequenceOptimizer,
  rng: Rng,
  sampler: NegativeSampler | null,
  deduper: Deduper | null,
): tf.Scalar {
  const c = model.config;
  const { rows: B, width: W } = batch;
  const d = c.dim;
  const P = batch.targets.length;
  const drop = new Dropper(c.dropout, new Rng(rng.fork()));
  const negs = sampler ? sampler.sample(rng) : null;
  const sparse = 'sparse' in opt.table;
  if (sparse && (!negs || !deduper)) throw new Error('sampled softmax needs a negative sampler');
  return tf.tidy(() => {
    const maskT = tf.tensor2d(batch.mask, [B, W]);
    const mask3 = tf.reshape(maskT, [B, W, 1]);
    const posT = tf.tensor1d(batch.positions, 'int32');
    const names = model.denseNames;
    const denseVars = names.map((n) => model.variables[n]!);
    const l2 = c.l2;
    const regularise = (dense: tf.Tensor[]): tf.Tensor | null => {
      if (l2 <= 0) return null;
      let r: tf.Tensor = tf.scalar(0);
      for (const t of dense) if (t.rank === 2) r = tf.add(r, tf.sum(tf.square(t)));
      return tf.mul(r, l2);
    };
    const hidden = (x: tf.Tensor, dense: tf.Tensor[]): tf.Tensor2D => {
      const p: Record<string, tf.Tensor> = {};
      names.forEach((n, i) => (p[n] = dense[i]!));
      const H = encode(model.kind, p, c, tf.mul(tf.reshape(x, [B, W, d]), mask3) as tf.Tensor3D, maskT, { drop });
      return gatherRows(tf.reshape(H, [B * W, d]) as tf.Tensor2D, posT); // [P, d]
    };

    let table: tf.Tensor2D;
    let f: (...args: tf.Tensor[]) => tf.Scalar;
    let uniqT: tf.Tensor1D | null = null;
    if (!sparse) {
      table = model.itemEmbedding as tf.Tensor as tf.Tensor2D;
      const itemsT = tf.tensor1d(batch.items, 'int32');
      const targetsT = tf.tensor1d(batch.targets, 'int32');
      f = (...args) => {
        const [E, ...dense] = args as [tf.Tensor2D, ...tf.Tensor[]];
        const h = hidden(gatherRows(E, itemsT), dense);
        const loss = tf.div(tf.sum(fullSoftmaxCrossEntropy(h, E, targetsT)), P);
        const reg = regularise(dense);
        return (reg ? tf.add(loss, reg) : loss) as tf.Scalar;
      };
    } else {
      // Only the rows this step touches: inputs, targets, negatives, each distinct row once.
      const K = negs!.items.length;
      const all = new Int32Array(batch.items.length + P + K);
      all.set(batch.items, 0);
      all.set(batch.targets, batch.items.length);
      all.set(negs!.items, batch.items.length + P);
      const { unique, inverse } = deduper!.run(all);
      uniqT = tf.tensor1d(unique, 'int32');
      table = tf.gather(model.itemEmbedding, uniqT) as tf.Tensor2D;
      const inInv = tf.tensor1d(inverse.subarray(0, batch.items.length), 'int32');
      const tInv = tf.tensor1d(inverse.subarray(batch.items.length, batch.items.length + P), 'int32');
      const nInv = tf.tensor1d(inverse.subarray(batch.items.length + P), 'int32');
      const logQ = tf.tensor1d(negs!.logQ);
      // accidental hits (negative k == the position's target), found on the CPU: a broadcast
      // Equal of [P, 1] against [1, K] is a slow generic loop on wasm
      const gbce = c.loss === 'gbce';
      const mask = accidentalHitMask(batch.targets, negs!.items, gbce ? 0 : -1e9, gbce ? 1 : 0);
      const hits = gbce ? null : tf.tensor2d(mask, [P, K]); // -1e9 on hits (softmax)
      const notHit = gbce ? tf.tensor2d(mask, [P, K]) : null; // 0 on hits (gbce)
      const beta = c.loss === 'gbce' ? gbceBeta(K, model.numItems, c.gbceT) : 0;
      f = (...args) => {
        const [R, ...dense] = args as [tf.Tensor2D, ...tf.Tensor[]];
        const h = hidden(gatherRows(R, inInv), dense);
        const tl = sumLastAxis(tf.mul(h, gatherRows(R, tInv))); // [P], see sumLastAxis
        let loss: tf.Tensor;
        if (c.loss === 'gbce') {
          // beta softplus(-s+) + sum over the negatives (accidental hits left out) of softplus(s-),
          // i.e. -beta log sigmoid(s+) - sum log sigmoid(-s-) (tf.logSigmoid's gradient reads a
          // tensor its tape does not keep)
          const sn = mmT(h, gatherRows(R, nInv)); // [P, K]
          const neg = tf.sum(tf.mul(tf.softplus(sn), notHit!));
          loss = tf.div(tf.add(tf.mul(tf.sum(tf.softplus(tf.neg(tl))), beta), neg), P);
        } else {
          const sn = tf.add(tf.sub(mmT(h, gatherRows(R, nInv)), logQ), hits!); // [P, K]
          const lse = logSumExpRows(tf.concat([tf.expandDims(tl, 1), sn], 1) as tf.Tensor2D);
          loss = tf.div(tf.sum(tf.sub(lse, tl)), P);
        }
        const reg = regularise(dense);
        return (reg ? tf.add(loss, reg) : loss) as tf.Scalar;
      };
    }
    const { value, grads } = tf.valueAndGrads(f)([table, ...denseVars]);
    if ('dense' in opt.table) denseAdamApply(opt.table.dense, grads[0]!);
    else sparseAdamApply(opt.table.sparse, uniqT!, grads[0] as tf.Tensor2D);
    opt.dense.forEach((s, i) => denseAdamApply(s, grads[1 + i]!));
    return value;
  });
}

interface ValChunk {
  /** [rows, width] int32 left-padded inputs, [rows, width] mask */
  items: tf.Tensor2D;
  mask: tf.Tensor2D;
  /** [rows] int32 the held-out item of each row */
  targets: tf.Tensor1D;
  /** [nnz, 2] int32 (row, earlier item) left out of the ranking */
  excluded: tf.Tensor2D | null;
}

/**
 * The sequence models' TrainTask: shuffled windows per epoch, one `trainStep` per batch, and as
 * held-out cases the last item of each validation user's sequence after the rest of it.
 */
export class SequenceTrainTask implements TrainTask {
  readonly schedule: TrainSchedule;
  readonly validation?: HeldOutCases;
  private readonly rng: Rng;
  private windows: Window[];
  private order: Int32Array;
  private cursor = 0;
  /** steps taken (the learning-rate schedule's clock) */
  private steps = 0;
  private readonly opt: SequenceOptimizer;
  private readonly sampler: NegativeSampler | null;
  private readonly deduper: Deduper | null;
  private readonly valChunks: ValChunk[];

  constructor(
    private readonly model: SequenceModel,
    private readonly data: SequenceData,
    seed: number,
  ) {
    const c = model.config;
    this.schedule = {
      maxEpochs: c.maxEpochs,
      patience: c.patience,
      lossEvery: c.lossEvery,
      ...(c.maxSeconds > 0 ? { maxSeconds: c.maxSeconds } : {}),
    };
    this.rng = new Rng(seed);
    this.windows = buildWindows(data.train, c.maxLen, c.maxWindowsPerUser);
    this.order = Int32Array.from(this.windows, (_, i) => i);
    const full = usesFullSoftmax(c, model.numItems);
    this.sampler = full
      ? null
      : new NegativeSampler(
          model.numItems,
          Math.min(c.negatives, model.numItems),
          c.sampler === 'popularity' ? { itemCounts: data.itemCounts, alpha: c.popularityAlpha } : null,
        );
    this.deduper = full ? null : new Deduper(model.numItems);
    this.opt = createSequenceOptimizer(model, c.lr, !full);
    // built once per fit, outside any tidy: the trainer scores them after every epoch
    this.valChunks = c.patience > 0 ? this.buildValChunks() : [];
    if (this.valChunks.length > 0) {
      const chunks = this.valChunks;
      this.validation = {
        count: data.valUser.length,
        chunks: chunks.length,
        metric: c.validationMetric,
        k: c.validationK,
        score: (i) => {
          const ch = chunks[i]!;
          return { scores: model.scoreBatch(ch.items, ch.mask), targets: ch.targets, excluded: ch.excluded };
        },
      };
    }
  }

  /**
   * On WebGPU, checks the fused kernels this task would run once (stock ops if they fail): both
   * forms of the softmax cross-entropy with the full softmax, the sparse Adam of the item table without,
   * the blocked matMul and layer norm of the dense layers, and SASRec's attention softmax.
   */
  async prepare(): Promise<void> {
    await blockedMatMulOp.validate({});
    await layerNormOp.validate({ dim: this.model.config.dim });
    if (this.model.kind === 'sasrec') await attentionSoftmaxOp.validate({});
    if (this.sampler) await sparseAdamRowsOp.validate({});
    else {
      await softmaxCEBlockedOp.validate({ dim: this.model.config.dim });
      await softmaxCEOp.validate({ dim: this.model.config.dim });
    }
  }

  /** optimisation steps in the current epoch (random crops can change it from epoch to epoch) */
  get stepsPerEpoch(): number {
    return Math.ceil(this.windows.length / this.model.config.batchSize);
  }

  startEpoch(): void {
    const c = this.model.config;
    if (c.windowShift || c.recencyDecay < 1) {
      this.windows = sampleWindows(this.data.train, c.maxLen, c.maxWindowsPerUser, c.windowShift, c.recencyDecay, this.rng);
      this.order = Int32Array.from(this.windows, (_, i) => i);
    }
    this.rng.shuffle(this.order);
    this.cursor = 0;
  }

  /** The next batch of shuffled windows (exposed for tests). */
  nextBatch(): SequenceBatch {
    const n = this.windows.length;
    if (n === 0) throw new Error('no training sequences with at least 2 items');
    if (this.cursor >= n) this.startEpoch();
    const take = Math.min(this.model.config.batchSize, n - this.cursor);
    const ws: Window[] = [];
    for (let i = 0; i < take; i++) ws.push(this.windows[this.order[this.cursor++]!]!);
    return windowsToBatch(this.data.train, ws);
  }

  step(): { loss: tf.Scalar; examples: number } {
    const batch = this.nextBatch();
    if (this.steps <= this.model.config.warmupSteps) setSequenceLearningRate(this.opt, this.learningRate);
    this.steps += 1;
    return { loss: trainStep(this.model, batch, this.opt, this.rng, this.sampler, this.deduper), examples: batch.targets.length };
  }

  /** the train task's learning rate at its next step (the warm-up schedule; exposed for tests) */
  get learningRate(): number {
    const c = this.model.config;
    return c.warmupSteps > 0 && this.steps < c.warmupSteps ? (c.lr * (this.steps + 1)) / c.warmupSteps : c.lr;
  }

  private buildValChunks(): ValChunk[] {
    const d = this.data;
    const c = this.model.config;
    const N = this.model.numItems;
    const chunk = Math.max(1, Math.min(512, Math.floor(4_000_000 / N)));
    const out: ValChunk[] = [];
    for (let s = 0; s < d.valUser.length; s += chunk) {
      const users = d.valUser.subarray(s, s + chunk);
      const histories = Array.from(users, (u) => d.train.items.subarray(d.train.ptr[u]!, d.train.ptr[u + 1]!));
      const width = Math.min(c.maxLen, Math.max(1, ...histories.map((h) => h.length)));
      const { items, mask } = leftPad(histories, width);
      const ex: number[] = [];
      histories.forEach((h, r) => {
        const target = d.valItem[s + r]!;
        for (const it of new Set(h)) if (it !== target) ex.push(r, it);
      });
      const nnz = ex.length / 2;
      out.push({
        items: tf.tensor2d(items, [users.length, width], 'int32'),
        mask: tf.tensor2d(mask, [users.length, width]),
        targets: tf.tensor1d(d.valItem.subarray(s, s + users.length), 'int32'),
        excluded: nnz ? tf.tensor2d(ex, [nnz, 2], 'int32') : null,
      });
    }
    return out;
  }

  variables(): tf.Variable[] {
    return Object.values(this.model.variables);
  }

  /** Frees optimizer moments and validation tensors. */
  dispose(): void {
    disposeSequenceOptimizer(this.opt);
    for (const ch of this.valChunks) tf.dispose([ch.items, ch.mask, ch.targets, ...(ch.excluded ? [ch.excluded] : [])]);
    this.valChunks.length = 0;
  }
}

/**
 * On-device personalisation as a train task: a fixed number of Adam steps (fresh moments, the
 * given learning rate, dropout on) on one user's own sequence, every parameter updated. No
 * validation; the loss is read back once, after the last step.
 */
export class SequenceFineTuneTask implements TrainTask {
  readonly schedule: TrainSchedule;
  readonly stepsPerEpoch: number;
  private readonly batch: SequenceBatch;
  private readonly opt: SequenceOptimizer;
  private readonly sampler: NegativeSampler | null;
  private readonly deduper: Deduper | null;

  /** @param history the user's items, oldest first, at least 2 */
  constructor(
    private readonly model: SequenceModel,
    history: Int32Array,
    steps: number,
    lr: number,
    private readonly rng: Rng,
  ) {
    this.stepsPerEpoch = steps;
    this.schedule = { maxEpochs: 1, patience: 0, lossEvery: Math.max(1, steps) };
    const seqs: UserSequences = { ptr: Int32Array.from([0, history.length]), items: Int32Array.from(history) };
    this.batch = windowsToBatch(seqs, buildWindows(seqs, model.config.maxLen, 0));
    const full = usesFullSoftmax(model.config, model.numItems);
    this.sampler = full ? null : new NegativeSampler(model.numItems, Math.min(model.config.negatives, model.numItems), null);
    this.deduper = full ? null : new Deduper(model.numItems);
    this.opt = createSequenceOptimizer(model, lr, !full);
  }

  step(): { loss: tf.Scalar; examples: number } {
    return { loss: trainStep(this.model, this.batch, this.opt, this.rng, this.sampler, this.deduper), examples: this.batch.targets.length };
  }

  variables(): tf.Variable[] {
    return Object.values(this.model.variables);
  }

  dispose(): void {
    disposeSequenceOptimizer(this.opt);
  }
}
