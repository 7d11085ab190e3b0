/** Public API of src/ranking. */
export {
  topK,
  topKItems,
  topKByEmbedding,
  stockTopKByEmbedding,
  embeddingTopKOp,
  isBetter,
  type RankOptions,
  type TopKResult,
} from './ranker';
export {
  baselineScores,
  idfWeighted,
  sharedContent,
  similarityGroupWeights,
  tasteProfile,
  type BaselineOptions,
  type FeatureRows,
  type TasteSignal,
} from './content-baseline';
export { reciprocalRankFusion } from './fusion';
// Whole modules: they change often, and a new export should not need an edit here.
export * from './hybrid';
export * from './explain';
export { diversify, type DiversifyOptions } from './diversify';
export { withExploration, EXPLORE_EVERY, type Explored } from './explore';
export { onboardingPicks, DEFAULT_ONBOARDING, type OnboardingOptions } from './onboarding';
