import { describe, expect, it } from 'vitest';
import { HISTORY_FIT, PRIOR_WEIGHTS, chooseHistoryL2, contributions, eraAffinity, fitPooledHybridWeights, hybridScores, parseHybridWeights, popularitySignal, qualitySignal, standardise } from './hybrid';
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
    const popularity = popularitySignal(Float32Array.from([0.1, 0.9, 0.5, 0.7]));
    const scores = hybridScores({ popularity }, { ...PRIOR_WEIGHTS }, [1]);
    expect(scores[1]).toBe(-Infinity);
    expect(scores[3]! > scores[2]! && scores[2]! > scores[0]!).toBe(true);
    expect(contributions({ popularity }, PRIOR_WEIGHTS, 3).popularity).toBeCloseTo(PRIOR_WEIGHTS.popularity * standardise(popularity)[3]!);
  });

  it('learns more weight for the signal that ranks the held-out positives high', () => {
    const n = 50;
    const heldOut = [3, 17, 40];
    // "content" puts exactly the held-out items on top; "popularity" is unrelated to them
    const content = Float32Array.from({ length: n }, (_, i) => (heldOut.includes(i) ? 5 : (i * 7) % 3));
    const popularity = Float32Array.from({ length: n }, (_, i) => (i * 13) % 11);
    const fitted = fitPooledHybridWeights([{ inputs: { content, popularity }, targets: heldOut, exclude: [0, 1] }], PRIOR_WEIGHTS, HISTORY_FIT);
    expect(fitted.content).toBeGreaterThan(PRIOR_WEIGHTS.content);
    expect(fitted.popularity).toBeLessThan(PRIOR_WEIGHTS.popularity);
    // signals not given keep their prior weight; no evidence gives the prior back
    expect(fitted.sequence).toBe(PRIOR_WEIGHTS.sequence);
    expect(fitPooledHybridWeights([{ inputs: { content, popularity }, targets: [], exclude: [] }], PRIOR_WEIGHTS, HISTORY_FIT)).toEqual({ ...PRIOR_WEIGHTS });
    expect(fitPooledHybridWeights([], PRIOR_WEIGHTS, HISTORY_FIT)).toEqual({ ...PRIOR_WEIGHTS });
  });

  it('learns one starting blend from many users: the signal that finds their next likes gains, the one that does not loses', () => {
    const n = 40;
    // every user's next likes are the top of their own "personal" signal, while popularity points elsewhere
    const examples = [0, 1, 2, 3, 4].map((u) => {
      const personal = Float32Array.from({ length: n }, (_, i) => ((i * 7 + u * 11) % n === 0 ? 5 : (i * 13 + u) % 5));
      const popularity = Float32Array.from({ length: n }, (_, i) => i); // the targets (low indices) are the least popular
      const targets = [...personal.keys()].filter((i) => personal[i]! >= 4).slice(0, 3);
      return { inputs: { personal, popularity }, targets, exclude: [] as number[] };
    });
    const pooled = fitPooledHybridWeights(examples, PRIOR_WEIGHTS, { l2: 1, steps: 25 });
    expect(pooled.personal).toBeGreaterThan(PRIOR_WEIGHTS.personal + 0.5);
    expect(pooled.popularity).toBeLessThan(PRIOR_WEIGHTS.popularity);
    expect(pooled.content).toBe(PRIOR_WEIGHTS.content);
    const one = examples[0]!;
    // a signal missing for some users keeps its prior weight
    const mixed = fitPooledHybridWeights([one, { ...examples[1]!, inputs: { popularity: examples[1]!.inputs.popularity } }]);
    expect(mixed.personal).toBe(PRIOR_WEIGHTS.personal);
  });

  it('reaches the maximum of its objective: any nudge of the fitted weights lowers the log-posterior', () => {
    const n = 60;
    const content = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.7));
    const popularity = Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.9) + i / n);
    const examples = [
      { inputs: { content, popularity }, targets: [3, 11], exclude: [0, 1, 2] },
      { inputs: { content, popularity }, targets: [40], exclude: [5] },
    ];
    const fitted = fitPooledHybridWeights(examples, PRIOR_WEIGHTS, HISTORY_FIT);
    const logPosterior = (w: typeof fitted) =>
      examples.reduce((sum, e) => {
        const s = hybridScores(e.inputs, w, e.exclude.filter((i) => !e.targets.includes(i)));
        const max = Math.max(...s);
        const logZ = max + Math.log(s.reduce((z, v) => z + (Number.isFinite(v) ? Math.exp(v - max) : 0), 0));
        return sum + e.targets.reduce((t, h) => t + s[h]! - logZ, 0);
      }, 0) -
      (HISTORY_FIT.l2 / 2) * ((w.content - PRIOR_WEIGHTS.content) ** 2 + (w.popularity - PRIOR_WEIGHTS.popularity) ** 2);
    const best = logPosterior(fitted);
    for (const [dc, dp] of [[0.05, 0], [-0.05, 0], [0, 0.05], [0, -0.05], [0.03, -0.03]] as const) {
      expect(logPosterior({ ...fitted, content: fitted.content + dc, popularity: fitted.popularity + dp })).toBeLessThan(best);
    }
  });

  describe("a pack's history l2, learned on its calibration users", () => {
    const n = 60;
    /** a user's state: two random signals, and as targets the top 2 of the one they follow (or random items) */
    const state = (seed: number, follows: 'content' | 'popularity' | 'nothing') => {
      const r = (i: number) => Math.sin(seed * 12.9898 + i * 78.233) * 43758.5453 % 1;
      const content = Float32Array.from({ length: n }, (_, i) => r(i));
      const popularity = Float32Array.from({ length: n }, (_, i) => r(i + 1000));
      const by = follows === 'content' ? content : follows === 'popularity' ? popularity : Float32Array.from({ length: n }, (_, i) => r(i + 2000));
      const targets = [...by.keys()].sort((a, b) => by[b]! - by[a]!).slice(0, 2);
      return { inputs: { content, popularity }, targets, exclude: [] as number[] };
    };
    const user = (u: number, history: 'content' | 'popularity' | 'nothing', next: 'content' | 'popularity') => ({
      history: [1, 2, 3, 4, 5, 6].map((k) => state(u * 100 + k, history)),
      cutoff: state(u * 100 + 99, next),
    });

    it('refits each user when their own likes tell them apart (half follow content, half popularity)', () => {
      const users = Array.from({ length: 24 }, (_, u) => (u % 4 < 2 ? user(u, 'content', 'content') : user(u, 'popularity', 'popularity')));
      const { l2, logLikelihood } = chooseHistoryL2(users, PRIOR_WEIGHTS);
      expect(l2).not.toBeNull();
      expect(l2!).toBeLessThanOrEqual(3);
      expect(logLikelihood[String(l2)]!).toBeGreaterThan(logLikelihood.none!);
    });

    it('keeps the starting blend when everyone follows it and a user\'s own likes are noise', () => {
      const users = Array.from({ length: 24 }, (_, u) => user(u, 'nothing', 'popularity'));
      expect(chooseHistoryL2(users, PRIOR_WEIGHTS).l2 ?? Infinity).toBeGreaterThanOrEqual(30);
    });
  });

  it('puts popularity on the log-odds scale: its top stands out as far as it really is', () => {
    const z = standardise(popularitySignal(Float32Array.from([0.5, 0.5, 0.5, 0.5, 0.9, 0.999])));
    expect(z[5]! - z[4]!).toBeGreaterThan(z[4]! - z[0]!);
    expect(Array.from(popularitySignal(Float32Array.from([NaN, -1, 2]))).every(Number.isFinite)).toBe(true);
  });

  it('scores the era of the likes: nearest years first, unknown years and no likes left out', () => {
    const years = Float32Array.from([1975, 1980, 2010, NaN, 1978]);
    const positive = (s: number) => s >= 0.6;
    const era = eraAffinity(years, [{ item: 0, strength: 1 }, { item: 1, strength: 1 }, { item: 2, strength: -1 }], positive)!;
    expect(era[4]).toBeCloseTo(-0.5); // 1978 against the likes' mean 1977.5
    expect(era[2]! < era[0]!).toBe(true);
    expect(era[3]).toBeNaN();
    expect(eraAffinity(years, [{ item: 2, strength: -1 }], positive)).toBeNull();
    expect(eraAffinity(years, [{ item: 3, strength: 1 }], positive)).toBeNull();
  });

  it('reads back stored weights only when they match the current signals', () => {
    expect(parseHybridWeights({ ...PRIOR_WEIGHTS })).toEqual({ ...PRIOR_WEIGHTS });
    expect(parseHybridWeights({ personal: 1, content: 1, sequence: 1, attention: 1, quality: 1 })).toBeNull(); // an older set
    expect(parseHybridWeights({ ...PRIOR_WEIGHTS, era: 'x' })).toBeNull();
    expect(parseHybridWeights({ ...PRIOR_WEIGHTS, era: Infinity })).toBeNull();
    expect(parseHybridWeights(null)).toBeNull();
  });

  it('rates quality from the rating columns it has, the catalog mean when it has none', () => {
    const rows = [
      { imdb_rating: 8.5, rt_rating: 98 },
      { imdb_rating: 5, rt_rating: null },
      { imdb_rating: null, rt_rating: null },
    ];
    const quality = qualitySignal(rows);
    expect(quality[0]).toBeCloseTo((0.85 + 0.98) / 2);
    expect(quality[1]).toBeCloseTo(0.5);
    expect(quality[2]).toBeCloseTo((quality[0]! + quality[1]!) / 2);
  });
});

