/**
 * Fused full-catalog softmax cross-entropy with tied output embeddings for the sequence models,
 * on WebGPU, in the manner of Cut Cross-Entropy (Wijmans et al. 2024) and Liger's fused linear
 * cross-entropy: the `[P, N]` logits h . E^T are never stored. Three dispatches, each recomputing
 * the logits it needs on the fly, block by block, in registers:
 *
 *   forward  one workgroup per row p: h_p in shared memory, each thread an online
 *            (max, sum-exp) over its share of the items, a tree merge -> lse_p;
 *            out [2P] = loss_p = lse_p - h_p . e_{t_p}, then lse_p
 *   dH       one workgroup per row p:  dh_p = dy_p (sum_n softmax_pn e_n - e_{t_p})
 *   dE       one workgroup per item n: de_n = sum_p dy_p (softmax_pn - [t_p = n]) h_p
 *
 * Memory is O((P + N) d) instead of O(P N); arithmetic is the same three P x N x d products as
 * the stock form (one forward and two gradient matMuls), at one dispatch each instead of about a
 * dozen full-size `[P, N]` passes. The stock-op reference is softmaxCrossEntropy /
 * chunkedSoftmaxCrossEntropy in src/models/sequence/ops.ts; tests/e2e/sequence-kernels.spec.ts
 * checks the two agree in a real browser.
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { blockedMatMulWebGPU } from './blocked-matmul-webgpu';
import { FLAT_INDEX_WGSL, flatDispatch, maxWorkgroupsPerDimension, runProgram } from './program';
import type { FusedKernelSpec } from './registry';

const WG = 64;
/** Largest width the kernels keep per thread in registers. */
export const FUSED_CE_MAX_DIM = 256;

/** The flat workgroup index of a 2-D {@link flatDispatch} (one workgroup per row or item). */
const GROUP_INDEX_WGSL = /* wgsl */ `let g = workgroupId.x + workgroupId.y * numWorkgroups.x;`;

/** WGSL: tree-sum of `part` over the workgroup; every thread must reach it (uniform control flow). */
const TREE_SUM_WGSL = /* wgsl */ `
    workgroupBarrier();
    for (var stride = ${WG / 2}u; stride > 0u; stride = stride >> 1u) {
      if (tid < stride) { part[tid] = part[tid] + part[tid + stride]; }
      workgroupBarrier();
    }`;

/** WGSL: merges each thread's online (max m, sum-exp s) over the workgroup into mPart[0], sPart[0]. */
const LSE_MERGE_WGSL = /* wgsl */ `mPart[tid] = m;
  sPart[tid] = s;
  workgroupBarrier();
  for (var stride = ${WG / 2}u; stride > 0u; stride = stride >> 1u) {
    if (tid < stride) {
      let m1 = mPart[tid];
      let m2 = mPart[tid + stride];
      let mx = max(m1, m2);
      sPart[tid] = sPart[tid] * exp(m1 - mx) + sPart[tid + stride] * exp(m2 - mx);
      mPart[tid] = mx;
    }
    workgroupBarrier();
  }`;

/** `dot(shared vector, M[row])` over D columns. */
const dot = (shared: string, matrix: string, rowBase: string) =>
  `var acc = 0.0;
      for (var c = 0u; c < D; c = c + 1u) { acc = fma(${shared}[c], ${matrix}[${rowBase} + c], acc); }`;

abstract class CEProgram implements WebGPUProgram {
  abstract variableNames: string[];
  outputShape: number[];
  abstract shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WG, 1, 1];
  uniforms = 'rows : i32, items : i32,';
  size = false;

  constructor(
    outputShape: number[],
    groups: number,
    protected readonly dim: number,
  ) {
    this.outputShape = outputShape;
    this.dispatch = flatDispatch(groups * WG, WG, maxWorkgroupsPerDimension());
  }

  abstract getUserCode(): string;
}

class ForwardProgram extends CEProgram {
  variableNames = ['h', 'E', 'targets'];
  shaderKey: string;
  constructor(rows: number, dim: number) {
    super([2 * rows], rows, dim);
    this.shaderKey = `burrowSoftmaxCEFwd_${dim}`;
  }
  getUserCode(): string {
    return `
const D : u32 = ${this.dim}u;
var<workgroup> hs : array<f32, ${this.dim}>;
var<workgroup> mPart : array<f32, ${WG}>;
var<workgroup> sPart : array<f32, ${WG}>;
fn main(index : i32) {
  let tid = localId.x;
  ${GROUP_INDEX_WGSL}
  let P = u32(uniforms.rows);
  let N = u32(uniforms.items);
  let valid = g < P;
  let p = min(g, P - 1u);
  for (var c = tid; c < D; c = c + ${WG}u) { hs[c] = h[p * D + c]; }
  workgroupBarrier();
  var m = -3.0e38;
  var s = 0.0;
  for (var n = tid; n < N; n = n + ${WG}u) {
    ${dot('hs', 'E', 'n * D')}
    if (acc > m) { s = s * exp(m - acc) + 1.0; m = acc; } else { s = s + exp(acc - m); }
  }
  ${LSE_MERGE_WGSL}
  if (tid == 0u && valid) {
    let lse = mPart[0] + log(sPart[0]);
    let t = u32(targets[p]);
    ${dot('hs', 'E', 't * D')}
    result[p] = lse - acc;
    result[P + p] = lse;
  }
}`;
  }
}

