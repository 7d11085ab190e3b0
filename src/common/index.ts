/** Small DOM-free helpers shared by every folder (no imports from the rest of src/). */
export { capMessage, clip, quote, MESSAGE_LIMIT, QUOTE_LIMIT } from './text.ts';
export { fnv1a32 } from './hash.ts';
export { AliasSampler, Rng, randomNormalArray } from './random.ts';
export {
  namedTensorsOf,
  tensorBuffers,
  tensorLayout,
  WEIGHTS_FORMATS,
  type NamedTensors,
  type SerializedTensor,
  type SerializedWeights,
  type WeightsFormat,
  type WeightsHeader,
  type WeightsModelName,
} from './weights.ts';
