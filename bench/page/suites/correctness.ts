/**
 * Correctness in a real browser: the custom WebGPU kernels against stock TF.js / pure-TS references.
 * bench/run.ts fails the run (exit code 1) if any check fails.
 */
import * as tf from '@tensorflow/tfjs';
import { stockTopKByEmbedding, topK } from '../../../src/ranking';
import {
  blockedMatMulWebGPU,
  blockedSoftmaxCrossEntropyWebGPU,
  fusedRankTopK,
  fusedSoftmaxCrossEntropyWebGPU,
  SCORE_LOSS_KERNEL,
  SPARSE_ADAM_KERNEL,
  sparseAdamRowsWebGPU,
  TOP_K_KERNEL,
} from '../../../src/compute/kernels';
import {
  attentionSoftmaxOp,
  blockedMatMulOp,
  chunkedSoftmaxCrossEntropy,
  dense,
  layerNormOp,
  softmaxCEBlockedOp,
  softmaxCEOp,
  softmaxCrossEntropy,
} from '../../../src/models/sequence/ops';
import { prepareScoreLoss, scoreLoss, type SampledLoss, type ScoreLossBatch } from '../../../src/models/layers/score-loss';
import { embeddingBag, prepareFeatureBag } from '../../../src/models/layers/embedding-bag';
import { createSparseAdamState, sparseAdamApply } from '../../../src/models/optimizer';
import { createSequenceModel, type SequenceKind } from '../../../src/models/sequence';
import { fitModel } from '../../../src/training';
import { Rng } from '../../../src/common';
import { compareTopK } from './ranking';
import { errorText, syntheticFloats, syntheticInts } from '../timing';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

function cpuScores(emb: Float32Array, n: number, dim: number, user: Float32Array, bias: Float32Array | null): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += emb[i * dim + d]! * user[d]!;
    out[i] = s + (bias ? bias[i]! : 0);
  }
  return out;
}

async function rankingChecks(): Promise<Check[]> {
  const checks: Check[] = [];
  const configs = [
    { n: 1, dim: 64, k: 10, bias: true, ex: 0 },
    { n: 37, dim: 64, k: 100, bias: false, ex: 5 },
    { n: 1000, dim: 10, k: 1, bias: true, ex: 100 },
    { n: 3000, dim: 64, k: 100, bias: true, ex: 300 },
    { n: 5000, dim: 32, k: 256, bias: true, ex: 4900 },
    { n: 50000, dim: 64, k: 100, bias: true, ex: 1000 },
    { n: 300000, dim: 64, k: 50, bias: false, ex: 20 },
  ];
  for (const c of configs) {
    const name = `fused vs CPU reference n=${c.n} dim=${c.dim} k=${c.k} bias=${c.bias} excluded=${c.ex}`;
    try {
      const embA = syntheticFloats(c.n * c.dim, 3 + c.n, 0.1);
      const userA = syntheticFloats(c.dim, 5, 1);
      const biasA = c.bias ? syntheticFloats(c.n, 9, 0.05) : null;
      const exclude = syntheticInts(c.ex, c.n, 21);
      const emb = tf.tensor2d(embA, [c.n, c.dim]);
      const user = tf.tensor1d(userA);
      const bias = biasA ? tf.tensor1d(biasA) : null;
      const ref = topK(cpuScores(embA, c.n, c.dim, userA, biasA), c.k, exclude);
      const fused = await fusedRankTopK(emb, user, bias, c.k, exclude);
      const stock = await stockTopKByEmbedding(emb, user, bias, c.k, exclude);
      const a = compareTopK(ref, fused, exclude);
      const b = compareTopK(ref, stock, exclude);
      checks.push({ name, ok: a.ok, detail: a.detail });
      checks.push({ name: name.replace('fused', 'stock'), ok: b.ok, detail: b.detail });
      tf.dispose([emb, user, ...(bias ? [bias] : [])]);
    } catch (e) {
      checks.push({ name, ok: false, detail: errorText(e) });
    }
  }
  // exact ties: integer data, every score equal -> lowest non-excluded indices, in order
  try {
    const n = 4000;
    const emb = tf.ones([n, 8]) as tf.Tensor2D;
    const user = tf.fill([8], 2) as tf.Tensor1D;
    const exclude = new Int32Array([0, 2, 3, 2500, 4000, -5]);
    const fused = await fusedRankTopK(emb, user, null, 20, exclude);
    const stock = await stockTopKByEmbedding(emb, user, null, 20, exclude);
    const want = [1, ...Array.from({ length: 19 }, (_, i) => i + 4)];
    const ok =
      JSON.stringify(Array.from(fused.indices)) === JSON.stringify(want) &&
      JSON.stringify(Array.from(stock.indices)) === JSON.stringify(want) &&
      fused.scores.every((s) => s === 16);
    checks.push({ name: 'ties -> lower index first (fused and stock)', ok, detail: `fused ${Array.from(fused.indices.slice(0, 6)).join(',')}..., stock ${Array.from(stock.indices.slice(0, 6)).join(',')}...` });
    // catalog exhausted: k larger than the rankable items
    const small = tf.ones([6, 8]) as tf.Tensor2D;
    const few = await fusedRankTopK(small, user, null, 10, new Int32Array([1, 4]));
    checks.push({ name: 'fewer than k rankable -> short result', ok: JSON.stringify(Array.from(few.indices)) === '[0,2,3,5]', detail: Array.from(few.indices).join(',') });
    tf.dispose([emb, user, small]);
  } catch (e) {
    checks.push({ name: 'ties', ok: false, detail: errorText(e) });
  }
  return checks;
}

