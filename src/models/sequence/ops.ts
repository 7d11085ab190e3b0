import * as tf from '@tensorflow/tfjs';
import {
  ATTENTION_SOFTMAX_KERNEL,
  attentionSoftmaxWebGPU,
  BLOCKED_MATMUL_KERNEL,
  blockedMatMulWebGPU,
  columnSumWebGPU,
  LAYER_NORM_KERNEL,
  layerNormWebGPU,
  blockedSoftmaxCrossEntropyWebGPU,
  defineFusedOp,
  fusedSoftmaxCrossEntropyWebGPU,
  SOFTMAX_CE_BLOCKED_KERNEL,
  SOFTMAX_CE_KERNEL,
  type KernelChoice,
} from '../../compute/kernels';

/**
 * Differentiable building blocks whose backward passes avoid slow kernels.
 *
 * Why: on the wasm backend (TF.js 4.22, the fastest one on our CPU-only machines) a matMul with
 * transposeA/transposeB set is ~8x slower than the same product on explicitly transposed inputs
 * (measured: [6400,64]x[6400,192]^T 70 ms vs 9 ms), and matMul's registered gradient always
 * uses the flags. An explicit transpose is cheap by comparison, and harmless on webgpu.
 */

function transposeLast2(t: tf.Tensor): tf.Tensor {
  return t.rank === 2 ? tf.transpose(t) : tf.transpose(t, [0, 2, 1]);
}

type Product = <T extends tf.Tensor2D | tf.Tensor3D>(a: T, b: T) => T;

/**
 * `a x b` on rank 2 or 3 (batches) by the register-blocked WebGPU kernel (src/compute/kernels)
 * once validated on this device, else tf.matMul: on SwiftShader the blocked kernel ran the output
 * layer's products 3-8x faster than TF.js's tiled matMul.
 */
export const blockedMatMulOp = defineFusedOp<Record<string, never>, Product>({
  ...BLOCKED_MATMUL_KERNEL,
  fused: (a, b) => blockedMatMulWebGPU(a, b),
  stock: (a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D) as typeof a,
});

/** The blocked products run here: on WebGPU, once validated on this device. */
const blocked = () => blockedMatMulOp.choose('auto', {}) === 'fused';
const product: Product = (a, b) => blockedMatMulOp.implementation('auto', {})(a, b);

/** `a^T x b` (the last two axes): the blocked kernel reads a transposed in place; stock ops transpose explicitly. */
const productTransposedA: Product = (a, b) =>
  blocked()
    ? blockedMatMulWebGPU(a, b, true)
    : (tf.matMul(transposeLast2(a) as tf.Tensor2D, b as tf.Tensor2D) as typeof a);

/**
 * `a x b` for rank 2 (`[m, k] x [k, n]`) or rank 3 with equal batch (`[B, m, k] x [B, k, n]`),
 * through {@link blockedMatMulOp}; the gradient with explicit transposes (no transpose flags anywhere).
 */
export function mm<T extends tf.Tensor2D | tf.Tensor3D>(a: T, b: T): T {
  const f = tf.customGrad((...args) => {
    const [x, y, save] = args as [T, T, tf.GradSaveFunc];
    save([x, y]);
    return {
      value: product(x, y),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [product(dy as T, transposeLast2(saved[1]!) as T), productTransposedA(saved[0]! as T, dy as T)],
    };
  });
  return f(a, b) as T;
}

/** `a x b^T` via an explicit transpose (see {@link mm}). */
export function mmT<T extends tf.Tensor2D | tf.Tensor3D>(a: T, b: T): T {
  return mm(a, transposeLast2(b) as T);
}

/**
 * `log(sum(exp(x)))` over the rows of `[n, k]`, with the softmax as its gradient. TF.js's own
 * logSumExp differentiates its max through an Equal mask broadcast against a column, which on
 * wasm runs a slow generic loop (46 ms for [2282, 257], the sampled loss of a SASRec step).
 * @returns `[n]`
 */
