/** Named embedding-model configurations that more than one room builds with. */
import type { EmbeddingConfig } from './config';

/**
 * The personal model trains on a handful to a few thousand events of one user, so epochs are tiny
 * (often one step): more epochs and a patient early stop replace the large batches of offline MF.
 */
export const PERSONAL_CONFIG: Partial<EmbeddingConfig> = {
  dim: 32,
  batchSize: 64,
  minStepsPerEpoch: 5,
  maxEpochs: 12,
  patience: 4,
  negatives: 32,
  // One set of negatives per batch: the content tower then runs on ~96 distinct items per step
  // instead of ~2,100 (bench §2: catalog vs catalog-per-example), at the same held-out quality on
  // the base pack's walks (public/packs/README.md).
  sharedNegatives: true,
  lossEvery: 5,
  foldInSteps: 15,
};