async function sparseAdamChecks(): Promise<Check[]> {
  const checks: Check[] = [];
  const rowsN = 500;
  const dim = 64;
  const hyper = { learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };
  try {
    const init = syntheticFloats(rowsN * dim, 1, 0.1);
    const table = tf.variable(tf.tensor2d(init, [rowsN, dim]), false, 'ck_table');
    const m = tf.variable(tf.zeros([rowsN, dim]), false, 'ck_m');
    const v = tf.variable(tf.zeros([rowsN, dim]), false, 'ck_v');
    // reference: plain arrays, float64 math (then compared with tolerance)
    const P = Float64Array.from(init);
    const M = new Float64Array(rowsN * dim);
    const V = new Float64Array(rowsN * dim);
    const idsBefore = [table.dataId, m.dataId, v.dataId];
    for (let step = 1; step <= 3; step++) {
      const rowSet = new Set(syntheticInts(120, rowsN, 40 + step));
      const rows = Int32Array.from(rowSet);
      const g = syntheticFloats(rows.length * dim, 70 + step, 1);
      const rowsT = tf.tensor1d(rows, 'int32');
      const gT = tf.tensor2d(g, [rows.length, dim]);
      sparseAdamRowsWebGPU(table, m, v, rowsT, gT, hyper, step);
      tf.dispose([rowsT, gT]);
      const c1 = 1 - Math.pow(hyper.beta1, step);
      const c2 = 1 - Math.pow(hyper.beta2, step);
      rows.forEach((r, j) => {
        for (let d = 0; d < dim; d++) {
          const o = r * dim + d;
          const gg = g[j * dim + d]!;
          M[o] = hyper.beta1 * M[o]! + (1 - hyper.beta1) * gg;
          V[o] = hyper.beta2 * V[o]! + (1 - hyper.beta2) * gg * gg;
          P[o] = P[o]! - (hyper.learningRate * (M[o]! / c1)) / (Math.sqrt(V[o]! / c2) + hyper.epsilon);
        }
      });
      // read in between steps too: exercises the CPU-cache invalidation
      await table.data();
    }
    const [p, mm, vv] = await Promise.all([table.data(), m.data(), v.data()]);
    let maxErr = 0;
    for (let i = 0; i < P.length; i++) {
      maxErr = Math.max(maxErr, Math.abs(p[i]! - P[i]!), Math.abs(mm[i]! - M[i]!), Math.abs(vv[i]! - V[i]!) * 100);
    }
    const sameIds = idsBefore[0] === table.dataId && idsBefore[1] === m.dataId && idsBefore[2] === v.dataId;
    checks.push({
      name: 'fused sparse Adam (3 steps, in place) vs float64 reference',
      ok: maxErr < 1e-5 && sameIds,
      detail: `max abs err ${maxErr.toExponential(2)}, dataIds unchanged ${sameIds}`,
    });
    tf.dispose([table, m, v]);
  } catch (e) {
    checks.push({ name: 'fused sparse Adam', ok: false, detail: errorText(e) });
  }
  // against Burrow's own sparseAdamApply (same formula, stock ops)
  try {
    {
      const init = syntheticFloats(rowsN * dim, 2, 0.1);
      const a = tf.variable(tf.tensor2d(init, [rowsN, dim]), false, 'ck_a');
      const b = tf.variable(tf.tensor2d(init, [rowsN, dim]), false, 'ck_b');
      const sa = createSparseAdamState(a, hyper);
      const sb = createSparseAdamState(b, hyper);
      for (let step = 1; step <= 3; step++) {
        const rows = Int32Array.from(new Set(syntheticInts(100, rowsN, 90 + step)));
        const rowsT = tf.tensor1d(rows, 'int32');
        const gT = tf.tensor2d(syntheticFloats(rows.length * dim, 80 + step, 1), [rows.length, dim]);
        sparseAdamApply(sa, rowsT, gT, 'stock');
        sb.step += 1;
        sparseAdamRowsWebGPU(sb.table, sb.m, sb.v, rowsT, gT, sb.hyper, sb.step);
        tf.dispose([rowsT, gT]);
      }
      const [pa, pb] = await Promise.all([sa.table.data(), sb.table.data()]);
      let maxErr = 0;
      for (let i = 0; i < pa.length; i++) maxErr = Math.max(maxErr, Math.abs(pa[i]! - pb[i]!));
      checks.push({ name: 'fused sparse Adam vs src/models/optimizer sparseAdamApply', ok: maxErr < 1e-5, detail: `max abs err ${maxErr.toExponential(2)}` });
      tf.dispose([sa.table, sa.m, sa.v, sb.table, sb.m, sb.v]);
    }
  } catch (e) {
    checks.push({ name: 'fused sparse Adam vs src/models/optimizer sparseAdamApply', ok: false, detail: errorText(e) });
  }
  return checks;
}