/** dH (one workgroup per row) or dE (one workgroup per item): the same loop with the roles swapped. */
class GradProgram extends CEProgram {
  variableNames = ['h', 'E', 'targets', 'fwd', 'dy'];
  shaderKey: string;
  constructor(
    rows: number,
    items: number,
    dim: number,
    private readonly side: 'h' | 'E',
  ) {
    super(side === 'h' ? [rows, dim] : [items, dim], side === 'h' ? rows : items, dim);
    this.shaderKey = `burrowSoftmaxCEGrad_${side}_${dim}`;
  }
  getUserCode(): string {
    const own = this.side === 'h' ? 'h' : 'E';
    // per (row p, item n) pair: coefficient of `other` in the gradient of `own`
    const loop =
      this.side === 'h'
        ? `
  let lse = fwd[P + o];
  let dyo = dy[o];
  let t = u32(targets[o]);
  for (var n = tid; n < N; n = n + ${WG}u) {
    ${dot('os', 'E', 'n * D')}
    var coef = exp(acc - lse) * dyo;
    if (n == t) { coef = coef - dyo; }
    for (var c = 0u; c < D; c = c + 1u) { grad[c] = fma(coef, E[n * D + c], grad[c]); }
  }`
        : `
  for (var p = tid; p < P; p = p + ${WG}u) {
    ${dot('os', 'h', 'p * D')}
    let dyp = dy[p];
    var coef = exp(acc - fwd[P + p]) * dyp;
    if (u32(targets[p]) == o) { coef = coef - dyp; }
    for (var c = 0u; c < D; c = c + 1u) { grad[c] = fma(coef, h[p * D + c], grad[c]); }
  }`;
    return `
const D : u32 = ${this.dim}u;
var<workgroup> os : array<f32, ${this.dim}>;
var<workgroup> part : array<f32, ${WG}>;
fn main(index : i32) {
  let tid = localId.x;
  ${GROUP_INDEX_WGSL}
  let P = u32(uniforms.rows);
  let N = u32(uniforms.items);
  let count = ${this.side === 'h' ? 'P' : 'N'};
  let valid = g < count;
  let o = min(g, count - 1u);
  for (var c = tid; c < D; c = c + ${WG}u) { os[c] = ${own}[o * D + c]; }
  workgroupBarrier();
  var grad : array<f32, ${this.dim}>;
  ${loop}
  for (var c = 0u; c < D; c = c + 1u) {
    part[tid] = grad[c];
    ${TREE_SUM_WGSL}
    if (tid == 0u && valid) { result[o * D + c] = part[0]; }
    workgroupBarrier();
  }
}`;
  }
}

/** `[2P]`: the per-row loss, then the per-row logsumexp (saved for the gradients). */
export function softmaxCEForwardWebGPU(h: tf.Tensor2D, E: tf.Tensor2D, targets: tf.Tensor1D): tf.Tensor1D {
  const [P, d] = h.shape;
  const N = E.shape[0];
  if (E.shape[1] !== d) throw new Error(`h has ${d} columns, E ${E.shape[1]}`);
  if (targets.size !== P || targets.dtype !== 'int32') throw new Error(`targets must be int32 [${P}]`);
  return runProgram(new ForwardProgram(P, d), [h, E, targets], [
    { type: 'int32', data: [P] },
    { type: 'int32', data: [N] },
  ]) as tf.Tensor1D;
}

/** Gradients w.r.t. h `[P, d]` and E `[N, d]` for the per-row upstream gradient `dy` `[P]`. */
export function softmaxCEBackwardWebGPU(
  h: tf.Tensor2D,
  E: tf.Tensor2D,
  targets: tf.Tensor1D,
  forward: tf.Tensor1D,
  dy: tf.Tensor1D,
): { dh: tf.Tensor2D; dE: tf.Tensor2D } {
  const [P, d] = h.shape;
  const N = E.shape[0];
  const uniforms = [
    { type: 'int32' as const, data: [P] },
    { type: 'int32' as const, data: [N] },
  ];
  const dh = runProgram(new GradProgram(P, N, d, 'h'), [h, E, targets, forward, dy], uniforms) as tf.Tensor2D;
  const dE = runProgram(new GradProgram(P, N, d, 'E'), [h, E, targets, forward, dy], uniforms) as tf.Tensor2D;
  return { dh, dE };
}

