/**
 * The app's imperative shell: loads the catalog, opens the event store, starts the engine worker,
 * and turns user actions into stored events and fresh recommendations. React reads its state
 * through `useSyncExternalStore`; every state change replaces the state object.
 */
import { CatalogIndex, parseCatalog, type Catalog } from '../catalog';
import { AUTO_TRAIN_AFTER, deriveItemStates, isJudged, shouldAutoTrain, type ItemState } from '../events';
import { openStore, StoreError, type BurrowStore, type NewEvent, type StorageInfo, type StoredEvent } from '../store';
import type { EngineClient } from '../worker';
import type {
  BackendName,
  BackendPreference,
  ComputeStatus,
  ModelStatus,
  PackInfo,
  QualityRecord,
  RecommendResult,
  TrainingProgressNotice,
  UpNextResult,
} from '../worker';

export type Phase = 'loading' | 'ready' | 'failed';

export interface Notice {
  id: number;
  tone: 'info' | 'error';
  text: string;
  /** how many times this same message was raised while it was showing (1 = once) */
  count: number;
}

/** Most notices shown at once; older ones drop off. */
export const MAX_NOTICES = 3;

/**
 * The notice list after raising `tone`/`text`: a repeat of a message already showing is merged
 * into it (its count goes up and it moves to the newest place) instead of stacking another copy.
 */
export function addNotice(notices: readonly Notice[], tone: Notice['tone'], text: string, id: number): Notice[] {
  const same = notices.find((n) => n.tone === tone && n.text === text);
  const others = notices.filter((n) => n !== same);
  return [...others, { id, tone, text, count: (same?.count ?? 0) + 1 }].slice(-MAX_NOTICES);
}

export interface SessionState {
  phase: Phase;
  /** the fatal problem when phase is 'failed' */
  failure: string | null;
  catalog: Catalog | null;
  index: CatalogIndex | null;
  events: StoredEvent[];
  /** stored records that failed validation and were skipped on load */
  skippedRecords: number;
  itemStates: Map<string, ItemState>;
  compute: ComputeStatus | null;
  computeError: string | null;
  recommendations: RecommendResult | null;
  recommending: boolean;
  storage: StorageInfo;
  notices: Notice[];
  model: ModelStatus | null;
  /** live progress of the training run in flight */
  training: TrainingProgressNotice | null;
  /** on-device evaluations of the user's models, oldest first */
  quality: QualityRecord[];
  upNext: UpNextResult | null;
  pack: PackInfo | null;
  /** For you's controls: variety 0 ("more like this") … 1 ("more variety"); tail 0 (popular) … 1 (less known) */
  rankingControls: RankingControls;
  /** the cold-start picker's films (catalog ids) while it is offered; null once done or skipped */
  onboarding: string[] | null;
  /** a new deployment is waiting: calling this reloads onto it */
  applyUpdate: (() => void) | null;
}

export interface RankingControls {
  variety: number;
  tail: number;
  /** one card in six from a Thompson-sampled blend (ranking/explore.ts) */
  explore: boolean;
}

export const DEFAULT_RANKING_CONTROLS: Readonly<RankingControls> = Object.freeze({ variety: 0, tail: 0, explore: false });
/** meta key: the user's For you controls */
const RANKING_CONTROLS_KEY = 'ranking-controls';

/** Stored controls, or the defaults when absent or damaged. */
export function parseRankingControls(value: unknown): RankingControls {
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const unit = (x: unknown, fallback: number) => (typeof x === 'number' && Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : fallback);
  return {
    variety: unit(v.variety, DEFAULT_RANKING_CONTROLS.variety),
    tail: unit(v.tail, DEFAULT_RANKING_CONTROLS.tail),
    explore: typeof v.explore === 'boolean' ? v.explore : DEFAULT_RANKING_CONTROLS.explore,
  };
}

export interface SessionOptions {
  catalogUrl: string;
  defaultPackUrl: string;
  backend: BackendPreference;
  storeName: string;
  createEngine: () => EngineClient;
}

