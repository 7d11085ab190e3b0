import * as tf from '@tensorflow/tfjs';

/**
 * Sum over the last axis, `[..., k] -> [...]`, computed as a matMul with a column of ones.
 *
 * Why: TF.js's WebGPU reduce kernel is extremely slow for many short rows (measured on
 * SwiftShader: `tf.sum(x, -1)` of [1024, 2, 64] took 2.9 s, a batched matMul of the same dot
 * products 0.6–1.1 s, this form a few ms). The gradient is a plain matMul too, on every backend.
 */
export function sumLastAxis(x: tf.Tensor): tf.Tensor {
  const shape = x.shape;
  const k = shape[shape.length - 1]!;
  const flat = tf.reshape(x, [-1, k]) as tf.Tensor2D;
  return tf.reshape(tf.matMul(flat, tf.ones([k, 1])), shape.slice(0, -1));
}
