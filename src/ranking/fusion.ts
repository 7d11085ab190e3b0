/**
 * Reciprocal rank fusion: combines rankers whose scores live on different scales (a dot product,
 * a cosine, a popularity prior) using only each item's rank under each ranker.
 * score(i) = sum_r 1 / (k + rank_r(i)), with k = 60 as in Cormack et al. (2009).
 */
export function reciprocalRankFusion(scoreLists: readonly Float32Array[], k = 60): Float32Array {
  const n = scoreLists[0]?.length ?? 0;
  const fused = new Float32Array(n);
  for (const scores of scoreLists) {
    if (scores.length !== n) throw new Error(`fusion: score lists differ in length (${scores.length} vs ${n})`);
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
    order.forEach((item, rank) => {
      if (Number.isFinite(scores[item]!)) fused[item]! += 1 / (k + rank + 1);
      else fused[item] = -Infinity;
    });
  }
  return fused;
}