const RECOMMENDATION_COUNT = 12;
const ONBOARDING_COUNT = 12;
/** meta key: the user finished or skipped the cold-start picker (cleared by "Delete all my data") */
const ONBOARDING_DONE_KEY = 'onboarding-done';
const UP_NEXT_COUNT = 8;
export { AUTO_TRAIN_AFTER };
/** webgpu, webgl, wasm, cpu */
const BACKEND_CHAIN_LENGTH = 4;

function sessionId(): string {
  const key = 'burrow-session';
  const existing = sessionStorage.getItem(key);
  if (existing) return existing;
  const id = crypto.randomUUID();
  sessionStorage.setItem(key, id);
  return id;
}

export class BurrowSession {
  private state: SessionState = {
    phase: 'loading',
    failure: null,
    catalog: null,
    index: null,
    events: [],
    skippedRecords: 0,
    itemStates: new Map(),
    compute: null,
    computeError: null,
    recommendations: null,
    recommending: false,
    storage: {},
    notices: [],
    model: null,
    training: null,
    quality: [],
    upNext: null,
    pack: null,
    rankingControls: { ...DEFAULT_RANKING_CONTROLS },
    onboarding: null,
    applyUpdate: null,
  };
  private readonly listeners = new Set<() => void>();
  private store: BurrowStore | null = null;
  private engine: EngineClient | null = null;
  private nextNoticeId = 1;
  private recommendRequest = 0;
  /** bumped for each engine started; answers and notices from an older (crashed) one are ignored */
  private engineGeneration = 0;
  /** backends an engine crashed or failed on in this page's life: new engines skip them */
  private readonly failedBackends: BackendName[] = [];
  /** the backend the engine was setting up when last heard from (a crash during init names it) */
  private tryingBackend: BackendName | null = null;
  private restarts = 0;
  private readonly session = sessionId();
  /** the last training failed because storage is full: no automatic retries until one succeeds */
  private storageFull = false;

  constructor(private readonly options: SessionOptions) {}

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getState = (): SessionState => this.state;

  private update(patch: Partial<SessionState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener();
  }

  notify(tone: Notice['tone'], text: string): void {
    this.update({ notices: addNotice(this.state.notices, tone, text, this.nextNoticeId++) });
  }

  /** A new build is installed and waiting (the service worker says so). */
  offerUpdate(apply: () => void): void {
    this.update({ applyUpdate: apply });
  }

  declineUpdate(): void {
    this.update({ applyUpdate: null });
  }

  dismiss(id: number): void {
    this.update({ notices: this.state.notices.filter((n) => n.id !== id) });
  }

  async start(): Promise<void> {
    let catalog: Catalog;
    try {
      const response = await fetch(this.options.catalogUrl);
      if (!response.ok) throw new Error(`The catalog could not be loaded (${response.status} ${response.statusText}).`);
      catalog = parseCatalog(await response.json());
    } catch (error) {
      this.update({ phase: 'failed', failure: describe(error) });
      return;
    }
    this.update({ catalog, index: new CatalogIndex(catalog) });
    try {
      this.store = await openStore({
        name: this.options.storeName,
        onVersionChange: () => this.notify('error', 'Burrow was updated in another tab. Reload this tab to keep saving.'),
      });
    } catch (error) {
      this.update({ phase: 'failed', failure: `Your history could not be opened: ${describe(error)}` });
      return;
    }
    // This tab reloads after its own writes; the channel only has to bring in other tabs' changes.
    this.store.onChange((change) => {
      if (change.origin === 'other') void this.reloadEvents();
    });
    await this.reloadEvents();
    try {
      this.update({ rankingControls: parseRankingControls(await this.store.getMeta<unknown>(RANKING_CONTROLS_KEY)) });
    } catch {
      // unreadable settings: the defaults
    }
    this.update({ phase: 'ready' });
    void this.refreshStorage();
    void this.startEngine(catalog);
  }

