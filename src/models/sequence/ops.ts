import * as tf from '@tensorflow/tfjs';

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

/**
 * `a x b` for rank 2 (`[m, k] x [k, n]`) or rank 3 with equal batch (`[B, m, k] x [B, k, n]`),
 * gradient computed with explicit transposes (no transpose flags anywhere).
 */
export function mm<T extends tf.Tensor2D | tf.Tensor3D>(a: T, b: T): T {
  const f = tf.customGrad((...args) => {
    const [x, y, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([x, y]);
    return {
      value: tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
        tf.matMul(dy as tf.Tensor2D, transposeLast2(saved[1]!) as tf.Tensor2D),
        tf.matMul(transposeLast2(saved[0]!) as tf.Tensor2D, dy as tf.Tensor2D),
      ],
    };
  });
  return f(a, b) as T;
}

/** `a x b^T` via an explicit transpose (see {@link mm}). */
export function mmT<T extends tf.Tensor2D | tf.Tensor3D>(a: T, b: T): T {
  return mm(a, transposeLast2(b) as T);
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
    save([x, e, S, idx, pt]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, es, Ss, ids, pts] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
        // dL/dlogits = dy * (softmax - onehot(target))
        const G = tf.tensorScatterUpdate(tf.mul(Ss, tf.expandDims(dy, 1)), ids, tf.mul(tf.sub(pts, 1), dy)) as tf.Tensor2D;
        return [tf.matMul(G, es), tf.transpose(tf.matMul(tf.transpose(xs), G))];
      },
    };
  });
  return f(h, E) as tf.Tensor1D;
}
