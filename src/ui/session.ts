/**
 * The app's imperative shell: loads the catalog, starts the engine worker, and turns user actions
 * into requests to it. The engine owns the event log (it writes every event, and reads the log
 * once when it opens); this side mirrors the log from the engine's answers and 'log' notices for
 * the history view and the counts, and never opens IndexedDB itself. React reads the state through
 * `useSyncExternalStore`; every state change replaces the state object.
 */
import { CatalogIndex, parseCatalog, type Catalog } from '../catalog';
import { AUTO_TRAIN_AFTER, deriveItemStates, isJudged, shouldAutoTrain, withEvent, type EventKind, type ItemState } from '../events';
import { randomUid, requestPersistence, storageEstimate, StoreError, type StorageInfo, type StoredEvent } from '../store';
import type { EngineClient } from '../worker';
import type {
  BackendName,
  BackendPreference,
  ComputeStatus,
  LogChange,
  LogContents,
  ModelStatus,
  PackInfo,
  QualityRecord,
  RecommendResult,
  SettingKey,
  Settings,
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
/** setting: the user's For you controls */
const RANKING_CONTROLS_KEY: SettingKey = 'ranking-controls';

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
/** setting: the user finished or skipped the cold-start picker (cleared by "Delete all my data") */
const ONBOARDING_DONE_KEY: SettingKey = 'onboarding-done';
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
  private engine: EngineClient | null = null;
  /**
   * The engine whose event log is open, once it is (null when none could open it). A click waits
   * for it, so an event made while an engine (re)starts is written by the next one.
   */
  private logOpen: Promise<EngineClient | null> = Promise.resolve(null);
  /** the settings the engine read when it opened the log, kept up to date by this side's saves */
  private settings: Settings = {};
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
    void this.refreshStorage();
    await this.startEngine(catalog);
  }

  /**
   * Starts an engine worker: it opens the event log (the app is ready then), then starts computing.
   * When it crashes (or reports a broken backend), a new one starts with that backend skipped, so
   * the engine walks down the chain by itself; the stored history and model are in IndexedDB, and
   * the new engine reloads them. With `compute` false the engine only keeps the log (every backend
   * has failed): history, reactions and the data panel still work.
   */
  private async startEngine(catalog: Catalog, restartNote: string | null = null, compute = true): Promise<void> {
    const generation = ++this.engineGeneration;
    const engine = this.options.createEngine();
    this.engine = engine;
    this.tryingBackend = null;
    let opened!: (engine: EngineClient | null) => void;
    this.logOpen = new Promise((resolve) => (opened = resolve));
    engine.onCrash((message) => {
      opened(null);
      if (compute) void this.restartEngine(generation, catalog, message);
      else if (generation === this.engineGeneration) this.logLost(message);
    });
    engine.onNotice((notice) => {
      if (generation !== this.engineGeneration) return;
      switch (notice.kind) {
        case 'log':
          this.applyLog(notice.change);
          break;
        case 'store':
          this.notify('error', notice.message);
          break;
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
      const { settings, ...log } = await engine.call('open', { catalog, storeName: this.options.storeName });
      if (generation !== this.engineGeneration) return;
      this.settings = settings;
      this.applyLog({ type: 'reset', ...log });
      if (this.state.phase === 'loading') this.update({ phase: 'ready', rankingControls: parseRankingControls(settings[RANKING_CONTROLS_KEY]) });
      opened(engine);
    } catch (error) {
      opened(null);
      // A crash is handled by restartEngine; anything else means the history cannot be opened.
      if (generation !== this.engineGeneration || (error instanceof Error && error.name === 'EngineCrash')) return;
      this.engine = null;
      engine.terminate();
      if (this.state.phase === 'loading') this.update({ phase: 'failed', failure: `Your history could not be opened: ${describe(error)}` });
      else this.notify('error', `Your history could not be opened: ${describe(error)}`);
      return;
    }
    if (!compute) return;
    try {
      const started = await engine.call('init', {
        backend: this.options.backend,
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

  /** The engine that only kept the log died too: nothing can be saved until the page is reloaded. */
  private logLost(message: string): void {
    this.engineGeneration++;
    this.engine = null;
    this.notify('error', `${message}. Your history is safe, but new reactions cannot be saved until you reload the page.`);
  }

  /** The engine that holds the log open, waiting for one that is starting; null when none can. */
  private async logOwner(): Promise<EngineClient | null> {
    for (;;) {
      const generation = this.engineGeneration;
      const engine = await this.logOpen;
      if (generation === this.engineGeneration) return engine;
      // a newer engine started meanwhile (a crash restarted it): wait for that one
    }
  }

  /** Mirrors a change of the engine's log: the history view, the counts and each item's state. */
  private applyLog(change: LogChange): void {
    if (change.type === 'append') {
      this.update({ events: [...this.state.events, change.event], itemStates: withEvent(this.state.itemStates, change.event) });
      return;
    }
    this.replaceLog(change);
  }

  private replaceLog({ events, skipped }: LogContents): void {
    if (skipped > 0 && skipped !== this.state.skippedRecords) {
      this.notify('error', `${skipped} stored record(s) were unreadable and are ignored; the rest of your history is intact.`);
    }
    this.update({ events, skippedRecords: skipped, itemStates: deriveItemStates(events) });
  }

  private async restartEngine(generation: number, catalog: Catalog, message: string): Promise<void> {
    if (generation !== this.engineGeneration) return;
    const backend = this.state.compute?.backend ?? this.tryingBackend;
    if (backend !== null && !this.failedBackends.includes(backend)) this.failedBackends.push(backend);
    this.restarts++;
    this.update({ compute: null, training: null, recommending: false });
    const where = backend ? ` on ${backend}` : '';
    if (backend === null || this.failedBackends.length >= BACKEND_CHAIN_LENGTH || this.restarts > BACKEND_CHAIN_LENGTH) {
      this.update({
        computeError: `Every compute backend failed (${this.failedBackends.join(', ') || 'none could start'}). Last error${where}: ${message}. Browsing, reactions and your data still work.`,
      });
      this.notify('error', `${message}. The recommender is unavailable; your history is safe.`);
      // the log needs no backend: an engine that only keeps it lets reactions and the data panel work on
      await this.startEngine(catalog, null, false);
      return;
    }
    this.notify('error', `${message}${where}. Restarting the engine without ${backend}…`);
    await this.startEngine(catalog, `The engine crashed${where} (${message}) and restarted without it.`);
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
      if (request === this.recommendRequest) {
        // the blend's weights are learned on each like: the model panel shows the ones this list used
        const model = this.state.model ? { ...this.state.model, blend: recommendations.blend } : this.state.model;
        this.update({ recommendations, upNext, model });
      }
    } catch (error) {
      if (request === this.recommendRequest) this.notify('error', `Recommendations failed: ${describe(error)}`);
    } finally {
      if (request === this.recommendRequest) this.update({ recommending: false });
    }
  }

  /**
   * Has the engine store one interaction, then re-ranks. Returns false (with a notice) when it was
   * not saved. The event joins the history when the engine says it is stored (a 'log' notice).
   */
  async record(itemId: string, kind: EventKind, value: number | null = null): Promise<boolean> {
    if (!this.state.catalog) return false;
    const event = { uid: randomUid(), itemId, kind, value, session: this.session };
    try {
      await this.writeOnce(event);
    } catch (error) {
      this.notify('error', describe(error));
      return false;
    }
    if (kind !== 'view') void this.refreshRecommendations();
    this.maybeAutoTrain();
    return true;
  }

  /**
   * Sends the event to the engine that keeps the log. If that engine dies before it answers, the
   * write may or may not have committed: the next engine reads the log when it opens, and the
   * event is sent again only if it is not there, so it is neither lost nor stored twice.
   */
  private async writeOnce(event: { uid: string; itemId: string; kind: EventKind; value: number | null; session: string }): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const engine = await this.logOwner();
      if (!engine) throw new Error('Your reaction was not saved: the engine that keeps your history is not running. Reload the page.');
      if (attempt > 1 && this.state.events.some((e) => e.uid === event.uid)) return;
      try {
        await engine.call('record', event);
        return;
      } catch (error) {
        if (!(error instanceof Error && error.name === 'EngineCrash') || attempt >= 3) throw error;
      }
    }
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
    this.update({ storage: await storageEstimate() });
  }

  async requestPersistence(): Promise<void> {
    const granted = await requestPersistence();
    this.notify('info', granted ? 'Your browser will keep Burrow’s data even when space runs low.' : 'The browser did not grant persistent storage; your data is kept, but the browser may evict it under storage pressure.');
    await this.refreshStorage();
  }

  async exportData(): Promise<{ fileName: string; json: string } | null> {
    const engine = await this.logOwner();
    if (!engine) return null;
    const file = await engine.call('exportLog', null);
    const date = new Date(file.exportedAt).toISOString().slice(0, 10);
    return { fileName: `burrow-export-${date}.json`, json: JSON.stringify(file, null, 1) };
  }

  async importData(text: string, fileName: string): Promise<void> {
    const engine = await this.logOwner();
    if (!engine) return;
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      this.notify('error', `Import failed: ${fileName} is not valid JSON. Nothing was changed.`);
      return;
    }
    try {
      // the engine validates the whole file, merges it and sends the new log (a 'log' notice)
      const { added, duplicates } = await engine.call('importLog', { data });
      this.notify('info', `Imported ${added} event(s) from ${fileName}${duplicates ? `; ${duplicates} already present were skipped` : ''}.`);
    } catch (error) {
      this.notify('error', `Import failed: ${describe(error)} Nothing was changed.`);
      return;
    }
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
      await this.saveSetting(RANKING_CONTROLS_KEY, rankingControls);
    } catch (error) {
      this.notify('error', `The setting applies now but was not saved: ${describe(error)}`);
    }
  }

  private async saveSetting(key: SettingKey, value: unknown): Promise<void> {
    const engine = await this.logOwner();
    if (!engine) throw new Error('the engine that keeps your data is not running.');
    await engine.call('saveSetting', { key, value });
    this.settings = { ...this.settings, [key]: value };
  }

  /** A new user (nothing judged, picker never finished) is offered the cold-start picker. */
  private async offerOnboarding(): Promise<void> {
    if (!this.engine || this.state.onboarding) return;
    if ([...this.state.itemStates.values()].some(isJudged)) return;
    if (this.settings[ONBOARDING_DONE_KEY] === true) return;
    const { items } = await this.engine.call('onboarding', { k: ONBOARDING_COUNT });
    if (items.length > 0) this.update({ onboarding: items });
  }

  /** "Done" or "Skip" on the picker: it is not offered again (until all data is deleted). */
  async finishOnboarding(): Promise<void> {
    this.update({ onboarding: null });
    try {
      await this.saveSetting(ONBOARDING_DONE_KEY, true);
    } catch (error) {
      this.notify('error', `The picker will come back next time: ${describe(error)}`);
    }
  }

  async deleteAll(): Promise<void> {
    const engine = await this.logOwner();
    if (!engine) return;
    let erased: { pack: PackInfo | null; model: ModelStatus | null };
    try {
      // the engine forgets the models, then deletes events, checkpoints and settings; the empty log arrives as a notice
      erased = await engine.call('eraseAll', null);
    } catch (error) {
      this.notify('error', `Your data was not deleted: ${describe(error)}`);
      return;
    }
    this.storageFull = false;
    this.settings = {};
    this.update({ rankingControls: { ...DEFAULT_RANKING_CONTROLS }, quality: [], pack: erased.pack, ...(erased.model ? { model: erased.model } : {}) });
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
