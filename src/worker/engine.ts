/**
 * The engine that runs inside the worker: the compute backend, the catalog's encoded features,
 * the user's event log, and the rankers. DOM-free; the worker entry only wires it to messages.
 */
import * as tf from '@tensorflow/tfjs';
import { CatalogIndex, type Catalog } from '../catalog';
import { activeGPUDevice, initBackend, type BackendInfo, type BackendName, type DeviceLostInfo, type InitBackendOptions } from '../compute';
import { deriveItemStates, isJudged, isPositiveStrength, likeMoments, signalStrength, type EventLike, type ItemState } from '../events';
import { diversify, explain, likingOf, onboardingPicks, upNextReason, withExploration, type ReasonWords } from '../ranking';
import { Rng } from '../common';
import {
  HISTORY_FIT,
  HISTORY_FIT_LIKES,
  PRIOR_WEIGHTS,
  contributions,
  eraAffinity,
  fitPooledHybridWeights,
  hybridScores,
  parseHybridWeights,
  sampleWeights,
  weightPosterior,
  popularitySignal,
  qualitySignal,
  type BlendExample,
  type HybridInputs,
  type HybridWeights,
} from '../ranking';
import {
  baselineScores,
  idfWeighted,
  sharedContent,
  topKItems,
  type FeatureRows,
  type TasteSignal,
} from '../ranking';
import { heldOutMetrics, holdOutRecentPositives, type QualityRecord } from '../eval';
import { reciprocalRankFusion } from '../ranking';
import { openStore, type BurrowStore } from '../store';
import {
  appCatalogFeatures,
  checkPackMatchesCatalog,
  embeddingWeightsFromPack,
  openPack,
  packHasModel,
  PackError,
  type DecodedPack,
} from '../packs';
import { PersonalModel, type ModelInfo, type PersonalSignal } from './personal-model';
import { PersonalSequence } from './personal-sequence';
import type {
  ComputeStatus,
  EngineNotice,
  EngineProtocol,
  ModelStatus,
  PackInfo,
  Recommendation,
  RecommendResult,
  UpNextResult,
} from './protocol';

const QUALITY_KEY = 'quality-history';
/** The pack file a user picked, kept whole so a reload uses it again. */
const USER_PACK_KEY = 'pack/user';
const UP_NEXT_HISTORY = 50;
const QUALITY_HISTORY = 50;

interface Loaded {
  catalog: Catalog;
  index: CatalogIndex;
  /** content features re-weighted for similarity (see idfWeighted) */
  contentRows: FeatureRows;
  popularity: Float32Array;
  /** the prior's two signals: popularity on the log-odds scale, ratings (hybrid.ts) */
  popularitySignal: Float32Array;
  quality: Float32Array;
  /** release year of each item, NaN when unknown */
  years: Float32Array;
  genres: string[][];
  facetTags: readonly (readonly string[])[];
  store: BurrowStore;
  personal: PersonalModel;
}

interface ActivePack {
  pack: DecodedPack;
  source: 'default' | 'file';
  fileName: string | null;
}

/**
 * What the engine needs from its platform. The worker passes the app's own (initBackend with the
 * Vite-served wasm binaries, fetch, IndexedDB); Node (the eval replay, tests) passes its own, so
 * the very same ranking and training path runs there.
 */
export interface EngineDeps {
  initCompute: (options: InitBackendOptions) => Promise<BackendInfo>;
  fetchPack: (url: string) => Promise<ArrayBuffer>;
  openStore: (name: string) => Promise<BurrowStore>;
}

export const DEFAULT_ENGINE_DEPS: EngineDeps = {
  initCompute: (options) => initBackend(options),
  fetchPack: async (url) => {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`the default pack could not be fetched (${response.status})`);
    return response.arrayBuffer();
  },
  openStore: (name) => openStore({ name }),
};

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

export class Engine {
  private loaded: Loaded | null = null;
  private compute: ComputeStatus | null = null;
  private activePack: ActivePack | null = null;
  private packProblem: string | null = null;
  private sequence: PersonalSequence | null = null;
  private defaultPackUrl = '';
  /** backends that failed in this session (a crashed engine, a lost device): never tried again */
  private excluded: BackendName[] = [];
  /** For you's weights fitted on the user's own likes, for the log they were fitted on */
  private userBlend: { logKey: string; weights: HybridWeights; likes: number } | null = null;
  /** each like's example for that fit (what the taste before it ranked), by moment: a new event adds one at most */
  private likeExamples = new Map<string, BlendExample | null>();

