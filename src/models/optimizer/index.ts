/** Adam for Burrow's own train steps: row-sparse for embedding tables, dense for small weights. */
export {
  createDenseAdamState,
  createSparseAdamState,
  DEFAULT_ADAM,
  denseAdamApply,
  disposeDenseAdamState,
  disposeSparseAdamState,
  scatterRows,
  sparseAdamApply,
  sparseAdamRowsOp,
  type AdamHyper,
  type DenseAdamState,
  type SparseAdamState,
} from './adam';
