import { describe, expect, it } from 'vitest';
import { PRIOR_WEIGHTS, contributions, fitHybridWeights, hybridScores, priorSignals, standardise } from './hybrid';
import { explainCards, type ExplainContext } from './explain';

describe('the For you blend', () => {
  it('standardises a signal to mean 0 and unit spread, keeping exclusions', () => {
    const z = standardise(Float32Array.from([1, 2, 3, -Infinity]));
    expect(z[3]).toBe(-Infinity);
    expect(z[0]! + z[1]! + z[2]!).toBeCloseTo(0);
    expect(z[2]! - z[0]!).toBeCloseTo(2 / Math.sqrt(2 / 3));
    expect(Array.from(standardise(Float32Array.from([4, 4])))).toEqual([0, 0]);
  });

  it('with the prior weights ranks like the prior, and excludes what it is told', () => {
    const attention = Float32Array.from([0.1, 0.9, 0.5, 0.7]);
    const scores = hybridScores({ attention }, { ...PRIOR_WEIGHTS }, [1]);
    expect(scores[1]).toBe(-Infinity);
    expect(scores[3]! > scores[2]! && scores[2]! > scores[0]!).toBe(true);
    expect(contributions({ attention }, PRIOR_WEIGHTS, 3).attention).toBeCloseTo(PRIOR_WEIGHTS.attention * standardise(attention)[3]!);
  });

  it('learns more weight for the signal that ranks the held-out positives high', () => {
    const n = 50;
    const heldOut = [3, 17, 40];
    // "content" puts exactly the held-out items on top; "attention" is unrelated to them
    const content = Float32Array.from({ length: n }, (_, i) => (heldOut.includes(i) ? 5 : (i * 7) % 3));
    const attention = Float32Array.from({ length: n }, (_, i) => (i * 13) % 11);
    const fitted = fitHybridWeights({ content, attention }, heldOut, [0, 1]);
    expect(fitted.content).toBeGreaterThan(PRIOR_WEIGHTS.content);
    expect(fitted.attention).toBeLessThan(PRIOR_WEIGHTS.attention);
    // signals not given keep their prior weight; no evidence gives the prior back
    expect(fitted.sequence).toBe(PRIOR_WEIGHTS.sequence);
    expect(fitHybridWeights({ content, attention }, [], [])).toEqual({ ...PRIOR_WEIGHTS });
  });

  it('builds the prior from every column it has: one miscounted vote column does not decide alone', () => {
    const rows = [
      { imdb_votes: 84, us_gross: 85e6, worldwide_gross: 180e6, imdb_rating: 8.5, rt_rating: 98 }, // "Aliens"
      { imdb_votes: 5000, us_gross: 1e6, worldwide_gross: 2e6, imdb_rating: 5, rt_rating: null },
      { imdb_votes: 20000, us_gross: 2e6, worldwide_gross: 3e6, imdb_rating: null, rt_rating: 50 },
      { imdb_votes: null, us_gross: null, worldwide_gross: null, imdb_rating: null, rt_rating: null },
    ];
    const { attention, quality } = priorSignals(rows);
    expect(attention[0]!).toBeGreaterThan(attention[1]!); // gross outweighs the broken vote count
    expect(quality[0]).toBeCloseTo((0.85 + 0.98) / 2);
    expect(quality[2]).toBeCloseTo(0.5);
    expect(attention[3]).toBeCloseTo((attention[0]! + attention[1]! + attention[2]!) / 3); // unknown: the mean
  });
});

describe('reasons', () => {
  const base = (liked: number[], over: Partial<ExplainContext> = {}): ExplainContext => ({
    liked: liked.map((item) => ({ item, strength: 1 })),
    contributions: () => ({ personal: 1, content: 1, sequence: 0, attention: 0.2, quality: 0 }),
    modelSimilarity: () => 0.9,
    contentSimilarity: () => 0.5,
    genresOf: (i) => (i < 100 ? ['Horror'] : ['Comedy', 'Horror']),
    ...over,
  });

  it('names a different liked film on each card when several explain it about as well', () => {
    const reasons = explainCards([100, 101, 102, 103, 104, 105, 106, 107, 108, 109], base([1, 2, 3, 4, 5]));
    expect(reasons.every((r) => r.kind === 'like')).toBe(true);
    expect(new Set(reasons.map((r) => r.because)).size).toBe(5);
  });

  it('names the one film that really explains a card, even if it was named before', () => {
    const ctx = base([1, 2], { modelSimilarity: (_a, b) => (b === 1 ? 0.9 : 0.05), contentSimilarity: (_a, b) => (b === 1 ? 0.8 : 0) });
    expect(explainCards([100, 101, 102], ctx).map((r) => r.because)).toEqual([1, 1, 1]);
  });

  it('says "popular with people who like <genre>" when the prior carries the card, and "popular" without taste', () => {
    const ctx = base([1], { contributions: () => ({ personal: 0.1, content: 0.1, sequence: 0, attention: 2, quality: 0 }) });
    expect(explainCards([100], ctx)).toEqual([{ kind: 'genre-popular', because: null, genre: 'Horror' }]);
    expect(explainCards([100], base([]))).toEqual([{ kind: 'popular', because: null, genre: null }]);
  });
});
