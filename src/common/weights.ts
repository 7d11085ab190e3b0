/**
 * The one container of model weights outside TF.js: named tensors (shape, dtype, raw bytes) under
 * a header saying what they are. Models export and import it (src/models/weights.ts turns it into
 * and out of Variables), the worker stores it as a checkpoint, packs carry it in their data
 * section, the eval and the benchmarks load it from a pack. TF.js-free, so the pack format (which
 * the UI side may read) and the store can share it.
 */

/** The format string each model's weights carry: the one place these names are written. */
export const WEIGHTS_FORMATS = {
  embedding: 'burrow-embedding/1',
  gru4rec: 'burrow-gru4rec/1',
  sasrec: 'burrow-sasrec/1',
} as const;

export type WeightsModelName = keyof typeof WEIGHTS_FORMATS;
export type WeightsFormat = (typeof WEIGHTS_FORMATS)[WeightsModelName];

/** One tensor: its shape, dtype and raw little-endian bytes (a whole ArrayBuffer, not a view). */
export interface SerializedTensor {
  shape: number[];
  dtype: 'float32' | 'int32';
  data: ArrayBuffer;
}

/** Tensors by their weight name (e.g. 'item/embedding'). */
export type NamedTensors = Record<string, SerializedTensor>;

/** What a set of weights is. */
export interface WeightsHeader {
  format: WeightsFormat;
  /** the model config's hash (the models' configHash()): same hash, same architecture and training */
  configHash: string;
  /** hash of the content tower's feature vocabulary; null for a model without one */
  featuresHash: string | null;
}

export interface SerializedWeights extends WeightsHeader {
  tensors: NamedTensors;
}

/** Shape and dtype of each tensor: what a store keeps beside the raw buffers. */
export function tensorLayout(tensors: NamedTensors): Record<string, Pick<SerializedTensor, 'shape' | 'dtype'>> {
  return Object.fromEntries(Object.entries(tensors).map(([name, t]) => [name, { shape: t.shape, dtype: t.dtype }]));
}

/** The raw buffers by name (the other half of {@link tensorLayout}). */
export function tensorBuffers(tensors: NamedTensors): Record<string, ArrayBuffer> {
  return Object.fromEntries(Object.entries(tensors).map(([name, t]) => [name, t.data]));
}

/**
 * Puts a layout and its buffers back together; throws naming a tensor the buffers lack.
 * @param what how to name the weights in the message (e.g. 'the stored model')
 */
export function namedTensorsOf(
  layout: Record<string, Pick<SerializedTensor, 'shape' | 'dtype'>>,
  buffers: Record<string, ArrayBuffer>,
  what: string,
): NamedTensors {
  const tensors: NamedTensors = {};
  for (const [name, { shape, dtype }] of Object.entries(layout)) {
    const data = buffers[name];
    if (!data) throw new Error(`${what} lacks ${name}`);
    tensors[name] = { shape, dtype, data };
  }
  return tensors;
}
