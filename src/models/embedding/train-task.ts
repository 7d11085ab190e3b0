import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../common';
import type { HeldOutCases, HeldOutChunk, TrainSchedule, TrainTask } from '../contract';
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
import type { KernelChoice } from '../../compute/kernels';
import { embeddingBagOp, prepareFeatureBag } from '../layers/embedding-bag';
import { prepareScoreLoss, scoreLoss, scoreLossOp } from '../layers/score-loss';
import { csrHas, type PreparedData } from './data';
import type { EmbeddingModel } from './model';

/** One CPU-built batch: index arrays only; the device gathers the rows. */
export interface EmbeddingBatch {
  /** positive examples in the batch */
  size: number;
  /** [uU] distinct users, [B] row of each example's user in userUnique */
  userUnique: Int32Array;
  userInverse: Int32Array;
  /** [uI] distinct items, [B*(1+k)] row of each (example, slot) item; slot 0 = the positive */
  itemUnique: Int32Array;
  itemInverse: Int32Array;
  /** [uF] distinct features, [uI*F] row of each (unique item, feature slot); null without content */
  featureUnique: Int32Array | null;
  featureInverse: Int32Array | null;
  /** [uI*F] normalised feature weights of the unique items */
  featureWeights: Float32Array | null;
  /** [B] loss weight of each example (the event weight) */
  exampleWeight: Float32Array;
  /** [B*(1+k)] logQ correction subtracted from each logit (sampled-softmax only) */
  logitCorrection: Float32Array | null;
  /** [B*(1+k)] 1 on slots holding an explicit negative; null when the batch has none */
  hardMask: Float32Array | null;
}

/** A chunk of validation users: what ranking their held-out item needs besides the scores. */
interface ValChunk {
  /** [c] int32 users */
  users: tf.Tensor1D;
  /** [c] int32 the held-out item of each */
  targets: tf.Tensor1D;
  /** [nnz, 2] int32 (row, training positive) left out of the ranking */
  excluded: tf.Tensor2D | null;
}

/** GPU backends compile per shape: distinct-row counts are padded to a few bucket sizes there. */
const PADDED_BACKENDS = new Set(['webgpu', 'webgl']);

/**
 * The embedding model's train task (src/training's `fit` is the loop around it).
 *
 * Per step: build the batch on the CPU (sampling, de-duplication), upload int32 index arrays,
 * gather each distinct row once, take gradients w.r.t. those `[unique, dim]` rows only (duplicates
 * summed inside the loss's backward pass: fused WebGPU kernels on webgpu, scatterND elsewhere; see
 * layers/score-loss), then a row-sparse Adam on the touched rows of every table. The small content
 * MLP uses dense Adam. Nothing is read back.
 */

export class EmbeddingTrainTask implements TrainTask {
  readonly schedule: TrainSchedule;
  readonly stepsPerEpoch: number;
  readonly examplesPerStep: number;
  /** each validation user's last positive, ranked against every item (HR@validationK) */
  readonly validation?: HeldOutCases;
  private readonly rng: Rng;
  private readonly order: Int32Array;
  private cursor = 0;
  private readonly users: Deduper;
  private readonly items: Deduper;
  private readonly feats: Deduper | null;
  private readonly sampler: NegativeSampler;
  private readonly userState: SparseAdamState;
  private readonly residualState: SparseAdamState;
  private readonly biasState: SparseAdamState;
  private readonly featState: SparseAdamState | null;
  private readonly denseStates: DenseAdamState[];
  private readonly headStates: DenseAdamState[];
  private readonly valChunks: ValChunk[];
  /** which form of the fused ops runs: 'stock' forces stock TF.js ops (benchmarks, cross-checks) */
  kernels: KernelChoice = 'auto';

