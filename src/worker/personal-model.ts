/**
 * The user's own embedding model inside the worker: restore from IndexedDB, fine-tune on the
 * user's events (one trainer across tabs, via Web Locks), fold in each new event, score the catalog.
 */
import * as tf from '@tensorflow/tfjs';
import type { EncodedFeatures } from '../catalog';
import type { Interactions } from '../models';
import type { SerializedWeights } from '../common';
import { createEmbeddingModel, PERSONAL_CONFIG, type EmbeddingConfig, type EmbeddingModel } from '../models';
import { isPositiveStrength, type TimedSignal as PersonalSignal } from '../events';
import type { BurrowStore } from '../store';
import { fitModel, type TrainingProgress } from '../training';
import { fromCheckpoint, toCheckpoint } from './checkpoint';
import { Turns } from './turns';

/** One person, so the user table has one row. */
const USER = 0;
const CHECKPOINT_KEY = 'embedding/personal';
const TRAINER_LOCK = 'burrow-trainer';

/** The personal model's architecture (the base pack is built with it): a preset of src/models. */
export { PERSONAL_CONFIG };

/**
 * How one person's model trains, on top of PERSONAL_CONFIG (the architecture the base pack is
 * built with, which keeps training its whole item side on many pseudo-users):
 * - trainItemSide false: it changes only its own user vector; the item side stays the pack's (the
 *   ml-100k replay: training the item side on a handful of likes scrambled the catalog).
 * - no early stopping: it validated on ONE held-out film, so it was noise (in 91-98% of fits the
 *   best epoch was epoch 0). With the item side frozen the fit is a small, L2-regularised problem
 *   in 32 numbers, run for a fixed number of steps, and every positive trains.
 */
export const PERSONAL_FIT: Partial<EmbeddingConfig> = {
  trainItemSide: false,
  patience: 0,
  maxValidationUsers: 0,
};

export interface ModelInfo {
  trainedAt: number;
  /** events in the log when training started */
  trainedOnEvents: number;
  seconds: number;
  steps: number;
  finalLoss: number | null;
  lossCurve: number[];
  backend: string;
  cancelled: boolean;
}

/** The user's signals, one per judged item (the events room's TimedSignal). */
export type { PersonalSignal };

/** The user's signals as the model contract's columnar log (one user, time order). */
export function toInteractions(signals: readonly PersonalSignal[], numItems: number): Interactions {
  const ordered = [...signals].sort((a, b) => a.ts - b.ts);
  return {
    numUsers: 1,
    numItems,
    user: new Int32Array(ordered.length),
    item: Int32Array.from(ordered, (s) => s.item),
    weight: Float32Array.from(ordered, (s) => s.strength),
    time: Float64Array.from(ordered, (s) => s.ts),
  };
}

export class PersonalModel {
  private model: EmbeddingModel | null = null;
  private info: ModelInfo | null = null;
  /** CPU copy of the item embeddings for explanations, refreshed after each training */
  private itemVectors: Float32Array | null = null;
  /** the user vector as training left it: every fold-in starts here, so rankings are reproducible */
  private trainedUser: Float32Array | null = null;
  private abort: AbortController | null = null;
  private foldedSignature = '';
  /** item-side weights from the base pack: where a brand-new model starts */
  private base: SerializedWeights | null = null;
  /**
   * Everything that reads or writes `this.model` takes turns here. Training itself runs on a
   * private copy (see train), outside the turns, so fold-in and scoring stay fast meanwhile.
   */
  private readonly turns = new Turns();
  /** bumped by forget(): a training that started before must not bring the old model back */
  private generation = 0;
  /** the base pack as it ships (never trained here), for the "pack only" fold-in ranker */
  private packModel: { model: EmbeddingModel; start: Float32Array; signature: string; vectors: Float32Array } | null = null;

  constructor(
    private readonly store: BurrowStore,
    private readonly catalogId: string,
    private readonly features: EncodedFeatures,
  ) {}

  get trained(): ModelInfo | null {
    return this.info;
  }

  get training(): boolean {
    return this.abort !== null;
  }

  /** Sets the base pack's item side for models created from now on (a trained model keeps its own). */
  useBase(weights: SerializedWeights | null): void {
    this.base = weights;
    this.packModel?.model.dispose();
    this.packModel = null;
  }

  /**
   * The shipped pack alone: the user's signals folded into a fresh user vector over the pack's
   * frozen item side, no fine-tuning. Null without a pack.
   */
  async packScores(signals: readonly PersonalSignal[]): Promise<Float32Array | null> {
    // the pack model's user vector is folded in place, so overlapping requests take turns too
    return this.turns.run(() => this.packScoresNow(signals));
  }

