import * as tf from '@tensorflow/tfjs';
import type { Interactions, Recommender, ScoreQuery } from '../contract';
import { Rng, WEIGHTS_FORMATS, type SerializedWeights, type WeightsHeader } from '../../common';
import { exportVariables, importVariables, type ImportOptions } from '../weights';
import { resolveSequenceConfig, sequenceConfigHash, type SequenceConfig, type SequenceKind } from './config';
import { leftPad, prepareSequenceData, validateInteractions } from './data';
import { denseParamShapes, encode, initialValues, ITEM_EMBEDDING, type EncodeOptions } from './network';
import { SequenceFineTuneTask, SequenceTrainTask } from './train-task';

export interface CreateSequenceModelArgs {
  kind: SequenceKind;
  numItems: number;
  config?: Partial<SequenceConfig>;
}

export interface FineTuneOptions {
  /** Adam steps (default config.fineTuneSteps) */
  steps?: number;
  /** Adam learning rate (default config.fineTuneLr) */
  lr?: number;
  /** sampling and dropout seed (default: a fresh one per fine-tune of this model) */
  seed?: number;
}

/**
 * GRU4Rec- / SASRec-style next-item model.
 *
 * items `[B, W]` -> E[items] `[B, W, d]` -> encoder (GRU, or causal transformer blocks)
 * -> h `[B, W, d]` -> scores of the next item at every position: h . E^T `[B, W, numItems]`
 * (input and output item embeddings are the same table). The user index is never used: a user is
 * their history, so new users and on-device histories need no retraining.
 */
export class SequenceModel implements Recommender {
  readonly name: SequenceKind;
  readonly kind: SequenceKind;
  readonly config: SequenceConfig;
  readonly numItems: number;
  /** every parameter by its serialized name (`item/embedding` first) */
  readonly variables: Readonly<Record<string, tf.Variable>>;
  /** names of the non-item-table parameters, in a fixed order */
  readonly denseNames: readonly string[];
  private disposed = false;
  private fineTuneCalls = 0;

  constructor(args: CreateSequenceModelArgs) {
    const { kind, numItems } = args;
    this.config = resolveSequenceConfig(kind, args.config);
    if (!(Number.isInteger(numItems) && numItems > 0)) throw new Error(`createSequenceModel: numItems must be a positive integer, got ${numItems}`);
    this.kind = kind;
    this.name = kind;
    this.numItems = numItems;
    const vars: Record<string, tf.Variable> = {};
    for (const [name, init] of initialValues(kind, this.config, numItems)) {
      // the Variable gets its own copy, so the initial value is freed
      vars[name] = tf.variable(init, false);
      init.dispose();
    }
    this.variables = vars;
    this.denseNames = denseParamShapes(kind, this.config).map(([n]) => n);
  }

  /** `[numItems, dim]` the shared input/output item embeddings. */
  get itemEmbedding(): tf.Variable<tf.Rank.R2> {
    return this.variables[ITEM_EMBEDDING]! as tf.Variable<tf.Rank.R2>;
  }

  get configHash(): string {
    return sequenceConfigHash(this.kind, this.config);
  }

  /** The header this model's weights carry (and imported weights must match). */
  get weightsHeader(): WeightsHeader {
    return { format: WEIGHTS_FORMATS[this.kind], configHash: this.configHash, featuresHash: null };
  }

  /**
   * Hidden states of a left-padded batch, no dropout.
   * @param items `[B, W]` int32, @param mask `[B, W]` float (1 = real item)
   * @returns `[B, W, dim]` (row t depends only on items <= t)
   */
  hiddenStates(items: tf.Tensor2D, mask: tf.Tensor2D, opts: Partial<EncodeOptions> = {}): tf.Tensor3D {
    this.assertAlive();
    const [B, W] = items.shape;
    if (W > this.config.maxLen) throw new Error(`hiddenStates: width ${W} exceeds maxLen ${this.config.maxLen}`);
    return tf.tidy(() => {
      const x = tf.mul(tf.reshape(tf.gather(this.itemEmbedding, tf.reshape(items, [B * W])), [B, W, this.config.dim]), tf.expandDims(mask, 2));
      return encode(this.kind, this.variables, this.config, x as tf.Tensor3D, mask, { drop: null, ...opts });
    });
  }

