/**
 * SASRec's attention weights on WebGPU: `softmax(scale * logits + bias)` over the keys, where the
 * bias is -1e9 on padded keys and (causal) on keys after the query, with its gradient. The stock
 * form (src/models/sequence/network.ts) builds the `[B, 1, W, W]` bias on the CPU, uploads it every
 * call, and runs a scale, a broadcasting add and TF.js's softmax (max, sub, exp, sum, div), then as
 * many ops again backwards, among them a Sum over `[B, H, W, W]`: about 0.3 s of a 2 s SASRec step
 * on SwiftShader for rows of only W <= 200 keys. Here each query row is one thread, forward and
 * backward: the bias comes from the `[B, W]` mask inside the kernel.
 *
 * The bias is added exactly as the stock form adds it (so rows whose keys are all masked come out
 * the same: uniform over the padded keys), and the products around it stay the blocked kernels.
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { FLAT_INDEX_WGSL, flatDispatch, maxWorkgroupsPerDimension, runProgram, type ProgramUniform } from './program';
import type { FusedKernelSpec } from './registry';

const WG = 64;

/** The additive bias of key `j` for query `q`, as the stock form builds it (pad, then future). */
const BIAS_WGSL = /* wgsl */ `
fn attentionBias(maskValue : f32, q : u32, j : u32) -> f32 {
  var b = (1.0 - maskValue) * -1e9;
  if (uniforms.causal != 0 && j > q) { b = b + -1e9; }
  return b;
}`;

class AttentionSoftmaxProgram implements WebGPUProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WG, 1, 1];
  uniforms = 'rows : i32, width : i32, heads : i32, scale : f32, causal : i32, pitch : i32,';
  size = false;

  /** `backward`: dL/dlogits from the weights P and dL/dP; else the weights from the logits */
  constructor(
    shape: number[],
    private readonly backward: boolean,
  ) {
    this.outputShape = shape;
    this.variableNames = backward ? ['P', 'dP'] : ['logits', 'mask'];
    this.shaderKey = `burrowAttentionSoftmax_${backward ? 'grad' : 'fwd'}`;
    const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    this.dispatch = flatDispatch(rows, WG, maxWorkgroupsPerDimension());
  }

  getUserCode(): string {
    const header = `
  ${FLAT_INDEX_WGSL}
  if (i >= u32(uniforms.rows)) { return; }
  let W = u32(uniforms.width);
  let base = i * W;`;
    if (this.backward) {
      // d logits_j = scale * P_j (dP_j - sum_k P_k dP_k)
      return `
fn main(index : i32) {${header}
  var dot = 0.0;
  for (var j = 0u; j < W; j = j + 1u) { dot = fma(P[base + j], dP[base + j], dot); }
  for (var j = 0u; j < W; j = j + 1u) { result[base + j] = uniforms.scale * P[base + j] * (dP[base + j] - dot); }
}`;
    }
    // row i is query q of head h of sequence b: logits [B*H, W, W], mask [B, W]
    return `${BIAS_WGSL}
fn main(index : i32) {${header}
  let q = i % W;
  let maskBase = (i / (W * u32(uniforms.heads))) * W;
  var top = -3.4e38;
  for (var j = 0u; j < W; j = j + 1u) {
    top = max(top, uniforms.scale * logits[base + j] + attentionBias(mask[maskBase + j], q, j));
  }
  var total = 0.0;
  for (var j = 0u; j < W; j = j + 1u) {
    let e = exp(uniforms.scale * logits[base + j] + attentionBias(mask[maskBase + j], q, j) - top);
    result[base + j] = e;
    total = total + e;
  }
  let inv = 1.0 / total;
  for (var j = 0u; j < W; j = j + 1u) { result[base + j] = result[base + j] * inv; }
}`;
  }
}

function uniformsFor(program: AttentionSoftmaxProgram, rows: number, width: number, heads: number, scale: number, causal: boolean): ProgramUniform[] {
  return [
    { type: 'int32', data: [rows] },
    { type: 'int32', data: [width] },
    { type: 'int32', data: [heads] },
    { type: 'float32', data: [scale] },
    { type: 'int32', data: [causal ? 1 : 0] },
    { type: 'int32', data: [program.dispatch[0] * WG] },
  ];
}

/**
 * Attention weights `softmax(scale * logits + bias)` over the last axis of `logits`
 * `[B * heads, W, W]` (query rows, key columns; sequence b's heads consecutive), where the bias is
 * -1e9 on keys whose `mask` `[B, W]` is 0 and, with `causal`, on keys after the query. Gradient
 * w.r.t. the logits only.
 */
export function attentionSoftmaxWebGPU(logits: tf.Tensor3D, mask: tf.Tensor2D, heads: number, scale: number, causal: boolean): tf.Tensor3D {
  const [rowsOfHeads, W, Wk] = logits.shape;
  const [B, Wm] = mask.shape;
  if (Wk !== W || Wm !== W) throw new Error(`attention softmax: logits [${logits.shape}] and mask [${mask.shape}] disagree`);
  if (rowsOfHeads !== B * heads) throw new Error(`attention softmax: ${rowsOfHeads} rows of heads, expected ${B} x ${heads}`);
  const rows = rowsOfHeads * W;
  const f = tf.customGrad((...args) => {
    const [x, save] = args as [tf.Tensor3D, tf.GradSaveFunc];
    const program = new AttentionSoftmaxProgram(x.shape, false);
    const P = runProgram(program, [x, mask], uniformsFor(program, rows, W, heads, scale, causal)) as tf.Tensor3D;
    save([P]);
    return {
      value: P,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const back = new AttentionSoftmaxProgram(x.shape, true);
        return runProgram(back, [saved[0]!, dy], uniformsFor(back, rows, W, heads, scale, causal));
      },
    };
  });
  return f(logits) as tf.Tensor3D;
}

export const ATTENTION_SOFTMAX_KERNEL: FusedKernelSpec<Record<string, never>> = {
  name: 'attention softmax',
  requirement: 'the webgpu backend',
  supported: () => tf.getBackend() === 'webgpu',
  key: () => 'any',
  probe: () => {
    const logits = tf.tensor3d([0.5, -1, 2, 0.25, 1, 3, -2, 0, 1, 4, 0.5, 1, -1, 2, 0, 1, 3, 0], [2, 3, 3]);
    const mask = tf.tensor2d([1, 1, 1, 0, 1, 1], [2, 3]);
    const { value, grads } = tf.valueAndGrads((x: tf.Tensor) =>
      tf.sum(tf.square(attentionSoftmaxWebGPU(x as tf.Tensor3D, mask, 1, 0.5, true))) as tf.Scalar,
    )([logits]);
    return [value, ...grads];
  },
  autoNeedsValidation: true,
};
