/**
 * Suite 2: training throughput for an MF-sized problem (users x items x dim, batch B), arms run on
 * the same backend in the same page:
 *  - 'stock'        : tf.train.adam().minimize over tf.gather'd full Variables (dense grads + dense Adam)
 *  - 'sparse'       : Burrow's step: CPU de-dup of the batch (src/training/unique.ts), gather each
 *                     distinct row once, grads w.r.t. those rows only, src/training/sparse-optimizer.ts
 *                     sparseAdamApply on the touched rows
 *  - 'sparse+fused' : the same, with the row update done by the fused in-place WebGPU kernel
 *                     (src/compute/kernels/sparse-adam-webgpu.ts); webgpu only
 * Plus memory: tf.memory() after 10 steps vs after the last step (a leak shows as growth).
 * Same loss for every arm: MSE of dot(user, item) against synthetic targets.
 */
import * as tf from '@tensorflow/tfjs';
import { canUseSparseAdamWebGPU, sparseAdamRowsWebGPU } from '../../../src/compute/kernels/sparse-adam-webgpu';
import { errorText, now, syntheticFloats, syntheticInts, tick } from '../timing';

export interface TrainingParams {
  users: number;
  items: number;
  dim: number;
  batch: number;
  /** time budget per arm (after warm-up); at least minSteps are always run */
  budgetMs: number;
  minSteps: number;
  maxSteps: number;
  /** sync (1-value readback) every this many steps */
  syncEvery: number;
}

export type TrainingArm = 'stock' | 'sparse' | 'sparse+fused';

export const ARM_LABELS: Record<TrainingArm, string> = {
  stock: 'stock TF.js: tf.train.adam().minimize, tf.gather on full Variables',
  sparse: 'Burrow: de-dup + gather unique rows + sparseAdamApply (src/training)',
  'sparse+fused': 'Burrow + fused in-place WebGPU sparse-Adam kernel (src/compute/kernels)',
};

export interface TrainingRow {
  arm: TrainingArm;
  steps: number;
  seconds: number;
  examplesPerSec: number | null;
  memAt10: { numTensors: number; numBytes: number } | null;
  memAtEnd: { numTensors: number; numBytes: number } | null;
  finalLoss: number | null;
  error?: string;
}

export interface TrainingResult {
  params: TrainingParams;
  rows: TrainingRow[];
  todo: string[];
}

interface Batch {
  u: Int32Array;
  i: Int32Array;
  y: Float32Array;
}

function makeBatches(p: TrainingParams, count: number): Batch[] {
  const out: Batch[] = [];
  for (let b = 0; b < count; b++) {
    out.push({
      u: syntheticInts(p.batch, p.users, 11 + b * 7),
      i: syntheticInts(p.batch, p.items, 13 + b * 5),
      y: syntheticFloats(p.batch, 17 + b * 3, 1),
    });
  }
  return out;
}

function dedup(idx: Int32Array, range: number, slot: Int32Array): { unique: Int32Array; inverse: Int32Array } {
  // local copy of the Deduper idea, so this arm does not depend on unique.ts's exact API
  const inverse = new Int32Array(idx.length);
  const uniq: number[] = [];
  for (let k = 0; k < idx.length; k++) {
    const r = idx[k]!;
    if (r < 0 || r >= range) throw new Error('index out of range');
    let s = slot[r]!;
    if (s < 0) {
      s = uniq.length;
      slot[r] = s;
      uniq.push(r);
    }
    inverse[k] = s;
  }
  for (const r of uniq) slot[r] = -1;
  return { unique: Int32Array.from(uniq), inverse };
}

type StepFn = (b: Batch) => tf.Scalar | null;

interface Arm {
  step: StepFn;
  dispose: () => void;
  probe: () => tf.Tensor;
}

function mse(ue: tf.Tensor, ie: tf.Tensor, y: tf.Tensor): tf.Scalar {
  const pred = tf.sum(tf.mul(ue, ie), 1);
  return tf.mean(tf.square(tf.sub(pred, y))) as tf.Scalar;
}

