import * as tf from '@tensorflow/tfjs';
import { defineFusedOp, SPARSE_ADAM_KERNEL, sparseAdamRowsWebGPU, type KernelChoice } from '../../compute/kernels';

/**
 * Row-sparse ("lazy") Adam for embedding tables.
 *
 * The stock `tf.train.adam` updates every row of a table and both of its moment tables on every
 * step, although a batch only touches a few hundred rows; that dense update dominates the step
 * time for large tables. Here only the touched rows of the table, `m` and `v` are read, updated
 * and written back. Untouched rows keep their moments frozen (the usual LazyAdam semantics:
 * identical to dense Adam whenever every row gets a gradient on every step).
 *
 * `sparseAdamApply` is the single place where the row update happens: a fused op
 * (src/compute/kernels' registry) whose fused form updates the rows in place on WebGPU.
 */

export interface AdamHyper {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

export const DEFAULT_ADAM: AdamHyper = { learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };

export interface SparseAdamState {
  /** `[rows, dim]` the parameter table (updated in place via assign) */
  readonly table: tf.Variable;
  /** `[rows, dim]` first moments */
  readonly m: tf.Variable;
  /** `[rows, dim]` second moments */
  readonly v: tf.Variable;
  readonly hyper: AdamHyper;
  /** number of applies so far (the Adam step t, shared by all rows: LazyAdam bias correction) */
  step: number;
}

/** Moment tables start at zero; the table Variable is borrowed, not owned. */
export function createSparseAdamState(table: tf.Variable, hyper: Partial<AdamHyper> = {}): SparseAdamState {
  return {
    table,
    m: zerosVariable(table),
    v: zerosVariable(table),
    hyper: { ...DEFAULT_ADAM, ...hyper },
    step: 0,
  };
}

/** A zero Variable shaped like `like`; the tidy frees the initial value (a Variable only shares its data). */
function zerosVariable(like: tf.Tensor): tf.Variable {
  return tf.tidy(() => tf.variable(tf.zerosLike(like), false));
}

/** Frees the moment tables (not the parameter table). */
export function disposeSparseAdamState(state: SparseAdamState): void {
  state.m.dispose();
  state.v.dispose();
}

/** Bias-corrected step scalars for step t (computed on the CPU: no device readback needed). */
function corrections(h: AdamHyper, t: number): { c1: number; c2: number } {
  return { c1: 1 - Math.pow(h.beta1, t), c2: 1 - Math.pow(h.beta2, t) };
}

/** The Adam arithmetic on gathered rows; formula identical to `tf.train.adam`'s. */
function adamRows(
  h: AdamHyper,
  t: number,
  p: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  g: tf.Tensor,
): { p: tf.Tensor; m: tf.Tensor; v: tf.Tensor } {
  const { c1, c2 } = corrections(h, t);
  const m1 = tf.add(tf.mul(m, h.beta1), tf.mul(g, 1 - h.beta1));
  const v1 = tf.add(tf.mul(v, h.beta2), tf.mul(tf.square(g), 1 - h.beta2));
  const update = tf.div(tf.div(m1, c1), tf.add(tf.sqrt(tf.div(v1, c2)), h.epsilon));
  return { p: tf.sub(p, tf.mul(update, h.learningRate)), m: m1, v: v1 };
}

/**
 * `tensorScatterUpdate(table, rows[:, None], values)` that never mutates its input.
 *
 * TF.js 4.22's cpu kernel for TensorScatterUpdate writes INTO the input tensor's buffer, which
 * other tensors may share (tf.clone, a contiguous tf.slice, or a typed array passed to tf.tensor),
 * so on cpu the table is first copied into a private buffer. Other backends already copy.
 * @param table `[rows, dim]`; @param rows `[u]` int32; @param values `[u, dim]`
 */
export function scatterRows(table: tf.Tensor, rows: tf.Tensor1D, values: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    if (tf.getBackend() === 'webgl' && table.rank === 2) {
      // WebGL's TensorScatterUpdate loops over every update for every output element,
      // O(rows x dim x u): seconds per Adam step on a 6k-row table. A slot map (one column, O(rows x
      // u)) and a gather make it O(rows x dim).
      const count = table.shape[0]!;
      const slotPlusOne = tf.scatterND(tf.expandDims(rows, 1), tf.range(1, rows.shape[0] + 1, 1, 'int32'), [count]);
      const picked = tf.gather(values, tf.relu(tf.sub(slotPlusOne, tf.scalar(1, 'int32'))));
      return tf.where(tf.expandDims(tf.greater(slotPlusOne, 0), 1), picked, table);
    }
    const base = tf.getBackend() === 'cpu' ? tf.add(table, tf.zeros([], table.dtype)) : table;
    return tf.tensorScatterUpdate(base, tf.expandDims(rows, 1), values);
  });
}