  constructor(
    private readonly model: EmbeddingModel,
    private readonly data: PreparedData,
    seed: number,
  ) {
    const c = model.config;
    this.schedule = { maxEpochs: c.maxEpochs, patience: c.patience, lossEvery: c.lossEvery };
    this.rng = new Rng(seed);
    const n = data.trainUser.length;
    this.order = Int32Array.from({ length: n }, (_, i) => i);
    this.examplesPerStep = Math.min(c.batchSize, n);
    this.stepsPerEpoch = n === 0 ? 0 : Math.max(1, c.minStepsPerEpoch, Math.floor(n / c.batchSize));
    const slots = c.negatives + 1;
    this.users = new Deduper(model.numUsers, c.batchSize);
    this.items = new Deduper(model.numItems, c.batchSize * slots);
    this.feats = model.content ? new Deduper(model.vocabSize, c.batchSize * slots * model.maxFeatures) : null;
    this.sampler = new NegativeSampler(
      model.numItems,
      c.negatives,
      c.sampler === 'popularity' ? { itemCounts: data.itemCounts, alpha: c.popularityAlpha } : null,
    );
    const hyper = { learningRate: c.lr };
    this.userState = createSparseAdamState(model.userTable, hyper);
    this.residualState = createSparseAdamState(model.residual, hyper);
    this.biasState = createSparseAdamState(model.itemBias, hyper);
    this.featState = model.content ? createSparseAdamState(model.content.featureEmbedding, hyper) : null;
    this.denseStates = model.denseParams().map((v) => createDenseAdamState(v, hyper));
    this.headStates = model.headParams().map((v) => createDenseAdamState(v, hyper));
    // built once per fit, outside any tidy: the trainer scores them after every epoch
    this.valChunks = c.patience > 0 ? this.buildValChunks() : [];
    if (this.valChunks.length > 0) {
      const chunks = this.valChunks;
      this.validation = {
        count: data.valUser.length,
        chunks: chunks.length,
        metric: 'hr',
        k: c.validationK,
        score: (i: number): HeldOutChunk => {
          const ch = chunks[i]!;
          return { scores: model.scoreUsers(tf.gather(model.userTable, ch.users) as tf.Tensor2D), targets: ch.targets, excluded: ch.excluded };
        },
      };
    }
  }

  /** Checks the fused kernels this task would run on this device first (a failing shader means stock ops). */
  async prepare(): Promise<void> {
    const c = this.model.config;
    if (this.kernels === 'stock') return;
    if (this.scoreKernels() !== 'stock') {
      const softmax = c.loss === 'sampled-softmax';
      // batches with and without an explicit negative compile to different shaders
      for (const hard of softmax && c.hardNegativeRate > 0 ? [false, true] : [false]) {
        await scoreLossOp.validate({ slots: c.negatives + 1, loss: c.loss, hasCorr: softmax, hasHard: hard, dim: c.dim });
      }
    }
    if (this.model.content) await embeddingBagOp.validate({});
    await sparseAdamRowsOp.validate({});
  }

  /** The fused loss kernel scores dot products only: a model with an MLP head trains with stock ops. */
  private scoreKernels(): KernelChoice {
    return this.model.head ? 'stock' : this.kernels;
  }

  startEpoch(): void {
    this.rng.shuffle(this.order);
    this.cursor = 0;
  }

