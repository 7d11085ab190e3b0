/** Public API of src/ranking. */
export { rankTopK, stockRankTopK, resolveRankImpl, type RankImpl, type RankOptions } from './rank';
export { topKFromArray, isBetter, type TopKResult } from './topk-array';
export { fusedRankTopK, FUSED_MAX_K } from './fused-topk-webgpu';
