/**
 * What Burrow's WebGPU programs share: a flat dispatch that folds into a second dimension past the
 * device's per-dimension workgroup limit, the matching flat thread index, and running a program
 * through TF.js's own machinery into a tensor.
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';

/** `[x, y, 1]` workgroups covering `total` threads of `workgroup` each. */
export function flatDispatch(total: number, workgroup: number, maxPerDimension: number): [number, number, number] {
  const groups = Math.max(1, Math.ceil(total / workgroup));
  const gx = Math.min(groups, maxPerDimension);
  return [gx, Math.ceil(groups / gx), 1];
}

/** The active WebGPU device's limit on workgroups per dispatch dimension. */
export function maxWorkgroupsPerDimension(): number {
  return (tf.backend() as WebGPUBackend).device.limits.maxComputeWorkgroupsPerDimension;
}

/** WGSL: the flat thread index `i` of a {@link flatDispatch}; needs a `pitch : i32` uniform (threads per row). */
export const FLAT_INDEX_WGSL = /* wgsl */ `let i = u32(globalId.x) + u32(globalId.y) * u32(uniforms.pitch);`;

export type ProgramUniform = { type: 'int32' | 'float32'; data: number[] };

/** Runs `program` on the active WebGPU backend; its output becomes a tensor the caller owns. */
export function runProgram(program: WebGPUProgram, inputs: tf.Tensor[], uniforms: ProgramUniform[], dtype: 'float32' | 'int32' = 'float32'): tf.Tensor {
  const backend = tf.backend() as WebGPUBackend;
  return tf.engine().makeTensorFromTensorInfo(backend.runWebGPUProgram(program, inputs, dtype, uniforms));
}