  /**
   * Next-item scores after the LAST column of a left-padded batch.
   * @param items `[B, W]` int32, @param mask `[B, W]`; @returns `[B, numItems]`
   */
  scoreBatch(items: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor2D {
    const [B, W] = items.shape;
    const d = this.config.dim;
    return tf.tidy(() => {
      const H = this.hiddenStates(items, mask);
      const last = tf.reshape(tf.slice(H, [0, W - 1, 0], [B, 1, d]), [B, d]);
      // explicit transpose: wasm's transposed-operand matMul is ~8x slower (see ops.ts)
      return tf.matMul(last, tf.transpose(this.itemEmbedding)) as tf.Tensor2D;
    });
  }

  /**
   * The query side of scoreAll: the last hidden state after `history` (its last maxLen items),
   * `[dim]`, so that scoreAll = itemEmbedding `[numItems, dim]` · query. With it a ranker cuts the
   * top on the backend without reading every score back (ranking's topKByEmbedding). Null for an
   * empty history, which carries no signal. Caller disposes.
   */
  nextItemQuery(history: Int32Array): tf.Tensor1D | null {
    this.assertAlive();
    const h = this.checkHistory(history, 'nextItemQuery');
    if (h.length === 0) return null;
    const W = Math.min(h.length, this.config.maxLen);
    const { items, mask } = leftPad([h], W);
    const d = this.config.dim;
    return tf.tidy(() => {
      const H = this.hiddenStates(tf.tensor2d(items, [1, W], 'int32'), tf.tensor2d(mask, [1, W]));
      return tf.reshape(tf.slice(H, [0, W - 1, 0], [1, 1, d]), [d]) as tf.Tensor1D;
    });
  }

  /**
   * Scores of every catalog item as the next item after `history` (its last maxLen items).
   * An empty history carries no signal: all zeros (callers blend with popularity).
   */
  async scoreAll(query: ScoreQuery): Promise<Float32Array> {
    this.assertAlive();
    const h = this.checkHistory(query.history, 'scoreAll');
    if (h.length === 0) return new Float32Array(this.numItems);
    const W = Math.min(h.length, this.config.maxLen);
    const { items, mask } = leftPad([h], W);
    const scores = tf.tidy(() => tf.reshape(this.scoreBatch(tf.tensor2d(items, [1, W], 'int32'), tf.tensor2d(mask, [1, W])), [this.numItems]));
    try {
      return (await scores.data()) as Float32Array;
    } finally {
      scores.dispose();
    }
  }

  /** A TrainTask over `data` for the trainer (src/training's fit) or step-level use. Dispose it when done. */
  createTrainTask(data: Interactions, seed = this.config.seed): SequenceTrainTask {
    this.assertAlive();
    validateInteractions(data, this.numItems);
    const prepared = prepareSequenceData(data, this.numItems, this.config.patience > 0 ? this.config.maxValidationUsers : 0, seed);
    return new SequenceTrainTask(this, prepared, seed);
  }

  /**
   * On-device personalisation: a task of a few Adam steps (fresh moments, small learning rate,
   * dropout on) on one user's own sequence, every parameter updated, for the trainer to run.
   * @param history `[n]` the user's items, oldest first (n >= 2, else the task has no steps)
   */
  createFineTuneTask(history: Int32Array, options: FineTuneOptions = {}): SequenceFineTuneTask {
    this.assertAlive();
    const h = this.checkHistory(history, 'fineTune');
    const steps = options.steps ?? this.config.fineTuneSteps;
    const lr = options.lr ?? this.config.fineTuneLr;
    if (!(Number.isInteger(steps) && steps >= 0)) throw new Error(`fineTune: steps must be an integer >= 0, got ${steps}`);
    if (!(Number.isFinite(lr) && lr >= 0)) throw new Error(`fineTune: lr must be a finite number >= 0, got ${lr}`);
    const rng = new Rng(options.seed ?? this.config.seed + 7919 * ++this.fineTuneCalls);
    return new SequenceFineTuneTask(this, h, h.length < 2 ? 0 : steps, lr, rng);
  }

  async exportWeights(): Promise<SerializedWeights> {
    this.assertAlive();
    return exportVariables(this.variables, this.weightsHeader);
  }

  /**
   * Loads weights saved by exportWeights() of the same kind and architecture. Every tensor must be
   * present with the model's shape; everything is validated before anything is assigned; throws
   * an Error naming the problem.
   */
  importWeights(w: SerializedWeights, options: ImportOptions = {}): void {
    this.assertAlive();
    importVariables(this.variables, w, this.weightsHeader, options);
  }

  dispose(): void {
    if (this.disposed) return;
    for (const v of Object.values(this.variables)) v.dispose();
    this.disposed = true;
  }

  private checkHistory(history: Int32Array, where: string): Int32Array {
    if (!(history instanceof Int32Array)) throw new Error(`${where}: history must be an Int32Array`);
    for (let i = 0; i < history.length; i++) {
      const it = history[i]!;
      if (!(it >= 0 && it < this.numItems)) throw new Error(`${where}: item ${it} at ${i} out of range [0, ${this.numItems})`);
    }
    return history;
  }

  private assertAlive(): void {
    if (this.disposed) throw new Error(`${this.kind} model has been disposed`);
  }
}

export function createSequenceModel(args: CreateSequenceModelArgs): SequenceModel {
  return new SequenceModel(args);
}
