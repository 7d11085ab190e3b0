import * as tf from '@tensorflow/tfjs';
import {
  defineFusedOp,
  EMBEDDING_BAG_KERNEL,
  embeddingBagBackwardWebGPU,
  embeddingBagForwardWebGPU,
  type KernelChoice,
} from '../../compute/kernels';
import { gatherRows } from './gather-rows';
import { occurrences } from './occurrences';
import { sumLastAxis } from './sum-last-axis';

/** Which rows each bag reads, with what weight; uploaded for one of the two implementations. */
export interface FeatureBag {
  /** [bags * perBag] int32 row of each slot */
  rowOf: tf.Tensor1D;
  /** [bags, perBag] weight of each slot (0 on padding) */
  weights: tf.Tensor2D;
  /** CSR of rowOf (fused WebGPU backward); null means stock ops */
  csr: { ptr: tf.Tensor1D; occ: tf.Tensor1D; rowCount: number } | null;
}

type PrepareBag = (rowOf: Int32Array, weights: Float32Array, bags: number, perBag: number, rowCount: number) => FeatureBag;

/**
 * The embedding bag as a fused op: the form is chosen when the bag is uploaded (the fused kernels'
 * backward pass needs the CSR of rowOf, built here on the CPU), and {@link embeddingBag} follows it.
 */
export const embeddingBagOp = defineFusedOp<Record<string, never>, PrepareBag>({
  ...EMBEDDING_BAG_KERNEL,
  fused: (rowOf, weights, bags, perBag, rowCount) => {
    const { ptr, occ } = occurrences(rowOf, rowCount);
    const csr = { ptr: tf.tensor1d(ptr, 'int32'), occ: tf.tensor1d(occ, 'int32'), rowCount };
    return { rowOf: tf.tensor1d(rowOf, 'int32'), weights: tf.tensor2d(weights, [bags, perBag]), csr };
  },
  stock: (rowOf, weights, bags, perBag) => ({ rowOf: tf.tensor1d(rowOf, 'int32'), weights: tf.tensor2d(weights, [bags, perBag]), csr: null }),
});

/**
 * Uploads a bag (tensors belong to the caller's tidy scope).
 * @param rowCount rows of the table the bag will be applied to
 * @param kernels which form of the bag runs (src/compute/kernels' KernelChoice)
 */
export function prepareFeatureBag(
  rowOf: Int32Array,
  weights: Float32Array,
  bags: number,
  rowCount: number,
  kernels: KernelChoice = 'auto',
): FeatureBag {
  const perBag = bags === 0 ? 0 : rowOf.length / bags;
  if (!Number.isInteger(perBag) || weights.length !== rowOf.length) {
    throw new Error(`a bag needs bags x perBag row indices and weights (got ${rowOf.length}, ${weights.length} for ${bags} bags)`);
  }
  return embeddingBagOp.implementation(kernels, {})(rowOf, weights, bags, perBag, rowCount);
}

/**
 * Weighted sum of each bag's rows, `[bags, dim]`, differentiable w.r.t. `rows` `[rowCount, dim]`
 * (duplicates summed). Fused WebGPU kernels when the bag was prepared for them, else stock ops.
 */
export function embeddingBag(rows: tf.Tensor2D, bag: FeatureBag): tf.Tensor2D {
  const csr = bag.csr;
  if (csr === null) return opsEmbeddingBag(rows, bag);
  if (rows.shape[0] !== csr.rowCount) throw new Error(`bag prepared for ${csr.rowCount} rows, table has ${rows.shape[0]}`);
  const f = tf.customGrad((...args) => {
    const table = args[0] as tf.Tensor2D;
    const value = embeddingBagForwardWebGPU(table, bag.rowOf, bag.weights);
    const gradFunc = (dy: tf.Tensor2D) => embeddingBagBackwardWebGPU(dy, bag.weights, csr.ptr, csr.occ, csr.rowCount);
    return { value, gradFunc };
  });
  return f(rows) as tf.Tensor2D;
}

function opsEmbeddingBag(rows: tf.Tensor2D, bag: FeatureBag): tf.Tensor2D {
  const [n, F] = bag.weights.shape;
  const fd = rows.shape[1];
  const gathered = tf.reshape(gatherRows(rows, bag.rowOf), [n, F, fd]);
  // sum over the F slots, moved last (see sumLastAxis)
  return sumLastAxis(tf.transpose(tf.mul(gathered, tf.expandDims(bag.weights, 2)), [0, 2, 1])) as tf.Tensor2D;
}