  private async packScoresNow(signals: readonly PersonalSignal[]): Promise<Float32Array | null> {
    if (!this.base) return null;
    if (!this.packModel) {
      const model = this.create();
      const user = model.userEmbedding(USER);
      const items = model.itemEmbeddings();
      try {
        this.packModel = { model, start: (await user.data()) as Float32Array, signature: '', vectors: (await items.data()) as Float32Array };
      } finally {
        user.dispose();
        items.dispose();
      }
    }
    const pack = this.packModel;
    pack.signature = await foldInto(pack.model, pack.start, signals, pack.signature);
    return pack.model.scoreAll({ user: USER, history: Int32Array.from(signals, (s) => s.item) });
  }

  /**
   * Throws (saying why) unless `weights` import into exactly the model this user's training would
   * create: run when a pack is loaded, so a pack that does not fit is refused there, not at the
   * next training.
   */
  checkBase(weights: SerializedWeights): void {
    const model = createEmbeddingModel({ numUsers: 1, numItems: this.features.numItems, features: this.features, config: PERSONAL_CONFIG });
    try {
      if (weights.configHash !== model.configHash) {
        throw new Error(`its embedding config (hash ${weights.configHash}) is not the app's (${model.configHash})`);
      }
      if ((weights.featuresHash ?? null) !== model.featuresHash) {
        throw new Error(`its embedding was trained on other item features (features hash ${String(weights.featuresHash ?? null)}, the app's is ${String(model.featuresHash)})`);
      }
      model.importWeights(weights, { strict: true });
    } finally {
      model.dispose();
    }
  }

  private create(): EmbeddingModel {
    const model = createEmbeddingModel({ numUsers: 1, numItems: this.features.numItems, features: this.features, config: { ...PERSONAL_CONFIG, ...PERSONAL_FIT } });
    if (this.base) {
      try {
        model.importWeights(this.base);
      } catch (error) {
        model.dispose();
        throw new Error(`The base pack's embedding weights do not fit this model: ${(error as Error).message}`);
      }
    }
    return model;
  }

  /**
   * Loads the stored model if it matches this catalog and config. A stored model that does not
   * match or fails to load is deleted and the reason returned, so the UI can say so.
   */
  restore(): Promise<{ restored: boolean; discarded?: string }> {
    return this.turns.run(() => this.restoreNow());
  }

  private async restoreNow(): Promise<{ restored: boolean; discarded?: string }> {
    const record = await this.store.loadCheckpoint(CHECKPOINT_KEY);
    if (!record) return { restored: false };
    const candidate = this.create();
    try {
      if (record.catalogId !== this.catalogId) throw new Error('it was trained on another version of the catalog');
      if (record.configHash !== candidate.configHash) throw new Error('the model configuration changed since it was trained');
      const { weights, meta } = fromCheckpoint(record, 'the stored model');
      if (!meta.info) throw new Error('the stored model is in an unknown layout');
      candidate.importWeights(weights, { strict: true });
      this.replaceModel(candidate);
      this.info = meta.info as ModelInfo;
      await this.refreshItemVectors();
      return { restored: true };
    } catch (error) {
      candidate.dispose();
      await this.store.deleteCheckpoint(CHECKPOINT_KEY);
      return { restored: false, discarded: `Your stored model was discarded (${(error as Error).message}); it will be retrained.` };
    }
  }

  /**
   * Fine-tunes (or first trains) the model on the user's signals. Only one tab trains at a time:
   * another tab holding the lock makes this fail fast with a message saying so.
   */
  async train(
    signals: readonly PersonalSignal[],
    eventCount: number,
    onProgress: (progress: TrainingProgress & { lossCurve: number[] }) => void,
  ): Promise<ModelInfo> {
    if (this.abort) throw new Error('Training is already running.');
    if (!signals.some((s) => isPositiveStrength(s.strength))) throw new Error('Like or rate at least one item before training.');
    const run = async (): Promise<ModelInfo> => {
      // Marked busy first, cleared in the same try's finally: no exception can leave it set.
      const abort = new AbortController();
      this.abort = abort;
      const generation = this.generation;
      let copy: EmbeddingModel | null = null;
      try {
        // Train a private copy: fold-in and scoring keep using the live model meanwhile, and no
        // tensor of the live model is replaced or disposed under a running training step.
        copy = await this.turns.run(() => this.copyOfModel());
        const model = copy;
        const lossCurve: number[] = [];
        const summary = await fitModel(model, toInteractions(signals, this.features.numItems), {
          signal: abort.signal,
          onProgress: (p) => {
            if (p.loss !== undefined && Number.isFinite(p.loss)) lossCurve.push(p.loss);
            onProgress({ ...p, lossCurve });
          },
        });
        const info: ModelInfo = {
          trainedAt: Date.now(),
          trainedOnEvents: eventCount,
          seconds: summary.seconds,
          steps: summary.steps,
          finalLoss: summary.finalLoss ?? null,
          lossCurve,
          backend: tf.getBackend(),
          cancelled: summary.cancelled ?? false,
        };
        const weights = await this.turns.run(async () => {
          if (generation !== this.generation) throw new Error('The model was deleted while it trained.');
          this.replaceModel(model);
          copy = null; // the live model now
          this.info = info;
          this.foldedSignature = '';
          await this.refreshItemVectors();
          return model.exportWeights();
        });
        await this.store.saveCheckpoint(toCheckpoint(CHECKPOINT_KEY, 'embedding', weights, this.catalogId, info.trainedAt, { info }));
        return info;
      } finally {
        (copy as EmbeddingModel | null)?.dispose();
        this.abort = null;
      }
    };
    const locks = (globalThis.navigator as Navigator | undefined)?.locks;
    if (!locks) return run();
    return locks.request(TRAINER_LOCK, { ifAvailable: true }, async (lock) => {
      if (!lock) throw new Error('Another Burrow tab is training right now; try again when it has finished.');
      return run();
    });
  }

