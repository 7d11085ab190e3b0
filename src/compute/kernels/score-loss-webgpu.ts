/**
 * Fused WebGPU kernels for the embedding model's sampled training loss: score + loss + the
 * coefficients of its gradient in one dispatch, then one dispatch per gradient (user rows, item
 * rows, item biases) that gathers and sums the duplicates itself.
 *
 * Stock TF.js spends about 40 dispatches on the same path (gathers, a multiply, a reduce, slices,
 * softplus/logSumExp, their gradients, three scatterNDs). On a software adapter every dispatch costs
 * about a millisecond whatever its size, so the dispatch count, not the arithmetic, bounds a step.
 *
 * Inputs (all on the device; `S` = 1 positive + negatives slots per example, `B` examples):
 *   userRows [uU, dim], itemRows [uI, dim], itemBias [uI]: the distinct rows the batch touches;
 *   userOf [B]: each example's row in userRows; itemOf [B*S]: each slot's row in itemRows (slot 0 is
 *   the positive); slotFloats = weight [B], then (softmax only, when present) corr [B*S], the logQ
 *   correction, and hard [B*S], 1 on explicit negatives: one buffer, since a shader stage may bind
 *   only 8 storage buffers; userPtr/userOcc and itemPtr/itemOcc: CSR lists of the examples (slots)
 *   that use each distinct user (item) row, so the gradient kernels sum without atomics.
 *
 * Loss (identical to the stock-op reference in src/models/layers/score-loss.ts):
 *   bpr:     w_b / B * mean_{j>=1} softplus(s_j - s_0)
 *   softmax: w_b / B * (logsumexp_s(s_s - corr_s) - (s_0 - corr_0)) [+ sum_j hard_j softplus(s_j - s_0)]
 * The forward output is [B*S + 1]: dLoss/dscore for every slot, then the loss.
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { FLAT_INDEX_WGSL, flatDispatch, maxWorkgroupsPerDimension, runProgram } from './program';
import type { FusedKernelSpec } from './registry';

export type SampledLoss = 'bpr' | 'sampled-softmax';

const WG = 256;
/** Largest slots-per-example the forward kernel keeps in registers (1 positive + 255 negatives). */
export const FUSED_MAX_SLOTS = 256;

/** Device tensors of one batch for the fused kernels (see the file comment). */
export interface ScoreLossDeviceBatch {
  examples: number;
  slots: number;
  userOf: tf.Tensor1D;
  itemOf: tf.Tensor1D;
  /** weight [B], then corr [B*S] if hasCorr, then hard [B*S] if hasHard */
  slotFloats: tf.Tensor1D;
  hasCorr: boolean;
  hasHard: boolean;
  userPtr: tf.Tensor1D;
  userOcc: tf.Tensor1D;
  itemPtr: tf.Tensor1D;
  itemOcc: tf.Tensor1D;
}

const SOFTPLUS = /* wgsl */ `
fn softplusF(x : f32) -> f32 { return max(x, 0.0) + log(1.0 + exp(-abs(x))); }
fn sigmoidF(x : f32) -> f32 {
  if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); }
  let e = exp(x);
  return e / (1.0 + e);
}`;

