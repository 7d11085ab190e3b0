/**
 * Fused WebGPU weighted embedding bag (the content tower's first layer):
 *   forward   out[n, c] = sum_f weights[n, f] * rows[rowOf[n*F + f], c]
 *   backward  dRows[r, c] = sum over the slots k = n*F + f with rowOf[k] == r of weights[k] * dy[n, c]
 * The backward pass walks a CSR list of each row's slots (built on the CPU), so duplicates are summed
 * without atomics. Stock ops need a gather, a multiply, a transpose, a reduce and a scatterND whose
 * float atomics serialise on popular features: seconds per step on a software adapter, for tens of
 * thousands of slots into a vocabulary of a few thousand rows.
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { FLAT_INDEX_WGSL, flatDispatch, maxWorkgroupsPerDimension, runProgram } from './program';
import type { FusedKernelSpec } from './registry';

const WG = 256;

/** The kernel half of the embedding-bag op (src/models/layers pairs it with stock ops); no configuration. */
export const EMBEDDING_BAG_KERNEL: FusedKernelSpec<Record<string, never>> = {
  name: 'embedding bag',
  requirement: 'the webgpu backend',
  supported: () => tf.getBackend() === 'webgpu',
  key: () => 'bag',
  probe: () => {
    const rows = tf.ones([3, 2]) as tf.Tensor2D;
    const weights = tf.ones([2, 2]) as tf.Tensor2D;
    const forward = embeddingBagForwardWebGPU(rows, tf.tensor1d([0, 2, 1, 2], 'int32'), weights);
    const backward = embeddingBagBackwardWebGPU(forward, weights, tf.tensor1d([0, 1, 2, 4], 'int32'), tf.tensor1d([0, 2, 1, 3], 'int32'), 3);
    return [forward, backward];
  },
};

class BagForwardProgram implements WebGPUProgram {
  variableNames = ['rows', 'rowOf', 'weights'];
  outputShape: number[];
  shaderKey = 'burrowEmbeddingBagFwd';
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WG, 1, 1];
  uniforms = 'bags : i32, perBag : i32, dim : i32, pitch : i32,';

  constructor(bags: number, dim: number) {
    this.outputShape = [bags, dim];
    this.dispatch = flatDispatch(bags * dim, WG, maxWorkgroupsPerDimension());
  }

  getUserCode(): string {
    return `
fn main(index : i32) {
  ${FLAT_INDEX_WGSL}
  let D = u32(uniforms.dim);
  let F = u32(uniforms.perBag);
  if (i >= u32(uniforms.bags) * D) { return; }
  let n = i / D;
  let c = i - n * D;
  var acc = 0.0;
  for (var f = 0u; f < F; f = f + 1u) {
    let k = n * F + f;
    acc = fma(weights[k], rows[u32(rowOf[k]) * D + c], acc);
  }
  result[i] = acc;
}`;
  }
}

class BagBackwardProgram implements WebGPUProgram {
  variableNames = ['dy', 'weights', 'ptr', 'occ'];
  outputShape: number[];
  shaderKey = 'burrowEmbeddingBagGrad';
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WG, 1, 1];
  uniforms = 'rowCount : i32, perBag : i32, dim : i32, pitch : i32,';

  constructor(rowCount: number, dim: number) {
    this.outputShape = [rowCount, dim];
    this.dispatch = flatDispatch(rowCount * dim, WG, maxWorkgroupsPerDimension());
  }

  getUserCode(): string {
    return `
fn main(index : i32) {
  ${FLAT_INDEX_WGSL}
  let D = u32(uniforms.dim);
  let F = u32(uniforms.perBag);
  if (i >= u32(uniforms.rowCount) * D) { return; }
  let r = i / D;
  let c = i - r * D;
  var acc = 0.0;
  for (var k = u32(ptr[r]); k < u32(ptr[r + 1u]); k = k + 1u) {
    let slot = u32(occ[k]);
    acc = fma(weights[slot], dy[(slot / F) * D + c], acc);
  }
  result[i] = acc;
}`;
  }
}

/** Runs a bag program; `pitch` (threads per dispatch row) is appended to the int uniforms. */
function run(program: WebGPUProgram, inputs: tf.Tensor[], uniforms: number[]): tf.Tensor {
  return runProgram(
    program,
    inputs,
    [...uniforms, program.dispatch[0] * WG].map((x) => ({ type: 'int32' as const, data: [x] })),
  );
}

/** @param rows [R, dim]; rowOf [bags*perBag] int32; weights [bags, perBag] -> [bags, dim] */
export function embeddingBagForwardWebGPU(rows: tf.Tensor2D, rowOf: tf.Tensor1D, weights: tf.Tensor2D): tf.Tensor2D {
  const [bags, perBag] = weights.shape;
  const dim = rows.shape[1];
  if (rowOf.shape[0] !== bags * perBag) throw new Error(`rowOf has ${rowOf.shape[0]} entries, expected ${bags * perBag}`);
  return run(new BagForwardProgram(bags, dim), [rows, rowOf, weights], [bags, perBag, dim]) as tf.Tensor2D;
}

/** @param dy [bags, dim]; ptr [R+1], occ [bags*perBag]: the CSR of rowOf -> [R, dim] */
export function embeddingBagBackwardWebGPU(
  dy: tf.Tensor2D,
  weights: tf.Tensor2D,
  ptr: tf.Tensor1D,
  occ: tf.Tensor1D,
  rowCount: number,
): tf.Tensor2D {
  const dim = dy.shape[1];
  return run(new BagBackwardProgram(rowCount, dim), [dy, weights, ptr, occ], [rowCount, weights.shape[1], dim]) as tf.Tensor2D;
}
