/**
 * Public API of src/models: the model contract, the registry, the embedding and sequence models,
 * the baselines, the model presets, weights in and out of the weight container (its types are
 * src/common's SerializedWeights) and the layers other rooms use. Pulls in TF.js: the UI never
 * imports it (the event-log rules it needs are in src/events).
 */
export type {
  HeldOutCases,
  HeldOutChunk,
  Interactions,
  Recommender,
  ScoreQuery,
  TrainSchedule,
  TrainTask,
  ValidationMetric,
} from './contract';
export { MODEL_REGISTRY, TYPED_ARRAY_MODELS, createModel, modelNames, type ModelContext, type ModelFactory } from './registry';
export type { ImportOptions } from './weights';
export * from './embedding';
export {
  DEFAULT_SEQUENCE_CONFIGS,
  SequenceFineTuneTask,
  SequenceModel,
  SequenceTrainTask,
  createSequenceModel,
  dataSizedSequenceConfig,
  leftPad,
  resolveSequenceConfig,
  sequenceConfigHash,
  usesFullSoftmax,
  type CreateSequenceModelArgs,
  type FineTuneOptions,
  type SequenceBatch,
  type SequenceConfig,
  type SequenceDataStats,
  type SequenceKind,
} from './sequence';
export * from './baselines';
export { gatherRows } from './layers/gather-rows';