export function logSumExpRows(x: tf.Tensor2D): tf.Tensor1D {
  const n = x.shape[0];
  const f = tf.customGrad((...args) => {
    const [xi, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    const m = tf.max(xi, 1, true);
    const e = tf.exp(tf.sub(xi, m));
    const s = tf.sum(e, 1, true);
    save([tf.div(e, s)]);
    return {
      value: tf.reshape(tf.add(m, tf.log(s)), [n]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(saved[0]!, tf.reshape(dy, [n, 1])),
    };
  });
  return f(x) as tf.Tensor1D;
}

/**
 * Layer norm over the last axis, `(x - mean) / sqrt(var + eps) * gamma + beta` (the biased
 * variance, as tf.moments), with its gradient written out:
 * `dx = rstd * (g - mean(g) - xhat * mean(g * xhat))` where `g = dy * gamma`.
 *
 * Why: taped through tf.moments, every mean's gradient builds a ones array of the input's size
 * in JS (TF.js's Mean gradient), ~6% of a SASRec step on wasm, and the tape keeps a dozen
 * intermediates. Means over the last axis are matMuls with a `1/d` column (TF.js's WebGPU reduce
 * is very slow for many short rows, see sumLastAxis), and the parameter gradients are sums over
 * rows as a matMul with a row of ones.
 * @param x `[..., d]`; @param gamma, beta `[d]`
 */
function stockLayerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps = 1e-6): tf.Tensor {
  const shape = x.shape;
  const d = shape[shape.length - 1]!;
  const rows = x.size / d;
  const f = tf.customGrad((...args) => {
    const [xi, g, b, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const col = tf.fill([d, 1], 1 / d);
    const x2 = tf.reshape(xi, [rows, d]) as tf.Tensor2D;
    const xc = tf.sub(x2, tf.matMul(x2, col));
    const rstd = tf.rsqrt(tf.add(tf.matMul(tf.square(xc), col), eps)); // [rows, 1]
    const xhat = tf.mul(xc, rstd) as tf.Tensor2D;
    save([xhat, rstd, g]);
    return {
      value: tf.reshape(tf.add(tf.mul(xhat, g), b), shape),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xh, rs, gs] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor];
        const dy2 = tf.reshape(dy, [rows, d]) as tf.Tensor2D;
        const c = tf.fill([d, 1], 1 / d);
        const gx = tf.mul(dy2, gs) as tf.Tensor2D;
        const dx = tf.mul(rs, tf.sub(tf.sub(gx, tf.matMul(gx, c)), tf.mul(xh, tf.matMul(tf.mul(gx, xh) as tf.Tensor2D, c))));
        const ones = tf.ones([1, rows]);
        const dGamma = tf.reshape(tf.matMul(ones, tf.mul(dy2, xh) as tf.Tensor2D), [d]);
        const dBeta = tf.reshape(tf.matMul(ones, dy2), [d]);
        return [tf.reshape(dx, shape), dGamma, dBeta];
      },
    };
  });
  return f(x, gamma, beta);
}

type LayerNorm = (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps?: number) => tf.Tensor;

/** Layer norm as a fused op: the WebGPU kernels (src/compute/kernels/layer-norm-webgpu.ts) once validated, else stock ops. */
export const layerNormOp = defineFusedOp<{ dim: number }, LayerNorm>({
  ...LAYER_NORM_KERNEL,
  fused: layerNormWebGPU,
  stock: stockLayerNorm,
});

/**
 * Layer norm over the last axis, `(x - mean) / sqrt(var + eps) * gamma + beta` (the biased
 * variance, as tf.moments), through {@link layerNormOp}.
 * @param x `[..., d]`; @param gamma, beta `[d]`
 */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps = 1e-6): tf.Tensor {
  return layerNormOp.implementation('auto', { dim: x.shape[x.shape.length - 1]! })(x, gamma, beta, eps);
}

/**
 * A dense layer `[n, in] x [in, out] + [out]`. With the blocked matMul validated, one op whose bias rides in the product's kernel and whose bias gradient is a
 * column sum: TF.js's broadcasting add and its gradient's reduce took 28 ms and 60-190 ms per call
 * at [1600, 64-192] on SwiftShader.
 */
