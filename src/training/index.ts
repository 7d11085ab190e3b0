export { runTraining, yieldToEventLoop } from './loop';
export type { FitOptions, FitSummary, LoopOptions, TrainingProgress, TrainTask } from './loop';
export {
  createDenseAdamState,
  createSparseAdamState,
  DEFAULT_ADAM,
  denseAdamApply,
  disposeDenseAdamState,
  disposeSparseAdamState,
  scatterRows,
  sparseAdamApply,
} from './sparse-optimizer';
export type { AdamHyper, DenseAdamState, SparseAdamState } from './sparse-optimizer';
export { createStockMF, stockTrainStep } from './stock-baseline';
export type { BprBatch, StockMF } from './stock-baseline';
export { createFastMF, measureExamplesPerSecond, mfBenchmarkProblem } from './mf-benchmark';
export type { MfProblem, MfProblemArgs } from './mf-benchmark';
export { AliasSampler, Rng, randomNormalArray } from './rng';
export { Deduper, uniqueInverse } from './unique';
export type { UniqueInverse } from './unique';
export { WeightSnapshot } from './weight-snapshot';