describe('reasons', () => {
  const base = (liked: number[], over: Partial<ExplainContext> = {}): ExplainContext => ({
    liked: liked.map((item) => ({ item, strength: 1 })),
    contributions: () => ({ personal: 1, content: 1, sequence: 0, era: 0, popularity: 0.2, quality: 0 }),
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
    const ctx = base([1], { contributions: () => ({ personal: 0.1, content: 0.1, sequence: 0, era: 0, popularity: 2, quality: 0 }) });
    expect(explainCards([100], ctx)).toEqual([{ kind: 'genre-popular', because: null, genre: 'Horror' }]);
    expect(explainCards([100], base([]))).toEqual([{ kind: 'popular', because: null, genre: null }]);
  });

  it('names the most specific facet a prior-carried card shares with a liked film, spreading the films named', () => {
    const tags: Record<number, string[]> = {
      1: ['genre:Horror', 'type:Science Fiction', 'director:Ridley Scott'],
      2: ['genre:Horror', 'type:Science Fiction'],
      3: ['genre:Horror'],
      100: ['genre:Horror', 'type:Science Fiction', 'director:Ridley Scott'],
      101: ['genre:Horror', 'type:Science Fiction'],
      102: ['genre:Horror', 'type:Science Fiction'],
      103: ['genre:Horror'],
    };
    const ctx = base([1, 2, 3], {
      contributions: () => ({ personal: 0.1, content: 0.1, sequence: 0, era: 0, popularity: 2, quality: 0 }),
      facetsOf: (i) => tags[i] ?? [],
    });
    expect(explainCards([100, 101, 102, 103], ctx)).toEqual([
      { kind: 'genre-popular', because: 1, genre: 'Ridley Scott', facet: 'director' },
      { kind: 'genre-popular', because: 2, genre: 'Science Fiction', facet: 'type' },
      { kind: 'genre-popular', because: 2, genre: 'Science Fiction', facet: 'type' },
      { kind: 'genre-popular', because: 3, genre: 'Horror' },
    ]);
  });

  it('says the era carries a card when closeness in years outweighs taste and the prior', () => {
    const ctx = base([1], { contributions: () => ({ personal: 0.1, content: 0.1, sequence: 0, era: 1.5, popularity: 1, quality: 0 }) });
    expect(explainCards([100], ctx)).toEqual([{ kind: 'era', because: null, genre: null }]);
  });

  it('names a liked film once taste is half the prior or more, and tells acclaim from audience size', () => {
    const card = (taste: number, popularity: number, quality: number) => () => ({ personal: 0, content: taste, sequence: 0, era: 0, popularity, quality });
    expect(explainCards([100], base([1], { contributions: card(1.1, 2, 0) }))[0]!.kind).toBe('like');
    expect(explainCards([100], base([1], { contributions: card(0.9, 2, 0) }))[0]!.kind).toBe('genre-popular');
    const noSharedGenre = { genresOf: (i: number) => (i < 100 ? ['Horror'] : ['Comedy']) };
    expect(explainCards([100], base([1], { ...noSharedGenre, contributions: card(0.1, 0.5, 1) }))[0]!.kind).toBe('acclaimed');
    expect(explainCards([100], base([1], { ...noSharedGenre, contributions: card(0.1, 1, 0.5) }))[0]!.kind).toBe('popular');
  });
});