  constructor(
    private readonly notify: (notice: EngineNotice) => void,
    private readonly deps: EngineDeps = DEFAULT_ENGINE_DEPS,
  ) {}

  async init(request: EngineProtocol['init']['request']): Promise<ComputeStatus> {
    this.excluded = request.exclude ?? [];
    const info = await this.deps.initCompute({
      preference: request.backend,
      exclude: this.excluded,
      onAttempt: (backend) => this.notify({ kind: 'trying', backend }),
      onDeviceLost: (reason) => void this.recoverFromDeviceLoss(reason),
    });
    this.compute = computeStatusOf(info, info.reason);
    const { catalog } = request;
    const store = await this.deps.openStore(request.storeName);
    // One encoding feeds the model's content tower and the baseline, and the base pack was trained
    // on exactly it (appCatalogFeatures): what an item *is* outweighs how famous it is.
    const features = appCatalogFeatures(catalog);
    this.loaded = {
      catalog,
      index: new CatalogIndex(catalog),
      contentRows: idfWeighted(features),
      popularity: Float32Array.from(catalog.items, (item) => item.popularity),
      popularitySignal: popularitySignal(Float32Array.from(catalog.items, (item) => item.popularity)),
      quality: qualitySignal(catalog.items.map((item) => item.numeric)),
      years: Float32Array.from(catalog.items, (item) => item.year ?? NaN),
      genres: catalog.items.map((item) => item.tags.filter((t) => t.startsWith('genre:')).map((t) => t.slice('genre:'.length))),
      facetTags: catalog.items.map((item) => item.tags),
      store,
      personal: new PersonalModel(store, catalog.id, features),
    };
    this.defaultPackUrl = request.defaultPackUrl;
    await this.loadStartingPack();
    void this.restoreModel();
    return this.compute;
  }

  /** The user's own pack when they loaded one, else the default pack shipped with the app. */
  private async loadStartingPack(): Promise<void> {
    const { store } = this.requireLoaded();
    const stored = await store.loadCheckpoint(USER_PACK_KEY);
    if (stored && stored.weights instanceof ArrayBuffer) {
      try {
        await this.applyPack(stored.weights, 'file', (stored.meta as { fileName?: string } | null)?.fileName ?? null);
        return;
      } catch (error) {
        await store.deleteCheckpoint(USER_PACK_KEY);
        this.notify({ kind: 'error', name: 'PackError', message: `Your stored base pack no longer fits and was removed: ${(error as Error).message}` });
      }
    }
    try {
      await this.applyPack(await this.deps.fetchPack(this.defaultPackUrl), 'default', null);
    } catch (error) {
      this.packProblem = `No base pack: ${(error as Error).message}. "Up next" needs one; everything else works.`;
    }
  }

  /** Validates a pack against the catalog and makes it the base of both models. */
  private async applyPack(data: ArrayBuffer, source: 'default' | 'file', fileName: string | null): Promise<void> {
    const loaded = this.requireLoaded();
    // Everything is checked before anything changes: a refused pack leaves the previous base in use.
    const pack = await openPack(data);
    checkPackMatchesCatalog(pack, loaded.catalog);
    const base = packHasModel(pack, 'embedding') ? embeddingWeightsFromPack(pack) : null;
    if (base) {
      try {
        loaded.personal.checkBase(base);
      } catch (error) {
        throw new PackError(`its embedding model does not fit this app: ${(error as Error).message}`);
      }
    }
    let sequence: PersonalSequence | null = null;
    let discarded: string | undefined;
    if (packHasModel(pack, 'sasrec')) {
      try {
        ({ sequence, discarded } = await PersonalSequence.create(pack, loaded.store, loaded.catalog.id));
      } catch (error) {
        throw new PackError(`its "up next" model does not fit this app: ${(error as Error).message}`);
      }
    }
    loaded.personal.useBase(base);
    this.sequence?.dispose();
    this.sequence = sequence;
    this.activePack = { pack, source, fileName };
    this.packProblem = null;
    if (discarded) this.notify({ kind: 'error', name: 'ModelNotice', message: discarded });
  }

