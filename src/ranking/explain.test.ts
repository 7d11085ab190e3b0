import { describe, expect, it } from 'vitest';
import { EXPLORED_REASON, explain, likingOf, reasonSentence, upNextReason, type ExplainContext, type Liking, type ReasonWords } from './explain';

const words = (liking: Record<number, Liking> = {}): ReasonWords => ({
  title: (item) => `Film ${item}`,
  year: (item) => 1900 + item,
  liking: (item) => liking[item] ?? { kind: 'looked' },
});

describe('the sentences of reasons', () => {
  it('word every reason kind', () => {
    const w = words({ 1: { kind: 'liked' }, 2: { kind: 'rated', stars: 5 } });
    expect(reasonSentence({ kind: 'like', because: 1, genre: null }, 100, w)).toBe('Because you liked Film 1');
    expect(reasonSentence({ kind: 'like', because: 2, genre: null }, 100, w)).toBe('Because you rated Film 2 5 stars');
    expect(reasonSentence({ kind: 'like', because: 3, genre: null }, 100, w)).toBe('Because you looked at Film 3');
    expect(reasonSentence({ kind: 'sequence', because: 1, genre: null }, 100, w)).toBe('Because you just watched Film 1');
    expect(reasonSentence({ kind: 'genre-popular', because: null, genre: 'Horror' }, 100, w)).toBe('Popular with people who like Horror');
    expect(reasonSentence({ kind: 'genre-popular', because: 1, genre: 'Horror' }, 100, w)).toBe('Popular Horror, like Film 1');
    expect(reasonSentence({ kind: 'genre-popular', because: 1, genre: 'Ridley Scott', facet: 'director' }, 100, w)).toBe('Directed by Ridley Scott, like Film 1');
    expect(reasonSentence({ kind: 'popular', because: null, genre: null }, 100, w)).toBe('Popular and well rated');
    expect(reasonSentence({ kind: 'acclaimed', because: null, genre: null }, 100, w)).toBe('Highly rated by critics and audiences');
    expect(reasonSentence({ kind: 'new', because: 1, genre: null }, 100, w)).toBe('New to you: a change from Film 1');
    expect(reasonSentence({ kind: 'new', because: null, genre: null }, 100, w)).toBe('New to you');
    expect(reasonSentence({ kind: 'era', because: null, genre: null }, 57, w)).toBe('From the 1950s, the years you like most');
  });

  it('a like wins over a rating, a rating over a look', () => {
    const state = { reaction: null, rating: null, skipped: false, opens: 1, views: 0, lastTs: 0 } as const;
    expect(likingOf({ ...state, reaction: 'like', rating: 3 })).toEqual({ kind: 'liked' });
    expect(likingOf({ ...state, rating: 4 })).toEqual({ kind: 'rated', stars: 4 });
    expect(likingOf(state)).toEqual({ kind: 'looked' });
    expect(likingOf(undefined)).toEqual({ kind: 'looked' });
  });

  it('explain words each card; an explored card says so but still takes part in spreading the films named', () => {
    const ctx: ExplainContext = {
      liked: [1, 2].map((item) => ({ item, strength: 1 })),
      contributions: () => ({ personal: 1, content: 1, sequence: 0, era: 0, popularity: 0.2, quality: 0 }),
      modelSimilarity: () => 0.9,
      contentSimilarity: () => 0.5,
      genresOf: () => ['Horror'],
    };
    const w = words({ 1: { kind: 'liked' }, 2: { kind: 'liked' } });
    const plain = explain([100, 101, 102], ctx, w);
    expect(new Set(plain).size).toBe(2);
    const withExplored = explain([100, 101, 102], ctx, w, new Set([101]));
    expect(withExplored).toEqual([plain[0], EXPLORED_REASON, plain[2]]);
  });

  it('Up next names the latest two positives, "liked" only when both were likes', () => {
    expect(upNextReason([5, 4, 3], words({ 5: { kind: 'liked' }, 4: { kind: 'liked' } }))).toBe('Because you just liked Film 5 and Film 4');
    expect(upNextReason([5, 4], words({ 5: { kind: 'liked' }, 4: { kind: 'rated', stars: 5 } }))).toBe('Because you just enjoyed Film 5 and Film 4');
    expect(upNextReason([5], words({ 5: { kind: 'liked' } }))).toBe('Because you just liked Film 5');
  });
});