export function dense(x: tf.Tensor2D, kernel: tf.Tensor, bias: tf.Tensor): tf.Tensor2D {
  if (!blocked()) return tf.add(mm(x, kernel as tf.Tensor2D), bias) as tf.Tensor2D;
  const f = tf.customGrad((...args) => {
    const [xi, w, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
    save([xi, w]);
    return {
      value: blockedMatMulWebGPU(xi, w, false, 8, b),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
        const g = dy as tf.Tensor2D;
        return [blockedMatMulWebGPU(g, tf.transpose(ws)), blockedMatMulWebGPU(xs, g, true), columnSumWebGPU(g)];
      },
    };
  });
  return f(x, kernel, bias) as tf.Tensor2D;
}

/**
 * Additive attention bias `[B, 1, W, W]`: -1e9 where key j is in the future of query i (j > i)
 * or is padding. This is the ONLY thing that keeps position t from seeing t+1.
 * @param mask `[B, W]` 1 = real item
 */
export function attentionBias(mask: tf.Tensor2D, causal = true): tf.Tensor4D {
  const [B, W] = mask.shape;
  const pad = tf.reshape(tf.mul(tf.sub(1, mask), -1e9), [B, 1, 1, W]);
  if (!causal) return tf.tile(pad, [1, 1, W, 1]) as tf.Tensor4D;
  // -1e9 on the strict upper triangle (key j > query i), built on the CPU: W*W is tiny
  const future = new Float32Array(W * W);
  for (let i = 0; i < W; i++) for (let j = i + 1; j < W; j++) future[i * W + j] = -1e9;
  return tf.add(pad, tf.tensor4d(future, [1, 1, W, W])) as tf.Tensor4D;
}

type AttentionWeights = (logits: tf.Tensor3D, mask: tf.Tensor2D, heads: number, scale: number, causal: boolean) => tf.Tensor3D;

/**
 * Attention weights as a fused op: `softmax(scale * logits + attentionBias(mask, causal))` over the
 * keys, for `logits` `[B * heads, W, W]`; one WebGPU kernel each way (src/compute/kernels) once
 * validated, else stock ops.
 */
export const attentionSoftmaxOp = defineFusedOp<Record<string, never>, AttentionWeights>({
  ...ATTENTION_SOFTMAX_KERNEL,
  fused: attentionSoftmaxWebGPU,
  stock: (logits, mask, heads, scale, causal) => {
    const [rows, W] = logits.shape;
    const scaled = tf.reshape(tf.mul(logits, scale), [rows / heads, heads, W, W]);
    return tf.reshape(tf.softmax(tf.add(scaled, attentionBias(mask, causal))), [rows, W, W]) as tf.Tensor3D;
  },
});

/** SASRec's attention weights through {@link attentionSoftmaxOp}: `[B * heads, W, W]` from the raw `q k^T`. */
export function attentionWeights(logits: tf.Tensor3D, mask: tf.Tensor2D, heads: number, scale: number, causal: boolean): tf.Tensor3D {
  return attentionSoftmaxOp.implementation('auto', {})(logits, mask, heads, scale, causal);
}

/**
 * Full-catalog softmax cross-entropy with tied output embeddings, fused so that the `[P, N]`
 * logits are touched as few times as possible (forward: matMul + softmax; backward: one scale,
 * one scatter, two matMuls). TF.js's own logSumExp gradient on `[6400, 1682]` took 1.3 s on wasm.
 *
 * @param h `[P, d]` hidden states; @param E `[N, d]` item embeddings
 * @param targets `[P]` int32 target item of each row (closed over: no gradient)
 * @returns `[P]` -log softmax(h E^T)[target]; gradients w.r.t. h and E
 */