  /** A new model holding the live model's weights (or the base pack's, when there is none yet). */
  private async copyOfModel(): Promise<EmbeddingModel> {
    const model = this.create();
    try {
      if (this.model) model.importWeights(await this.model.exportWeights(), { strict: true });
      return model;
    } catch (error) {
      model.dispose();
      throw error;
    }
  }

  cancel(): boolean {
    if (!this.abort) return false;
    this.abort.abort();
    return true;
  }

  /**
   * Scores the catalog for the user's current signals. New signals since the last call are folded
   * into the user vector first (item side frozen): the fast path that runs after every event.
   */
  scores(signals: readonly PersonalSignal[]): Promise<Float32Array | null> {
    return this.turns.run(() => this.scoresNow(signals));
  }

  private async scoresNow(signals: readonly PersonalSignal[]): Promise<Float32Array | null> {
    if (!this.model) return null;
    this.foldedSignature = await foldInto(this.model, this.trainedUser, signals, this.foldedSignature);
    return this.model.scoreAll({ user: USER, history: Int32Array.from(signals, (s) => s.item) });
  }

  /**
   * Cosine similarity of two items in the model's item space (the trained model's, else the
   * pack's), or null when neither exists yet. With the item side frozen both are the pack's.
   */
  similarity(): ((a: number, b: number) => number) | null {
    const vectors = this.itemVectors ?? this.packModel?.vectors ?? null;
    if (!vectors) return null;
    const dim = vectors.length / this.features.numItems;
    return (a, b) => {
      let dot = 0;
      let na = 0;
      let nb = 0;
      for (let d = 0; d < dim; d++) {
        const x = vectors[a * dim + d]!;
        const y = vectors[b * dim + d]!;
        dot += x * y;
        na += x * x;
        nb += y * y;
      }
      return na && nb ? dot / Math.sqrt(na * nb) : 0;
    };
  }

  async forget(): Promise<void> {
    this.cancel();
    this.generation++;
    await this.turns.run(() => {
      this.replaceModel(null);
      this.info = null;
      this.itemVectors = null;
      this.trainedUser = null;
      this.foldedSignature = '';
    });
    await this.store.deleteCheckpoint(CHECKPOINT_KEY);
  }

  private async refreshItemVectors(): Promise<void> {
    if (!this.model) return;
    const user = this.model.userEmbedding(USER);
    try {
      this.trainedUser = (await user.data()) as Float32Array;
    } finally {
      user.dispose();
    }
    const embeddings = this.model.itemEmbeddings();
    try {
      this.itemVectors = (await embeddings.data()) as Float32Array;
    } finally {
      embeddings.dispose();
    }
  }

  private replaceModel(model: EmbeddingModel | null): void {
    if (this.model && this.model !== model) this.model.dispose();
    this.model = model;
  }
}

/**
 * Folds `signals` into the model's user vector, starting from `start` each time (so a ranking
 * depends only on the signals, not on the order of calls); returns the new signature. Skipped when
 * the signals are those of the last fold-in.
 */
async function foldInto(
  model: EmbeddingModel,
  start: Float32Array | null,
  signals: readonly PersonalSignal[],
  previous: string,
): Promise<string> {
  const signature = signals.map((s) => `${s.item}:${s.strength}`).join(',');
  if (signature === previous || signals.length === 0) return previous;
  if (start) model.setUserVector(USER, start);
  await model.foldIn(
    USER,
    Int32Array.from(signals, (s) => s.item),
    Float32Array.from(signals, (s) => s.strength),
  );
  return signature;
}