/** One workgroup; each thread takes examples tid, tid + WG, ...; the loss is summed in shared memory. */
class ForwardProgram implements WebGPUProgram {
  variableNames = ['userRows', 'itemRows', 'itemBias', 'userOf', 'itemOf', 'slotFloats'];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number] = [1, 1, 1];
  workgroupSize: [number, number, number] = [WG, 1, 1];
  uniforms = 'examples : i32, dim : i32, invBatch : f32,';

  constructor(
    examples: number,
    private readonly slots: number,
    private readonly loss: SampledLoss,
    private readonly hasCorr: boolean,
    private readonly hasHard: boolean,
  ) {
    this.outputShape = [examples * slots + 1];
    this.shaderKey = `burrowScoreLossFwd_${slots}_${loss}_${hasCorr ? 1 : 0}${hasHard ? 1 : 0}`;
  }

  getUserCode(): string {
    const S = this.slots;
    const softmax = this.loss === 'sampled-softmax';
    // slotFloats: weight [B] | corr [B*S] | hard [B*S]
    const corrAt = (i: string) => `slotFloats[B + ${i}]`;
    const hardAt = (i: string) => `slotFloats[B + ${this.hasCorr ? 'B * S + ' : ''}${i}]`;
    const logit = (s: string) => (this.hasCorr ? `(sc[${s}] - ${corrAt(`base + ${s}`)})` : `sc[${s}]`);
    const lossBody = softmax
      ? `
    var mx = ${logit('0u')};
    for (var s = 1u; s < S; s = s + 1u) { mx = max(mx, ${logit('s')}); }
    var z = 0.0;
    for (var s = 0u; s < S; s = s + 1u) { z = z + exp(${logit('s')} - mx); }
    let lse = mx + log(z);
    var ex = lse - ${logit('0u')};
    var g0 = 0.0;
    for (var s = 1u; s < S; s = s + 1u) {
      var g = exp(${logit('s')} - lse);
      ${
        this.hasHard
          ? `let hs = ${hardAt('base + s')};
      if (hs != 0.0) {
        ex = ex + hs * softplusF(sc[s] - sc[0]);
        let h = hs * sigmoidF(sc[s] - sc[0]);
        g = g + h;
        g0 = g0 - h;
      }`
          : ''
      }
      result[base + s] = w * g;
    }
    result[base] = w * (g0 + exp(${logit('0u')} - lse) - 1.0);`
      : `
    var ex = 0.0;
    var g0 = 0.0;
    let invNeg = 1.0 / f32(S - 1u);
    for (var s = 1u; s < S; s = s + 1u) {
      let x = sc[s] - sc[0];
      ex = ex + softplusF(x);
      let g = sigmoidF(x) * invNeg;
      result[base + s] = w * g;
      g0 = g0 - g;
    }
    ex = ex * invNeg;
    result[base] = w * g0;`;
    return `${SOFTPLUS}
const S : u32 = ${S}u;
var<workgroup> partial : array<f32, ${WG}>;
fn main(index : i32) {
  let tid = u32(index);
  let B = u32(uniforms.examples);
  let D = u32(uniforms.dim);
  var total = 0.0;
  for (var b = tid; b < B; b = b + ${WG}u) {
    let base = b * S;
    let urow = u32(userOf[b]) * D;
    var sc : array<f32, ${S}>;
    for (var s = 0u; s < S; s = s + 1u) {
      let it = u32(itemOf[base + s]);
      let irow = it * D;
      var acc = 0.0;
      for (var d = 0u; d < D; d = d + 1u) { acc = fma(userRows[urow + d], itemRows[irow + d], acc); }
      sc[s] = acc + itemBias[it];
    }
    let w = slotFloats[b] * uniforms.invBatch;
    ${lossBody}
    total = total + w * ex;
  }
  partial[tid] = total;
  workgroupBarrier();
  for (var stride = ${WG / 2}u; stride > 0u; stride = stride >> 1u) {
    if (tid < stride) { partial[tid] = partial[tid] + partial[tid + stride]; }
    workgroupBarrier();
  }
  if (tid == 0u) { result[B * S] = partial[0]; }
}`;
  }
}

/**
 * Gradient w.r.t. the distinct rows of one side: out[r, c] = dy * sum over the slots k that use
 * row r of coef(k) * other[otherRow(k), c]. `perExample`: the CSR lists examples (user side, which
 * sums over all S slots of each example) rather than slots (item side).
 */
