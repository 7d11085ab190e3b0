/**
 * Fused WebGPU row-sparse Adam: for each (distinct) row r in `rows`, in ONE dispatch, read
 * table[r], m[r], v[r] and grads[j], apply Adam, and write all three back IN PLACE into the
 * variables' existing GPU buffers (no gather, no scatter copy of the full tables, no new tensors).
 *
 * Formula identical to src/models/optimizer/adam.ts (and tf.train.adam):
 *   m1 = b1 m + (1 - b1) g;  v1 = b2 v + (1 - b2) g^2
 *   p  = p - lr * (m1 / c1) / (sqrt(v1 / c2) + eps),  c1 = 1 - b1^t, c2 = 1 - b2^t
 *
 * Contract:
 *  - active backend is 'webgpu' (SPARSE_ADAM_KERNEL.supported);
 *  - `rows` are DISTINCT (sum duplicate rows' gradients first); out-of-range rows are skipped;
 *  - table/m/v are float32 [R, dim] and do not share storage with each other;
 *  - in place: any tensor sharing a variable's dataId (tf.clone of it, the tensor the variable was
 *    created from) sees the update too. The variables keep their dataIds (no assign()).
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { flatDispatch } from './program';
import type { FusedKernelSpec } from './registry';

export interface SparseAdamHyper {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

const WORKGROUP = 256;

const SHADER = /* wgsl */ `
struct Params {
  lr : f32, b1 : f32, b2 : f32, eps : f32,
  omb1 : f32, omb2 : f32, c1 : f32, c2 : f32,
  count : u32, dim : u32, tableRows : u32, pitch : u32,
};
@group(0) @binding(0) var<storage, read_write> table : array<f32>;
@group(0) @binding(1) var<storage, read_write> mom1 : array<f32>;
@group(0) @binding(2) var<storage, read_write> mom2 : array<f32>;
@group(0) @binding(3) var<storage, read> rows : array<i32>;
@group(0) @binding(4) var<storage, read> grads : array<f32>;
@group(0) @binding(5) var<uniform> p : Params;

@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid : vec3<u32>) {
  let i = gid.x + gid.y * p.pitch;
  if (i >= p.count * p.dim) { return; }
  let j = i / p.dim;
  let d = i - j * p.dim;
  let r = rows[j];
  if (r < 0 || u32(r) >= p.tableRows) { return; }
  let o = u32(r) * p.dim + d;
  let g = grads[i];
  let m1 = p.b1 * mom1[o] + p.omb1 * g;
  let v1 = p.b2 * mom2[o] + p.omb2 * (g * g);
  mom1[o] = m1;
  mom2[o] = v1;
  table[o] = table[o] - p.lr * ((m1 / p.c1) / (sqrt(v1 / p.c2) + p.eps));
}
`;

interface DeviceState {
  pipeline: GPUComputePipeline;
  /** reused: queue.writeBuffer is ordered with submits, so one buffer per device is safe */
  params: GPUBuffer;
}
const perDevice = new WeakMap<GPUDevice, DeviceState>();

function deviceState(device: GPUDevice): DeviceState {
  let s = perDevice.get(device);
  if (s === undefined) {
    const module = device.createShaderModule({ code: SHADER, label: 'burrow-sparse-adam' });
    s = {
      pipeline: device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' }, label: 'burrow-sparse-adam' }),
      params: device.createBuffer({ size: 48, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST }),
    };
    perDevice.set(device, s);
  }
  return s;
}

/** The kernel half of the row-sparse Adam op (src/models/optimizer pairs it with stock ops); no configuration. */
export const SPARSE_ADAM_KERNEL: FusedKernelSpec<Record<string, never>> = {
  name: 'sparse Adam',
  requirement: 'the webgpu backend',
  supported: () => tf.getBackend() === 'webgpu',
  key: () => 'rows',
  probe: () => {
    const [table, m, v] = [0, 1, 2].map(() => tf.variable(tf.zeros([2, 4]), false));
    sparseAdamRowsWebGPU(table!, m!, v!, tf.tensor1d([1], 'int32'), tf.ones([1, 4]), { learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 }, 1);
    return [table!, m!, v!];
  },
};