  /** Builds the next batch on the CPU (exposed for tests and benchmarks). */
  nextBatch(): EmbeddingBatch {
    const c = this.model.config;
    const d = this.data;
    const n = d.trainUser.length;
    if (n === 0) throw new Error('no training positives');
    const B = Math.min(c.batchSize, n);
    if (this.cursor + B > n) this.startEpoch();
    const k = c.negatives;
    const S = k + 1;
    const softmax = c.loss === 'sampled-softmax';
    const users = new Int32Array(B);
    const items = new Int32Array(B * S);
    const exampleWeight = new Float32Array(B);
    const corr = softmax ? new Float32Array(B * S) : null;
    const uniformCorr = this.sampler.uniformLogQ;
    let hardMask: Float32Array | null = null;
    const pos = d.userPositives;
    const negs = d.userNegatives;
    // A negative for user u (u < 0: for nobody in particular), rejecting u's own positives a few times.
    const draw = (u: number): number => {
      let cand = 0;
      for (let t = 0; t < 4; t++) {
        cand = this.sampler.draw(this.rng);
        if (u < 0 || !csrHas(pos, u, cand)) break;
      }
      return cand;
    };
    for (let b = 0; b < B; b++) {
      const e = this.order[this.cursor++]!;
      users[b] = d.trainUser[e]!;
      items[b * S] = d.trainItem[e]!;
      exampleWeight[b] = d.trainWeight[e]!;
    }
    let shared: Int32Array | null = null;
    if (c.sharedNegatives) {
      // One user's batch (the app's case) can reject that user's positives once for every example.
      const sole = users.every((u) => u === users[0]) ? users[0]! : -1;
      shared = Int32Array.from({ length: k }, () => draw(sole));
    }
    for (let b = 0; b < B; b++) {
      const u = users[b]!;
      const negStart = negs.ptr[u]!;
      const negCount = negs.ptr[u + 1]! - negStart;
      for (let j = 1; j < S; j++) {
        if (j === 1 && negCount > 0 && this.rng.next() < c.hardNegativeRate) {
          // An explicit dislike as a hard negative. It gets the correction of a UNIFORM sample
          // (it weighs like N/k unobserved items in the partition): with no correction at all
          // an unbiased estimate would push it no harder than any single unobserved item.
          items[b * S + j] = negs.items[negStart + this.rng.int(negCount)]!;
          if (corr) corr[b * S + j] = uniformCorr;
          (hardMask ??= new Float32Array(B * S))[b * S + j] = 1;
          continue;
        }
        let cand = shared ? shared[j - 1]! : draw(u);
        // an accidental hit (a shared negative this user liked) is re-drawn for this example alone
        if (shared && csrHas(pos, u, cand)) cand = draw(u);
        items[b * S + j] = cand;
        if (corr) corr[b * S + j] = this.sampler.logQ(cand);
      }
    }
    // GPU backends compile per shape: keep the distinct-row counts to a few bucket sizes there.
    const pad = PADDED_BACKENDS.has(tf.getBackend());
    const ud = this.users.run(users, users.length, pad);
    const id = this.items.run(items, items.length, pad);
    let featureUnique: Int32Array | null = null;
    let featureInverse: Int32Array | null = null;
    let featureWeights: Float32Array | null = null;
    if (this.feats && this.model.featureIds && this.model.featureWeights) {
      const F = this.model.maxFeatures;
      const uI = id.unique.length;
      const fids = new Int32Array(uI * F);
      featureWeights = new Float32Array(uI * F);
      for (let r = 0; r < uI; r++) {
        const it = id.unique[r]!;
        fids.set(this.model.featureIds.subarray(it * F, it * F + F), r * F);
        featureWeights.set(this.model.featureWeights.subarray(it * F, it * F + F), r * F);
      }
      const fd = this.feats.run(fids, fids.length, pad);
      featureUnique = fd.unique;
      featureInverse = fd.inverse;
    }
    return {
      size: B,
      userUnique: ud.unique,
      userInverse: ud.inverse,
      itemUnique: id.unique,
      itemInverse: id.inverse,
      featureUnique,
      featureInverse,
      featureWeights,
      exampleWeight,
      logitCorrection: corr,
      hardMask,
    };
  }

  step(): { loss: tf.Scalar; examples: number } {
    const batch = this.nextBatch();
    return { loss: this.trainOnBatch(batch), examples: batch.size };
  }

