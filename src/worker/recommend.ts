/**
 * For you and Up next: every ranker's scores for the user's taste, For you's blend (its weights
 * learned on the user's own likes, the explored list, the reasons), Up next's sequence list, and
 * the cold-start picker. The taste comes from the engine (its event log), the models from the
 * personal model and the base pack.
 */
import { Rng } from '../common';
import { isPositiveStrength, likeMoments, type EventLike, type ItemState } from '../events';
import {
  HISTORY_FIT,
  HISTORY_FIT_LIKES,
  PRIOR_WEIGHTS,
  baselineScores,
  contributions,
  diversify,
  eraAffinity,
  explain,
  fitPooledHybridWeights,
  hybridScores,
  likingOf,
  onboardingPicks,
  sampleWeights,
  sharedContent,
  topKItems,
  upNextReason,
  weightPosterior,
  withExploration,
  type BlendExample,
  type FitOptions,
  type HybridInputs,
  type HybridWeights,
  type ReasonWords,
} from '../ranking';
import type { CatalogIndex } from '../catalog';
import type { BasePack } from './base-pack';
import { contentCosine, type CatalogSignals } from './catalog-signals';
import type { PersonalModel, PersonalSignal } from './personal-model';
import type { ModelStatus, Recommendation, RecommendResult, UpNextResult } from './protocol';
import { recentPositives, tasteFromStates, UP_NEXT_HISTORY, type Taste } from './taste';

/** Every ranker's scores over the whole catalog for one taste (nothing excluded yet). */
export interface RankerScores {
  popularity: Float32Array;
  /** the content + popularity baseline shown before any training */
  content: Float32Array;
  /** the shipped pack's item side with the user folded in, no fine-tuning; null without a pack */
  pack: Float32Array | null;
  /** the user's fine-tuned embedding model; null before the first training */
  personal: Float32Array | null;
  /** the sequence model's next-item scores after the user's recent positives; null without a pack or history */
  sequence: Float32Array | null;
  /** content similarity alone (no popularity mixed in); null without taste signals */
  contentOnly: Float32Array | null;
}

export interface RecommendOptions {
  k: number;
  variety?: number;
  tail?: number;
  explore?: boolean;
}

export class Recommender {
  /** For you's weights fitted on the user's own likes, for the log they were fitted on */
  private userBlend: { logKey: string; weights: HybridWeights; likes: number } | null = null;
  /** each like's example for that fit (what the taste before it ranked), by moment: a new event adds one at most */
  private likeExamples = new Map<string, BlendExample | null>();

  constructor(
    private readonly catalog: CatalogSignals,
    private readonly personal: PersonalModel,
    private readonly pack: BasePack,
    /** the user's current taste (the engine's event log) */
    private readonly taste: () => Promise<Taste>,
  ) {}

  async upNext({ k }: { k: number }): Promise<UpNextResult> {
    const loaded = this.catalog;
    const sequence = this.pack.sequence;
    if (!sequence) return { items: [], reason: null, source: null };
    const { states, signals, exclude } = await this.taste();
    const history = recentPositives(signals, UP_NEXT_HISTORY);
    if (history.length === 0) return { items: [], reason: null, source: 'sasrec' };
    // ranked by the sequence model alone: the top is cut on the backend, only k scores come back
    const top = await sequence.topK(Int32Array.from(history), k, Int32Array.from([...exclude, ...history]));
    return {
      items: Array.from(top.indices, (item, r) => ({ itemId: loaded.index.idAt(item), score: top.scores[r]!, reason: '' })),
      reason: upNextReason(history.slice(-2).reverse(), reasonWords(loaded, states)),
      source: 'sasrec',
    };
  }

  /** Every ranker's scores for the user's current taste (the eval replay compares them). */
  async rankers(): Promise<{ scores: RankerScores; exclude: number[] }> {
    const { signals, exclude } = await this.taste();
    return { scores: await this.scoresFor(signals), exclude: [...exclude] };
  }

  /** For you's inputs for the current history (what recommend blends), for learning a pack's starting blend. */
  async blendInputs(): Promise<{ inputs: HybridInputs; exclude: number[]; history: BlendExample[] }> {
    const { signals, exclude, events } = await this.taste();
    return { inputs: this.hybridInputs(await this.scoresFor(signals), signals), exclude: [...exclude], history: this.historyExamples(events) };
  }

