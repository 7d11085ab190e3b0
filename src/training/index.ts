export { runTraining, yieldToEventLoop } from './loop';
export type { FitOptions, FitSummary, LoopOptions, TrainingProgress, TrainTask } from './loop';
export { createStockMF, stockTrainStep } from './stock-baseline';
export type { BprBatch, StockMF } from './stock-baseline';
export { createFastMF, measureExamplesPerSecond, mfBenchmarkProblem } from './mf-benchmark';
export type { MfProblem, MfProblemArgs } from './mf-benchmark';
export { WeightSnapshot } from './weight-snapshot';
