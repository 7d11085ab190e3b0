import { describe, expect, it } from 'vitest';
import { baselineScores, idfWeighted, type FeatureRows } from './content-baseline';
import { topKItems } from './ranker';

/** 6 items, 3 features each: [genre, quality bucket, pad]. Genres: 1 horror, 2 comedy; quality: 3 high, 4 low. */
function rows(): FeatureRows {
  const table = [
    [1, 3], // 0 horror, high
    [1, 4], // 1 horror, low
    [2, 3], // 2 comedy, high
    [2, 3], // 3 comedy, high
    [2, 3], // 4 comedy, high
    [1, 3], // 5 horror, high
  ];
  const ids = new Int32Array(6 * 3);
  const weights = new Float32Array(6 * 3);
  table.forEach((features, item) =>
    features.forEach((f, j) => {
      ids[item * 3 + j] = f;
      weights[item * 3 + j] = 1;
    }),
  );
  return { numItems: 6, maxFeatures: 3, ids, weights };
}

const popularity = Float32Array.from([0.1, 0.1, 0.9, 0.8, 0.7, 0.2]);

describe('content + popularity baseline', () => {
  it('ranks by popularity for a user with no signals', () => {
    const scores = baselineScores(rows(), popularity, [], { exclude: new Set() });
    expect(topKItems(scores, 3)).toEqual([2, 3, 4]);
  });

  it('moves items sharing the liked item’s distinctive features up, and excludes judged items', () => {
    const scores = baselineScores(idfWeighted(rows()), popularity, [{ item: 0, strength: 1 }], {
      exclude: new Set([0]),
      popularityWeight: 0, // content alone: the low-quality horror film still beats the popular comedy
    });
    expect(topKItems(scores, 2)).toEqual([5, 1]);
  });

  it('pushes disliked content down', () => {
    const scores = baselineScores(idfWeighted(rows()), popularity, [{ item: 2, strength: -1 }], { exclude: new Set([2]) });
    expect(scores[2]).toBe(-Infinity);
    expect(scores[3]!).toBeLessThan(scores[5]!);
  });

  it('idf weighting lowers features most items share', () => {
    const weighted = idfWeighted(rows());
    // feature 3 (in 5 of 6 items) ends up lighter than feature 1 (in 3 of 6)
    expect(weighted.weights[1]!).toBeLessThan(weighted.weights[0]!);
  });
});
