import * as tf from '@tensorflow/tfjs';
import type { Interactions, Recommender, ScoreQuery } from '../contract';
import { Rng } from '../../common';
import { resolveSequenceConfig, sequenceConfigHash, type SequenceConfig, type SequenceKind } from './config';
import { leftPad, prepareSequenceData, validateInteractions } from './data';
import { denseParamShapes, encode, initialValues, ITEM_EMBEDDING, type EncodeOptions } from './network';
import { SequenceFineTuneTask, SequenceTrainTask } from './train-task';

export interface SerializedTensor {
  shape: number[];
  dtype: 'float32' | 'int32';
  data: ArrayBuffer;
}

export type SequenceWeightsFormat = 'burrow-gru4rec/1' | 'burrow-sasrec/1';

/** Same style as the embedding model's SerializedWeights. */
export interface SequenceSerializedWeights {
  format: SequenceWeightsFormat;
  /** sequenceConfigHash() of the config the weights were trained with */
  configHash: string;
  tensors: Record<string, SerializedTensor>;
}

export interface SequenceImportOptions {
  /** also require the same configHash (default false: format, names, shapes, dtypes, values) */
  strict?: boolean;
}

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

export const FORMATS: Readonly<Record<SequenceKind, SequenceWeightsFormat>> = { gru4rec: 'burrow-gru4rec/1', sasrec: 'burrow-sasrec/1' };

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
  get itemEmbedding(): tf.Variable {
    return this.variables[ITEM_EMBEDDING]!;
  }

  get configHash(): string {
    return sequenceConfigHash(this.kind, this.config);
  }

  get format(): SequenceWeightsFormat {
    return FORMATS[this.kind];
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

  async exportWeights(): Promise<SequenceSerializedWeights> {
    this.assertAlive();
    const tensors: Record<string, SerializedTensor> = {};
    for (const [name, v] of Object.entries(this.variables)) {
      const data = (await v.data()) as Float32Array;
      tensors[name] = { shape: [...v.shape], dtype: 'float32', data: data.slice().buffer };
    }
    return { format: this.format, configHash: this.configHash, tensors };
  }

  /**
   * Loads weights saved by exportWeights() of the same kind and architecture. Every tensor must be
   * present with the model's shape; everything is validated before anything is assigned; throws
   * an Error naming the problem.
   */
  importWeights(w: SequenceSerializedWeights, options: SequenceImportOptions = {}): void {
    this.assertAlive();
    if (!w || typeof w !== 'object' || typeof w.tensors !== 'object' || w.tensors === null) {
      throw new Error('importWeights: not a SerializedWeights object (missing tensors)');
    }
    if (w.format !== this.format) throw new Error(`importWeights: format '${String(w.format)}' does not match this ${this.kind} model ('${this.format}')`);
    if (options.strict && w.configHash !== this.configHash) {
      throw new Error(`importWeights: configHash ${String(w.configHash)} does not match the model's ${this.configHash}`);
    }
    const named = this.variables;
    const unknown = Object.keys(w.tensors).filter((k) => !Object.hasOwn(named, k));
    if (unknown.length) throw new Error(`importWeights: unexpected weights ${unknown.join(', ')} (different architecture?)`);
    const missing = Object.keys(named).filter((k) => !Object.hasOwn(w.tensors, k));
    if (missing.length) throw new Error(`importWeights: missing weights ${missing.join(', ')}`);
    const values: [tf.Variable, Float32Array][] = [];
    for (const [name, t] of Object.entries(w.tensors)) {
      const v = named[name]!;
      if (!Array.isArray(t.shape) || t.shape.length !== v.shape.length || t.shape.some((d, i) => d !== v.shape[i])) {
        throw new Error(`importWeights: ${name} has shape [${String(t.shape)}], the model expects [${v.shape.join(', ')}]`);
      }
      if (t.dtype !== 'float32') throw new Error(`importWeights: ${name} has dtype ${String(t.dtype)}, expected float32`);
      if (!(t.data instanceof ArrayBuffer) || t.data.byteLength !== v.size * 4) {
        throw new Error(`importWeights: ${name} carries ${(t.data as ArrayBuffer | undefined)?.byteLength ?? 0} bytes, expected ${v.size * 4}`);
      }
      // a private copy: training must never write into the caller's buffer
      const arr = new Float32Array(t.data.slice(0));
      for (let i = 0; i < arr.length; i++) {
        if (!Number.isFinite(arr[i]!)) throw new Error(`importWeights: ${name} contains a non-finite value at ${i}`);
      }
      values.push([v, arr]);
    }
    for (const [v, arr] of values) tf.tidy(() => v.assign(tf.tensor(arr, v.shape, 'float32')));
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