/** Largest |a - b| over paired tensors, and the largest |b| (the reference's scale). */
async function compareTensors(a: tf.Tensor[], b: tf.Tensor[]): Promise<{ maxErr: number; scale: number }> {
  const [va, vb] = await Promise.all([Promise.all(a.map((t) => t.data())), Promise.all(b.map((t) => t.data()))]);
  let maxErr = 0;
  let scale = 0;
  va.forEach((x, t) =>
    x.forEach((v, i) => {
      maxErr = Math.max(maxErr, Math.abs(v - vb[t]![i]!));
      scale = Math.max(scale, Math.abs(vb[t]![i]!));
    }),
  );
  return { maxErr, scale };
}

interface ScoreLossCase {
  loss: SampledLoss;
  examples: number;
  slots: number;
  dim: number;
  users: number;
  items: number;
  corr: boolean;
  hard: boolean;
}

/** A batch with repeated users/items (the kernels must sum duplicates) and one unused padding row. */
function scoreLossBatch(c: ScoreLossCase, seed: number): ScoreLossBatch {
  const n = c.examples * c.slots;
  const hard = c.hard ? new Float32Array(n) : null;
  if (hard) for (let b = 0; b < c.examples; b += 3) hard[b * c.slots + 1] = 1;
  return {
    examples: c.examples,
    slots: c.slots,
    userRows: c.users + 1,
    itemRows: c.items + 1,
    userOf: syntheticInts(c.examples, c.users, seed),
    itemOf: syntheticInts(n, c.items, seed + 1),
    weight: Float32Array.from(syntheticFloats(c.examples, seed + 2, 1), (x) => 0.5 + Math.abs(x)),
    corr: c.corr ? syntheticFloats(n, seed + 3, 2) : null,
    hard,
  };
}

