/** What a train step's CPU side builds batches with: row de-duplication and negative sampling. */
export { bucketSize, Deduper, uniqueInverse, type UniqueInverse } from './deduper';
export { NegativeSampler } from './negative-sampler';
