/**
 * The engine protocol: every message the UI can send the worker, with its request and response
 * types, and every notice the worker pushes. Both sides are checked against this one map.
 */
import type { Catalog } from '../catalog';
import type { AdapterSummary, BackendName, BackendPreference } from '../compute';
import type { QualityRecord } from '../eval';
import type { EventKind } from '../events';
import type { ExportFile, ImportResult, StoredEvent } from '../store';

export type { AdapterSummary, BackendName, BackendPreference, ExportFile, ImportResult, QualityRecord, StoredEvent };

/** The user's settings the UI keeps in the store (meta keys). */
export const SETTING_KEYS = ['ranking-controls', 'onboarding-done'] as const;
export type SettingKey = (typeof SETTING_KEYS)[number];
/** Stored settings as read, unvalidated (the UI parses each; a damaged one falls back to its default). */
export type Settings = Partial<Record<SettingKey, unknown>>;

/** The event log as the engine holds it, read once when it opens (and again after an import or another tab's write). */
export interface LogContents {
  /** every valid stored event, oldest first */
  events: StoredEvent[];
  /** stored records that failed validation and were skipped */
  skipped: number;
}

/** One interaction the user made; the engine stamps time and catalog and appends it. */
export interface RecordRequest {
  /** the UI's own id for the event, so a write cut short by a crashed worker is retried only if it is missing */
  uid: string;
  itemId: string;
  kind: EventKind;
  /** 1..5 for 'rating', null otherwise */
  value: number | null;
  /** the browser tab session the event belongs to */
  session: string;
  /**
   * when it happened (ms since the epoch); the store's clock when absent, as for every click. The
   * eval replay gives each event its dataset time.
   */
  ts?: number;
}

/**
 * How the engine's log changed: one event appended (this tab's own click), or replaced whole
 * (an import, "Delete all my data", another tab's write). The UI mirrors the log from these.
 */
export type LogChange = { type: 'append'; event: StoredEvent } | ({ type: 'reset' } & LogContents);

export interface ComputeStatus {
  backend: BackendName;
  adapter: AdapterSummary | null;
  /** a sentence saying why this backend runs (preference, probe result, fallback reason) */
  reason: string;
  attempts: { backend: string; ok: boolean; error?: string }[];
  /** the wasm build in use, when the backend is wasm */
  wasm?: { simd: boolean; threads: boolean; numThreads?: number };
}

export interface Recommendation {
  itemId: string;
  score: number;
  /** a short human explanation, e.g. "Because you liked Alien" */
  reason: string;
}

export interface RecommendResult {
  items: Recommendation[];
  /** which ranker produced the list */
  source: 'baseline' | 'embedding';
  /** the blend this list was ranked with (its weights move with each like) */
  blend: ModelStatus['blend'];
  computedAt: number;
  millis: number;
}

export interface ModelStatus {
  state: 'none' | 'training' | 'ready';
  /** when the stored model was trained, and on how many logged events */
  trainedAt: number | null;
  trainedOnEvents: number;
  /** wall time of the last training run */
  seconds: number | null;
  steps: number;
  lossCurve: number[];
  /** the backend the last training ran on */
  backend: string | null;
  lastRunCancelled: boolean;
  /**
   * For you's blend: the weight of each standardised signal (personal, content, sequence, era,
   * popularity, quality), learned on the user's own likes (each scored against the taste just
   * before it; `likes` of them) and pulled towards the starting weights; the starting weights
   * before the first like that has a taste before it. `learned` says which; `prior` says whether
   * the starting weights came with the pack (learned on its own held-out users) or are the app's.
   */
  blend: { weights: Record<string, number>; learned: boolean; likes: number; prior: 'pack' | 'app' };
}

export interface TrainingProgressNotice {
  epoch: number;
  step: number;
  totalSteps: number;
  loss?: number;
  lossCurve: number[];
}

export interface PackInfo {
  /** where the active base pack came from */
  source: 'default' | 'file' | 'none';
  fileName: string | null;
  catalogId: string | null;
  /** ISO date the pack was built */
  createdAt: string | null;
  models: string[];
  training: { source: string; description: string; users: number; interactions: number; licence: string } | null;
  /** the "up next" model has been fine-tuned on this user's own sequence */
  sequencePersonalised: boolean;
  /** why no pack is active, when none is */
  problem: string | null;
}

