import * as tf from '@tensorflow/tfjs';

/**
 * Embedding lookup with a gradient that works on every TF.js backend.
 *
 * `tf.gather`'s registered gradient calls UnsortedSegmentSum, which the wasm backend lacks, and
 * it produces a dense gradient the size of the whole table. Here the backward pass is a
 * `tf.scatterND` (ScatterNd exists on cpu, wasm, webgl and webgpu and SUMS duplicate indices),
 * so repeated rows accumulate correctly. Call it on a SMALL table (the unique rows of a batch,
 * gathered once outside the gradient tape) so the gradient is only `[unique, dim]`.
 *
 * @param table `[rows, dim]` float32
 * @param indices `[n]` int32, each in `[0, rows)`
 * @returns `[n, dim]`; gradient w.r.t. `table` is `scatterND(indices, dy, [rows, dim])`
 */
/** Largest one-hot matrix (elements) the WebGL gradient builds: 4M floats, a 16 MB texture. */
const ONE_HOT_LIMIT = 4 * 1024 * 1024;

export function gatherRows(table: tf.Tensor2D, indices: tf.Tensor1D): tf.Tensor2D {
  // The indices are closed over rather than passed as an input: customGrad requires a float32
  // gradient for every input, and an int32 index tensor has none.
  const f = tf.customGrad((...args) => {
    const t = args[0] as tf.Tensor2D;
    const save = args[1] as tf.GradSaveFunc;
    // saved so the backward pass still has them when the caller created `indices` inside the
    // taped function (its tidy would otherwise dispose them before backprop)
    save([indices]);
    const shape = t.shape;
    const value = tf.gather(t, indices) as tf.Tensor2D;
    const gradFunc = (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const idx = saved[0] as tf.Tensor1D;
      // WebGL's ScatterNd loops over every update for every output element; the same sum as a
      // one-hot matMul runs in WebGL's fastest kernel (bench MF trainer on SwiftShader GL: 599 ->
      // 822 ex/s), as long as the one-hot matrix fits in a texture.
      if (tf.getBackend() === 'webgl' && shape[0] >= 2 && idx.shape[0] * shape[0] <= ONE_HOT_LIMIT) {
        return tf.matMul(tf.cast(tf.oneHot(idx, shape[0]), 'float32'), dy, true, false);
      }
      return tf.scatterND(tf.expandDims(idx, 1), dy, shape);
    };
    return { value, gradFunc };
  });
  return f(table) as tf.Tensor2D;
}