export function softmaxCrossEntropy(h: tf.Tensor2D, E: tf.Tensor2D, targets: tf.Tensor1D): tf.Tensor1D {
  const P = h.shape[0];
  const f = tf.customGrad((...args) => {
    const [x, e, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    const idx = tf.stack([tf.range(0, P, 1, 'int32'), targets], 1) as tf.Tensor2D; // [P, 2]
    const S = tf.softmax(tf.matMul(x, tf.transpose(e))); // [P, N]
    const pt = tf.gatherND(S, idx) as tf.Tensor1D;
    // floor so a hopeless target gives a large finite loss (the gradient below stays exact)
    const value = tf.neg(tf.log(tf.maximum(pt, 1e-30)));
    save([x, e, S, idx]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, es, Ss, ids] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        // dL/dlogits = dy * (softmax - onehot(target)) = G - onehot part; the one-hot part is
        // applied to the two products directly (a gather and a scatter of P rows), so the [P, N]
        // G is not copied once more to write P values into it
        const dy2 = tf.expandDims(dy, 1);
        const G = tf.mul(Ss, dy2) as tf.Tensor2D;
        const t = tf.reshape(tf.slice(ids, [0, 1], [P, 1]), [P]) as tf.Tensor1D;
        const dx = tf.sub(tf.matMul(G, es), tf.mul(tf.gather(es, t), dy2));
        // dE = G^T h as (G^T) x h: a long inner dimension (P) with a [d, N] output is ~3x
        // slower on wasm than transposing G first (measured [64,4921]x[4921,1682]: 210 ms vs 70)
        // (scatterND sums duplicate targets; wasm has no UnsortedSegmentSum)
        const dE = tf.sub(tf.matMul(tf.transpose(G), xs), tf.scatterND(tf.reshape(t, [P, 1]), tf.mul(xs, dy2), es.shape));
        return [dx, dE];
      },
    };
  });
  return f(h, E) as tf.Tensor1D;
}

/**
 * The same loss as {@link softmaxCrossEntropy} in item chunks of `chunk` columns, so at most a
 * `[P, chunk]` block of logits exists at a time (the stock-op form of the fused WebGPU kernels in
 * src/compute/kernels/softmax-ce-webgpu.ts): forward, an online logsumexp over the chunks;
 * backward, each chunk's logits recomputed, turned into softmax - onehot and multiplied out. Its
 * products go through {@link blockedMatMulOp}, so on WebGPU they are the blocked kernels once validated.
 */
export function chunkedSoftmaxCrossEntropy(h: tf.Tensor2D, E: tf.Tensor2D, targets: tf.Tensor1D, chunk: number): tf.Tensor1D {
  const P = h.shape[0];
  const N = E.shape[0];
  if (chunk >= N) return softmaxCrossEntropy(h, E, targets);
  const starts: number[] = [];
  for (let c = 0; c < N; c += chunk) starts.push(c);
  const f = tf.customGrad((...args) => {
    const [x, e, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    let m: tf.Tensor | null = null;
    let s: tf.Tensor | null = null;
    for (const c0 of starts) {
      const next = tf.tidy(() => {
        const L = product(x, tf.transpose(tf.slice(e, [c0, 0], [Math.min(chunk, N - c0), -1])) as tf.Tensor2D);
        const mc = tf.max(L, 1, true); // [P, 1]
        if (!m || !s) return [mc, tf.sum(tf.exp(tf.sub(L, mc)), 1, true)];
        const mx = tf.maximum(m, mc);
        return [mx, tf.add(tf.mul(s, tf.exp(tf.sub(m, mx))), tf.sum(tf.exp(tf.sub(L, mx)), 1, true))];
      });
      tf.dispose([m, s].filter((t): t is tf.Tensor => t !== null));
      [m, s] = next as [tf.Tensor, tf.Tensor];
    }
    const lse = tf.add(m!, tf.log(s!)); // [P, 1]
    const tl = tf.sum(tf.mul(x, tf.gather(e, targets)), 1); // [P]
    save([x, e, lse]);
    return {
      value: tf.sub(tf.reshape(lse, [P]), tl),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, es, lses] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        const dy2 = tf.reshape(dy, [P, 1]);
        let dx: tf.Tensor = tf.neg(tf.mul(tf.gather(es, targets), dy2)); // the -onehot part
        const dE: tf.Tensor[] = [];
        for (const c0 of starts) {
          const n = Math.min(chunk, N - c0);
          const [dxNext, dEc] = tf.tidy(() => {
            const Ec = tf.slice(es, [c0, 0], [n, -1]);
            const G = tf.mul(tf.exp(tf.sub(product(xs, tf.transpose(Ec) as tf.Tensor2D), lses)), dy2) as tf.Tensor2D; // [P, n]
            return [tf.add(dx, product(G, Ec)), productTransposedA(G, xs)];
          });
          dx.dispose();
          dx = dxNext!;
          dE.push(dEc!);
        }
        // scatter-add of dy * h into the target rows (scatterND sums duplicates; wasm has no UnsortedSegmentSum)
        const onehot = tf.scatterND(tf.reshape(targets, [P, 1]), tf.mul(xs, dy2), [N, xs.shape[1]]); // [N, d]
        return [dx, tf.sub(tf.concat(dE, 0), onehot)];
      },
    };
  });
  return f(h, E) as tf.Tensor1D;
}

