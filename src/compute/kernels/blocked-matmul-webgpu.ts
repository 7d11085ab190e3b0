/**
 * Register-blocked matrix products on WebGPU, for the sequence models' output layer
 * (softmax-ce-webgpu.ts): `C = A B` and `C = A^T B` where B's rows are read as vec4.
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

const WG = 64;

const repeat = (n: number, line: (j: number) => string) => Array.from({ length: n }, (_, j) => line(j)).join('\n    ');

class BlockedMatMulProgram implements WebGPUProgram {
  variableNames = ['A', 'B'];
  variableComponents = [1, 4];
  outputComponent = 4;
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WG, 1, 1];
  uniforms = 'm : i32, k : i32, cols4 : i32, pitch : i32,';
  size = false;

  constructor(
    m: number,
    cols4: number,
    private readonly rows: number,
    private readonly transposeA: boolean,
  ) {
    this.outputShape = [m, cols4 * 4];
    this.dispatch = flatDispatch(cols4 * Math.ceil(m / rows), WG, maxWorkgroupsPerDimension());
    this.shaderKey = `burrowBlockedMatMul_${rows}_${transposeA ? 'T' : 'N'}`;
  }

  getUserCode(): string {
    const R = this.rows;
    // A is [m, k] (row j of the block at aRow_j + kk) or, transposed, [k, m] (at kk * m + aCol_j)
    const rowOf = (j: number) =>
      this.transposeA ? `let a${j} = min(r0 + ${j}u, M - 1u);` : `let a${j} = min(r0 + ${j}u, M - 1u) * K;`;
    const aAt = (j: number) => (this.transposeA ? `A[kk * M + a${j}]` : `A[a${j} + kk]`);
    return `
fn main(index : i32) {
  ${FLAT_INDEX_WGSL}
  let M = u32(uniforms.m);
  let K = u32(uniforms.k);
  let C4 = u32(uniforms.cols4);
  let c = i % C4;
  let r0 = (i / C4) * ${R}u;
  if (r0 >= M) { return; }
    ${repeat(R, rowOf)}
    ${repeat(R, (j) => `var acc${j} = vec4<f32>(0.0);`)}
  for (var kk = 0u; kk < K; kk = kk + 1u) {
    let b = B[kk * C4 + c];
    ${repeat(R, (j) => `acc${j} = fma(vec4<f32>(${aAt(j)}), b, acc${j});`)}
  }
    ${repeat(R, (j) => `if (r0 + ${j}u < M) { result[(r0 + ${j}u) * C4 + c] = acc${j}; }`)}
}`;
  }
}

/**
 * `A B` (or `A^T B` with `transposeA`) for A `[m, k]` (`[k, m]`) and B `[k, n]` with n a multiple
 * of 4, as `[m, n]`; `rows` rows of the result per thread.
 */
export function blockedMatMulWebGPU(A: tf.Tensor2D, B: tf.Tensor2D, transposeA = false, rows = 8): tf.Tensor2D {
  const [m, k] = transposeA ? [A.shape[1], A.shape[0]] : A.shape;
  const [kb, n] = B.shape;
  if (kb !== k) throw new Error(`blockedMatMul: inner sizes ${k} and ${kb} differ`);
  if (n % 4 !== 0) throw new Error(`blockedMatMul: B needs a multiple of 4 columns, got ${n}`);
  const cols4 = n / 4;
  const program = new BlockedMatMulProgram(m, cols4, rows, transposeA);
  return runProgram(program, [A, B], [
    { type: 'int32', data: [m] },
    { type: 'int32', data: [k] },
    { type: 'int32', data: [cols4] },
    { type: 'int32', data: [program.dispatch[0] * WG] },
  ]) as tf.Tensor2D;
}