  /** One optimisation step on a given batch; returns the loss (caller disposes). */
  trainOnBatch(batch: EmbeddingBatch): tf.Scalar {
    const m = this.model;
    const c = m.config;
    const S = c.negatives + 1;
    const B = batch.size;
    const dropoutSeed = this.rng.fork();
    // This step changes the item side, so a cached item matrix (built by a fold-in or a ranking
    // between steps) is stale.
    if (c.trainItemSide) m.invalidateItemCache();
    return tf.tidy(() => {
      const uIdx = tf.tensor1d(batch.userUnique, 'int32');
      const iIdx = tf.tensor1d(batch.itemUnique, 'int32');
      const prepared = prepareScoreLoss(
        {
          examples: B,
          slots: S,
          userRows: batch.userUnique.length,
          itemRows: batch.itemUnique.length,
          userOf: batch.userInverse,
          itemOf: batch.itemInverse,
          weight: batch.exampleWeight,
          corr: batch.logitCorrection,
          hard: batch.hardMask,
        },
        c.loss,
        this.scoreKernels(),
      );
      const hasContent = m.content !== null && batch.featureUnique !== null;
      const fIdx = hasContent ? tf.tensor1d(batch.featureUnique!, 'int32') : null;
      const bag = hasContent
        ? prepareFeatureBag(batch.featureInverse!, batch.featureWeights!, batch.itemUnique.length, batch.featureUnique!.length, this.kernels)
        : null;

      // The only rows this step reads or writes. Gathered OUTSIDE the gradient tape: they are
      // the leaves we differentiate against.
      const U = tf.gather(m.userTable, uIdx) as tf.Tensor2D;
      const R = tf.gather(m.residual, iIdx) as tf.Tensor2D;
      const Bi = tf.gather(m.itemBias, iIdx) as tf.Tensor2D;
      const FE = hasContent ? (tf.gather(m.content!.featureEmbedding, fIdx!) as tf.Tensor2D) : null;
      const dense = hasContent ? m.denseParams() : [];
      const head = m.headParams();
      const denseAt = FE ? 4 : 3;
      const headAt = denseAt + dense.length;
      const xs: tf.Tensor[] = [U, R, Bi, ...(FE ? [FE] : []), ...dense, ...head];

      const f = (...args: tf.Tensor[]): tf.Scalar => {
        const [u, r, bi] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        const fe = FE ? (args[3] as tf.Tensor2D) : null;
        const dn = args.slice(denseAt, headAt);
        const hd = args.slice(headAt);
        const itemVec = fe ? tf.add(m.contentForward(fe, bag!, dn, c.dropout > 0 ? dropoutSeed : null), r) : r; // [uI, dim]
        const headScore = hd.length > 0 ? (us: tf.Tensor2D, is: tf.Tensor2D) => m.headScores(us, is, hd) : undefined;
        let total: tf.Tensor = scoreLoss(prepared, u, itemVec as tf.Tensor2D, bi, headScore);
        // L2 on the touched rows (once per distinct row, scaled like the data term): rows seen
        // rarely are pulled harder, relative to their data gradient, towards 0. Terms with a zero
        // coefficient are left out: each costs GPU dispatches for nothing.
        if (c.l2 > 0) {
          let reg: tf.Tensor = tf.add(tf.sum(tf.square(u)), tf.sum(tf.square(bi)));
          if (fe) reg = tf.add(reg, tf.sum(tf.square(fe)));
          for (const p of [...dn, ...hd]) if (p.rank === 2) reg = tf.add(reg, tf.sum(tf.square(p)));
          total = tf.add(total, tf.mul(reg, c.l2 / B));
        }
        if (c.l2Residual > 0) total = tf.add(total, tf.mul(tf.sum(tf.square(r)), c.l2Residual / B));
        return total as tf.Scalar;
      };
      const { value, grads } = tf.valueAndGrads(f)(xs);
      sparseAdamApply(this.userState, uIdx, grads[0] as tf.Tensor2D, this.kernels);
      // A frozen item side: the gradients are computed (the tape needs the leaves) and dropped.
      if (!c.trainItemSide) return value;
      sparseAdamApply(this.residualState, iIdx, grads[1] as tf.Tensor2D, this.kernels);
      sparseAdamApply(this.biasState, iIdx, grads[2] as tf.Tensor2D, this.kernels);
      if (FE && this.featState) sparseAdamApply(this.featState, fIdx!, grads[3] as tf.Tensor2D, this.kernels);
      if (hasContent) this.denseStates.forEach((s, i) => denseAdamApply(s, grads[denseAt + i]!));
      this.headStates.forEach((s, i) => denseAdamApply(s, grads[headAt + i]!));
      return value;
    });
  }

  private buildValChunks(): ValChunk[] {
    const d = this.data;
    const chunk = this.model.scoreChunk();
    const out: ValChunk[] = [];
    for (let s = 0; s < d.valUser.length; s += chunk) {
      const users = d.valUser.subarray(s, s + chunk);
      const excluded: number[] = [];
      users.forEach((u, r) => {
        const target = d.valItem[s + r]!;
        for (let p = d.userPositives.ptr[u]!; p < d.userPositives.ptr[u + 1]!; p++) {
          const it = d.userPositives.items[p]!;
          if (it !== target) excluded.push(r, it);
        }
      });
      const nnz = excluded.length / 2;
      out.push({
        users: tf.tensor1d(users, 'int32'),
        targets: tf.tensor1d(d.valItem.subarray(s, s + users.length), 'int32'),
        excluded: nnz ? tf.tensor2d(excluded, [nnz, 2], 'int32') : null,
      });
    }
    return out;
  }

  variables(): tf.Variable[] {
    return Object.values(this.model.namedVariables());
  }

  weightsRestored(): void {
    this.model.invalidateItemCache();
  }

  /** Frees optimizer moments and validation tensors; the model's item cache goes too (training moved it). */
  dispose(): void {
    disposeSparseAdamState(this.userState);
    disposeSparseAdamState(this.residualState);
    disposeSparseAdamState(this.biasState);
    if (this.featState) disposeSparseAdamState(this.featState);
    this.denseStates.forEach(disposeDenseAdamState);
    this.headStates.forEach(disposeDenseAdamState);
    for (const ch of this.valChunks) tf.dispose([ch.users, ch.targets, ...(ch.excluded ? [ch.excluded] : [])]);
    this.valChunks.length = 0;
    this.model.invalidateItemCache();
  }
}
