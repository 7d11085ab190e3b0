import * as tf from '@tensorflow/tfjs';
import type { EncodedFeatures } from './features';

/** [numItems, maxFeatures] tensors for an embedding bag; the caller owns (and disposes) them. */
export function featureTensors(encoded: EncodedFeatures): { ids: tf.Tensor2D; weights: tf.Tensor2D } {
  const shape: [number, number] = [encoded.numItems, encoded.maxFeatures];
  return {
    ids: tf.tensor2d(encoded.ids, shape, 'int32'),
    weights: tf.tensor2d(encoded.weights, shape, 'float32'),
  };
}
