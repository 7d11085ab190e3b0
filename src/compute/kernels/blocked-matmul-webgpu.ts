/**
 * Register-blocked matrix products on WebGPU, for the sequence models (their output layer in
 * softmax-ce-webgpu.ts, their dense layers and attention through src/models/sequence/ops.ts):
 * `C = A B` and `C = A^T B`, single or batched, with an optional bias row. B is read as vec4s where
 * its width is a multiple of 4, else as scalars.
 *
 * Each thread owns one vec4 column group of C and `rows` consecutive rows of it, all in
 * registers: one load of B feeds `rows` fused multiply-adds, and the loads of A are the same for
 * every thread of a workgroup (uniform). No shared memory and no barriers. On this machine's
 * SwiftShader (software Vulkan) that is what pays: for [1600, 64] x [64, 3700] and the two
 * gradient products of the same size, 8 rows per thread ran at 2.8-3.1 GFLOP/s and 16 at 3.6,
 * against 0.28-0.79 GFLOP/s for TF.js's tiled matMul (measured side by side in one page,
 * 2026-12-07). On a real GPU the tiled kernel may be the faster one; the callers only use these
 * where their registry entry says so.
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { FLAT_INDEX_WGSL, flatDispatch, maxWorkgroupsPerDimension, runProgram } from './program';
import type { FusedKernelSpec } from './registry';

const WG = 64;

const repeat = (n: number, line: (j: number) => string) => Array.from({ length: n }, (_, j) => line(j)).join('\n    ');

class BlockedMatMulProgram implements WebGPUProgram {
  variableNames: string[];
  variableComponents: number[];
  outputComponent: number;
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WG, 1, 1];
  uniforms = 'batches : i32, m : i32, k : i32, n : i32, cols4 : i32, pitch : i32,';
  size = false;

  /** `vec`: n is a multiple of 4, so B, the bias and the result are read and written as vec4s */
  private readonly vec: boolean;

  constructor(
    batches: number,
    m: number,
    n: number,
    private readonly rows: number,
    private readonly transposeA: boolean,
    private readonly hasBias: boolean,
  ) {
    this.vec = n % 4 === 0;
    const components = this.vec ? 4 : 1;
    this.variableNames = hasBias ? ['A', 'B', 'bias'] : ['A', 'B'];
    this.variableComponents = hasBias ? [1, components, components] : [1, components];
    this.outputComponent = components;
    this.outputShape = batches > 1 ? [batches, m, n] : [m, n];
    this.dispatch = flatDispatch(batches * Math.ceil(n / 4) * Math.ceil(m / rows), WG, maxWorkgroupsPerDimension());
    this.shaderKey = `burrowBlockedMatMul_${rows}_${transposeA ? 'T' : 'N'}${hasBias ? '_bias' : ''}${this.vec ? '' : '_scalar'}`;
  }

  getUserCode(): string {
    const R = this.rows;
    // A is [m, k] (row j of the block at aRow_j + kk) or, transposed, [k, m] (at kk * m + aCol_j)
    const rowOf = (j: number) =>
      this.transposeA ? `let a${j} = aBase + min(r0 + ${j}u, M - 1u);` : `let a${j} = aBase + min(r0 + ${j}u, M - 1u) * K;`;
    const aAt = (j: number) => (this.transposeA ? `A[kk * M + a${j}]` : `A[a${j} + kk]`);
    // a column group: one vec4 of B, or (n not a multiple of 4) up to 4 scalars, clamped
    const col = (q: number) => `min(4u * c + ${q}u, N - 1u)`;
    const loadB = this.vec ? `B[bBase + kk * C4 + c]` : `vec4<f32>(${[0, 1, 2, 3].map((q) => `B[bBase + kk * N + ${col(q)}]`).join(', ')})`;
    const biasInit = this.vec ? 'bias[c]' : `vec4<f32>(${[0, 1, 2, 3].map((q) => `bias[${col(q)}]`).join(', ')})`;
    const store = (j: number) =>
      this.vec
        ? `if (r0 + ${j}u < M) { result[cBase + (r0 + ${j}u) * C4 + c] = acc${j}; }`
        : `if (r0 + ${j}u < M) { for (var q = 0u; q < 4u; q = q + 1u) { if (4u * c + q < N) { result[cBase + (r0 + ${j}u) * N + 4u * c + q] = acc${j}[q]; } } }`;
    return `
fn main(index : i32) {
  ${FLAT_INDEX_WGSL}
  let M = u32(uniforms.m);
  let K = u32(uniforms.k);
  let N = u32(uniforms.n);
  let C4 = u32(uniforms.cols4);
  let blocks = (M + ${R - 1}u) / ${R}u;
  let batch = i / (C4 * blocks);
  let within = i % (C4 * blocks);
  let c = within % C4;
  let r0 = (within / C4) * ${R}u;
  if (batch >= u32(uniforms.batches) || r0 >= M) { return; }
  let aBase = batch * M * K;
  let bBase = batch * K * ${this.vec ? 'C4' : 'N'};
  let cBase = batch * M * ${this.vec ? 'C4' : 'N'};
    ${repeat(R, rowOf)}
    ${repeat(R, (j) => `var acc${j} = ${this.hasBias ? biasInit : 'vec4<f32>(0.0)'};`)}
  for (var kk = 0u; kk < K; kk = kk + 1u) {
    let b = ${loadB};
    ${repeat(R, (j) => `acc${j} = fma(vec4<f32>(${aAt(j)}), b, acc${j});`)}
  }
    ${repeat(R, store)}
}`;
  }
}

