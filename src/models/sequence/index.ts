export { createSequenceModel, SequenceModel } from './model';
export type { CreateSequenceModelArgs, FineTuneOptions } from './model';
export { DEFAULT_SEQUENCE_CONFIGS, resolveSequenceConfig, sequenceConfigHash, usesFullSoftmax } from './config';
export type { SequenceConfig, SequenceKind } from './config';
export { SequenceFineTuneTask, SequenceTrainTask } from './train-task';
export type { SequenceBatch } from './train-task';
export { dataSizedSequenceConfig } from './sizing';
export { leftPad } from './data';
export type { SequenceDataStats } from './sizing';
