/**
 * The worker's models as store checkpoints: the weight container (src/common/weights.ts) split
 * into the tensors' layout (in `meta`, with the header and whatever the model keeps beside it) and
 * their raw buffers (in `weights`), and back. One layout for every model, readable from checkpoints
 * written before it was shared: the embedding model's meta kept `{info, configHash, featuresHash,
 * shapes}`, the sequence model's `{packId, shapes}`.
 */
import { namedTensorsOf, tensorBuffers, tensorLayout, WEIGHTS_FORMATS, type SerializedTensor, type SerializedWeights, type WeightsModelName } from '../common';
import type { CheckpointRecord } from '../store';

/** What a checkpoint keeps in `meta`: the model's own extras, then the tensors' layout. */
type CheckpointMeta = Record<string, unknown> & {
  configHash?: string;
  featuresHash?: string | null;
  shapes: Record<string, Pick<SerializedTensor, 'shape' | 'dtype'>>;
};

/**
 * A checkpoint of `weights` under `key`.
 * @param extra what the model keeps beside its weights (e.g. training info, the pack it grew from)
 */
export function toCheckpoint(
  key: string,
  modelName: WeightsModelName,
  weights: SerializedWeights,
  catalogId: string,
  createdAt: number,
  extra: Record<string, unknown> = {},
): CheckpointRecord {
  const meta: CheckpointMeta = {
    ...extra,
    configHash: weights.configHash,
    featuresHash: weights.featuresHash,
    shapes: tensorLayout(weights.tensors),
  };
  return { key, modelName, catalogId, configHash: weights.configHash, createdAt, meta, weights: tensorBuffers(weights.tensors) };
}

/**
 * The weights of a checkpoint, and its meta (for the extras); throws when the record is not in
 * this layout or lacks a tensor.
 * @param what how messages name the checkpoint (e.g. 'the stored model')
 */
export function fromCheckpoint(record: CheckpointRecord, what: string): { weights: SerializedWeights; meta: Record<string, unknown> } {
  const meta = record.meta as Partial<CheckpointMeta> | null;
  const format = Object.hasOwn(WEIGHTS_FORMATS, record.modelName) ? WEIGHTS_FORMATS[record.modelName as WeightsModelName] : null;
  if (!meta || typeof meta !== 'object' || !meta.shapes || record.weights instanceof ArrayBuffer || format === null) {
    throw new Error(`${what} is in an unknown layout`);
  }
  const weights: SerializedWeights = {
    format,
    configHash: record.configHash,
    featuresHash: meta.featuresHash ?? null,
    tensors: namedTensorsOf(meta.shapes, record.weights, what),
  };
  return { weights, meta };
}
