/**
 * Suite 2: training throughput for an MF-sized problem (users x items x dim, batch B), arms run on
 * the same backend in the same page:
 *  - 'stock'        : tf.train.adam().minimize over tf.gather'd full Variables (dense grads + dense Adam)
 *  - 'sparse'       : Burrow's step: CPU de-dup of the batch (src/models/batch/deduper.ts), gather each
 *                     distinct row once, grads w.r.t. those rows only, src/models/optimizer/adam.ts
 *                     sparseAdamApply on the touched rows
 *  - 'sparse+fused' : the same, with the row update done by the fused in-place WebGPU kernel
 *                     (src/compute/kernels/sparse-adam-webgpu.ts); webgpu only
 * Plus memory: tf.memory() after 10 steps vs after the last step (a leak shows as growth).
 * Same loss for every arm: MSE of dot(user, item) against synthetic targets.
 */
import * as tf from '@tensorflow/tfjs';
import { SPARSE_ADAM_KERNEL, sparseAdamRowsWebGPU } from '../../../src/compute/kernels';
import { gatherRows } from '../../../src/models/layers/gather-rows';
import { createSparseAdamState, disposeSparseAdamState, sparseAdamApply, type SparseAdamState } from '../../../src/models/optimizer';
import { parseCatalog } from '../../../src/catalog';
import { Rng } from '../../../src/common';
import { createEmbeddingModel, PERSONAL_CONFIG } from '../../../src/models';
import { appCatalogFeatures } from '../../../src/packs';
import { createFastMF, mfBenchmarkProblem } from '../../fixtures/mf-benchmark';
import { createStockEmbeddingStep } from '../../fixtures/stock-embedding-step';
import { createStockMF, stockTrainStep } from '../../fixtures/stock-mf';
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

export type TrainingArm =
  | 'stock'
  | 'sparse'
  | 'sparse+fused'
  | 'trainer-stock'
  | 'trainer'
  | 'catalog-stock'
  | 'catalog'
  | 'catalog-per-example';

export const ARM_LABELS: Record<TrainingArm, string> = {
  stock: 'stock TF.js: tf.train.adam().minimize, tf.gather on full Variables',
  sparse: 'Burrow: de-dup + gather unique rows once + gatherRows (scatterND grad) + sparseAdamApply (src/models/optimizer)',
  'sparse+fused': 'Burrow + fused in-place WebGPU sparse-Adam kernel (src/compute/kernels)',
  'trainer-stock': "the benchmark's stock baseline (bench/fixtures): createStockMF + stockTrainStep (BPR, item bias) on mfBenchmarkProblem",
  trainer: "Burrow's trainer end-to-end: createFastMF(mfBenchmarkProblem).task.step() (EmbeddingTrainTask, BPR, sparse Adam)",
  'catalog-stock':
    "the app's own model on the real shipped catalog (content tower over the catalog's features, PERSONAL_CONFIG: sampled softmax, its batch and negatives; one user's synthetic event log) trained the stock way: createStockEmbeddingStep (tf.train.adam().minimize over every Variable, tf.gather lookups, the content tower run for every (example, slot), as a stock model fed (user, item) pairs does: its cost does not depend on whether the negatives are shared)",
  catalog:
    "the same model, batches and loss through Burrow's trainer: EmbeddingTrainTask.trainOnBatch (each distinct item once through the content tower, fused loss kernels, sparse Adam on touched rows, dense Adam on the MLP). PERSONAL_CONFIG shares one set of sampled negatives across the batch (sharedNegatives), so a batch has about batch + negatives distinct items",
  'catalog-per-example':
    "Burrow's trainer on the same model with a fresh set of negatives per example (PERSONAL_CONFIG with sharedNegatives: false, the app's setting before 2026-12-01): about batch × (1 + negatives) distinct items per step; shows how much of the catalog ratio is the kernels and sparse updates and how much is the shared negatives",
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
  /** not run, and why */
  skipped?: string;
  note?: string;
}

