/**
 * Fused WebGPU ranking kernel: score = itemEmb · user (+ bias), exclusion bitmask, and top-K, in two
 * dispatches that never materialise the [N] score vector:
 *
 *  pass 1 (G workgroups of 256): each workgroup streams its slice of items, scores them, and keeps a
 *         running top-K in workgroup memory. Candidates better than the current K-th best are appended
 *         to a shared buffer; when it fills, the 1024-slot buffer is bitonic-sorted and the K-th best
 *         becomes the new threshold. Random data needs only a few sorts per workgroup. Output:
 *         G partial top-K lists [G, 2, K] (int32: score bits, item index).
 *  pass 2 (1 workgroup): the same threshold/sort loop over the G*K candidates -> [2, K].
 *
 * Ordering matches src/ranking's ranker (ranker.ts): higher score first, ties -> lower index; excluded /
 * NaN / -Inf never returned (sentinels are filtered on the CPU after readback).
 *
 * Runs through the TF.js WebGPU backend's own program machinery (program.ts' runProgram), so it is
 * queued in order with every other TF.js op and reads the embedding tensor's GPU buffer directly.
 * src/ranking/embedding-topk.ts pairs it with the stock-op top-K as one fused op (TOP_K_KERNEL).
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { runProgram } from './program';
import type { FusedKernelSpec } from './registry';

/** Best first: item indices and their scores (src/ranking's TopKResult). */
export interface TopKLists {
  indices: Int32Array;
  scores: Float32Array;
}

export const FUSED_WORKGROUP = 256;
export const FUSED_CAPACITY = 1024;
/** Largest K the fused kernel supports (the shared buffer must hold K kept + one round of 256). */
export const FUSED_MAX_K = 256;
const MAX_GROUPS = 512;

const COMMON_WGSL = /* wgsl */ `
const CAP : u32 = ${FUSED_CAPACITY}u;
const WG : u32 = ${FUSED_WORKGROUP}u;
const NONE : u32 = 0xffffffffu;
var<workgroup> sKey : array<f32, ${FUSED_CAPACITY}>;
var<workgroup> sIdx : array<u32, ${FUSED_CAPACITY}>;
var<workgroup> sCount : atomic<u32>;
var<workgroup> sFill : u32;
var<workgroup> sGroup : u32;

// (a constant -inf is rejected by WGSL const-eval; TF.js passes INFINITY as a uniform)
fn negInf() -> f32 { return -uniforms.INFINITY; }

// strict total order: higher score, then lower index (NONE sentinels lose every tie)
fn better(ka : f32, ia : u32, kb : f32, ib : u32) -> bool {
  return ka > kb || (ka == kb && ia < ib);
}

// bitonic sort of the whole shared buffer, best first
fn sortShared(tid : u32) {
  for (var size = 2u; size <= CAP; size = size << 1u) {
    for (var stride = size >> 1u; stride > 0u; stride = stride >> 1u) {
      for (var t = tid; t < CAP / 2u; t = t + WG) {
        let lo = ((t & ~(stride - 1u)) << 1u) | (t & (stride - 1u));
        let hi = lo | stride;
        let kl = sKey[lo];
        let il = sIdx[lo];
        let kh = sKey[hi];
        let ih = sIdx[hi];
        if (better(kh, ih, kl, il) == ((lo & size) == 0u)) {
          sKey[lo] = kh; sIdx[lo] = ih;
          sKey[hi] = kl; sIdx[hi] = il;
        }
      }
      workgroupBarrier();
    }
  }
}

fn clearFrom(start : u32, tid : u32) {
  for (var i = start + tid; i < CAP; i = i + WG) {
    sKey[i] = negInf();
    sIdx[i] = NONE;
  }
}
`;

