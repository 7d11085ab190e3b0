/**
 * Public API of src/training: the one trainer. `fit(task)` runs any model's TrainTask (see the
 * model contract in src/models/contract.ts); `fitModel` builds the task from a model and a log.
 */
export { fit, fitModel } from './fit';
export type { FitModelOptions, FitOptions, FitSummary, TrainingProgress } from './fit';
export { rankValidation } from './rank-validation';