/**
 * `[P]` -log softmax(h E^T)[target] with gradients w.r.t. h and E, by the fused kernels (see the
 * file comment). The fused form of the op src/models/sequence/ops.ts defines (SOFTMAX_CE_KERNEL).
 */
export function fusedSoftmaxCrossEntropyWebGPU(h: tf.Tensor2D, E: tf.Tensor2D, targets: tf.Tensor1D): tf.Tensor1D {
  const P = h.shape[0];
  const f = tf.customGrad((...args) => {
    const [x, e, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    const forward = softmaxCEForwardWebGPU(x, e, targets);
    save([x, e, forward]);
    return {
      value: tf.slice(forward, 0, P),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, es, fw] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
        const { dh, dE } = softmaxCEBackwardWebGPU(xs, es, targets, fw, tf.reshape(dy, [P]) as tf.Tensor1D);
        return [dh, dE];
      },
    };
  });
  return f(h, E) as tf.Tensor1D;
}

/**
 * The kernel half of the full-softmax cross-entropy op (src/models/sequence/ops.ts pairs it with
 * stock ops). 'auto' runs the kernels only once they passed validation: the stock form is fine up to
 * its block size, and what a failed shader would break (the gradients) is not seen otherwise.
 */
export const SOFTMAX_CE_KERNEL: FusedKernelSpec<{ dim: number }> = {
  name: 'softmax cross-entropy',
  requirement: `the webgpu backend and a width of 1 to ${FUSED_CE_MAX_DIM}`,
  supported: ({ dim }) => tf.getBackend() === 'webgpu' && dim >= 1 && dim <= FUSED_CE_MAX_DIM,
  key: ({ dim }) => String(dim),
  probe: ({ dim }) => {
    const h = tf.ones([2, dim]) as tf.Tensor2D;
    const E = tf.ones([3, dim]) as tf.Tensor2D;
    const t = tf.tensor1d([0, 2], 'int32');
    const fw = softmaxCEForwardWebGPU(h, E, t);
    const g = softmaxCEBackwardWebGPU(h, E, t, fw, tf.ones([2]) as tf.Tensor1D);
    return [fw, g.dh, g.dE];
  },
  autoNeedsValidation: true,
};

/**
 * Per row of materialised logits `[P, Np]` (the first N columns real, the rest padding):
 * `[2P]` = loss_p = lse_p - L[p, t_p], then lse_p. One workgroup per row.
 */
class RowLogSumExpProgram extends CEProgram {
  variableNames = ['L', 'targets'];
  shaderKey = 'burrowSoftmaxCERowLse';
  override uniforms = 'rows : i32, items : i32, pitchL : i32,';
  constructor(rows: number) {
    super([2 * rows], rows, 0);
  }
  getUserCode(): string {
    return `
var<workgroup> mPart : array<f32, ${WG}>;
var<workgroup> sPart : array<f32, ${WG}>;
fn main(index : i32) {
  let tid = localId.x;
  ${GROUP_INDEX_WGSL}
  let P = u32(uniforms.rows);
  let N = u32(uniforms.items);
  let Np = u32(uniforms.pitchL);
  let valid = g < P;
  let p = min(g, P - 1u);
  var m = -3.0e38;
  var s = 0.0;
  for (var n = tid; n < N; n = n + ${WG}u) {
    let v = L[p * Np + n];
    if (v > m) { s = s * exp(m - v) + 1.0; m = v; } else { s = s + exp(v - m); }
  }
  ${LSE_MERGE_WGSL}
  if (tid == 0u && valid) {
    let lse = mPart[0] + log(sPart[0]);
    result[p] = lse - L[p * Np + u32(targets[p])];
    result[P + p] = lse;
  }
}`;
  }
}

/** `[P, Np]` dL/dlogits = dy_p (softmax_pn - [n = t_p]), zero on the padding columns. */
class LogitsGradProgram implements WebGPUProgram {
  variableNames = ['L', 'targets', 'fwd', 'dy'];
  outputShape: number[];
  shaderKey = 'burrowSoftmaxCELogitsGrad';
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WG, 1, 1];
  uniforms = 'rows : i32, items : i32, pitchL : i32, pitch : i32,';
  size = false;
  constructor(rows: number, paddedItems: number) {
    this.outputShape = [rows, paddedItems];
    this.dispatch = flatDispatch(rows * paddedItems, WG, maxWorkgroupsPerDimension());
  }
  getUserCode(): string {
    return `
fn main(index : i32) {
  ${FLAT_INDEX_WGSL}
  let P = u32(uniforms.rows);
  let N = u32(uniforms.items);
  let Np = u32(uniforms.pitchL);
  if (i >= P * Np) { return; }
  let p = i / Np;
  let n = i % Np;
  var v = 0.0;
  if (n < N) {
    let dyp = dy[p];
    v = exp(L[i] - fwd[P + p]) * dyp;
    if (n == u32(targets[p])) { v = v - dyp; }
  }
  result[i] = v;
}`;
  }
}

