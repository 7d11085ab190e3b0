/**
 * Variety you can control: maximal marginal relevance (Carbonell & Goldstein, 1998) over the top
 * of a ranking. Each next card maximises
 *   (1 − variety) · relevance(i) − variety · max_{j already shown} similarity(i, j)
 * where relevance is the score rescaled to [0, 1] over the candidates, so `variety` 0 gives the
 * ranking back unchanged and 1 spreads the cards as far apart as the candidates allow. Pure.
 */

export interface DiversifyOptions {
  k: number;
  /** 0 = "more like this" (the plain ranking) … 1 = "more variety" */
  variety: number;
  /** how many of the best-scored items MMR may choose among (default 5·k) */
  pool?: number;
}

export function diversify(
  scores: Float32Array,
  ranked: readonly number[],
  similarity: (a: number, b: number) => number,
  options: DiversifyOptions,
): number[] {
  const variety = Math.min(1, Math.max(0, options.variety));
  const k = Math.min(options.k, ranked.length);
  if (variety === 0 || k <= 1) return ranked.slice(0, k);
  const pool = ranked.slice(0, Math.max(k, options.pool ?? 5 * k));
  let lo = Infinity;
  let hi = -Infinity;
  for (const i of pool) {
    lo = Math.min(lo, scores[i]!);
    hi = Math.max(hi, scores[i]!);
  }
  const relevance = (i: number) => (hi > lo ? (scores[i]! - lo) / (hi - lo) : 1);
  const chosen: number[] = [pool[0]!];
  const closest = pool.map((i) => similarity(i, pool[0]!));
  const taken = new Set(chosen);
  while (chosen.length < k) {
    let best = -1;
    let bestValue = -Infinity;
    pool.forEach((i, j) => {
      if (taken.has(i)) return;
      const value = (1 - variety) * relevance(i) - variety * closest[j]!;
      if (value > bestValue) {
        bestValue = value;
        best = j;
      }
    });
    const pick = pool[best]!;
    chosen.push(pick);
    taken.add(pick);
    pool.forEach((i, j) => {
      closest[j] = Math.max(closest[j]!, similarity(i, pick));
    });
  }
  return chosen;
}