/** Loss and gradients of the fused WebGPU score-loss kernels against the same loss in stock ops. */
export async function scoreLossChecks(): Promise<Check[]> {
  const cases: ScoreLossCase[] = [
    { loss: 'bpr', examples: 1024, slots: 2, dim: 64, users: 700, items: 1500, corr: false, hard: false },
    { loss: 'bpr', examples: 37, slots: 5, dim: 10, users: 5, items: 9, corr: false, hard: false },
    { loss: 'sampled-softmax', examples: 256, slots: 17, dim: 64, users: 40, items: 2000, corr: true, hard: true },
    { loss: 'sampled-softmax', examples: 300, slots: 3, dim: 33, users: 300, items: 20, corr: false, hard: false },
  ];
  const checks: Check[] = [];
  for (const [k, c] of cases.entries()) {
    const name = `fused score+loss+grad vs stock ops: ${c.loss} B=${c.examples} S=${c.slots} dim=${c.dim}${c.corr ? ' logQ' : ''}${c.hard ? ' hard' : ''}`;
    if (!SCORE_LOSS_KERNEL.supported({ slots: c.slots, loss: c.loss, hasCorr: c.corr, hasHard: c.hard, dim: c.dim })) {
      checks.push({ name, ok: false, detail: `fused kernel unavailable on ${tf.getBackend()}` });
      continue;
    }
    try {
      const batch = scoreLossBatch(c, 500 + 10 * k);
      const U = tf.tensor2d(syntheticFloats((c.users + 1) * c.dim, 600 + k, 0.5), [c.users + 1, c.dim]);
      const R = tf.tensor2d(syntheticFloats((c.items + 1) * c.dim, 700 + k, 0.5), [c.items + 1, c.dim]);
      const Bi = tf.tensor2d(syntheticFloats(c.items + 1, 800 + k, 0.5), [c.items + 1, 1]);
      const run = (kernels: 'fused' | 'stock') =>
        tf.tidy(() => {
          const prepared = prepareScoreLoss(batch, c.loss, kernels);
          const { value, grads } = tf.valueAndGrads((u: tf.Tensor, r: tf.Tensor, b: tf.Tensor) =>
            scoreLoss(prepared, u as tf.Tensor2D, r as tf.Tensor2D, b as tf.Tensor2D),
          )([U, R, Bi]);
          return { kind: prepared.kind, tensors: [value, ...grads] };
        });
      const fused = run('fused');
      const ops = run('stock');
      const { maxErr, scale } = await compareTensors(fused.tensors, ops.tensors);
      const rel = maxErr / Math.max(scale, 1e-12);
      checks.push({
        name,
        ok: fused.kind === 'fused' && ops.kind === 'stock' && rel < 1e-4 && Number.isFinite(maxErr),
        detail: `loss ${(await fused.tensors[0]!.data())[0]!.toFixed(6)} vs ${(await ops.tensors[0]!.data())[0]!.toFixed(6)}, max abs diff ${maxErr.toExponential(2)} (relative ${rel.toExponential(2)}) over loss + 3 gradients`,
      });
      tf.dispose([U, R, Bi, ...fused.tensors, ...ops.tensors]);
    } catch (e) {
      checks.push({ name, ok: false, detail: errorText(e) });
    }
  }
  return checks;
}

/**
 * The sequence models' fused full-softmax cross-entropy kernels (logits never stored) and the
 * chunked stock-op form, each against the one-block stock-op loss: loss and both gradients, with
 * per-row weights so every row's upstream gradient differs.
 */