/** Rows of the result each thread of the materialised form's products keeps in registers. */
const BLOCK_ROWS = 8;

/**
 * `[P]` -log softmax(h E^T)[target] with gradients w.r.t. h and E: the logits `[P, N]` stored once
 * (as the stock form does), every product a register-blocked kernel (blocked-matmul-webgpu.ts),
 * the logsumexp and dL/dlogits one pass each. Five dispatches instead of the stock form's dozen,
 * and about a quarter of its time on SwiftShader (bench section 4). Needs a width divisible by 4;
 * the catalog is padded to a multiple of 4 items with zero rows that the loss ignores.
 */
export function blockedSoftmaxCrossEntropyWebGPU(h: tf.Tensor2D, E: tf.Tensor2D, targets: tf.Tensor1D): tf.Tensor1D {
  const [P, d] = h.shape;
  const N = E.shape[0];
  if (E.shape[1] !== d) throw new Error(`h has ${d} columns, E ${E.shape[1]}`);
  if (d % 4 !== 0) throw new Error(`the blocked softmax cross-entropy needs a width divisible by 4, got ${d}`);
  if (targets.size !== P || targets.dtype !== 'int32') throw new Error(`targets must be int32 [${P}]`);
  const Np = Math.ceil(N / 4) * 4;
  const lseUniforms = [
    { type: 'int32' as const, data: [P] },
    { type: 'int32' as const, data: [N] },
    { type: 'int32' as const, data: [Np] },
  ];
  const f = tf.customGrad((...args) => {
    const [x, e, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    const ep = (Np === N ? e : tf.pad(e, [[0, Np - N], [0, 0]])) as tf.Tensor2D;
    const L = blockedMatMulWebGPU(x, tf.transpose(ep) as tf.Tensor2D, false, 2 * BLOCK_ROWS); // [P, Np]
    const forward = runProgram(new RowLogSumExpProgram(P), [L, targets], lseUniforms) as tf.Tensor1D;
    save([x, ep, L, forward]);
    return {
      value: tf.slice(forward, 0, P),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, eps, Ls, fw] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
        const program = new LogitsGradProgram(P, Np);
        const G = runProgram(program, [Ls, targets, fw, tf.reshape(dy, [P])], [
          ...lseUniforms,
          { type: 'int32', data: [program.dispatch[0] * WG] },
        ]) as tf.Tensor2D;
        const dh = blockedMatMulWebGPU(G, eps, false, BLOCK_ROWS); // [P, d]
        const dEp = blockedMatMulWebGPU(G, xs, true, BLOCK_ROWS); // [Np, d]
        return [dh, Np === N ? dEp : tf.slice(dEp, [0, 0], [N, d])];
      },
    };
  });
  return f(h, E) as tf.Tensor1D;
}

/**
 * The kernel half of the materialised full-softmax cross-entropy (src/models/sequence/ops.ts pairs
 * it with the stock form): for catalogs whose `[P, N]` logits fit in memory. 'auto' runs it only
 * once it passed validation, as for the fused kernels.
 */
export const SOFTMAX_CE_BLOCKED_KERNEL: FusedKernelSpec<{ dim: number }> = {
  name: 'softmax cross-entropy (blocked)',
  requirement: 'the webgpu backend and a width divisible by 4',
  supported: ({ dim }) => tf.getBackend() === 'webgpu' && dim >= 4 && dim % 4 === 0,
  key: ({ dim }) => String(dim),
  probe: ({ dim }) => {
    const made: tf.Tensor[] = [];
    const h = tf.ones([2, dim]) as tf.Tensor2D;
    const E = tf.ones([3, dim]) as tf.Tensor2D;
    const t = tf.tensor1d([0, 2], 'int32');
    const { value, grads } = tf.valueAndGrads((x: tf.Tensor, e: tf.Tensor) => tf.sum(blockedSoftmaxCrossEntropyWebGPU(x as tf.Tensor2D, e as tf.Tensor2D, t)) as tf.Scalar)([h, E]);
    made.push(value, ...grads);
    return made;
  },
  autoNeedsValidation: true,
};