export interface TrainingResult {
  params: TrainingParams;
  rows: TrainingRow[];
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
  /** a tiny tensor whose readback forces all queued work to finish */
  probe: () => tf.Tensor;
  examplesPerStep?: number;
}

/** The MF benchmark problem's arms: the stock baseline and Burrow's trainer (bench/fixtures). */
function trainerArm(p: TrainingParams, which: 'trainer' | 'trainer-stock'): Arm {
  const problem = mfBenchmarkProblem({ numUsers: p.users, numItems: p.items, dim: p.dim, batchSize: p.batch, seed: 1 });
  if (which === 'trainer-stock') {
    const model = createStockMF({ numUsers: p.users, numItems: p.items, dim: p.dim, lr: 0.01, seed: 1 });
    const rng = new Rng(7);
    return {
      step: () => stockTrainStep(model, problem.sampleBprBatch(rng)),
      dispose: () => model.dispose(),
      probe: () => tf.slice(model.users, [0, 0], [1, 1]),
    };
  }
  const fast = createFastMF(problem, 0.01);
  let examples = p.batch;
  return {
    step: () => {
      const r = fast.task.step();
      examples = r.examples;
      return r.loss;
    },
    dispose: () => fast.dispose(),
    probe: () => tf.zeros([1]),
    get examplesPerStep() {
      return examples;
    },
  };
}

/**
 * The app's personal model on the shipped catalog (public/catalog/default.json, built by `npm run
 * catalog`), one user with a synthetic log of likes and some dislikes. Both arms get a model of
 * their own with the same seed, so they see the same batches.
 */
