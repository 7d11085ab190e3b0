/**
 * Reasons for the For you cards, from the hybrid's own decomposition: each card's score is a sum
 * of signal contributions (hybrid.ts), and the taste part is attributed to the liked films through
 * the model (item-embedding similarity for the personal signal, shared content for the content
 * signal, each times the film's signal strength). The card then names what contributes most:
 *   'like'           a liked film ("Because you liked X")
 *   'sequence'       the most recent like, when the sequence model carries the card
 *   'genre-popular'  the prior carries it and it shares a genre with the likes; with `facetsOf`, the
 *                    most specific facet it shares with a liked film (director, then creative type,
 *                    then genre) and that film are named ("Popular Science Fiction, like Alien")
 *   'popular'        the prior carries it (no taste yet, or no shared genre)
 *   'acclaimed'      as 'popular', but its ratings carry more of it than its audience size
 *   'new'            a card outside every genre the user liked, carried by the model anyway
 *   'era'            the closeness of its year to the years of the likes carries it
 * Distinct: among liked films that explain at least `closeShare` of the best one's attribution, the
 * one named least often so far is named, so ten cards rarely share one reason while each named
 * film really is among the card's main contributors.
 *
 * This is the one place reasons are made: `explain` turns the kinds into the sentences For you's
 * cards show (reasonSentence) and `upNextReason` words Up next's; the engine calls them, and the
 * eval replay and the pack CLI see reasons only through the engine's lists. Pure.
 */
import type { ItemState } from '../events';
import type { HybridSignal } from './hybrid';

export type ReasonKind = 'like' | 'sequence' | 'genre-popular' | 'popular' | 'acclaimed' | 'new' | 'era';

/** the taste part (personal + content) must reach this share of the prior part for a liked film to be named */
export const TASTE_SHARE = 0.5;

export interface CardReason {
  kind: ReasonKind;
  /** the liked film named (like, sequence), or null */
  because: number | null;
  /** the shared genre named (genre-popular), or null */
  genre: string | null;
  /** which facet `genre` is a value of, when it is not the genre (genre-popular with facetsOf) */
  facet?: string;
}

export interface ExplainContext {
  /** positive items with their strengths, oldest first */
  liked: readonly { item: number; strength: number }[];
  /** each signal's contribution to a card's score (hybrid.contributions) */
  contributions: (item: number) => Record<HybridSignal, number>;
  /** similarity of two items in the model's item space (cosine), or null without a model */
  modelSimilarity: ((a: number, b: number) => number) | null;
  /** shared content of two items, normalised to [0, 1] */
  contentSimilarity: (a: number, b: number) => number;
  genresOf: (item: number) => readonly string[];
  /**
   * An item's facet tags ("director:James Cameron"), to name the most specific facet a
   * prior-carried card shares with a liked film; without it such a card names a genre only.
   */
  facetsOf?: (item: number) => readonly string[];
  /** share of the best attribution a film needs to be named instead of it (default 0.6) */
  closeShare?: number;
}

/** The attribution of `item`'s taste score to each liked film. */
export function attributeToLiked(item: number, ctx: ExplainContext, weights: { personal: number; content: number }): number[] {
  return ctx.liked.map(({ item: j, strength }) => {
    const personal = ctx.modelSimilarity ? Math.max(0, ctx.modelSimilarity(item, j)) : 0;
    const content = Math.max(0, ctx.contentSimilarity(item, j));
    return strength * (weights.personal * personal + weights.content * content);
  });
}

/** Facets from most to least specific: sharing a director says more about taste than sharing a genre. */
export const FACET_SPECIFICITY = ['director', 'type', 'genre'] as const;

interface SharedFacet {
  facet: string;
  value: string;
  liked: number;
}

/** The liked films' facet tags each card can share, the most specific first. */
function sharedFacets(item: number, liked: ExplainContext['liked'], facetsOf: (item: number) => readonly string[]): SharedFacet[] {
  const own = new Set(facetsOf(item));
  const found: SharedFacet[] = [];
  for (const facet of FACET_SPECIFICITY) {
    liked.forEach(({ item: j }, k) => {
      for (const tag of facetsOf(j)) {
        if (tag.startsWith(`${facet}:`) && own.has(tag)) found.push({ facet, value: tag.slice(facet.length + 1), liked: k });
      }
    });
    if (found.length > 0) return found;
  }
  return found;
}

