/**
 * The user's "what next" model inside the worker: a SASRec network that starts from the base
 * pack and is fine-tuned on the user's own sequence, persisted in IndexedDB like the embedding model.
 */
import { createSequenceModel, type SequenceModel } from '../models';
import { packModel, packWeights, type DecodedPack } from '../packs';
import { topKByEmbedding, type TopKResult } from '../ranking';
import type { BurrowStore } from '../store';
import { fit } from '../training';
import { fromCheckpoint, toCheckpoint } from './checkpoint';

const CHECKPOINT_KEY = 'sasrec/personal';

/** A stable id for a pack's sequence model: fine-tuned weights only apply to the pack they grew from. */
export function packSequenceId(pack: DecodedPack): string {
  return `${pack.manifest.catalog.id}/${pack.manifest.createdAt}/${packModel(pack, 'sasrec').configHash}`;
}

export class PersonalSequence {
  private constructor(
    private readonly model: SequenceModel,
    private readonly store: BurrowStore,
    private readonly catalogId: string,
    private readonly packId: string,
    /** true when the weights came from the user's own fine-tuning, not straight from the pack */
    public personalised: boolean,
  ) {}

  /**
   * Builds the model from the pack, then applies the user's fine-tuned weights when they grew from
   * this same pack; stale ones are deleted (and the caller told why).
   */
  static async create(
    pack: DecodedPack,
    store: BurrowStore,
    catalogId: string,
  ): Promise<{ sequence: PersonalSequence; discarded?: string }> {
    const entry = packModel(pack, 'sasrec');
    const model = createSequenceModel({
      kind: 'sasrec',
      numItems: pack.manifest.catalog.items,
      config: entry.config as Record<string, never>,
    });
    model.importWeights(packWeights(pack, 'sasrec'));
    const packId = packSequenceId(pack);
    const record = await store.loadCheckpoint(CHECKPOINT_KEY);
    if (!record) return { sequence: new PersonalSequence(model, store, catalogId, packId, false) };
    try {
      const { weights, meta } = fromCheckpoint(record, 'the stored sequence model');
      if (record.catalogId !== catalogId || meta.packId !== packId) throw new Error('it grew from another base pack');
      model.importWeights(weights, { strict: true });
      return { sequence: new PersonalSequence(model, store, catalogId, packId, true) };
    } catch (error) {
      await store.deleteCheckpoint(CHECKPOINT_KEY);
      model.importWeights(packWeights(pack, 'sasrec'));
      return {
        sequence: new PersonalSequence(model, store, catalogId, packId, false),
        discarded: `Your fine-tuned "up next" model was discarded (${(error as Error).message}).`,
      };
    }
  }

  /** Scores for the item after `history` (oldest first) over the whole catalog. */
  scores(history: Int32Array): Promise<Float32Array> {
    return this.model.scoreAll({ user: 0, history });
  }

  /** Up next's list: the top k after `history`, none of `exclude` (upNextTopK). */
  topK(history: Int32Array, k: number, exclude: Int32Array): Promise<TopKResult> {
    return upNextTopK(this.model, history, k, exclude);
  }

  /** A few steps on the user's own sequence, then persisted. */
  async fineTune(history: Int32Array, signal?: AbortSignal): Promise<void> {
    if (history.length < 2) return;
    const task = this.model.createFineTuneTask(history);
    try {
      const summary = await fit(task, signal ? { signal } : {});
      if (summary.steps === 0) return;
    } finally {
      task.dispose();
    }
    await this.store.saveCheckpoint(toCheckpoint(CHECKPOINT_KEY, 'sasrec', await this.model.exportWeights(), this.catalogId, Date.now(), { packId: this.packId }));
    this.personalised = true;
  }

  dispose(): void {
    this.model.dispose();
  }

  static async forget(store: BurrowStore): Promise<void> {
    await store.deleteCheckpoint(CHECKPOINT_KEY);
  }
}

/**
 * The sequence model's top k after `history`, none of `exclude`: Up next ranks by this one model,
 * so the ranker cuts the top on the backend (ranking's topKByEmbedding: the fused WebGPU top-K
 * where it is validated, stock ops elsewhere) and only the k winners are read back.
 */
export async function upNextTopK(model: SequenceModel, history: Int32Array, k: number, exclude: Int32Array): Promise<TopKResult> {
  const query = model.nextItemQuery(history);
  if (!query) return { indices: new Int32Array(0), scores: new Float32Array(0) };
  try {
    return await topKByEmbedding(model.itemEmbedding, query, null, k, exclude);
  } finally {
    query.dispose();
  }
}