async function catalogArm(which: 'catalog' | 'catalog-stock' | 'catalog-per-example'): Promise<Arm> {
  const response = await fetch('/catalog/default.json');
  if (!response.ok) throw new Error(`/catalog/default.json: HTTP ${response.status} (run npm run catalog)`);
  const catalog = parseCatalog(await response.json());
  const features = appCatalogFeatures(catalog);
  const numItems = catalog.items.length;
  const rng = new Rng(5);
  const events = 400;
  const interactions = {
    numUsers: 1,
    numItems,
    user: new Int32Array(events),
    item: Int32Array.from({ length: events }, () => rng.int(numItems)),
    weight: Float32Array.from({ length: events }, (_, k) => (k % 7 === 3 ? -1 : 1)),
    time: Float64Array.from({ length: events }, (_, k) => k),
  };
  const config = { ...PERSONAL_CONFIG, seed: 3, ...(which === 'catalog-per-example' ? { sharedNegatives: false } : {}) };
  const model = createEmbeddingModel({ numUsers: 1, numItems, features, config });
  const task = model.createTrainTask(interactions, 3);
  await task.prepare();
  const stock = which === 'catalog-stock' ? createStockEmbeddingStep(model) : null;
  let examples = model.config.batchSize;
  return {
    step: () => {
      const batch = task.nextBatch();
      examples = batch.size;
      return stock ? stock.step(batch) : task.trainOnBatch(batch);
    },
    dispose: () => {
      stock?.dispose();
      task.dispose();
      model.dispose();
    },
    probe: () => tf.zeros([1]),
    get examplesPerStep() {
      return examples;
    },
  };
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

async function sparseArm(p: TrainingParams, fused: boolean): Promise<Arm> {
  const { U, V } = initTables(p);
  const su = createSparseAdamState(U, { learningRate: 0.01 });
  const sv = createSparseAdamState(V, { learningRate: 0.01 });
  const slotU = new Int32Array(p.users).fill(-1);
  const slotV = new Int32Array(p.items).fill(-1);
  // Burrow's embedding lookup (gatherRows: a scatterND backward, which works on wasm, where
  // tf.gather's gradient needs the missing UnsortedSegmentSum kernel)
  const update = fused
    ? (s: SparseAdamState, rows: tf.Tensor1D, g: tf.Tensor2D) => {
        s.step += 1;
        sparseAdamRowsWebGPU(s.table, s.m, s.v, rows, g, s.hyper, s.step);
      }
    : (s: SparseAdamState, rows: tf.Tensor1D, g: tf.Tensor2D) => sparseAdamApply(s, rows, g, 'stock');
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
        // grads w.r.t. the gathered unique rows only; indices are closed over (int32 has no grad)
        const [gU, gI] = tf.grads((a: tf.Tensor, c: tf.Tensor) =>
          mse(gatherRows(a as tf.Tensor2D, uInv), gatherRows(c as tf.Tensor2D, iInv), yT),
        )([uRows, iRows]);
        update(su, uRowsIdx, gU as tf.Tensor2D);
        update(sv, iRowsIdx, gI as tf.Tensor2D);
      });
      return null;
    },
    dispose: () => {
      disposeSparseAdamState(su);
      disposeSparseAdamState(sv);
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
    arm =
      name === 'stock'
        ? stockArm(p)
        : name === 'trainer' || name === 'trainer-stock'
          ? trainerArm(p, name)
          : name === 'catalog' || name === 'catalog-stock' || name === 'catalog-per-example'
            ? await catalogArm(name)
            : await sparseArm(p, name === 'sparse+fused');
    const sync = async (): Promise<void> => {
      const t = arm!.probe();
      await t.data();
      t.dispose();
    };
    const examplesPerStep = arm.examplesPerStep ?? p.batch;
    let bi = 0;
    const next = (): Batch => batches[bi++ % batches.length]!;
    // warm-up: shader compilation, Adam slot creation. A first step slower than the whole budget
    // is reported as the (only) measurement instead of running more.
    const w0 = now();
    const syncOn = async (loss: tf.Scalar | null): Promise<void> => {
      // reading the step's own loss (or a slice of a table) waits for all queued work
      if (loss !== null) await loss.data();
      else await sync();
    };
    const warm = async (): Promise<void> => {
      const l = arm!.step(next());
      await syncOn(l);
      l?.dispose();
    };
    await warm();
    const first = now() - w0;
    if (first > p.budgetMs) {
      row.steps = 1;
      row.seconds = first / 1000;
      row.examplesPerSec = examplesPerStep / row.seconds;
      row.memAtEnd = pick(tf.memory(), memBase);
      row.note = 'one step exceeded the time budget: single cold step measured';
      return row;
    }
    await warm();
    const t0 = now();
    let steps = 0;
    let lastLoss: tf.Scalar | null = null;
    while (steps < p.maxSteps && (now() - t0 < p.budgetMs || (steps < p.minSteps && now() - t0 < 3 * p.budgetMs))) {
      const loss = arm.step(next());
      if (lastLoss !== null) lastLoss.dispose();
      lastLoss = loss;
      steps++;
      if (steps % p.syncEvery === 0) {
        await syncOn(loss);
        if (steps === 10) row.memAt10 = pick(tf.memory(), memBase);
        await tick();
      }
    }
    await syncOn(lastLoss);
    row.seconds = (now() - t0) / 1000;
    row.steps = steps;
    row.examplesPerSec = (steps * (arm.examplesPerStep ?? p.batch)) / row.seconds;
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

export async function runTraining(
  params: TrainingParams,
  arms: TrainingArm[],
  skip: Partial<Record<TrainingArm, string>> = {},
): Promise<TrainingResult> {
  const batches = makeBatches(params, 8);
  const rows: TrainingRow[] = [];
  for (const arm of arms) {
    if (arm === 'sparse+fused' && !SPARSE_ADAM_KERNEL.supported({})) continue;
    const why = skip[arm];
    if (why !== undefined) {
      rows.push({ arm, steps: 0, seconds: 0, examplesPerSec: null, memAt10: null, memAtEnd: null, finalLoss: null, skipped: why });
      continue;
    }
    rows.push(await runArm(arm, params, batches));
    await tick();
  }
  return { params, rows };
}