type SparseAdamRows = (state: SparseAdamState, rows: tf.Tensor1D, grads: tf.Tensor2D, t: number) => void;

/**
 * Adam step `t` on some rows of (table, m, v). Fused: one dispatch that updates the touched rows
 * of all three in place (no gathers, no full-table scatter copies). Stock: gather, the Adam
 * arithmetic, scatter back.
 */
export const sparseAdamRowsOp = defineFusedOp<Record<string, never>, SparseAdamRows>({
  ...SPARSE_ADAM_KERNEL,
  fused: (state, rows, grads, t) => sparseAdamRowsWebGPU(state.table, state.m, state.v, rows, grads, state.hyper, t),
  stock: (state, rows, grads, t) =>
    tf.tidy(() => {
      const out = adamRows(state.hyper, t, tf.gather(state.table, rows), tf.gather(state.m, rows), tf.gather(state.v, rows), grads);
      // tensorScatterUpdate copies the table once (TF.js tensors are immutable) but does no
      // arithmetic on untouched rows; the fused in-place kernel drops even that copy.
      state.table.assign(scatterRows(state.table, rows, out.p));
      state.m.assign(scatterRows(state.m, rows, out.m));
      state.v.assign(scatterRows(state.v, rows, out.v));
    }),
});

/**
 * Applies one Adam step to the given rows only.
 *
 * @param rows `[u]` int32, DISTINCT row indices (duplicates must already be summed into `grads`)
 * @param grads `[u, dim]` float32 gradient of the loss w.r.t. those rows
 * @param kernels which form of the update runs (src/compute/kernels' KernelChoice)
 */
export function sparseAdamApply(state: SparseAdamState, rows: tf.Tensor1D, grads: tf.Tensor2D, kernels: KernelChoice = 'auto'): void {
  state.step += 1;
  sparseAdamRowsOp.implementation(kernels, {})(state, rows, grads, state.step);
}

/** Dense Adam for small parameters (the content MLP): same formula, whole tensor. */
export interface DenseAdamState {
  readonly param: tf.Variable;
  readonly m: tf.Variable;
  readonly v: tf.Variable;
  readonly hyper: AdamHyper;
  step: number;
}

export function createDenseAdamState(param: tf.Variable, hyper: Partial<AdamHyper> = {}): DenseAdamState {
  return {
    param,
    m: zerosVariable(param),
    v: zerosVariable(param),
    hyper: { ...DEFAULT_ADAM, ...hyper },
    step: 0,
  };
}

export function denseAdamApply(state: DenseAdamState, grad: tf.Tensor): void {
  state.step += 1;
  const t = state.step;
  tf.tidy(() => {
    const out = adamRows(state.hyper, t, state.param, state.m, state.v, grad);
    state.param.assign(out.p);
    state.m.assign(out.m);
    state.v.assign(out.v);
  });
}

export function disposeDenseAdamState(state: DenseAdamState): void {
  state.m.dispose();
  state.v.dispose();
}