function initTables(p: TrainingParams): { U: tf.Variable; V: tf.Variable } {
  return tf.tidy(() => ({
    U: tf.variable(tf.tensor2d(syntheticFloats(p.users * p.dim, 3, 0.05), [p.users, p.dim]), true, `U${Math.random()}`),
    V: tf.variable(tf.tensor2d(syntheticFloats(p.items * p.dim, 4, 0.05), [p.items, p.dim]), true, `V${Math.random()}`),
  }));
}

function stockArm(p: TrainingParams): Arm {
  const { U, V } = initTables(p);
  const opt = tf.train.adam(0.01);
  return {
    step: (b) =>
      tf.tidy((): tf.Scalar => {
        const uT = tf.tensor1d(b.u, 'int32');
        const iT = tf.tensor1d(b.i, 'int32');
        const yT = tf.tensor1d(b.y);
        const loss = opt.minimize(() => mse(tf.gather(U, uT), tf.gather(V, iT), yT), true, [U, V]);
        if (loss === null) throw new Error('minimize returned no loss');
        return loss;
      }),
    dispose: () => {
      opt.dispose();
      tf.dispose([U, V]);
    },
    probe: () => tf.slice(U, [0, 0], [1, 1]),
  };
}

type SparseApply = (state: unknown, rows: tf.Tensor1D, grads: tf.Tensor2D) => void;

async function sparseArm(p: TrainingParams, fused: boolean): Promise<Arm> {
  // their module, loaded lazily so a half-written file only fails this suite
  const mod = (await import('../../../src/training/sparse-optimizer')) as unknown as Record<string, unknown>;
  const create = mod.createSparseAdamState as ((t: tf.Variable, h?: object) => {
    table: tf.Variable;
    m: tf.Variable;
    v: tf.Variable;
    hyper: { learningRate: number; beta1: number; beta2: number; epsilon: number };
    step: number;
  }) | undefined;
  const apply = mod.sparseAdamApply as SparseApply | undefined;
  const disposeState = mod.disposeSparseAdamState as ((s: unknown) => void) | undefined;
  if (typeof create !== 'function' || typeof apply !== 'function') {
    throw new Error('src/training/sparse-optimizer.ts does not export createSparseAdamState/sparseAdamApply');
  }
  const { U, V } = initTables(p);
  const su = tf.tidy(() => create(U, { learningRate: 0.01 }));
  const sv = tf.tidy(() => create(V, { learningRate: 0.01 }));
  const slotU = new Int32Array(p.users).fill(-1);
  const slotV = new Int32Array(p.items).fill(-1);
  const gradsFn = tf.grads((uRows: tf.Tensor, iRows: tf.Tensor, uInv: tf.Tensor, iInv: tf.Tensor, y: tf.Tensor) =>
    mse(tf.gather(uRows, uInv), tf.gather(iRows, iInv), y),
  );
  const update = fused
    ? (s: ReturnType<typeof create>, rows: tf.Tensor1D, g: tf.Tensor2D) => {
        s.step += 1;
        sparseAdamRowsWebGPU(s.table, s.m, s.v, rows, g, s.hyper, s.step);
      }
    : (s: ReturnType<typeof create>, rows: tf.Tensor1D, g: tf.Tensor2D) => apply(s, rows, g);
  return {
    step: (b) => {
      const du = dedup(b.u, p.users, slotU);
      const di = dedup(b.i, p.items, slotV);
      tf.tidy(() => {
        const uRowsIdx = tf.tensor1d(du.unique, 'int32');
        const iRowsIdx = tf.tensor1d(di.unique, 'int32');
        const uInv = tf.tensor1d(du.inverse, 'int32');
        const iInv = tf.tensor1d(di.inverse, 'int32');
        const yT = tf.tensor1d(b.y);
        const uRows = tf.gather(U, uRowsIdx);
        const iRows = tf.gather(V, iRowsIdx);
        const [gU, gI] = gradsFn([uRows, iRows, uInv, iInv, yT]);
        update(su, uRowsIdx, gU as tf.Tensor2D);
        update(sv, iRowsIdx, gI as tf.Tensor2D);
      });
      return null;
    },
    dispose: () => {
      disposeState?.(su);
      disposeState?.(sv);
      tf.dispose([U, V]);
    },
    probe: () => tf.slice(U, [0, 0], [1, 1]),
  };
}