/** Largest `[P, chunk]` logits block (floats) the stock-op full softmax materialises at once. */
export const MAX_LOGITS_BLOCK = 16 * 1024 * 1024;

type SoftmaxCE = (h: tf.Tensor2D, E: tf.Tensor2D, targets: tf.Tensor1D) => tf.Tensor1D;

/** Items per chunk of the chunked softmax for `P` rows: a multiple of 4 (vec4 reads in the blocked products). */
const logitsChunk = (P: number) => Math.max(4, Math.floor(MAX_LOGITS_BLOCK / P / 4) * 4);

/**
 * The full-catalog softmax cross-entropy as a fused op: the WebGPU kernels that never store the
 * logits, or stock ops in one block while the logits fit in {@link MAX_LOGITS_BLOCK}, else in item
 * chunks. 'auto' runs the kernels only once they passed validation on this device (the sequence
 * train task validates them in prepare()).
 */
export const softmaxCEOp = defineFusedOp<{ dim: number }, SoftmaxCE>({
  ...SOFTMAX_CE_KERNEL,
  fused: fusedSoftmaxCrossEntropyWebGPU,
  stock: (h, E, targets) => {
    const P = h.shape[0];
    if (P * E.shape[0] <= MAX_LOGITS_BLOCK) return softmaxCrossEntropy(h, E, targets);
    return chunkedSoftmaxCrossEntropy(h, E, targets, logitsChunk(P));
  },
});

/**
 * The full-catalog softmax cross-entropy with the `[P, N]` logits stored once, as a fused op: the
 * register-blocked WebGPU kernels, or the stock form ({@link softmaxCrossEntropy}). 'auto' runs the
 * kernels once they passed validation on this device (the sequence train task validates them in
 * prepare()).
 */
export const softmaxCEBlockedOp = defineFusedOp<{ dim: number }, SoftmaxCE>({
  ...SOFTMAX_CE_BLOCKED_KERNEL,
  fused: blockedSoftmaxCrossEntropyWebGPU,
  stock: softmaxCrossEntropy,
});

/**
 * The full-catalog softmax cross-entropy of the sequence models' training step. While the whole
 * `[P, N]` logits fit in {@link MAX_LOGITS_BLOCK}, 'auto' stores them once: the register-blocked
 * WebGPU kernels once validated on this device, else stock ops. Above it, 'auto' works in item
 * chunks whose products go through the blocked matMul once validated; without it, the fused
 * WebGPU kernels that never store the logits once validated, else stock ops in chunks. Measured
 * on SwiftShader, loss + gradients: [1600, 64] x [3700, 64] blocked 1.16 s, stock ops 7.23 s,
 * fused 13.5 s; [1600, 64] x [12000, 64] in chunks with blocked products 5.9 s, fused 35.6 s.
 * 'stock' and 'fused' force a form whatever the size (tests, benchmarks): 'fused' means the
 * kernels that never store the logits.
 */
export function fullSoftmaxCrossEntropy(h: tf.Tensor2D, E: tf.Tensor2D, targets: tf.Tensor1D, kernels: KernelChoice = 'auto'): tf.Tensor1D {
  const P = h.shape[0];
  const config = { dim: h.shape[1] };
  if (kernels === 'auto') {
    if (P * E.shape[0] <= MAX_LOGITS_BLOCK) return softmaxCEBlockedOp.implementation('auto', config)(h, E, targets);
    if (blocked()) return chunkedSoftmaxCrossEntropy(h, E, targets, logitsChunk(P));
  }
  return softmaxCEOp.implementation(kernels, config)(h, E, targets);
}