  async loadPack({ data, fileName }: { data: ArrayBuffer; fileName: string }): Promise<PackInfo> {
    const { store, catalog } = this.requireLoaded();
    await this.applyPack(data, 'file', fileName);
    await store.saveCheckpoint({
      key: USER_PACK_KEY,
      modelName: 'pack',
      catalogId: catalog.id,
      configHash: 'pack',
      createdAt: Date.now(),
      meta: { fileName },
      weights: data,
    });
    return this.packInfo();
  }

  packInfo(): PackInfo {
    const active = this.activePack;
    if (!active) {
      return { source: 'none', fileName: null, catalogId: null, createdAt: null, models: [], training: null, sequencePersonalised: false, problem: this.packProblem };
    }
    const { manifest } = active.pack;
    return {
      source: active.source,
      fileName: active.fileName,
      catalogId: manifest.catalog.id,
      createdAt: manifest.createdAt,
      models: manifest.models.map((m) => m.name),
      training: manifest.training,
      sequencePersonalised: this.sequence?.personalised ?? false,
      problem: null,
    };
  }

  async upNext({ k }: { k: number }): Promise<UpNextResult> {
    const loaded = this.requireLoaded();
    if (!this.sequence) return { items: [], reason: null, source: null };
    const { states, signals, exclude } = await this.readTaste();
    const history = recentPositives(signals, UP_NEXT_HISTORY);
    if (history.length === 0) return { items: [], reason: null, source: 'sasrec' };
    const scores = await this.sequence.scores(Int32Array.from(history));
    for (const item of exclude) scores[item] = -Infinity;
    for (const item of history) scores[item] = -Infinity;
    return {
      items: topKItems(scores, k).map((item) => ({ itemId: loaded.index.idAt(item), score: scores[item]!, reason: '' })),
      reason: upNextReason(history.slice(-2).reverse(), reasonWords(loaded, states)),
      source: 'sasrec',
    };
  }

  private async restoreModel(): Promise<void> {
    const { personal } = this.requireLoaded();
    try {
      const { discarded } = await personal.restore();
      this.notify({ kind: 'model', status: this.modelStatus(), ...(discarded ? { message: discarded } : {}) });
    } catch (error) {
      this.notify({ kind: 'error', name: 'ModelError', message: `The stored model could not be read: ${(error as Error).message}` });
    }
  }

  /** The GPU went away (driver reset, tab in background too long): fall down the chain and say so. */
  private async recoverFromDeviceLoss(lost: DeviceLostInfo): Promise<void> {
    this.excluded = [...this.excluded, 'webgpu'];
    const info = await this.deps.initCompute({ preference: 'auto', exclude: this.excluded });
    this.compute = computeStatusOf(
      info,
      `The GPU device was lost (${lost.reason}${lost.message ? `: ${lost.message}` : ''}); now running on ${info.backend}. ${info.reason}`,
    );
    this.notify({ kind: 'compute', status: this.compute });
    // Weights lived on the lost device: reload the stored model on the new backend.
    await this.restoreModel();
  }

  backendName(): string {
    return tf.getBackend();
  }

  crashForDiagnostics(): boolean {
    // Thrown outside any promise chain, so it reaches the worker's global error handler as a real crash does.
    setTimeout(() => {
      throw new Error('Diagnostic crash requested');
    }, 0);
    return true;
  }

  loseGpuDevice(): boolean {
    const device = activeGPUDevice();
    device?.destroy();
    return device !== null;
  }

  modelStatus(): ModelStatus {
    const { personal } = this.requireLoaded();
    return statusOf(personal.trained, personal.training, this.blendStatus());
  }

  /** Every ranker's scores for the user's current taste (the eval replay compares them). */
  async rankers(): Promise<{ scores: RankerScores; exclude: number[] }> {
    const { signals, exclude } = await this.readTaste();
    return { scores: await this.scoresFor(signals), exclude: [...exclude] };
  }

  /** For you's inputs for the current history (what recommend blends), for learning a pack's starting blend. */
  async blendInputs(): Promise<{ inputs: HybridInputs; exclude: number[] }> {
    const { signals, exclude } = await this.readTaste();
    return { inputs: this.hybridInputs(await this.scoresFor(signals), signals), exclude: [...exclude] };
  }

