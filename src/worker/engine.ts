/**
 * The engine that runs inside the worker: a thin coordinator over small services. It owns the
 * store connection and the compute backend, and hands each request to the service that answers
 * it: the event log, the one writer of events (event-log.ts), the base pack (base-pack.ts), For you
 * and Up next (recommend.ts), the held-out quality record (quality.ts), the personal models
 * (personal-model.ts, personal-sequence.ts). It starts in two steps: `open` (the store and the
 * log, enough for history, export, import and erasure) and `init` (compute, pack, models), so the
 * user's history keeps working when no compute backend does. DOM-free; the worker entry only
 * wires it to messages.
 */
import * as tf from '@tensorflow/tfjs';
import { activeGPUDevice, initBackend, type BackendInfo, type BackendName, type DeviceLostInfo, type InitBackendOptions } from '../compute';
import { CatalogIndex, type Catalog } from '../catalog';
import type { ItemState } from '../events';
import { holdOutRecentPositives, type QualityRecord } from '../eval';
import type { BlendExample, HybridInputs, HybridWeights } from '../ranking';
import { openStore, type BurrowStore, type ExportFile, type ImportResult, type StoredEvent } from '../store';
import { BasePack } from './base-pack';
import { catalogSignals, type CatalogSignals } from './catalog-signals';
import { PersonalModel, type ModelInfo } from './personal-model';
import { QualityTracker } from './quality';
import { Recommender, type RankerScores, type RecommendOptions } from './recommend';
import { EventLog } from './event-log';
import { recentPositives, UP_NEXT_HISTORY, type Taste } from './taste';
import {
  SETTING_KEYS,
  type ComputeStatus,
  type EngineNotice,
  type EngineProtocol,
  type LogContents,
  type ModelStatus,
  type PackInfo,
  type RecommendResult,
  type RecordRequest,
  type SettingKey,
  type Settings,
  type UpNextResult,
} from './protocol';

export type { RankerScores };

/**
 * What the engine needs from its platform. The worker passes the app's own (initBackend with the
 * Vite-served wasm binaries, fetch, IndexedDB); Node (the eval replay, tests) passes its own, so
 * the very same ranking and training path runs there.
 */
export interface EngineDeps {
  initCompute: (options: InitBackendOptions) => Promise<BackendInfo>;
  fetchPack: (url: string) => Promise<ArrayBuffer>;
  openStore: (name: string, hooks: StoreHooks) => Promise<BurrowStore>;
  /** the clock the rankers read (which films are out yet): the device's, or a replayed dataset's time */
  now?: () => number;
}

export interface StoreHooks {
  /** another tab upgraded or deleted the database: this connection is closed and can no longer write */
  onVersionChange: () => void;
}

/** Said when another tab took the database over (a newer Burrow, or its data deleted there). */
export const STORE_TAKEN_OVER = 'Burrow was updated in another tab. Reload this tab to keep saving.';

export const DEFAULT_ENGINE_DEPS: EngineDeps = {
  initCompute: (options) => initBackend(options),
  fetchPack: async (url) => {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`the default pack could not be fetched (${response.status})`);
    return response.arrayBuffer();
  },
  openStore: (name, hooks) => openStore({ name, ...hooks }),
};

/** An opened engine: the store and the log, no compute yet. */
interface Opened {
  catalog: Catalog;
  index: CatalogIndex;
  store: BurrowStore;
  log: EventLog;
}

/** The services of a started engine. */
interface Services {
  catalog: CatalogSignals;
  store: BurrowStore;
  personal: PersonalModel;
  pack: BasePack;
  recommender: Recommender;
  quality: QualityTracker;
}

export class Engine {
  private opened: Opened | null = null;
  private services: Services | null = null;
  private compute: ComputeStatus | null = null;
  /** backends that failed in this session (a crashed engine, a lost device): never tried again */
  private excluded: BackendName[] = [];

  constructor(
    private readonly notify: (notice: EngineNotice) => void,
    private readonly deps: EngineDeps = DEFAULT_ENGINE_DEPS,
  ) {}

  /** Opens the store and reads the event log (once); returns it with the user's settings. */
  async open({ catalog, storeName }: EngineProtocol['open']['request']): Promise<LogContents & { settings: Settings }> {
    if (this.opened) throw new Error('The event log is already open.');
    const store = await this.deps.openStore(storeName, { onVersionChange: () => this.notify({ kind: 'store', message: STORE_TAKEN_OVER }) });
    try {
      const index = new CatalogIndex(catalog);
      const log = await EventLog.open(store, { id: catalog.id, index }, (change) => this.notify({ kind: 'log', change }), this.deps.now ?? Date.now);
      this.opened = { catalog, index, store, log };
      return { ...log.contents(), settings: await readSettings(store) };
    } catch (error) {
      store.close();
      throw error;
    }
  }

  async init(request: EngineProtocol['init']['request']): Promise<ComputeStatus> {
    const { store, catalog: source, index } = this.requireOpen();
    this.excluded = request.exclude ?? [];
    const info = await this.deps.initCompute({
      preference: request.backend,
      exclude: this.excluded,
      onAttempt: (backend) => this.notify({ kind: 'trying', backend }),
      onDeviceLost: (reason) => void this.recoverFromDeviceLoss(reason),
    });
    this.compute = computeStatusOf(info, info.reason);
    const catalog = catalogSignals(source, index);
    const personal = new PersonalModel(store, catalog.catalog.id, catalog.features);
    const pack = new BasePack({ store, catalog: catalog.catalog, personal, fetchPack: this.deps.fetchPack, defaultPackUrl: request.defaultPackUrl, notify: this.notify });
    const recommender = new Recommender(catalog, personal, pack, () => this.readTaste());
    this.services = { catalog, store, personal, pack, recommender, quality: new QualityTracker(catalog, recommender, store) };
    await pack.loadStarting();
    void this.restoreModel();
    return this.compute;
  }

