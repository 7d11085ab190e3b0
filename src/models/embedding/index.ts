export { createEmbeddingModel, EmbeddingModel, WEIGHT_NAMES } from './model';
export type { CreateEmbeddingModelArgs, EncodedFeatures, ContentParams } from './model';
export { configHash, DEFAULT_EMBEDDING_CONFIG, resolveEmbeddingConfig } from './config';
export type { EmbeddingConfig } from './config';
export { PERSONAL_CONFIG } from './presets';
export { EmbeddingTrainTask } from './train-task';
export type { EmbeddingBatch } from './train-task';