  private async scoresFor(signals: readonly PersonalSignal[]): Promise<RankerScores> {
    const loaded = this.requireLoaded();
    const none = new Set<number>();
    const history = recentPositives(signals, UP_NEXT_HISTORY);
    const hasTaste = signals.some((s) => s.strength !== 0);
    return {
      popularity: loaded.popularity.slice(),
      content: baselineScores(loaded.contentRows, loaded.popularity, signals, { exclude: none, popularityWeight: 0.3 }),
      pack: await loaded.personal.packScores(signals),
      personal: loaded.personal.trained ? await loaded.personal.scores(signals) : null,
      sequence: this.sequence && history.length > 0 ? await this.sequence.scores(Int32Array.from(history)) : null,
      contentOnly: hasTaste ? baselineScores(loaded.contentRows, loaded.popularity, signals, { exclude: none, popularityWeight: 0 }) : null,
    };
  }

  /** The blend's inputs that need no model: content, era, popularity, quality (what the history fit relearns per like). */
  private priorInputs(signals: readonly PersonalSignal[]): HybridInputs {
    const loaded = this.requireLoaded();
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
  private hybridInputs(scores: RankerScores, signals: readonly PersonalSignal[]): HybridInputs {
    const loaded = this.requireLoaded();
    return {
      personal: scores.personal ?? scores.pack,
      content: scores.contentOnly,
      sequence: scores.sequence,
      era: eraAffinity(loaded.years, signals, isPositiveStrength),
      popularity: loaded.popularitySignal,
      quality: loaded.quality,
    };
  }

  private blendStatus(): ModelStatus['blend'] {
    const likes = this.userBlend?.likes ?? 0;
    return { weights: { ...this.hybridWeights() }, learned: likes > 0, likes, prior: this.packBlendPrior() ? 'pack' : 'app' };
  }

  /** The active pack's learned starting blend (packs built from real logs carry one), if it is usable. */
  private packBlendPrior(): HybridWeights | null {
    return parseHybridWeights(this.activePack?.pack.manifest.blendPrior?.weights);
  }

  /** Where every user's blend starts and what the per-user fit is pulled back to. */
  blendPrior(): HybridWeights {
    return this.packBlendPrior() ?? { ...PRIOR_WEIGHTS };
  }

  /** The weights For you used last: learned on the user's own likes, else the prior. */
  hybridWeights(): HybridWeights {
    return this.userBlend?.weights ?? this.blendPrior();
  }

  /**
   * For you's weights for this log: the starting blend refitted on the user's own likes, each
   * scored against the taste just before it (events' likeMoments, ranking's HISTORY_FIT). The
   * personal and sequence signals are not recomputed for past tastes (a fold-in and a sequence
   * pass per like would cost every click a second); they keep their starting weights. `only`
   * leaves out likes (the quality record's held-out ones).
   */
  private blendFor(events: readonly EventLike[], only: (target: number) => boolean = () => true): { weights: HybridWeights; likes: number } {
    const loaded = this.requireLoaded();
    const examples = new Map<string, BlendExample | null>();
    for (const moment of likeMoments(events, HISTORY_FIT_LIKES)) {
      const key = `${moment.at}:${moment.ts}:${moment.itemId}`;
      examples.set(key, this.likeExamples.has(key) ? this.likeExamples.get(key)! : this.likeExample(moment.itemId, moment.before, loaded.index));
    }
    this.likeExamples = examples;
    const usable = [...examples.values()].filter((e): e is BlendExample => e !== null && only(e.targets[0]!));
    return { weights: fitPooledHybridWeights(usable, this.blendPrior(), HISTORY_FIT), likes: usable.length };
  }

  /** A like as an example of how this user's taste leads to likes; null when there was no taste before it. */
  private likeExample(itemId: string, before: Map<string, ItemState>, index: CatalogIndex): BlendExample | null {
    const target = index.indexOf(itemId);
    if (target === undefined) return null;
    const { signals, exclude } = tasteFromStates(before, index);
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
   */
  async recommend({ k, variety = 0, tail = 0, explore = false }: { k: number; variety?: number; tail?: number; explore?: boolean }): Promise<RecommendResult> {
    const loaded = this.requireLoaded();
    const started = performance.now();
    const { states, signals, exclude, eventCount, events } = await this.readTaste();
    const scores = await this.scoresFor(signals);
    const inputs = this.hybridInputs(scores, signals);
    const { weights: learned, likes } = this.cachedBlend(events);
    const weights = { ...learned, popularity: learned.popularity * (1 - unitInterval(tail)) };
    const ranked = hybridScores(inputs, weights, exclude);
    const similarity = loaded.personal.similarity();
    const spreadBy = similarity ?? ((a: number, b: number) => contentCosine(loaded.contentRows, a, b));
    const plain = unitInterval(variety) > 0 ? diversify(ranked, topKItems(ranked, 5 * k), spreadBy, { k, variety: unitInterval(variety) }) : topKItems(ranked, k);
    let top = plain;
    let explored = new Set<number>();
    if (explore) {
      // Thompson sampling: one draw of the weights from their posterior, seeded by the history's
      // length so the list stays put between events and moves with each new one
      const posterior = weightPosterior(inputs, weights, likes, exclude, HISTORY_FIT.l2);
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
      computedAt: Date.now(),
      millis: performance.now() - started,
    };
  }

  /** A dozen well-known films spread over the item space, for a new user to react to (ranking/onboarding.ts). */
  async onboarding({ k }: { k: number }): Promise<{ items: string[] }> {
    const loaded = this.requireLoaded();
    const { exclude } = await this.readTaste();
    const similarity = loaded.personal.similarity() ?? ((a: number, b: number) => contentCosine(loaded.contentRows, a, b));
    const picks = onboardingPicks(loaded.popularity, similarity, exclude, { k, pool: Math.max(150, k * 10) });
    return { items: picks.map((i) => loaded.index.idAt(i)) };
  }

  async train(): Promise<ModelStatus> {
    const { personal } = this.requireLoaded();
    const { signals, eventCount, events } = await this.readTaste();
    // The most recent positives sit out this round so the models can be scored on them; they are
    // folded into the user vector right after, and the next round trains on them.
    const { train, heldOut } = holdOutRecentPositives(signals);
    this.notify({ kind: 'model', status: statusOf(personal.trained, true, this.blendStatus()) });
    try {
      const info = await personal.train(train, eventCount, (progress) =>
        this.notify({
          kind: 'training',
          progress: {
            epoch: progress.epoch,
            step: progress.step,
            totalSteps: progress.totalSteps,
            lossCurve: progress.lossCurve,
            ...(progress.loss !== undefined ? { loss: progress.loss } : {}),
          },
        }),
      );
      if (heldOut.length > 0 && !info.cancelled) await this.recordQuality(train, heldOut, eventCount, events);
      if (!info.cancelled) await this.sequence?.fineTune(Int32Array.from(recentPositives(signals, UP_NEXT_HISTORY)));
    } finally {
      this.notify({ kind: 'model', status: this.modelStatus() });
    }
    return this.modelStatus();
  }

  /** Scores every ranker on the held-out positives and appends the result to the quality history. */
  private async recordQuality(train: PersonalSignal[], heldOut: number[], eventCount: number, events: readonly EventLike[]): Promise<void> {
    const loaded = this.requireLoaded();
    const heldOutSet = new Set(heldOut);
    const excluded = train.map((s) => s.item).filter((item) => !heldOutSet.has(item));
    const none = new Set<number>();
    const popularity = loaded.popularity;
    const content = baselineScores(loaded.contentRows, popularity, train, { exclude: none, popularityWeight: 0.3 });
    const scores = await this.scoresFor(train);
    const embedding = scores.personal;
    const rankers: Record<string, Float32Array> = { popularity, content };
    if (embedding) {
      rankers.embedding = embedding;
      rankers.blend = reciprocalRankFusion([embedding, content]);
    }
    // For you with its weights learned on the likes before the held-out ones, so the held-out
    // likes score a blend that never saw them
    const inputs = this.hybridInputs(scores, train);
    rankers['for you'] = hybridScores(inputs, this.blendFor(events, (target) => !heldOutSet.has(target)).weights);
    const record: QualityRecord = {
      at: Date.now(),
      events: eventCount,
      heldOut: heldOut.length,
      metrics: Object.fromEntries(
        Object.entries(rankers).map(([name, scores]) => [name, heldOutMetrics(scores, heldOut, excluded)]),
      ),
    };
    const history = ((await loaded.store.getMeta<QualityRecord[]>(QUALITY_KEY)) ?? []).concat(record).slice(-QUALITY_HISTORY);
    await loaded.store.setMeta(QUALITY_KEY, history);
  }

  async qualityHistory(): Promise<QualityRecord[]> {
    return (await this.requireLoaded().store.getMeta<QualityRecord[]>(QUALITY_KEY)) ?? [];
  }

  cancelTraining(): boolean {
    return this.requireLoaded().personal.cancel();
  }

  async forgetModel(): Promise<ModelStatus> {
    const loaded = this.requireLoaded();
    await loaded.personal.forget();
    this.userBlend = null;
    this.likeExamples.clear();
    await PersonalSequence.forget(loaded.store);
    await loaded.store.deleteCheckpoint(USER_PACK_KEY);
    // Back to the shipped pack, without the user's fine-tuning.
    this.sequence?.dispose();
    this.sequence = null;
    this.activePack = null;
    await this.loadStartingPack();
    const status = this.modelStatus();
    this.notify({ kind: 'model', status });
    return status;
  }

  private async readTaste(): Promise<{
    states: Map<string, ItemState>;
    signals: PersonalSignal[];
    exclude: Set<number>;
    eventCount: number;
    events: readonly EventLike[];
  }> {
    const loaded = this.requireLoaded();
    const { events } = await loaded.store.readEvents();
    const states = deriveItemStates(events);
    return { states, ...tasteFromStates(states, loaded.index), eventCount: events.length, events };
  }

  private requireLoaded(): Loaded {
    if (!this.loaded) throw new Error('The engine is not initialised yet.');
    return this.loaded;
  }
}

/** The user's positive items, oldest first, at most `max` of the most recent. */
function recentPositives(signals: readonly PersonalSignal[], max: number): number[] {
  return [...signals]
    .filter((s) => isPositiveStrength(s.strength))
    .sort((a, b) => a.ts - b.ts)
    .slice(-max)
    .map((s) => s.item);
}

function statusOf(info: ModelInfo | null, training: boolean, blend: ModelStatus['blend']): ModelStatus {
  return {
    blend,
    state: training ? 'training' : info ? 'ready' : 'none',
    trainedAt: info?.trainedAt ?? null,
    trainedOnEvents: info?.trainedOnEvents ?? 0,
    seconds: info?.seconds ?? null,
    steps: info?.steps ?? 0,
    lossCurve: info?.lossCurve ?? [],
    backend: info?.backend ?? null,
    lastRunCancelled: info?.cancelled ?? false,
  };
}

/** The user's taste signals by item index, and the items never to recommend again. */
export function tasteFromStates(
  states: Map<string, ItemState>,
  index: CatalogIndex,
): { signals: (TasteSignal & PersonalSignal)[]; exclude: Set<number> } {
  const signals: (TasteSignal & PersonalSignal)[] = [];
  const exclude = new Set<number>();
  for (const [itemId, state] of states) {
    const item = index.indexOf(itemId);
    if (item === undefined) continue;
    const strength = signalStrength(state);
    if (strength !== 0) signals.push({ item, strength, ts: state.lastTs });
    if (isJudged(state)) exclude.add(item);
  }
  return { signals, exclude };
}

function unitInterval(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}

function contentCosine(rows: FeatureRows, a: number, b: number): number {
  const n = Math.sqrt(sharedContent(rows, a, a) * sharedContent(rows, b, b));
  return n > 0 ? sharedContent(rows, a, b) / n : 0;
}

/** What the reasons' sentences say about items: the catalog's titles and years, the user's own states. */
function reasonWords(loaded: Loaded, states: Map<string, ItemState>): ReasonWords {
  return {
    title: (item) => loaded.index.item(item).title,
    year: (item) => loaded.years[item]!,
    liking: (item) => likingOf(states.get(loaded.index.idAt(item))),
  };
}

function computeStatusOf(info: BackendInfo, reason: string): ComputeStatus {
  return {
    backend: info.backend,
    adapter: info.adapter,
    reason,
    attempts: info.attempts,
    ...(info.wasm ? { wasm: info.wasm } : {}),
  };
}