async function runArm(name: TrainingArm, p: TrainingParams, batches: Batch[]): Promise<TrainingRow> {
  const row: TrainingRow = { arm: name, steps: 0, seconds: 0, examplesPerSec: null, memAt10: null, memAtEnd: null, finalLoss: null };
  let arm: Arm | null = null;
  const memBase = tf.memory();
  try {
    arm = name === 'stock' ? stockArm(p) : await sparseArm(p, name === 'sparse+fused');
    const sync = async (): Promise<void> => {
      const t = arm!.probe();
      await t.data();
      t.dispose();
    };
    let bi = 0;
    const next = (): Batch => batches[bi++ % batches.length]!;
    // warm-up: shader compilation, Adam slot creation
    for (let s = 0; s < 2; s++) tf.dispose(arm.step(next()) ?? []);
    await sync();
    const t0 = now();
    let steps = 0;
    let lastLoss: tf.Scalar | null = null;
    while (steps < p.maxSteps && (steps < p.minSteps || now() - t0 < p.budgetMs)) {
      const loss = arm.step(next());
      if (lastLoss !== null) lastLoss.dispose();
      lastLoss = loss;
      steps++;
      if (steps % p.syncEvery === 0) {
        await sync();
        if (steps === 10) row.memAt10 = pick(tf.memory(), memBase);
        await tick();
      }
    }
    await sync();
    row.seconds = (now() - t0) / 1000;
    row.steps = steps;
    row.examplesPerSec = (steps * p.batch) / row.seconds;
    row.memAtEnd = pick(tf.memory(), memBase);
    if (lastLoss !== null) {
      row.finalLoss = (await lastLoss.data())[0] ?? null;
      lastLoss.dispose();
    }
  } catch (e) {
    row.error = errorText(e);
  } finally {
    arm?.dispose();
  }
  return row;
}

function pick(m: tf.MemoryInfo, base: tf.MemoryInfo): { numTensors: number; numBytes: number } {
  return { numTensors: m.numTensors - base.numTensors, numBytes: m.numBytes - base.numBytes };
}

export async function runTraining(params: TrainingParams, arms: TrainingArm[]): Promise<TrainingResult> {
  const batches = makeBatches(params, 8);
  const rows: TrainingRow[] = [];
  for (const arm of arms) {
    if (arm === 'sparse+fused' && !canUseSparseAdamWebGPU()) continue;
    rows.push(await runArm(arm, params, batches));
    await tick();
  }
  const todo: string[] = [];
  const embedding = import.meta.glob('../../../src/models/embedding/*.ts');
  const training = import.meta.glob('../../../src/training/*.ts');
  const paths = [...Object.keys(embedding), ...Object.keys(training)];
  let found = false;
  for (const path of paths) {
    try {
      const mod = (await (embedding[path] ?? training[path])!()) as Record<string, unknown>;
      if ('mfBenchmarkProblem' in mod && ('createStockMF' in mod || 'stockTrainStep' in mod)) found = true;
    } catch {
      /* a half-written module: treat as absent */
    }
  }
  if (!found) {
    todo.push(
      'Burrow EmbeddingTrainTask end-to-end throughput: waiting for `mfBenchmarkProblem` + `createStockMF`/`stockTrainStep` exports in src/training or src/models/embedding; the rows above time the sparse-Adam step itself.',
    );
  }
  return { params, rows, todo };
}