  /**
   * Starts an engine worker. When it crashes (or reports a broken backend), a new one starts with
   * that backend skipped, so the engine walks down the chain by itself; the stored history and
   * model are in IndexedDB, and the new engine reloads them.
   */
  private async startEngine(catalog: Catalog, restartNote: string | null = null): Promise<void> {
    const generation = ++this.engineGeneration;
    const engine = this.options.createEngine();
    this.engine = engine;
    this.tryingBackend = null;
    engine.onCrash((message) => void this.restartEngine(generation, catalog, message));
    engine.onNotice((notice) => {
      if (generation !== this.engineGeneration) return;
      switch (notice.kind) {
        case 'trying':
          this.tryingBackend = notice.backend;
          break;
        case 'compute':
          this.update({ compute: notice.status });
          this.notify('error', notice.status.reason);
          break;
        case 'model':
          this.update({ model: notice.status, ...(notice.status.state !== 'training' ? { training: null } : {}) });
          if (notice.message) this.notify('error', notice.message);
          if (notice.status.state === 'ready') {
            void this.refreshRecommendations();
            void this.refreshQuality();
          }
          break;
        case 'training':
          this.update({ training: notice.progress });
          break;
        case 'error':
          this.notify('error', `${notice.name}: ${notice.message}`);
      }
    });
    try {
      const started = await engine.call('init', {
        catalog,
        backend: this.options.backend,
        storeName: this.options.storeName,
        defaultPackUrl: this.options.defaultPackUrl,
        exclude: [...this.failedBackends],
      });
      if (generation !== this.engineGeneration) return;
      const compute = restartNote ? { ...started, reason: `${restartNote} ${started.reason}` } : started;
      this.update({ compute, computeError: null, pack: await engine.call('packInfo', null) });
      if (restartNote) this.notify('info', `${restartNote} Now computing on ${compute.backend}.`);
      this.update({ model: await engine.call('modelStatus', null) });
      await this.refreshRecommendations();
      await this.offerOnboarding();
    } catch (error) {
      // A crash is handled by restartEngine; anything else means no backend could start.
      if (generation !== this.engineGeneration || (error instanceof Error && error.name === 'EngineCrash')) return;
      this.update({ compute: null, computeError: `The recommender could not start: ${describe(error)}` });
    }
  }

  private async restartEngine(generation: number, catalog: Catalog, message: string): Promise<void> {
    if (generation !== this.engineGeneration) return;
    const backend = this.state.compute?.backend ?? this.tryingBackend;
    if (backend !== null && !this.failedBackends.includes(backend)) this.failedBackends.push(backend);
    this.restarts++;
    this.update({ compute: null, training: null, recommending: false });
    const where = backend ? ` on ${backend}` : '';
    if (backend === null || this.failedBackends.length >= BACKEND_CHAIN_LENGTH || this.restarts > BACKEND_CHAIN_LENGTH) {
      this.engineGeneration++;
      this.engine = null;
      this.update({
        computeError: `Every compute backend failed (${this.failedBackends.join(', ') || 'none could start'}). Last error${where}: ${message}. Browsing, reactions and your data still work.`,
      });
      this.notify('error', `${message}. The recommender is unavailable; your history is safe.`);
      return;
    }
    this.notify('error', `${message}${where}. Restarting the engine without ${backend}…`);
    await this.startEngine(catalog, `The engine crashed${where} (${message}) and restarted without it.`);
  }

  private async reloadEvents(): Promise<void> {
    if (!this.store) return;
    const { events, skipped } = await this.store.readEvents();
    if (skipped > 0 && skipped !== this.state.skippedRecords) {
      this.notify('error', `${skipped} stored record(s) were unreadable and are ignored; the rest of your history is intact.`);
    }
    this.update({ events, skippedRecords: skipped, itemStates: deriveItemStates(events) });
  }