export async function softmaxCEChecks(): Promise<Check[]> {
  const cases = [
    { rows: 640, items: 1682, dim: 64 },
    { rows: 7, items: 5, dim: 3 },
    { rows: 130, items: 2049, dim: 33 },
    // rows not a multiple of the blocked kernels' 8 or 16, items not of 4 (padded), a small width
    { rows: 37, items: 1001, dim: 12 },
  ];
  const checks: Check[] = [];
  for (const [k, c] of cases.entries()) {
    const name = `fused softmax CE + grads vs stock ops: P=${c.rows} N=${c.items} dim=${c.dim}`;
    if (!(await softmaxCEOp.validate({ dim: c.dim }))) {
      checks.push({ name, ok: false, detail: `fused kernel unavailable on ${tf.getBackend()}` });
      continue;
    }
    try {
      const h = tf.tensor2d(syntheticFloats(c.rows * c.dim, 900 + k, 1), [c.rows, c.dim]);
      const E = tf.tensor2d(syntheticFloats(c.items * c.dim, 950 + k, 0.5), [c.items, c.dim]);
      const t = tf.tensor1d(syntheticInts(c.rows, c.items, 970 + k), 'int32');
      const w = tf.tensor1d(syntheticFloats(c.rows, 990 + k, 1));
      const run = (loss: (x: tf.Tensor2D, e: tf.Tensor2D) => tf.Tensor1D) =>
        tf.tidy(() => {
          const { value, grads } = tf.valueAndGrads((x: tf.Tensor, e: tf.Tensor) => tf.sum(tf.mul(loss(x as tf.Tensor2D, e as tf.Tensor2D), w)) as tf.Scalar)([h, E]);
          return [value, ...grads];
        });
      const ops = run((x, e) => softmaxCrossEntropy(x, e, t));
      const fused = run((x, e) => fusedSoftmaxCrossEntropyWebGPU(x, e, t));
      const chunked = run((x, e) => chunkedSoftmaxCrossEntropy(x, e, t, Math.max(1, Math.floor(c.items / 3))));
      const forms: [string, tf.Tensor[]][] = [['fused kernels', fused], ['chunked stock ops', chunked]];
      // the materialised, register-blocked kernels wherever they support the width
      if (await softmaxCEBlockedOp.validate({ dim: c.dim })) forms.push(['blocked kernels', run((x, e) => blockedSoftmaxCrossEntropyWebGPU(x, e, t))]);
      else if (c.dim % 4 === 0) checks.push({ name: `${name} (blocked kernels)`, ok: false, detail: `blocked kernels unavailable on ${tf.getBackend()}` });
      for (const [label, got] of forms) {
        const { maxErr, scale } = await compareTensors(got, ops);
        const rel = maxErr / Math.max(scale, 1e-12);
        checks.push({
          name: `${name} (${label})`,
          ok: rel < 1e-4 && Number.isFinite(maxErr),
          detail: `loss ${(await got[0]!.data())[0]!.toFixed(5)} vs ${(await ops[0]!.data())[0]!.toFixed(5)}, max abs diff ${maxErr.toExponential(2)} (relative ${rel.toExponential(2)}) over loss + 2 gradients`,
        });
      }
      tf.dispose([h, E, t, w, ...ops, ...forms.flatMap(([, got]) => got)]);
    } catch (e) {
      checks.push({ name, ok: false, detail: errorText(e) });
    }
  }
  return checks;
}

/** A check that `got` (value and gradients) matches `want` to a relative 1e-4. */
async function agreementCheck(name: string, got: tf.Tensor[], want: tf.Tensor[]): Promise<Check> {
  const { maxErr, scale } = await compareTensors(got, want);
  const rel = maxErr / Math.max(scale, 1e-12);
  return { name, ok: rel < 1e-4 && Number.isFinite(maxErr), detail: `max abs diff ${maxErr.toExponential(2)} (relative ${rel.toExponential(2)}) over value + gradients` };
}

/**
 * The sequence models' other WebGPU kernels against stock TF.js: the register-blocked products
 * (A B and A^T B, 1, 8 and 16 rows per thread, sizes that are not multiples of the block), the
 * dense layer built on them (bias in the kernel, bias gradient a column sum), the layer norm and
 * the attention softmax, each value and every gradient under a random upstream gradient.
 */