class RowGradProgram implements WebGPUProgram {
  variableNames = ['other', 'otherOf', 'coef', 'ptr', 'occ', 'dy'];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WG, 1, 1];
  uniforms = 'rows : i32, dim : i32, pitch : i32,';
  size = false;

  constructor(
    rows: number,
    dim: number,
    private readonly slots: number,
    private readonly side: 'user' | 'item',
  ) {
    this.outputShape = [rows, dim];
    this.dispatch = flatDispatch(rows * dim, WG, maxWorkgroupsPerDimension());
    this.shaderKey = `burrowScoreLossGrad_${side}_${slots}`;
  }

  getUserCode(): string {
    const S = this.slots;
    const sum =
      this.side === 'user'
        ? `
    for (var k = u32(ptr[r]); k < u32(ptr[r + 1u]); k = k + 1u) {
      let base = u32(occ[k]) * ${S}u;
      for (var s = 0u; s < ${S}u; s = s + 1u) {
        acc = fma(coef[base + s], other[u32(otherOf[base + s]) * D + c], acc);
      }
    }`
        : `
    for (var k = u32(ptr[r]); k < u32(ptr[r + 1u]); k = k + 1u) {
      let slot = u32(occ[k]);
      acc = fma(coef[slot], other[u32(otherOf[slot / ${S}u]) * D + c], acc);
    }`;
    return `
fn main(index : i32) {
  let D = u32(uniforms.dim);
  ${FLAT_INDEX_WGSL}
  if (i >= u32(uniforms.rows) * D) { return; }
  let r = i / D;
  let c = i - r * D;
  var acc = 0.0;${sum}
  result[i] = acc * dy[0];
}`;
  }
}

/** Gradient w.r.t. the item biases: out[r] = dy * sum of coef over the slots using item row r. */
class BiasGradProgram implements WebGPUProgram {
  variableNames = ['coef', 'ptr', 'occ', 'dy'];
  outputShape: number[];
  shaderKey = 'burrowScoreLossBiasGrad';
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WG, 1, 1];
  uniforms = 'rows : i32,';
  size = false;

  constructor(rows: number) {
    this.outputShape = [rows];
    this.dispatch = [Math.ceil(rows / WG), 1, 1];
  }

  getUserCode(): string {
    return `
fn main(index : i32) {
  let r = u32(index);
  if (r >= u32(uniforms.rows)) { return; }
  var acc = 0.0;
  for (var k = u32(ptr[r]); k < u32(ptr[r + 1u]); k = k + 1u) { acc = acc + coef[u32(occ[k])]; }
  result[r] = acc * dy[0];
}`;
  }
}

/**
 * Forward: `[B*S + 1]` = dLoss/dscore of every slot (for dy = 1), then the loss.
 * @param itemBias `[uI]`
 */
export function scoreLossForwardWebGPU(
  userRows: tf.Tensor2D,
  itemRows: tf.Tensor2D,
  itemBias: tf.Tensor1D,
  batch: ScoreLossDeviceBatch,
  loss: SampledLoss,
): tf.Tensor1D {
  const { examples: B, slots: S } = batch;
  const dim = userRows.shape[1];
  if (itemRows.shape[1] !== dim) throw new Error(`user rows have ${dim} columns, item rows ${itemRows.shape[1]}`);
  const softmax = loss === 'sampled-softmax';
  const expected = B * (1 + (batch.hasCorr ? S : 0) + (batch.hasHard ? S : 0));
  if (batch.slotFloats.size !== expected) throw new Error(`slotFloats has ${batch.slotFloats.size} values, expected ${expected}`);
  const program = new ForwardProgram(B, S, loss, softmax && batch.hasCorr, softmax && batch.hasHard);
  const out = runProgram(
    program,
    [userRows, itemRows, itemBias, batch.userOf, batch.itemOf, batch.slotFloats],
    [
      { type: 'int32', data: [B] },
      { type: 'int32', data: [dim] },
      { type: 'float32', data: [1 / B] },
    ],
  );
  return out as tf.Tensor1D;
}