  async scoresFor(signals: readonly PersonalSignal[]): Promise<RankerScores> {
    const loaded = this.catalog;
    const none = new Set<number>();
    const history = recentPositives(signals, UP_NEXT_HISTORY);
    const hasTaste = signals.some((s) => s.strength !== 0);
    return {
      popularity: loaded.popularity.slice(),
      content: baselineScores(loaded.contentRows, loaded.popularity, signals, { exclude: none, popularityWeight: 0.3 }),
      pack: await this.personal.packScores(signals),
      personal: this.personal.trained ? await this.personal.scores(signals) : null,
      sequence: this.pack.sequence && history.length > 0 ? await this.pack.sequence.scores(Int32Array.from(history)) : null,
      contentOnly: hasTaste ? baselineScores(loaded.contentRows, loaded.popularity, signals, { exclude: none, popularityWeight: 0 }) : null,
    };
  }

  /** The blend's inputs that need no model: content, era, popularity, quality (what the history fit relearns per like). */
  private priorInputs(signals: readonly PersonalSignal[]): HybridInputs {
    const loaded = this.catalog;
    return {
      content: signals.some((s) => s.strength !== 0)
        ? baselineScores(loaded.contentRows, loaded.popularity, signals, { exclude: new Set(), popularityWeight: 0 })
        : null,
      era: eraAffinity(loaded.years, signals, isPositiveStrength),
      popularity: loaded.popularitySignal,
      quality: loaded.quality,
    };
  }

  /** The hybrid's inputs: the personal model once trained, else the pack's fold-in; the prior always. */
  hybridInputs(scores: RankerScores, signals: readonly PersonalSignal[]): HybridInputs {
    const loaded = this.catalog;
    return {
      personal: scores.personal ?? scores.pack,
      content: scores.contentOnly,
      sequence: scores.sequence,
      era: eraAffinity(loaded.years, signals, isPositiveStrength),
      popularity: loaded.popularitySignal,
      quality: loaded.quality,
    };
  }

  blendStatus(): ModelStatus['blend'] {
    const likes = this.userBlend?.likes ?? 0;
    return { weights: { ...this.hybridWeights() }, learned: likes > 0, likes, prior: this.pack.blendPrior() ? 'pack' : 'app' };
  }

  /** Where every user's blend starts and what the per-user fit is pulled back to. */
  blendPrior(): HybridWeights {
    return this.pack.blendPrior() ?? { ...PRIOR_WEIGHTS };
  }

  /** The weights For you used last: learned on the user's own likes, else the prior. */
  hybridWeights(): HybridWeights {
    return this.userBlend?.weights ?? this.blendPrior();
  }

  /**
   * For you's weights for this log: the starting blend refitted on the user's own likes, each
   * scored against the taste just before it (events' likeMoments, ranking's HISTORY_FIT, or the
   * pull the pack learned with its starting blend). The personal and sequence signals are not
   * recomputed for past tastes (a fold-in and a sequence pass per like would cost every click a
   * second); they keep their starting weights. `only` leaves out likes (the quality record's
   * held-out ones).
   */
  blendFor(events: readonly EventLike[], only: (target: number) => boolean = () => true): { weights: HybridWeights; likes: number } {
    const fit = this.historyFit();
    if (!fit) return { weights: this.blendPrior(), likes: 0 };
    const usable = this.historyExamples(events).filter((e) => only(e.targets[0]!));
    return { weights: fitPooledHybridWeights(usable, this.blendPrior(), fit), likes: usable.length };
  }

  /** The history fit's options: the pack's learned pull where it carries one (null: no refit), else the app's. */
  private historyFit(): FitOptions | null {
    const l2 = this.pack.historyL2();
    return l2 === undefined ? HISTORY_FIT : l2 === null ? null : { ...HISTORY_FIT, l2 };
  }

  /** The examples the history fit learns from for this log: one per recent like that had a taste before it. */
  historyExamples(events: readonly EventLike[]): BlendExample[] {
    const examples = new Map<string, BlendExample | null>();
    for (const moment of likeMoments(events, HISTORY_FIT_LIKES)) {
      const key = `${moment.at}:${moment.ts}:${moment.itemId}`;
      examples.set(key, this.likeExamples.has(key) ? this.likeExamples.get(key)! : this.likeExample(moment.itemId, moment.before, moment.ts, this.catalog.index));
    }
    this.likeExamples = examples;
    return [...examples.values()].filter((e): e is BlendExample => e !== null);
  }

  /** A like as an example of how this user's taste leads to likes (the catalog as it was at `at`); null when there was no taste before it. */
  private likeExample(itemId: string, before: Map<string, ItemState>, at: number, index: CatalogIndex): BlendExample | null {
    const target = index.indexOf(itemId);
    if (target === undefined) return null;
    const { signals, exclude } = tasteFromStates(before, index, at);
    if (!signals.some((s) => isPositiveStrength(s.strength))) return null;
    return { inputs: this.priorInputs(signals), targets: [target], exclude };
  }