export async function sequenceLayerChecks(): Promise<Check[]> {
  const checks: Check[] = [];
  const guarded = async (name: string, body: () => Promise<Check[]>) => {
    try {
      checks.push(...(await body()));
    } catch (e) {
      checks.push({ name, ok: false, detail: errorText(e) });
    }
  };
  await guarded('blocked matMul vs tf.matMul', async () => {
    if (!(await blockedMatMulOp.validate({}))) return [{ name: 'blocked matMul vs tf.matMul', ok: false, detail: `unavailable on ${tf.getBackend()}` }];
    const out: Check[] = [];
    const a = tf.tensor2d(syntheticFloats(37 * 13, 1001, 1), [37, 13]);
    const at = tf.tensor2d(syntheticFloats(13 * 37, 1002, 1), [13, 37]);
    const b = tf.tensor2d(syntheticFloats(13 * 20, 1003, 1), [13, 20]);
    const b22 = tf.tensor2d(syntheticFloats(13 * 22, 1004, 1), [13, 22]); // not a multiple of 4: scalar reads
    const a3 = tf.tensor3d(syntheticFloats(3 * 37 * 13, 1005, 1), [3, 37, 13]);
    const at3 = tf.tensor3d(syntheticFloats(3 * 13 * 37, 1006, 1), [3, 13, 37]);
    const b3 = tf.tensor3d(syntheticFloats(3 * 13 * 22, 1007, 1), [3, 13, 22]);
    for (const rows of [1, 8, 16]) {
      const got = [
        blockedMatMulWebGPU(a, b, false, rows),
        blockedMatMulWebGPU(at, b, true, rows),
        blockedMatMulWebGPU(a, b22, false, rows),
        blockedMatMulWebGPU(a3, b3, false, rows),
        blockedMatMulWebGPU(at3, b3, true, rows),
      ];
      const want = [tf.matMul(a, b), tf.matMul(at, b, true, false), tf.matMul(a, b22), tf.matMul(a3, b3), tf.matMul(at3, b3, true, false)];
      out.push(await agreementCheck(`blocked matMul vs tf.matMul: A B and A^T B, [37, 13] x [13, 20 | 22] and batches of 3, ${rows} rows per thread`, got, want));
      tf.dispose([...got, ...want]);
    }
    tf.dispose([a, at, b, b22, a3, at3, b3]);
    return out;
  });
  await guarded('dense layer (blocked) vs stock ops', async () => {
    const name = 'dense layer (blocked, bias in the kernel) vs stock ops: [45, 12] x [12, 24] + [24], value and 3 gradients';
    if (!(await blockedMatMulOp.validate({})) || blockedMatMulOp.choose('auto', {}) !== 'fused') return [{ name, ok: false, detail: `blocked matMul unavailable on ${tf.getBackend()}` }];
    const x = tf.tensor2d(syntheticFloats(45 * 12, 1011, 1), [45, 12]);
    const w = tf.tensor2d(syntheticFloats(12 * 24, 1012, 1), [12, 24]);
    const b = tf.tensor1d(syntheticFloats(24, 1013, 1));
    const up = tf.tensor2d(syntheticFloats(45 * 24, 1014, 1), [45, 24]);
    const run = (f: (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor) =>
      tf.tidy(() => {
        const { value, grads } = tf.valueAndGrads((xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) => tf.sum(tf.mul(f(xi as tf.Tensor2D, wi as tf.Tensor2D, bi as tf.Tensor1D), up)) as tf.Scalar)([x, w, b]);
        return [value, ...grads];
      });
    const got = run((xi, wi, bi) => dense(xi, wi, bi));
    const want = run((xi, wi, bi) => tf.add(tf.matMul(xi, wi), bi));
    const check = await agreementCheck(name, got, want);
    tf.dispose([x, w, b, up, ...got, ...want]);
    return [check];
  });
  for (const shape of [[37, 12], [3, 50, 64]]) {
    const d = shape[shape.length - 1]!;
    const name = `layer norm kernels vs stock ops: [${shape.join(', ')}], value and 3 gradients`;
    await guarded(name, async () => {
      if (!(await layerNormOp.validate({ dim: d }))) return [{ name, ok: false, detail: `layer norm kernels unavailable on ${tf.getBackend()}` }];
      const size = shape.reduce((p, q) => p * q, 1);
      const x = tf.tensor(syntheticFloats(size, 1021 + d, 2), shape);
      const g = tf.tensor1d(syntheticFloats(d, 1022, 1));
      const b = tf.tensor1d(syntheticFloats(d, 1023, 1));
      const up = tf.tensor(syntheticFloats(size, 1024, 1), shape);
      const run = (choice: 'fused' | 'stock') =>
        tf.tidy(() => {
          const f = layerNormOp.implementation(choice, { dim: d });
          const { value, grads } = tf.valueAndGrads((xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) => tf.sum(tf.mul(f(xi, gi, bi), up)) as tf.Scalar)([x, g, b]);
          return [value, ...grads];
        });
      const got = run('fused');
      const want = run('stock');
      const check = await agreementCheck(name, got, want);
      tf.dispose([x, g, b, up, ...got, ...want]);
      return [check];
    });
  }
  // left-padded sequences (one wholly padding), causal and not, one head and two
  for (const [B, H, W, causal] of [[3, 1, 7, true], [2, 2, 50, false]] as const) {
    const name = `attention softmax kernels vs stock ops: logits [${B * H}, ${W}, ${W}], ${H} head(s), ${causal ? 'causal' : 'not causal'}, padded, value and gradient`;
    await guarded(name, async () => {
      if (!(await attentionSoftmaxOp.validate({}))) return [{ name, ok: false, detail: `attention softmax kernels unavailable on ${tf.getBackend()}` }];
      const maskValues = Array.from({ length: B * W }, (_, i) => (i % W >= [2, 0, W][Math.floor(i / W)]! ? 1 : 0));
      const mask = tf.tensor2d(maskValues, [B, W]);
      const logits = tf.tensor3d(syntheticFloats(B * H * W * W, 1031 + W, 3), [B * H, W, W]);
      const up = tf.tensor3d(syntheticFloats(B * H * W * W, 1032, 1), [B * H, W, W]);
      const run = (choice: 'fused' | 'stock') =>
        tf.tidy(() => {
          const f = attentionSoftmaxOp.implementation(choice, {});
          const { value, grads } = tf.valueAndGrads((x: tf.Tensor) => tf.sum(tf.mul(f(x as tf.Tensor3D, mask, H, 0.125, causal), up)) as tf.Scalar)([logits]);
          return [f(logits, mask, H, 0.125, causal), value, ...grads];
        });
      const got = run('fused');
      const want = run('stock');
      const check = await agreementCheck(name, got, want);
      tf.dispose([mask, logits, up, ...got, ...want]);
      return [check];
    });
  }
  return checks;
}

/** The model's training steps on this backend leave `tf.memory()`'s tensor count where it was, after one warm-up step. */
async function trainingLeakCheck(kind: SequenceKind, m: ReturnType<typeof createSequenceModel>, data: Parameters<ReturnType<typeof createSequenceModel>['createTrainTask']>[0]): Promise<Check> {
  const name = `${kind} training steps on ${tf.getBackend()} leak no tensors (tf.memory() over 3 steps)`;
  const task = m.createTrainTask(data, 1);
  try {
    await task.prepare();
    const step = async () => {
      const { loss } = task.step();
      await loss.data();
      loss.dispose();
    };
    await step();
    const before = tf.memory().numTensors;
    for (let k = 0; k < 3; k++) await step();
    const grown = tf.memory().numTensors - before;
    return { name, ok: grown === 0, detail: `${grown} tensors more after 3 steps (${before} before)` };
  } finally {
    (task as { dispose?: () => void }).dispose?.();
  }
}

/**
 * Both sequence models trained end to end on this backend (fitModel, the trainer the app runs) on a
 * planted walk i -> i + 1 over 22 items (a catalog padded to 24 by the blocked softmax), then asked
 * for the next step of 40 walks: HR@1 must pass 0.9, as in the Node unit test. On WebGPU the check
 * also requires that the blocked products, the layer norm, the blocked softmax and (SASRec) the
 * attention softmax passed validation, so it is their training the check sees.
 */
export async function sequenceTrainingChecks(): Promise<Check[]> {
  const checks: Check[] = [];
  const N = 22;
  const rng = new Rng(1);
  const user: number[] = [];
  const item: number[] = [];
  for (let u = 0; u < 48; u++) {
    let it = rng.int(N);
    for (let t = 0, n = 8 - rng.int(4); t < n; t++, it = (it + 1) % N) {
      user.push(u);
      item.push(it);
    }
  }
  const data = { numUsers: 48, numItems: N, user: Int32Array.from(user), item: Int32Array.from(item), weight: new Float32Array(user.length).fill(1), time: Float64Array.from(user, (_, i) => i) };
  for (const kind of ['gru4rec', 'sasrec'] as SequenceKind[]) {
    const name = `${kind} trained on ${tf.getBackend()} learns a planted next-item walk (HR@1 over 40 walks)`;
    const m = createSequenceModel({ kind, numItems: N, config: { maxLen: 6, dim: 16, numBlocks: 2, numHeads: 2, dropout: 0.1, lr: 0.03, maxEpochs: 15, patience: 0, batchSize: 48 } });
    try {
      await fitModel(m, data, { seed: 3 });
      const kernels =
        tf.getBackend() === 'webgpu'
          ? [blockedMatMulOp.status({}), layerNormOp.status({ dim: 16 }), softmaxCEBlockedOp.status({ dim: 16 }), ...(kind === 'sasrec' ? [attentionSoftmaxOp.status({})] : [])]
          : [];
      let hits = 0;
      const q = new Rng(9);
      for (let k = 0; k < 40; k++) {
        const start = q.int(N);
        const len = 2 + q.int(4);
        const h = Int32Array.from({ length: len }, (_, j) => (start + j) % N);
        const s = await m.scoreAll({ user: 0, history: h });
        let best = 0;
        for (let i = 1; i < N; i++) if (s[i]! > s[best]!) best = i;
        if (best === (h[len - 1]! + 1) % N) hits += 1;
      }
      const hr = hits / 40;
      checks.push({ name, ok: hr > 0.9 && kernels.every((k) => k === 'passed'), detail: `HR@1 ${hr.toFixed(3)}${kernels.length ? `; kernels blocked matMul ${kernels[0]}, layer norm ${kernels[1]}, blocked softmax ${kernels[2]}${kernels[3] ? `, attention softmax ${kernels[3]}` : ''}` : ''}` });
      checks.push(await trainingLeakCheck(kind, m, data));
    } catch (e) {
      checks.push({ name, ok: false, detail: errorText(e) });
    } finally {
      m.dispose();
    }
  }
  return checks;
}

/** The fused embedding-bag kernels (content tower) against the stock-op bag: value and gradient. */
export async function embeddingBagChecks(): Promise<Check[]> {
  const cases = [
    { bags: 2048, perBag: 21, rows: 1571, dim: 32 },
    { bags: 7, perBag: 3, rows: 4, dim: 5 },
  ];
  const checks: Check[] = [];
  for (const [k, c] of cases.entries()) {
    const name = `fused embedding bag vs stock ops: ${c.bags} bags x ${c.perBag} slots, ${c.rows} rows x ${c.dim}`;
    try {
      const rowOf = syntheticInts(c.bags * c.perBag, c.rows, 900 + k);
      // some zero weights, as on padded feature slots
      const weights = Float32Array.from(syntheticFloats(c.bags * c.perBag, 910 + k, 1), (x, i) => (i % 5 === 4 ? 0 : x));
      const table = tf.tensor2d(syntheticFloats(c.rows * c.dim, 920 + k, 1), [c.rows, c.dim]);
      const upstream = tf.tensor2d(syntheticFloats(c.bags * c.dim, 930 + k, 1), [c.bags, c.dim]);
      const run = (kernels: 'fused' | 'stock') =>
        tf.tidy(() => {
          const bag = prepareFeatureBag(rowOf, weights, c.bags, c.rows, kernels);
          const { value, grads } = tf.valueAndGrads((t: tf.Tensor) => tf.sum(tf.mul(embeddingBag(t as tf.Tensor2D, bag), upstream)))([table]);
          return { fused: bag.csr !== null, tensors: [value, embeddingBag(table, bag), ...grads] };
        });
      const fused = run('fused');
      const ops = run('stock');
      const { maxErr, scale } = await compareTensors(fused.tensors, ops.tensors);
      checks.push({
        name,
        ok: fused.fused && maxErr <= 1e-4 * Math.max(1, scale),
        detail: `max abs diff ${maxErr.toExponential(2)} (max |value| ${scale.toFixed(2)}) over output and table gradient`,
      });
      tf.dispose([table, upstream, ...fused.tensors, ...ops.tensors]);
    } catch (e) {
      checks.push({ name, ok: false, detail: errorText(e) });
    }
  }
  return checks;
}

async function workerCheck(): Promise<Check> {
  const worker = new Worker(new URL('../worker.ts', import.meta.url), { type: 'module' });
  try {
    const res = await new Promise<{ ok: boolean; detail: string }>((resolve) => {
      const timer = setTimeout(() => resolve({ ok: false, detail: 'timeout' }), 120_000);
      worker.onmessage = (e: MessageEvent<{ ok: boolean; detail: string }>) => {
        clearTimeout(timer);
        resolve(e.data);
      };
      worker.onerror = (e) => {
        clearTimeout(timer);
        resolve({ ok: false, detail: e.message });
      };
      worker.postMessage({ preference: 'webgpu' });
    });
    return { name: 'initBackend(webgpu) + fused topKByEmbedding inside a dedicated Worker', ...res };
  } finally {
    worker.terminate();
  }
}

export async function runCorrectness(): Promise<Check[]> {
  const checks: Check[] = [];
  if (TOP_K_KERNEL.supported({ dim: 64, k: 100, items: 100, hasBias: true })) checks.push(...(await rankingChecks()));
  if (SPARSE_ADAM_KERNEL.supported({})) checks.push(...(await sparseAdamChecks()));
  if (tf.getBackend() === 'webgpu') checks.push(...(await scoreLossChecks()), ...(await embeddingBagChecks()), ...(await softmaxCEChecks()), ...(await sequenceLayerChecks()), ...(await sequenceTrainingChecks()));
  if (tf.getBackend() === 'webgpu') checks.push(await workerCheck());
  return checks;
}