/** The GPUBuffer backing a tensor on the active WebGPU backend (uploads it if it is CPU-side). */
function gpuBuffer(backend: WebGPUBackend, t: tf.Tensor): GPUBuffer {
  backend.uploadToGPU(t.dataId);
  const data = backend.tensorMap.get(t.dataId);
  const res = data.resource;
  if (!(res instanceof GPUBuffer)) throw new Error('sparseAdamRowsWebGPU: tensor is not backed by a GPUBuffer');
  return res;
}

/**
 * One in-place Adam step on `rows` of (table, m, v).
 * @param rows [u] int32 distinct row indices
 * @param grads [u, dim] float32
 * @param step the Adam step t AFTER incrementing (1 on the first call)
 */
export function sparseAdamRowsWebGPU(
  table: tf.Variable,
  m: tf.Variable,
  v: tf.Variable,
  rows: tf.Tensor1D,
  grads: tf.Tensor2D,
  hyper: SparseAdamHyper,
  step: number,
): void {
  if (tf.getBackend() !== 'webgpu') throw new Error(`sparseAdamRowsWebGPU needs the webgpu backend, not ${tf.getBackend()}`);
  const [tableRows, dim] = table.shape as [number, number];
  const count = rows.shape[0];
  if (grads.shape[0] !== count || grads.shape[1] !== dim) {
    throw new Error(`grads shape [${grads.shape.join(',')}] != [${count}, ${dim}]`);
  }
  if (table.dtype !== 'float32' || m.dtype !== 'float32' || v.dtype !== 'float32' || grads.dtype !== 'float32') {
    throw new Error('sparseAdamRowsWebGPU: float32 tensors only');
  }
  if (rows.dtype !== 'int32') throw new Error('sparseAdamRowsWebGPU: rows must be int32');
  if (table.dataId === m.dataId || table.dataId === v.dataId || m.dataId === v.dataId) {
    throw new Error('sparseAdamRowsWebGPU: table, m and v must not share storage');
  }
  if (count === 0 || dim === 0) return;

  const backend = tf.backend() as WebGPUBackend;
  const device = backend.device;
  const state = deviceState(device);
  const buffers = [table, m, v, rows, grads].map((t) => gpuBuffer(backend, t));
  // Everything TF.js has recorded so far (e.g. the ops that produced `grads`) must run first.
  backend.ensureCommandEncoderReady();
  backend.endComputePassEncoder();
  backend.submitQueue();
  // The variables change on the GPU: drop any CPU copy TF.js cached on an earlier read.
  for (const t of [table, m, v]) (backend.tensorMap.get(t.dataId) as { values: unknown }).values = null;

  const [gx, gy] = flatDispatch(count * dim, WORKGROUP, device.limits.maxComputeWorkgroupsPerDimension);
  const params = new ArrayBuffer(48);
  const f = new Float32Array(params, 0, 8);
  const u = new Uint32Array(params, 32, 4);
  f.set([
    hyper.learningRate,
    hyper.beta1,
    hyper.beta2,
    hyper.epsilon,
    1 - hyper.beta1,
    1 - hyper.beta2,
    1 - Math.pow(hyper.beta1, step),
    1 - Math.pow(hyper.beta2, step),
  ]);
  u.set([count, dim, tableRows, gx * WORKGROUP]);
  device.queue.writeBuffer(state.params, 0, params);

  const bindGroup = device.createBindGroup({
    layout: state.pipeline.getBindGroupLayout(0),
    entries: [
      ...buffers.map((buffer, binding) => ({ binding, resource: { buffer } })),
      { binding: 5, resource: { buffer: state.params } },
    ],
  });
  const encoder = device.createCommandEncoder({ label: 'burrow-sparse-adam' });
  const pass = encoder.beginComputePass();
  pass.setPipeline(state.pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(gx, gy, 1);
  pass.end();
  device.queue.submit([encoder.finish()]);
}
