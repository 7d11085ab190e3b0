/**
 * Layer norm over the last axis on WebGPU, forward and backward, for widths divisible by 4
 * (src/models/sequence/ops.ts pairs it with its stock form, `layerNorm`'s own). The stock form
 * takes each row's mean as a matMul with a `[d, 1]` column and applies gamma and beta as
 * broadcasting ops; on SwiftShader those were 28 ms each at [1600, 64] (a SASRec step has 20 such
 * matMuls and 20 such ops), against under a millisecond for the same-shaped plain elementwise op.
 * Four small programs instead: per-row statistics, the affine output, dx per row, and the
 * parameter gradients per column, all reading vec4s.
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { FLAT_INDEX_WGSL, flatDispatch, maxWorkgroupsPerDimension, runProgram } from './program';
import type { FusedKernelSpec } from './registry';

const WG = 64;

abstract class LayerNormProgram implements WebGPUProgram {
  abstract variableNames: string[];
  abstract variableComponents: number[];
  outputComponent: number;
  outputShape: number[];
  abstract shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WG, 1, 1];
  uniforms = 'rows : i32, cols4 : i32, eps : f32, pitch : i32,';
  size = false;
  constructor(outputShape: number[], threads: number, outputComponent: number) {
    this.outputShape = outputShape;
    this.outputComponent = outputComponent;
    this.dispatch = flatDispatch(threads, WG, maxWorkgroupsPerDimension());
  }
  abstract getUserCode(): string;
}

const HEADER = `
  ${FLAT_INDEX_WGSL}
  let R = u32(uniforms.rows);
  let C4 = u32(uniforms.cols4);`;

const hsum = (v: string) => `dot(${v}, vec4<f32>(1.0))`;

/** `[rows, 2]`: each row's mean and 1 / sqrt(var + eps) (the biased variance, as tf.moments). */
class StatsProgram extends LayerNormProgram {
  variableNames = ['x'];
  variableComponents = [4];
  shaderKey = 'burrowLayerNormStats';
  constructor(rows: number) {
    super([rows, 2], rows, 1);
  }
  getUserCode(): string {
    return `
fn main(index : i32) {${HEADER}
  if (i >= R) { return; }
  let base = i * C4;
  var s = vec4<f32>(0.0);
  for (var c = 0u; c < C4; c = c + 1u) { s = s + x[base + c]; }
  let mean = ${hsum('s')} / f32(4u * C4);
  var q = vec4<f32>(0.0);
  for (var c = 0u; c < C4; c = c + 1u) { let v = x[base + c] - vec4<f32>(mean); q = fma(v, v, q); }
  result[2u * i] = mean;
  result[2u * i + 1u] = inverseSqrt(${hsum('q')} / f32(4u * C4) + uniforms.eps);
}`;
  }
}

/** `[rows, d]`: (x - mean) * rstd * gamma + beta. */
class ApplyProgram extends LayerNormProgram {
  variableNames = ['x', 'stats', 'gamma', 'beta'];
  variableComponents = [4, 1, 4, 4];
  shaderKey = 'burrowLayerNormApply';
  constructor(rows: number, cols4: number) {
    super([rows, cols4 * 4], rows * cols4, 4);
  }
  getUserCode(): string {
    return `
fn main(index : i32) {${HEADER}
  if (i >= R * C4) { return; }
  let r = i / C4;
  let c = i % C4;
  result[i] = (x[i] - vec4<f32>(stats[2u * r])) * stats[2u * r + 1u] * gamma[c] + beta[c];
}`;
  }
}

/** `[rows, d]`: dx = rstd (g - mean(g) - xhat mean(g xhat)), g = dy gamma; one thread per row. */
class InputGradProgram extends LayerNormProgram {
  variableNames = ['x', 'stats', 'gamma', 'dy'];
  variableComponents = [4, 1, 4, 4];
  shaderKey = 'burrowLayerNormDx';
  constructor(rows: number, cols4: number) {
    super([rows, cols4 * 4], rows, 4);
  }
  getUserCode(): string {
    return `
fn main(index : i32) {${HEADER}
  if (i >= R) { return; }
  let base = i * C4;
  let mean = vec4<f32>(stats[2u * i]);
  let rstd = stats[2u * i + 1u];
  var sg = vec4<f32>(0.0);
  var sgx = vec4<f32>(0.0);
  for (var c = 0u; c < C4; c = c + 1u) {
    let g = dy[base + c] * gamma[c];
    sg = sg + g;
    sgx = fma(g, (x[base + c] - mean) * rstd, sgx);
  }
  let n = f32(4u * C4);
  let mg = vec4<f32>(${hsum('sg')} / n);
  let mgx = vec4<f32>(${hsum('sgx')} / n);
  for (var c = 0u; c < C4; c = c + 1u) {
    let xhat = (x[base + c] - mean) * rstd;
    result[base + c] = rstd * (dy[base + c] * gamma[c] - mg - xhat * mgx);
  }
}`;
  }
}

