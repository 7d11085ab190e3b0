/** Public API of src/ranking. */
export { rankTopK, stockRankTopK, topKOp, type RankOptions } from './rank';
export { topKFromArray, isBetter, type TopKResult } from './topk-array';
export {
  baselineScores,
  idfWeighted,
  rankBaseline,
  sharedContent,
  similarityGroupWeights,
  strongestLikedNeighbour,
  tasteProfile,
  topIndices,
  type BaselineOptions,
  type FeatureRows,
  type RankedItem,
  type TasteSignal,
} from './content-baseline';
export { reciprocalRankFusion } from './fusion';
// Whole modules: they change often, and a new export should not need an edit here.
export * from './hybrid';
export * from './explain';
export { diversify, type DiversifyOptions } from './diversify';
export { withExploration, EXPLORE_EVERY, type Explored } from './explore';
export { onboardingPicks, DEFAULT_ONBOARDING, type OnboardingOptions } from './onboarding';