  /** The TF.js backend the engine really runs on, as `tf.getBackend()` reports it in the worker. */
  async liveBackend(): Promise<string | null> {
    return this.engine ? this.engine.call('backendName', null) : null;
  }

  /** Diagnostics (and the e2e suite): crash the engine worker and watch it restart further down the chain. */
  async crashEngine(): Promise<boolean> {
    return this.engine ? this.engine.call('crashForDiagnostics', null) : false;
  }

  /** Diagnostics (and the e2e suite): lose the engine's GPU device and watch the app fall back. */
  async loseGpuDevice(): Promise<boolean> {
    return this.engine ? this.engine.call('loseGpuDevice', null) : false;
  }

  async refreshRecommendations(): Promise<void> {
    if (!this.engine || !this.state.compute) return;
    // Requests overlap when events come quickly, and the worker may answer them out of order:
    // only the newest request's answer is shown, so a stale ranking never replaces a fresh one.
    const request = ++this.recommendRequest;
    this.update({ recommending: true });
    try {
      const [recommendations, upNext] = await Promise.all([
        this.engine.call('recommend', { k: RECOMMENDATION_COUNT, ...this.state.rankingControls }),
        this.engine.call('upNext', { k: UP_NEXT_COUNT }),
      ]);
      if (request === this.recommendRequest) this.update({ recommendations, upNext });
    } catch (error) {
      if (request === this.recommendRequest) this.notify('error', `Recommendations failed: ${describe(error)}`);
    } finally {
      if (request === this.recommendRequest) this.update({ recommending: false });
    }
  }

  /** Stores one interaction, then re-ranks. Returns false (with a notice) when it was not saved. */
  async record(itemId: string, kind: NewEvent['kind'], value: number | null = null): Promise<boolean> {
    if (!this.store || !this.state.catalog) return false;
    try {
      await this.store.append({ itemId, kind, value, session: this.session, catalogId: this.state.catalog.id });
    } catch (error) {
      this.notify('error', describe(error));
      return false;
    }
    await this.reloadEvents();
    if (kind !== 'view') void this.refreshRecommendations();
    this.maybeAutoTrain();
    return true;
  }

  /** Fine-tunes the personal model in the worker; progress arrives as notices. */
  async train(trigger: 'manual' | 'auto' = 'manual'): Promise<void> {
    if (!this.engine || !this.state.compute) return;
    try {
      const model = await this.engine.call('train', { trigger });
      this.storageFull = false;
      this.update({ model, training: null });
      if (model.lastRunCancelled) this.notify('info', 'Training was cancelled; the best weights found so far are kept.');
    } catch (error) {
      this.update({ training: null });
      const message = describe(error);
      const full = isStorageFull(message);
      // Said once: while storage stays full, automatic training waits for the user (Train now).
      if (!(full && this.storageFull)) {
        this.notify(
          'error',
          `Training did not run: ${message}${full && trigger === 'auto' ? ' Automatic training is paused until you train by hand or free some space.' : ''}`,
        );
      }
      this.storageFull = full;
    }
  }

  async refreshQuality(): Promise<void> {
    if (!this.engine) return;
    try {
      this.update({ quality: await this.engine.call('qualityHistory', null) });
    } catch (error) {
      this.notify('error', `Model quality could not be read: ${describe(error)}`);
    }
  }

  async cancelTraining(): Promise<void> {
    await this.engine?.call('cancelTraining', null);
  }

  private maybeAutoTrain(): void {
    const { model, events } = this.state;
    if (!model || model.state === 'training' || this.storageFull) return;
    if (shouldAutoTrain(this.state.itemStates.values(), events.length, model.trainedOnEvents)) void this.train('auto');
  }

  async refreshStorage(): Promise<void> {
    if (!this.store) return;
    this.update({ storage: await this.store.storageEstimate() });
  }

  async requestPersistence(): Promise<void> {
    if (!this.store) return;
    const granted = await this.store.requestPersistence();
    this.notify('info', granted ? 'Your browser will keep Burrow’s data even when space runs low.' : 'The browser did not grant persistent storage; your data is kept, but the browser may evict it under storage pressure.');
    await this.refreshStorage();
  }