/** The streaming loop shared by both passes; `SCORE` computes (s, item, valid) for position p. */
function streamingTopK(k: number, scoreSnippet: string, writeSnippet: string): string {
  return `
  let tid = localIndex;
  if (tid == 0u) {
    sGroup = workgroupId.x + workgroupId.y * numWorkgroups.x +
        workgroupId.z * numWorkgroups.x * numWorkgroups.y;
    atomicStore(&sCount, 0u);
  }
  clearFrom(0u, tid);
  PRELUDE
  let group = workgroupUniformLoad(&sGroup);
  let total = u32(uniforms.total);
  let per = u32(uniforms.perGroup);
  let start = group * per;
  let end = min(start + per, total);
  var thrK = negInf();
  var thrI = NONE;
  for (var base = start; base < end; base = base + WG) {
    let p = base + tid;
    if (p < end) {
      ${scoreSnippet}
      if (valid && better(s, item, thrK, thrI)) {
        let slot = atomicAdd(&sCount, 1u);
        sKey[${k}u + slot] = s;
        sIdx[${k}u + slot] = item;
      }
    }
    workgroupBarrier();
    if (tid == 0u) { sFill = atomicLoad(&sCount); }
    let fill = workgroupUniformLoad(&sFill);
    if (fill > ${FUSED_CAPACITY - k - FUSED_WORKGROUP}u) {
      sortShared(tid);
      clearFrom(${k}u, tid);
      if (tid == 0u) { atomicStore(&sCount, 0u); }
      workgroupBarrier();
      thrK = sKey[${k - 1}u];
      thrI = sIdx[${k - 1}u];
      workgroupBarrier();
    }
  }
  sortShared(tid);
  for (var i = tid; i < ${k}u; i = i + WG) {
    ${writeSnippet}
  }`;
}

class ScoreTopKProgram implements WebGPUProgram {
  variableNames = ['emb', 'userVec', 'bias', 'excl'];
  variableComponents: number[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [FUSED_WORKGROUP, 1, 1];
  uniforms = 'total : i32, perGroup : i32,';

  constructor(
    private readonly dim: number,
    private readonly k: number,
    groups: number,
    private readonly hasBias: boolean,
  ) {
    const vec = dim % 4 === 0 ? 4 : 1;
    this.variableComponents = [vec, 1, 1, 1];
    this.outputShape = [groups, 2, k];
    this.dispatch = [groups, 1, 1];
    this.shaderKey = `burrowScoreTopK_${dim}_${k}_${hasBias ? 1 : 0}`;
  }

  getUserCode(): string {
    const vec = this.dim % 4 === 0;
    const n = vec ? this.dim / 4 : this.dim;
    const t = vec ? 'vec4<f32>' : 'f32';
    const loadUser = vec
      ? `sUser[d] = vec4<f32>(userVec[4u * d], userVec[4u * d + 1u], userVec[4u * d + 2u], userVec[4u * d + 3u]);`
      : `sUser[d] = userVec[d];`;
    const reduce = vec ? 'acc.x + acc.y + acc.z + acc.w' : 'acc';
    const score = `
      let item = p;
      let word = u32(excl[item >> 5u]);
      var valid = ((word >> (item & 31u)) & 1u) == 0u;
      var s = negInf();
      if (valid) {
        var acc = ${t}(0.0);
        let row = item * ${n}u;
        for (var d = 0u; d < ${n}u; d = d + 1u) {
          acc = fma(emb[row + d], sUser[d], acc);
        }
        s = ${reduce}${this.hasBias ? ' + bias[item]' : ''};
      }`;
    const write = `
    result[(group * 2u) * ${this.k}u + i] = bitcast<i32>(sKey[i]);
    result[(group * 2u + 1u) * ${this.k}u + i] = bitcast<i32>(sIdx[i]);`;
    const body = streamingTopK(this.k, score, write).replace(
      'PRELUDE',
      // (without a bias the binding must still be statically used, or 'auto' layout drops it)
      `for (var d = tid; d < ${n}u; d = d + WG) { ${loadUser} }${this.hasBias ? '' : '\n  _ = bias[0];'}`,
    );
    return `${COMMON_WGSL}
var<workgroup> sUser : array<${t}, ${n}>;
fn main(index : i32) {${body}
}`;
  }
}

class MergeTopKProgram implements WebGPUProgram {
  variableNames = ['cand'];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number] = [1, 1, 1];
  workgroupSize: [number, number, number] = [FUSED_WORKGROUP, 1, 1];
  uniforms = 'total : i32, perGroup : i32,';

  constructor(private readonly k: number) {
    this.outputShape = [2, k];
    this.shaderKey = `burrowMergeTopK_${k}`;
  }

  getUserCode(): string {
    const k = this.k;
    const score = `
      let g = p / ${k}u;
      let j = p % ${k}u;
      let s = bitcast<f32>(cand[(g * 2u) * ${k}u + j]);
      let item = u32(cand[(g * 2u + 1u) * ${k}u + j]);
      let valid = item != NONE;`;
    const write = `
    result[i] = bitcast<i32>(sKey[i]);
    result[${k}u + i] = bitcast<i32>(sIdx[i]);`;
    return `${COMMON_WGSL}
fn main(index : i32) {${streamingTopK(k, score, write).replace('PRELUDE', '')}
}`;
  }
}