export function explainCards(items: readonly number[], ctx: ExplainContext): CardReason[] {
  const used = new Map<number, number>();
  const closeShare = ctx.closeShare ?? 0.6;
  const likedGenres = new Map<string, number>();
  for (const { item } of ctx.liked) for (const g of ctx.genresOf(item)) likedGenres.set(g, (likedGenres.get(g) ?? 0) + 1);
  const genreUse = new Map<string, number>();
  const last = ctx.liked.length > 0 ? ctx.liked[ctx.liked.length - 1]!.item : null;
  let sequenceUsed = 0;
  return items.map((item) => {
    const c = ctx.contributions(item);
    const taste = Math.max(0, c.personal) + Math.max(0, c.content);
    const prior = Math.max(0, c.popularity) + Math.max(0, c.quality);
    const sequence = Math.max(0, c.sequence);
    const era = Math.max(0, c.era);
    const shared = ctx.genresOf(item).filter((g) => likedGenres.has(g));
    if (ctx.liked.length === 0) return { kind: 'popular', because: null, genre: null };
    if (sequence > taste && sequence > prior && last !== null && sequenceUsed < 2) {
      sequenceUsed++;
      return { kind: 'sequence', because: last, genre: null };
    }
    if (era > taste && era > prior) return { kind: 'era', because: null, genre: null };
    // a liked film is named when the taste part is a real share of the card's score (at least
    // half the prior's), not only when it outweighs a prior that leads almost every card
    if (taste < TASTE_SHARE * prior) {
      if (shared.length === 0) return { kind: Math.max(0, c.quality) > Math.max(0, c.popularity) ? 'acclaimed' : 'popular', because: null, genre: null };
      const facets = ctx.facetsOf ? sharedFacets(item, ctx.liked, ctx.facetsOf) : [];
      if (facets.length > 0) {
        // the least-named liked film among those sharing the most specific facet, the newest among equals
        const pick = [...facets].sort((a, b) => (used.get(a.liked) ?? 0) - (used.get(b.liked) ?? 0) || b.liked - a.liked)[0]!;
        used.set(pick.liked, (used.get(pick.liked) ?? 0) + 1);
        const reason: CardReason = { kind: 'genre-popular', because: ctx.liked[pick.liked]!.item, genre: pick.value };
        return pick.facet === 'genre' ? reason : { ...reason, facet: pick.facet };
      }
      // the least-named of the shared genres, the user's most liked first among equals
      const genre = [...shared].sort((a, b) => (genreUse.get(a) ?? 0) - (genreUse.get(b) ?? 0) || likedGenres.get(b)! - likedGenres.get(a)!)[0]!;
      genreUse.set(genre, (genreUse.get(genre) ?? 0) + 1);
      return { kind: 'genre-popular', because: null, genre };
    }
    const attribution = attributeToLiked(item, ctx, { personal: Math.max(0, c.personal), content: Math.max(0, c.content) });
    const best = Math.max(0, ...attribution);
    if (best <= 0) return { kind: shared.length === 0 ? 'new' : 'popular', because: null, genre: null };
    const candidates = attribution.flatMap((a, k) => (a >= closeShare * best ? [k] : []));
    candidates.sort((a, b) => (used.get(a) ?? 0) - (used.get(b) ?? 0) || attribution[b]! - attribution[a]!);
    const pick = candidates[0]!;
    used.set(pick, (used.get(pick) ?? 0) + 1);
    if (shared.length === 0) return { kind: 'new', because: ctx.liked[pick]!.item, genre: null };
    return { kind: 'like', because: ctx.liked[pick]!.item, genre: null };
  });
}

/** How the user marked a film they like: the sentence says "liked", "rated N stars" or "looked at". */
export type Liking = { kind: 'liked' } | { kind: 'rated'; stars: number } | { kind: 'looked' };

/** An item's state as a Liking: a like wins over a rating; without either the user only looked. */
export function likingOf(state: ItemState | undefined): Liking {
  if (state?.reaction === 'like') return { kind: 'liked' };
  if (state?.rating) return { kind: 'rated', stars: state.rating };
  return { kind: 'looked' };
}

/** What a reason's sentence says about items (the engine answers from its catalog and the user's log). */
export interface ReasonWords {
  title: (item: number) => string;
  /** release year; only asked of a card an 'era' reason carries */
  year: (item: number) => number;
  liking: (item: number) => Liking;
}

/** The sentence of a card placed by exploration (explore.ts) rather than by its score. */
export const EXPLORED_REASON = 'Something different to try';

/** A card's reason as the sentence the card shows. */
export function reasonSentence(reason: CardReason, item: number, words: ReasonWords): string {
  const title = reason.because !== null ? words.title(reason.because) : null;
  switch (reason.kind) {
    case 'sequence':
      return `Because you just watched ${title}`;
    case 'genre-popular':
      if (title === null) return `Popular with people who like ${reason.genre}`;
      if (reason.facet === 'director') return `Directed by ${reason.genre}, like ${title}`;
      return `Popular ${reason.genre}, like ${title}`;
    case 'popular':
      return 'Popular and well rated';
    case 'acclaimed':
      return 'Highly rated by critics and audiences';
    case 'new':
      return title ? `New to you: a change from ${title}` : 'New to you';
    case 'era':
      return `From the ${Math.floor(words.year(item) / 10) * 10}s, the years you like most`;
    case 'like': {
      const liking = words.liking(reason.because!);
      if (liking.kind === 'liked') return `Because you liked ${title}`;
      if (liking.kind === 'rated') return `Because you rated ${title} ${liking.stars} stars`;
      return `Because you looked at ${title}`;
    }
  }
}

/**
 * For you's sentences, one per card of `items` (in order). Every card takes part in explainCards'
 * spreading of the films named, the explored ones too, which then say they are something different.
 */
export function explain(items: readonly number[], ctx: ExplainContext, words: ReasonWords, explored: ReadonlySet<number> = new Set()): string[] {
  const reasons = explainCards(items, ctx);
  return items.map((item, r) => (explored.has(item) ? EXPLORED_REASON : reasonSentence(reasons[r]!, item, words)));
}

/** Up next's sentence, naming the user's latest positives (newest first, at most two are named). */
export function upNextReason(latest: readonly number[], words: ReasonWords): string {
  const named = latest.slice(0, 2);
  const verb = named.every((i) => words.liking(i).kind === 'liked') ? 'liked' : 'enjoyed';
  return `Because you just ${verb} ${named.map(words.title).join(' and ')}`;
}