  /** blendFor, kept for the log it was fitted on, so the plain and the explored list of one event share it */
  private cachedBlend(events: readonly EventLike[]): { weights: HybridWeights; likes: number } {
    const last = events[events.length - 1];
    const logKey = `${events.length}:${last?.ts ?? 0}:${last?.itemId ?? ''}:${JSON.stringify(this.blendPrior())}`;
    if (this.userBlend?.logKey !== logKey) this.userBlend = { logKey, ...this.blendFor(events) };
    return this.userBlend;
  }

  /**
   * For you: the hybrid's top k. `variety` (0..1) re-ranks the top for spread (ranking/diversify.ts);
   * `tail` (0..1) takes that share of the popularity pull away, leaving taste and ratings to decide.
   * The top is cut on the CPU (ranking's topK): the blend mixes several signals read back to the
   * CPU, and the reasons decompose it per signal, so the GPU top-K over one model's embeddings
   * (what Up next uses) does not fit here.
   */
  async recommend({ k, variety = 0, tail = 0, explore = false }: RecommendOptions): Promise<RecommendResult> {
    const loaded = this.catalog;
    const started = performance.now();
    const { states, signals, exclude, eventCount, events } = await this.taste();
    const scores = await this.scoresFor(signals);
    const inputs = this.hybridInputs(scores, signals);
    const { weights: learned, likes } = this.cachedBlend(events);
    const weights = { ...learned, popularity: learned.popularity * (1 - unitInterval(tail)) };
    const ranked = hybridScores(inputs, weights, exclude);
    const similarity = this.personal.similarity();
    const spreadBy = similarity ?? ((a: number, b: number) => contentCosine(loaded.contentRows, a, b));
    const plain = unitInterval(variety) > 0 ? diversify(ranked, topKItems(ranked, 5 * k), spreadBy, { k, variety: unitInterval(variety) }) : topKItems(ranked, k);
    let top = plain;
    let explored = new Set<number>();
    if (explore) {
      // Thompson sampling: one draw of the weights from their posterior, seeded by the history's
      // length so the list stays put between events and moves with each new one
      const posterior = weightPosterior(inputs, weights, likes, exclude, this.historyFit()?.l2 ?? HISTORY_FIT.l2);
      const rng = new Rng(0x9e3779b1 ^ eventCount);
      const sampled = hybridScores(inputs, sampleWeights(posterior, weights, () => rng.normal()), exclude);
      ({ items: top, explored } = withExploration(plain, topKItems(sampled, 2 * k), k));
    }
    const contentNorms = new Map<number, number>();
    const selfContent = (i: number) => {
      let v = contentNorms.get(i);
      if (v === undefined) contentNorms.set(i, (v = Math.sqrt(sharedContent(loaded.contentRows, i, i))));
      return v;
    };
    const reasons = explain(top, {
      liked: [...signals].filter((s) => isPositiveStrength(s.strength)).sort((a, b) => a.ts - b.ts),
      contributions: (item) => contributions(inputs, weights, item),
      modelSimilarity: similarity,
      contentSimilarity: (a, b) => {
        const n = selfContent(a) * selfContent(b);
        return n > 0 ? sharedContent(loaded.contentRows, a, b) / n : 0;
      },
      genresOf: (item) => loaded.genres[item] ?? [],
      facetsOf: (item) => loaded.facetTags[item] ?? [],
    }, reasonWords(loaded, states), explored);
    const items: Recommendation[] = top.map((item, r) => ({
      itemId: loaded.index.idAt(item),
      score: ranked[item]!,
      reason: reasons[r]!,
    }));
    return {
      items,
      source: scores.personal ? 'embedding' : 'baseline',
      blend: this.blendStatus(),
      computedAt: Date.now(),
      millis: performance.now() - started,
    };
  }

  /** A dozen well-known films spread over the item space, for a new user to react to (ranking/onboarding.ts). */
  async onboarding({ k }: { k: number }): Promise<{ items: string[] }> {
    const loaded = this.catalog;
    const { exclude } = await this.taste();
    const similarity = this.personal.similarity() ?? ((a: number, b: number) => contentCosine(loaded.contentRows, a, b));
    const picks = onboardingPicks(loaded.popularity, similarity, exclude, { k, pool: Math.max(150, k * 10) });
    return { items: picks.map((i) => loaded.index.idAt(i)) };
  }

  /** The user's blend is forgotten with their model ("Delete all my data", a fresh replay user). */
  forget(): void {
    this.userBlend = null;
    this.likeExamples.clear();
  }
}

function unitInterval(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}

/** What the reasons' sentences say about items: the catalog's titles and years, the user's own states. */
function reasonWords(loaded: CatalogSignals, states: ReadonlyMap<string, ItemState>): ReasonWords {
  return {
    title: (item) => loaded.index.item(item).title,
    year: (item) => loaded.years[item]!,
    liking: (item) => likingOf(states.get(loaded.index.idAt(item))),
  };
}