/** `[2, d]`: the gradients of gamma (sum of dy xhat over rows) and beta (sum of dy); one thread per column group. */
class ParamGradProgram extends LayerNormProgram {
  variableNames = ['x', 'stats', 'dy'];
  variableComponents = [4, 1, 4];
  shaderKey = 'burrowLayerNormDParams';
  constructor(cols4: number) {
    super([2, cols4 * 4], cols4, 4);
  }
  getUserCode(): string {
    return `
fn main(index : i32) {${HEADER}
  if (i >= C4) { return; }
  var dg = vec4<f32>(0.0);
  var db = vec4<f32>(0.0);
  for (var r = 0u; r < R; r = r + 1u) {
    let g = dy[r * C4 + i];
    dg = fma(g, (x[r * C4 + i] - vec4<f32>(stats[2u * r])) * stats[2u * r + 1u], dg);
    db = db + g;
  }
  result[i] = dg;
  result[C4 + i] = db;
}`;
  }
}

function run(program: LayerNormProgram, inputs: tf.Tensor[], rows: number, cols4: number, eps: number): tf.Tensor {
  return runProgram(program, inputs, [
    { type: 'int32', data: [rows] },
    { type: 'int32', data: [cols4] },
    { type: 'float32', data: [eps] },
    { type: 'int32', data: [program.dispatch[0] * WG] },
  ]);
}

/**
 * `(x - mean) / sqrt(var + eps) * gamma + beta` over the last axis of `x` `[..., d]` (d divisible
 * by 4), with gradients w.r.t. x, gamma and beta, on WebGPU.
 */
export function layerNormWebGPU(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps = 1e-6): tf.Tensor {
  const shape = x.shape;
  const d = shape[shape.length - 1]!;
  if (d % 4 !== 0) throw new Error(`layerNormWebGPU needs a width divisible by 4, got ${d}`);
  const rows = x.size / d;
  const cols4 = d / 4;
  const f = tf.customGrad((...args) => {
    const [xi, g, b, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const x2 = tf.reshape(xi, [rows, d]);
    const stats = run(new StatsProgram(rows), [x2], rows, cols4, eps);
    const y = run(new ApplyProgram(rows, cols4), [x2, stats, g, b], rows, cols4, eps);
    save([x2, stats, g]);
    return {
      value: tf.reshape(y, shape),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, st, gs] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        const dy2 = tf.reshape(dy, [rows, d]);
        const dx = run(new InputGradProgram(rows, cols4), [xs, st, gs, dy2], rows, cols4, eps);
        const dp = run(new ParamGradProgram(cols4), [xs, st, dy2], rows, cols4, eps);
        const [dGamma, dBeta] = tf.unstack(dp);
        return [tf.reshape(dx, shape), dGamma!, dBeta!];
      },
    };
  });
  return f(x, gamma, beta);
}

export const LAYER_NORM_KERNEL: FusedKernelSpec<{ dim: number }> = {
  name: 'layer norm',
  requirement: 'the webgpu backend and a width divisible by 4',
  supported: ({ dim }) => tf.getBackend() === 'webgpu' && dim >= 4 && dim % 4 === 0,
  key: () => 'any',
  probe: () => {
    const x = tf.tensor2d([1, 2, 3, 4, 0, 0, 1, 1], [2, 4]);
    const { value, grads } = tf.valueAndGrads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(layerNormWebGPU(a, g, b))) as tf.Scalar)([x, tf.ones([4]), tf.zeros([4])]);
    return [value, ...grads];
  },
  autoNeedsValidation: true,
};
