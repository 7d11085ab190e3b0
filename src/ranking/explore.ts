/**
 * Exploration in For you: a contextual bandit over the blend. The blend weights have a Laplace
 * posterior around the user's fit (hybrid.weightPosterior); Thompson sampling draws one weight
 * vector from it and ranks the catalog with it. One card in `every` (the last of each group, so
 * the best cards stay where they are) goes to the sampled ranking's best film that the plain
 * ranking does not show. A user with little evidence has a wide posterior, so those cards
 * wander further; skips and dislikes there become ordinary negative signals (and exclusions), and
 * each training round's fit narrows the posterior. Pure.
 */

export const EXPLORE_EVERY = 6;

export interface Explored {
  items: number[];
  /** the items placed by exploration */
  explored: Set<number>;
}

/**
 * `greedy`: the plain ranking's top (at least k); `sampled`: the sampled weights' ranking (any
 * length). Slots every-1, 2·every-1, … take the sampled ranking's best items not otherwise shown.
 */
export function withExploration(greedy: readonly number[], sampled: readonly number[], k: number, every = EXPLORE_EVERY): Explored {
  const slots = new Set<number>();
  for (let s = every - 1; s < k; s += every) slots.add(s);
  const shownGreedy = new Set(greedy.slice(0, k - slots.size));
  const explorers = sampled.filter((i) => !shownGreedy.has(i));
  const items: number[] = [];
  const explored = new Set<number>();
  let g = 0;
  let e = 0;
  for (let position = 0; position < k; position++) {
    if (slots.has(position) && e < explorers.length) {
      const pick = explorers[e++]!;
      items.push(pick);
      explored.add(pick);
    } else if (g < greedy.length) {
      let next = greedy[g++]!;
      while (explored.has(next) && g < greedy.length) next = greedy[g++]!;
      if (!explored.has(next)) items.push(next);
    }
  }
  return { items, explored };
}