export interface UpNextResult {
  items: Recommendation[];
  /** e.g. "Because you just liked Alien and Jaws"; null when there is no history yet */
  reason: string | null;
  /** null when no sequence model is available (no base pack) */
  source: 'sasrec' | null;
}

export type EngineProtocol = {
  /**
   * Opens the store and reads the event log once: the engine is the one writer of events from
   * here on (and works without a compute backend, so history and data survive every backend failing)
   */
  open: { request: { catalog: Catalog; storeName: string }; response: LogContents & { settings: Settings } };
  /** Starts the compute backend, the base pack and the models (after open). */
  init: {
    request: {
      backend: BackendPreference;
      defaultPackUrl: string;
      /** backends an earlier engine crashed or failed on in this session: skipped */
      exclude?: BackendName[];
    };
    response: ComputeStatus;
  };
  /** appends one interaction to the log; the UI learns of it through a 'log' notice first */
  record: { request: RecordRequest; response: StoredEvent };
  /** the whole stored history as an export file */
  exportLog: { request: null; response: ExportFile };
  /** merges an export file (the parsed JSON, validated here) into the log: all or nothing */
  importLog: { request: { data: unknown }; response: ImportResult };
  /** "Delete all my data": the models, the events, the checkpoints and the settings */
  eraseAll: { request: null; response: { pack: PackInfo | null; model: ModelStatus | null } };
  saveSetting: { request: { key: SettingKey; value: unknown }; response: null };
  /**
   * `variety` 0..1: "more like this" to "more variety"; `tail` 0..1: how much of popularity's pull
   * to take away; `explore`: one card in six from a Thompson-sampled blend (ranking/explore.ts)
   */
  recommend: { request: { k: number; variety?: number; tail?: number; explore?: boolean }; response: RecommendResult };
  /** the sequence model's guess at what comes next after the user's recent items */
  upNext: { request: { k: number }; response: UpNextResult };
  /** the cold-start picker: well-known films spread over the item space, none the user judged */
  onboarding: { request: { k: number }; response: { items: string[] } };
  packInfo: { request: null; response: PackInfo };
  /** validate a pack file the user picked and make it the base (kept in IndexedDB) */
  loadPack: { request: { data: ArrayBuffer; fileName: string }; response: PackInfo };
  /** fine-tune the personal model on the whole event log (in the background of the UI) */
  train: { request: { trigger: 'manual' | 'auto' }; response: ModelStatus };
  cancelTraining: { request: null; response: boolean };
  modelStatus: { request: null; response: ModelStatus };
  /** on-device evaluations of the user's models, oldest first */
  qualityHistory: { request: null; response: QualityRecord[] };
  /** drop the trained model (after "Delete all my data") */
  forgetModel: { request: null; response: ModelStatus };
  /** the live TF.js backend, straight from tf.getBackend() inside the worker */
  backendName: { request: null; response: string };
  /**
   * Diagnostics: destroys the engine's WebGPU device, so the real `device.lost` path runs (fall back,
   * reload the stored model on the new backend, say so). false when the engine is not on WebGPU.
   */
  loseGpuDevice: { request: null; response: boolean };
  /** Diagnostics: throws an uncaught error in the worker, as a crashing kernel or runtime would. */
  crashForDiagnostics: { request: null; response: boolean };
};

export type EngineNotice =
  | { kind: 'log'; change: LogChange }
  /** the store can no longer be written (another tab upgraded or deleted it): a sentence for the user */
  | { kind: 'store'; message: string }
  | { kind: 'compute'; status: ComputeStatus }
  | { kind: 'model'; status: ModelStatus; message?: string }
  | { kind: 'training'; progress: TrainingProgressNotice }
  | { kind: 'error'; name: string; message: string }
  /** sent before each backend is tried, so a crash during set-up names the backend it hit */
  | { kind: 'trying'; backend: BackendName };