  /** Appends one interaction to the log (the one way events are written). */
  async record(request: RecordRequest): Promise<StoredEvent> {
    return this.requireOpen().log.append(request);
  }

  async exportLog(): Promise<ExportFile> {
    return this.requireOpen().log.exportFile();
  }

  async importLog({ data }: { data: unknown }): Promise<ImportResult> {
    return this.requireOpen().log.importFile(data);
  }

  /** "Delete all my data": the models (when they run), then every event, checkpoint and setting. */
  async eraseAll(): Promise<{ pack: PackInfo | null; model: ModelStatus | null }> {
    const { log } = this.requireOpen();
    // a model that cannot be forgotten (a broken backend) must not keep the data from being deleted
    if (this.services) await this.forgetModel().catch(() => undefined);
    await log.eraseAll();
    return { pack: this.services?.pack.info() ?? null, model: this.services ? this.modelStatus() : null };
  }

  async saveSetting({ key, value }: { key: SettingKey; value: unknown }): Promise<null> {
    await this.requireOpen().store.setMeta(key, value);
    return null;
  }

  /** The log as held in memory (the eval replay asks it what the session would: is a fine-tune due?). */
  logView(): { events: readonly StoredEvent[]; states: ReadonlyMap<string, ItemState> } {
    return this.requireOpen().log.view();
  }

  /** Closes the store (Node callers; a worker simply ends). */
  close(): void {
    this.opened?.store.close();
  }

  async loadPack(request: { data: ArrayBuffer; fileName: string }): Promise<PackInfo> {
    return this.require().pack.load(request);
  }

  packInfo(): PackInfo {
    return this.require().pack.info();
  }

  async upNext(request: { k: number }): Promise<UpNextResult> {
    return this.require().recommender.upNext(request);
  }

  async recommend(request: RecommendOptions): Promise<RecommendResult> {
    return this.require().recommender.recommend(request);
  }

  /** A dozen well-known films spread over the item space, for a new user to react to (ranking/onboarding.ts). */
  async onboarding(request: { k: number }): Promise<{ items: string[] }> {
    return this.require().recommender.onboarding(request);
  }

  /** Every ranker's scores for the user's current taste (the eval replay compares them). */
  async rankers(): Promise<{ scores: RankerScores; exclude: number[] }> {
    return this.require().recommender.rankers();
  }

  /**
   * For you's inputs for the current history (what recommend blends) and the examples its history
   * fit learns from, for learning a pack's starting blend and its pull.
   */
  async blendInputs(): Promise<{ inputs: HybridInputs; exclude: number[]; history: BlendExample[] }> {
    return this.require().recommender.blendInputs();
  }

  /** Where every user's blend starts and what the per-user fit is pulled back to. */
  blendPrior(): HybridWeights {
    return this.require().recommender.blendPrior();
  }

  /** The weights For you used last: learned on the user's own likes, else the prior. */
  hybridWeights(): HybridWeights {
    return this.require().recommender.hybridWeights();
  }

  private async restoreModel(): Promise<void> {
    const { personal } = this.require();
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
    const { personal, recommender } = this.require();
    return statusOf(personal.trained, personal.training, recommender.blendStatus());
  }

  async train(): Promise<ModelStatus> {
    const { personal, recommender, quality, pack } = this.require();
    const { signals, eventCount, events } = await this.readTaste();
    // The most recent positives sit out this round so the models can be scored on them; they are
    // folded into the user vector right after, and the next round trains on them.
    const { train, heldOut } = holdOutRecentPositives(signals);
    this.notify({ kind: 'model', status: statusOf(personal.trained, true, recommender.blendStatus()) });
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
      if (heldOut.length > 0 && !info.cancelled) await quality.record(train, heldOut, eventCount, events);
      if (!info.cancelled) await pack.sequence?.fineTune(Int32Array.from(recentPositives(signals, UP_NEXT_HISTORY)));
    } finally {
      this.notify({ kind: 'model', status: this.modelStatus() });
    }
    return this.modelStatus();
  }

  async qualityHistory(): Promise<QualityRecord[]> {
    return this.require().quality.history();
  }

  cancelTraining(): boolean {
    return this.require().personal.cancel();
  }

  async forgetModel(): Promise<ModelStatus> {
    const { personal, recommender, pack } = this.require();
    await personal.forget();
    recommender.forget();
    // Back to the shipped pack, without the user's fine-tuning.
    await pack.reset();
    const status = this.modelStatus();
    this.notify({ kind: 'model', status });
    return status;
  }

  /** The user's taste from the log in memory: no read of the store. */
  private async readTaste(): Promise<Taste> {
    return this.requireOpen().log.currentTaste();
  }

  private requireOpen(): Opened {
    if (!this.opened) throw new Error('The event log is not open yet.');
    return this.opened;
  }

  private require(): Services {
    if (!this.services) throw new Error('The engine is not initialised yet.');
    return this.services;
  }
}

/** The user's settings; one that cannot be read is left out (the UI falls back to its default). */
async function readSettings(store: BurrowStore): Promise<Settings> {
  const settings: Settings = {};
  for (const key of SETTING_KEYS) {
    try {
      const value = await store.getMeta<unknown>(key);
      if (value !== undefined) settings[key] = value;
    } catch {
      // unreadable: the default
    }
  }
  return settings;
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

function computeStatusOf(info: BackendInfo, reason: string): ComputeStatus {
  return {
    backend: info.backend,
    adapter: info.adapter,
    reason,
    attempts: info.attempts,
    ...(info.wasm ? { wasm: info.wasm } : {}),
  };
}