  async exportData(): Promise<{ fileName: string; json: string } | null> {
    if (!this.store) return null;
    const file = await this.store.exportAll();
    const date = new Date(file.exportedAt).toISOString().slice(0, 10);
    return { fileName: `burrow-export-${date}.json`, json: JSON.stringify(file, null, 1) };
  }

  async importData(text: string, fileName: string): Promise<void> {
    if (!this.store) return;
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      this.notify('error', `Import failed: ${fileName} is not valid JSON. Nothing was changed.`);
      return;
    }
    try {
      const { added, duplicates } = await this.store.importFile(data);
      this.notify('info', `Imported ${added} event(s) from ${fileName}${duplicates ? `; ${duplicates} already present were skipped` : ''}.`);
    } catch (error) {
      this.notify('error', `Import failed: ${describe(error)} Nothing was changed.`);
      return;
    }
    await this.reloadEvents();
    void this.refreshStorage();
    void this.refreshRecommendations();
  }

  /** Validates a pack file the user picked and makes it the base of the models. */
  async loadPack(file: File): Promise<void> {
    if (!this.engine) return;
    try {
      const pack = await this.engine.call('loadPack', { data: await file.arrayBuffer(), fileName: file.name });
      this.update({ pack });
      this.notify('info', `Loaded the base pack ${file.name} (${pack.models.join(', ')}).`);
    } catch (error) {
      this.notify('error', `The pack ${file.name} was refused: ${describe(error)} The current models are unchanged.`);
      return;
    }
    void this.refreshRecommendations();
  }

  /** Moves For you's variety / long-tail controls, re-ranks, and keeps the setting. */
  async setRankingControls(change: Partial<RankingControls>): Promise<void> {
    const rankingControls = parseRankingControls({ ...this.state.rankingControls, ...change });
    this.update({ rankingControls });
    void this.refreshRecommendations();
    try {
      await this.store?.setMeta(RANKING_CONTROLS_KEY, rankingControls);
    } catch (error) {
      this.notify('error', `The setting applies now but was not saved: ${describe(error)}`);
    }
  }

  /** A new user (nothing judged, picker never finished) is offered the cold-start picker. */
  private async offerOnboarding(): Promise<void> {
    if (!this.store || !this.engine || this.state.onboarding) return;
    if ([...this.state.itemStates.values()].some(isJudged)) return;
    if ((await this.store.getMeta<unknown>(ONBOARDING_DONE_KEY)) === true) return;
    const { items } = await this.engine.call('onboarding', { k: ONBOARDING_COUNT });
    if (items.length > 0) this.update({ onboarding: items });
  }

  /** "Done" or "Skip" on the picker: it is not offered again (until all data is deleted). */
  async finishOnboarding(): Promise<void> {
    this.update({ onboarding: null });
    try {
      await this.store?.setMeta(ONBOARDING_DONE_KEY, true);
    } catch (error) {
      this.notify('error', `The picker will come back next time: ${describe(error)}`);
    }
  }

  async deleteAll(): Promise<void> {
    if (!this.store) return;
    await this.engine?.call('forgetModel', null).catch(() => undefined);
    await this.store.clearAll();
    this.storageFull = false;
    this.update({ rankingControls: { ...DEFAULT_RANKING_CONTROLS }, quality: [], pack: await this.engine?.call('packInfo', null).catch(() => null) ?? null });
    await this.reloadEvents();
    this.notify('info', 'All your data was deleted from this browser.');
    void this.refreshStorage();
    void this.refreshRecommendations();
    void this.offerOnboarding().catch(() => undefined);
  }
}

/** Whether a message (a StoreError's, possibly across the worker) says storage is full. */
export function isStorageFull(message: string): boolean {
  return /storage is full/i.test(message);
}

function describe(error: unknown): string {
  if (error instanceof StoreError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