/** Bitset (one bit per item, int32 words) of the excluded items. */
export function exclusionBitset(n: number, exclude: ArrayLike<number>): Int32Array {
  const words = new Int32Array(Math.max(1, Math.ceil(n / 32)));
  for (let i = 0; i < exclude.length; i++) {
    const e = exclude[i]!;
    if (e >= 0 && e < n) words[e >>> 5]! |= 1 << (e & 31);
  }
  return words;
}

/** A ranking's sizes: its shaders are compiled for the width and min(k, items). */
export interface TopKConfig {
  dim: number;
  /** the k asked for (the kernels support at most FUSED_MAX_K) */
  k: number;
  items: number;
  hasBias: boolean;
}

/** The kernel half of the top-K op; the probe ranks k items once. */
export const TOP_K_KERNEL: FusedKernelSpec<TopKConfig> = {
  name: 'top-K',
  requirement: `the webgpu backend, 1 <= k <= ${FUSED_MAX_K} and a width of 1 to 1024`,
  supported: ({ dim, k }) => tf.getBackend() === 'webgpu' && k >= 1 && k <= FUSED_MAX_K && dim >= 1 && dim <= 1024,
  key: ({ dim, k, items, hasBias }) => `${dim}_${Math.min(k, items)}_${hasBias}`,
  probe: ({ dim, k, items, hasBias }) => {
    const n = Math.max(1, Math.min(k, items));
    return [fusedScoreTopKTensor(tf.ones([n, dim]), tf.ones([dim]), hasBias ? tf.zeros([n]) : null, n, [])];
  },
};

/**
 * Run both passes; returns the [2, K] int32 tensor (score bits, indices). Caller disposes.
 * Exposed separately so benches can time "dispatch only" vs "with readback".
 */
export function fusedScoreTopKTensor(
  itemEmb: tf.Tensor2D,
  user: tf.Tensor1D,
  bias: tf.Tensor1D | null,
  k: number,
  exclude: ArrayLike<number>,
): tf.Tensor {
  const [n, dim] = itemEmb.shape;
  const kk = Math.min(k, n);
  const perGroup = Math.max(FUSED_WORKGROUP * 4, Math.ceil(n / MAX_GROUPS / FUSED_WORKGROUP) * FUSED_WORKGROUP);
  const groups = Math.max(1, Math.ceil(n / perGroup));
  const mask = tf.tensor1d(exclusionBitset(n, exclude), 'int32');
  const biasT = bias ?? tf.zeros([1]);
  const prog1 = new ScoreTopKProgram(dim, kk, groups, bias !== null);
  const part = runProgram(
    prog1,
    [itemEmb, user, biasT, mask],
    [
      { type: 'int32', data: [n] },
      { type: 'int32', data: [perGroup] },
    ],
    'int32',
  );
  const out = runProgram(
    new MergeTopKProgram(kk),
    [part],
    [
      { type: 'int32', data: [groups * kk] },
      { type: 'int32', data: [groups * kk] },
    ],
    'int32',
  );
  tf.dispose([mask, part]);
  if (bias === null) biasT.dispose();
  return out;
}

/** Decode the [2, K] int32 result into top-K lists, dropping sentinels / -Inf / NaN. */
export function decodeFused(raw: Int32Array, k: number): TopKLists {
  const keys = new Float32Array(raw.buffer, raw.byteOffset, k);
  const idx = raw.subarray(k, 2 * k);
  let m = 0;
  while (m < k && idx[m] !== -1 && keys[m] !== -Infinity && keys[m] === keys[m]) m++;
  return { indices: idx.slice(0, m), scores: keys.slice(0, m) };
}

/**
 * Top-K with the fused kernels (the caller checked the configuration: TOP_K_KERNEL, and the op's
 * validation on first use, see src/ranking/embedding-topk.ts).
 */
export async function fusedRankTopK(
  itemEmb: tf.Tensor2D,
  user: tf.Tensor1D,
  bias: tf.Tensor1D | null,
  k: number,
  exclude: ArrayLike<number>,
): Promise<TopKLists> {
  const kk = Math.min(k, itemEmb.shape[0]);
  if (kk <= 0) return { indices: new Int32Array(0), scores: new Float32Array(0) };
  const out = fusedScoreTopKTensor(itemEmb, user, bias, kk, exclude);
  try {
    const raw = (await out.data()) as Int32Array;
    return decodeFused(raw, kk);
  } finally {
    out.dispose();
  }
}