/**
 * `A B` (or `A^T B` with `transposeA`) for A `[m, k]` (`[k, m]`) and B `[k, n]`, as `[m, n]`, plus
 * `bias` `[n]` on every row when given; `rows` rows of the result per thread. Rank 3 inputs are
 * batches of such products (`[b, m, k] x [b, k, n]`, no bias). n a multiple of 4 reads B as vec4s;
 * other widths read it as scalars.
 */
export function blockedMatMulWebGPU<T extends tf.Tensor2D | tf.Tensor3D>(A: T, B: T, transposeA = false, rows = 8, bias?: tf.Tensor1D): T {
  const batched = A.rank === 3;
  if (B.rank !== A.rank) throw new Error(`blockedMatMul: ranks ${A.rank} and ${B.rank} differ`);
  const batches = batched ? A.shape[0] : 1;
  if (batched && B.shape[0] !== batches) throw new Error(`blockedMatMul: batches ${batches} and ${B.shape[0]} differ`);
  const [a0, a1] = batched ? [A.shape[1]!, A.shape[2]!] : [A.shape[0], A.shape[1]!];
  const [m, k] = transposeA ? [a1, a0] : [a0, a1];
  const [kb, n] = batched ? [B.shape[1]!, B.shape[2]!] : [B.shape[0], B.shape[1]!];
  if (kb !== k) throw new Error(`blockedMatMul: inner sizes ${k} and ${kb} differ`);
  if (bias && (bias.size !== n || batched)) throw new Error(`blockedMatMul: a bias needs rank 2 and ${n} values, got ${bias.size}`);
  const cols4 = Math.ceil(n / 4);
  const program = new BlockedMatMulProgram(batches, m, n, rows, transposeA, bias !== undefined);
  return runProgram(program, bias ? [A, B, bias] : [A, B], [
    { type: 'int32', data: [batches] },
    { type: 'int32', data: [m] },
    { type: 'int32', data: [k] },
    { type: 'int32', data: [n] },
    { type: 'int32', data: [cols4] },
    { type: 'int32', data: [program.dispatch[0] * WG] },
  ]) as T;
}

/** The register-blocked products as a registry entry: one validation covers every size (they are uniforms). */
export const BLOCKED_MATMUL_KERNEL: FusedKernelSpec<Record<string, never>> = {
  name: 'blocked matMul',
  requirement: 'the webgpu backend',
  supported: () => tf.getBackend() === 'webgpu',
  // the shaders depend only on the rows per thread and the transpose, not on the sizes
  key: () => 'any',
  probe: () => {
    const a = tf.ones([3, 2]) as tf.Tensor2D;
    const b = tf.ones([2, 4]) as tf.Tensor2D;
    const at = tf.ones([2, 3]) as tf.Tensor2D;
    const bias = tf.ones([4]) as tf.Tensor1D;
    const b3 = tf.ones([2, 2, 3]) as tf.Tensor3D;
    const a3 = tf.ones([2, 3, 2]) as tf.Tensor3D;
    return [1, 8, 16].flatMap((rows) => [
      blockedMatMulWebGPU(a, b, false, rows),
      blockedMatMulWebGPU(at, b, true, rows),
      blockedMatMulWebGPU(a, b, false, rows, bias),
      blockedMatMulWebGPU(a3, b3, false, rows),
      blockedMatMulWebGPU(b3, b3, true, rows, undefined),
    ]);
  },
  autoNeedsValidation: true,
};

/** `sum over rows of x` `[rows, n]` -> `[n]` (n a multiple of 4): a bias's gradient, as ones^T x. */
export function columnSumWebGPU(x: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.reshape(blockedMatMulWebGPU(tf.ones([x.shape[0], 1]) as tf.Tensor2D, x, true, 1), [x.shape[1]]) as tf.Tensor1D);
}
