/**
 * The cold-start picker: about a dozen well-known films that between them tell the most about a
 * new user's taste. "Well-known" keeps the picks recognisable (a film nobody has seen teaches
 * nothing); "spread" makes every pick land in a different region of the item space, so each
 * like or dislike moves the user vector somewhere new. Greedy farthest-point selection over the
 * best-known pool: start from the best-known film, then repeatedly add the film whose nearest
 * pick is farthest away. Pure.
 */
import { topKItems } from './ranker';

export interface OnboardingOptions {
  /** how many films to offer */
  k: number;
  /** how many of the best-known films to choose among */
  pool: number;
}

export const DEFAULT_ONBOARDING: Readonly<OnboardingOptions> = Object.freeze({ k: 12, pool: 150 });

/**
 * `popularity[i]` orders the pool; `similarity(a, b)` (cosine-like, higher = closer) spreads it.
 * Items in `exclude` (already judged) are never offered.
 */
export function onboardingPicks(
  popularity: ArrayLike<number>,
  similarity: (a: number, b: number) => number,
  exclude: ReadonlySet<number> = new Set(),
  options: OnboardingOptions = DEFAULT_ONBOARDING,
): number[] {
  const candidates = topKItems(popularity, options.pool, [...exclude]);
  if (candidates.length === 0) return [];
  const picks = [candidates[0]!];
  // nearest[c] = similarity of candidate c to its most similar pick so far
  const nearest = candidates.map((c) => similarity(c, picks[0]!));
  const taken = new Set(picks);
  while (picks.length < Math.min(options.k, candidates.length)) {
    let best = -1;
    let bestScore = Infinity;
    candidates.forEach((c, j) => {
      if (taken.has(c)) return;
      // least similar to every pick; among near-equals the better-known one (earlier in the pool)
      if (nearest[j]! < bestScore - 1e-9) {
        bestScore = nearest[j]!;
        best = j;
      }
    });
    const pick = candidates[best]!;
    picks.push(pick);
    taken.add(pick);
    candidates.forEach((c, j) => {
      nearest[j] = Math.max(nearest[j]!, similarity(c, pick));
    });
  }
  return picks;
}