/** Gradients of the loss w.r.t. userRows `[uU, dim]`, itemRows `[uI, dim]` and itemBias `[uI]`. */
export function scoreLossBackwardWebGPU(
  forward: tf.Tensor1D,
  dy: tf.Tensor,
  userRows: tf.Tensor2D,
  itemRows: tf.Tensor2D,
  batch: ScoreLossDeviceBatch,
): { userGrad: tf.Tensor2D; itemGrad: tf.Tensor2D; biasGrad: tf.Tensor1D } {
  const S = batch.slots;
  const [uU, dim] = userRows.shape;
  const uI = itemRows.shape[0];
  const userProgram = new RowGradProgram(uU, dim, S, 'user');
  const itemProgram = new RowGradProgram(uI, dim, S, 'item');
  const pitch = (p: RowGradProgram) => p.dispatch[0] * WG;
  const userGrad = runProgram(userProgram, [itemRows, batch.itemOf, forward, batch.userPtr, batch.userOcc, dy], [
    { type: 'int32', data: [uU] },
    { type: 'int32', data: [dim] },
    { type: 'int32', data: [pitch(userProgram)] },
  ]) as tf.Tensor2D;
  const itemGrad = runProgram(itemProgram, [userRows, batch.userOf, forward, batch.itemPtr, batch.itemOcc, dy], [
    { type: 'int32', data: [uI] },
    { type: 'int32', data: [dim] },
    { type: 'int32', data: [pitch(itemProgram)] },
  ]) as tf.Tensor2D;
  const biasGrad = runProgram(new BiasGradProgram(uI), [forward, batch.itemPtr, batch.itemOcc, dy], [
    { type: 'int32', data: [uI] },
  ]) as tf.Tensor1D;
  return { userGrad, itemGrad, biasGrad };
}

/** A configuration of the kernels: each compiles its own shaders (dim is only the probe's width). */
export interface ScoreLossConfig {
  slots: number;
  loss: SampledLoss;
  hasCorr: boolean;
  hasHard: boolean;
  dim: number;
}

/**
 * The kernel half of the sampled-loss op (src/models/layers/score-loss.ts pairs it with stock ops).
 * The probe runs the three kernels of one configuration on a one-example batch.
 */
export const SCORE_LOSS_KERNEL: FusedKernelSpec<ScoreLossConfig> = {
  name: 'score-loss',
  requirement: `the webgpu backend and 2 to ${FUSED_MAX_SLOTS} slots per example`,
  supported: (c) => tf.getBackend() === 'webgpu' && c.slots >= 2 && c.slots <= FUSED_MAX_SLOTS,
  key: (c) => {
    const softmax = c.loss === 'sampled-softmax';
    return `${c.slots}_${c.loss}_${softmax && c.hasCorr ? 1 : 0}${softmax && c.hasHard ? 1 : 0}`;
  },
  probe: ({ slots: S, loss, hasCorr, hasHard, dim }) => {
    const softmax = loss === 'sampled-softmax';
    const withCorr = softmax && hasCorr;
    const withHard = softmax && hasHard;
    const batch: ScoreLossDeviceBatch = {
      examples: 1,
      slots: S,
      userOf: tf.tensor1d([0], 'int32'),
      itemOf: tf.tensor1d(Int32Array.from({ length: S }, (_, s) => s), 'int32'),
      slotFloats: tf.ones([1 + (withCorr ? S : 0) + (withHard ? S : 0)]),
      hasCorr: withCorr,
      hasHard: withHard,
      userPtr: tf.tensor1d([0, 1], 'int32'),
      userOcc: tf.tensor1d([0], 'int32'),
      itemPtr: tf.tensor1d(Int32Array.from({ length: S + 1 }, (_, s) => s), 'int32'),
      itemOcc: tf.tensor1d(Int32Array.from({ length: S }, (_, s) => s), 'int32'),
    };
    const u = tf.ones([1, dim]) as tf.Tensor2D;
    const r = tf.ones([S, dim]) as tf.Tensor2D;
    const forward = scoreLossForwardWebGPU(u, r, tf.zeros([S]), batch, loss);
    const g = scoreLossBackwardWebGPU(forward, tf.scalar(1), u, r, batch);
    return [forward, g.userGrad, g.itemGrad, g.biasGrad];
  },
};
