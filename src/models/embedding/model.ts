import * as tf from '@tensorflow/tfjs';
import type { EncodedFeatures as CatalogFeatures } from '../../catalog';
import type { Interactions, Recommender, ScoreQuery } from '../contract';
import { linear } from '../layers/linear';
import { embeddingBag, prepareFeatureBag, type FeatureBag } from '../layers/embedding-bag';
import { Rng, randomNormalArray, WEIGHTS_FORMATS, type SerializedWeights, type WeightsHeader } from '../../common';
import { exportVariables, importVariables, type ImportOptions } from '../weights';
import { scatterRows } from '../optimizer';
import { configHash, hashStrings, resolveEmbeddingConfig, type EmbeddingConfig } from './config';
import { prepareData, validateInteractions } from './data';
import { foldInUserVector } from './fold-in';
import { EmbeddingTrainTask } from './train-task';

/** The part of the catalog's encoded features the content tower reads. */
export type EncodedFeatures = Pick<CatalogFeatures, 'vocabulary' | 'numItems' | 'maxFeatures' | 'ids' | 'weights'>;

export interface CreateEmbeddingModelArgs {
  numUsers: number;
  numItems: number;
  features?: EncodedFeatures | null;
  config?: Partial<EmbeddingConfig>;
}

/** Weight names. Item side = everything but USER_EMBEDDING (what a "base pack" ships). */
export const WEIGHT_NAMES = {
  userEmbedding: 'user/embedding',
  itemResidual: 'item/residual',
  itemBias: 'item/bias',
  featureEmbedding: 'content/feature_embedding',
  hiddenKernel: 'content/hidden/kernel',
  hiddenBias: 'content/hidden/bias',
  outKernel: 'content/out/kernel',
  outBias: 'content/out/bias',
  headUserKernel: 'head/user_kernel',
  headItemKernel: 'head/item_kernel',
  headProductKernel: 'head/product_kernel',
  headBias: 'head/bias',
  headOut: 'head/out',
} as const;

/** Parameters of the content tower: embedding bag over catalog features -> MLP -> [dim]. */
export interface ContentParams {
  /** [vocab, featureDim] */
  featureEmbedding: tf.Variable;
  /** [featureDim, hidden] and [hidden], absent when contentHidden = 0 */
  hiddenKernel: tf.Variable | null;
  hiddenBias: tf.Variable | null;
  /** [hidden or featureDim, dim] and [dim] */
  outKernel: tf.Variable;
  outBias: tf.Variable;
}

/**
 * The NCF-style head (config.head = 'mlp'): relu(u Wu + v Wv + (u * v) Wp + b) . out, added to the
 * dot product. Three `[dim, hidden]` kernels instead of one `[3 dim, hidden]` over the concatenation:
 * the same function, and ranking can apply Wu once per user instead of once per item.
 */
export interface HeadParams {
  userKernel: tf.Variable;
  itemKernel: tf.Variable;
  productKernel: tf.Variable;
  /** [hidden] */
  bias: tf.Variable;
  /** [hidden, 1] */
  out: tf.Variable;
}

/**
 * The personal embedding model.
 *
 * item(i) = content(features(i)) + residual[i]      `[dim]`
 * user(u) = userTable[u]                            `[dim]`
 * score(u, i) = user(u) . item(i) + itemBias[i]    (+ head(user(u), item(i)) with head = 'mlp')
 *
 * No global/user bias: they shift all of a user's scores equally and cannot change a ranking.
 * The residual starts at 0 and is L2-pulled to 0, so items with few events are ranked by their
 * content (cold start); without features the model is plain MF + item bias.
 */
export class EmbeddingModel implements Recommender {
  readonly name = 'embedding';
  readonly config: EmbeddingConfig;
  readonly numUsers: number;
  readonly numItems: number;
  /** `[numUsers, dim]` */
  readonly userTable: tf.Variable;
  /** `[numItems, dim]` */
  readonly residual: tf.Variable;
  /** `[numItems, 1]` (2-D so the same row machinery serves it) */
  readonly itemBias: tf.Variable;
  readonly content: ContentParams | null;
  readonly head: HeadParams | null;
  /** CPU copies of the features: `[numItems * maxFeatures]` ids, weights normalised per item */
  readonly featureIds: Int32Array | null;
  readonly featureWeights: Float32Array | null;
  readonly maxFeatures: number;
  readonly vocabSize: number;
  readonly featuresHash: string | null;
  private itemCache: { emb: tf.Tensor2D; bias: tf.Tensor1D } | null = null;
  private disposed = false;

  constructor(args: CreateEmbeddingModelArgs) {
    const { numUsers, numItems } = args;
    if (!(Number.isInteger(numUsers) && numUsers > 0 && Number.isInteger(numItems) && numItems > 0)) {
      throw new Error(`createEmbeddingModel: numUsers and numItems must be positive integers (got ${numUsers}, ${numItems})`);
    }
    this.config = resolveEmbeddingConfig(args.config);
    this.numUsers = numUsers;
    this.numItems = numItems;
    const { dim, featureDim, contentHidden, initStd, seed } = this.config;
    const rng = new Rng(seed);
    // Init on the CPU with our seeded RNG: identical weights on every backend.
    this.userTable = owned(tf.tensor2d(randomNormalArray(numUsers * dim, initStd, rng), [numUsers, dim]), false);
    this.residual = owned(tf.zeros([numItems, dim]), false);
    this.itemBias = owned(tf.zeros([numItems, 1]), false);

    const f = args.features ?? null;
    if (f) {
      if (f.numItems !== numItems) throw new Error(`features are for ${f.numItems} items, the model has ${numItems}`);
      const F = f.maxFeatures;
      if (f.ids.length !== numItems * F || f.weights.length !== numItems * F) {
        throw new Error(`features.ids/weights must have numItems*maxFeatures = ${numItems * F} entries`);
      }
      const V = f.vocabulary.length;
      const ids = new Int32Array(f.ids);
      const w = new Float32Array(numItems * F);
      for (let i = 0; i < numItems; i++) {
        let s = 0;
        for (let k = 0; k < F; k++) {
          const id = ids[i * F + k]!;
          if (id < 0 || id >= V) throw new Error(`features.ids: item ${i} has feature id ${id} outside the vocabulary (${V})`);
          s += Math.max(0, f.weights[i * F + k]!);
        }
        // weighted MEAN of the feature embeddings: item scale does not grow with feature count
        for (let k = 0; k < F; k++) w[i * F + k] = s > 0 ? Math.max(0, f.weights[i * F + k]!) / s : 0;
      }
      this.featureIds = ids;
      this.featureWeights = w;
      this.maxFeatures = F;
      this.vocabSize = V;
      this.featuresHash = hashStrings(f.vocabulary);
      const glorot = (fanIn: number, fanOut: number) => Math.sqrt(2 / (fanIn + fanOut));
      const hiddenIn = contentHidden > 0 ? contentHidden : featureDim;
      this.content = {
        featureEmbedding: owned(tf.tensor2d(randomNormalArray(V * featureDim, 1 / Math.sqrt(featureDim), rng), [V, featureDim]), false),
        hiddenKernel:
          contentHidden > 0
            ? owned(tf.tensor2d(randomNormalArray(featureDim * contentHidden, glorot(featureDim, contentHidden), rng), [featureDim, contentHidden]), false)
            : null,
        hiddenBias: contentHidden > 0 ? owned(tf.zeros([contentHidden]), false) : null,
        outKernel: owned(tf.tensor2d(randomNormalArray(hiddenIn * dim, glorot(hiddenIn, dim), rng), [hiddenIn, dim]), false),
        outBias: owned(tf.zeros([dim]), false),
      };
    } else {
      this.featureIds = null;
      this.featureWeights = null;
      this.maxFeatures = 0;
      this.vocabSize = 0;
      this.featuresHash = null;
      this.content = null;
    }
    if (this.config.head === 'mlp') {
      // after the content tower's draws, so a 'dot' model's initial weights do not change
      const H = this.config.headHidden;
      const kernel = () => owned(tf.tensor2d(randomNormalArray(dim * H, Math.sqrt(2 / (3 * dim + H)), rng), [dim, H]), false);
      this.head = {
        userKernel: kernel(),
        itemKernel: kernel(),
        productKernel: kernel(),
        bias: owned(tf.zeros([H]), false),
        out: owned(tf.tensor2d(randomNormalArray(H, Math.sqrt(2 / (H + 1)), rng), [H, 1]), false),
      };
    } else {
      this.head = null;
    }
  }

  /** configHash() of this model's resolved config. */
  get configHash(): string {
    return configHash(this.config);
  }

  /** The dense content-tower parameters in a fixed order (for gradients and the optimizer). */
  denseParams(): tf.Variable[] {
    const c = this.content;
    if (!c) return [];
    return [c.hiddenKernel, c.hiddenBias, c.outKernel, c.outBias].filter((v): v is tf.Variable => v !== null);
  }

  /** The head's parameters in a fixed order (empty for the 'dot' head). */
  headParams(): tf.Variable[] {
    const h = this.head;
    return h ? [h.userKernel, h.itemKernel, h.productKernel, h.bias, h.out] : [];
  }

  /**
   * The head's score of each (user row, item row) pair: `[n]` from `[n, dim]` and `[n, dim]`.
   * @param params the tensors of headParams(), in order (may be the Variables themselves)
   */
  headScores(users: tf.Tensor2D, items: tf.Tensor2D, params: tf.Tensor[]): tf.Tensor1D {
    const [wu, wi, wp, b, out] = params as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.Tensor2D];
    const z = tf.add(tf.add(tf.matMul(users, wu), tf.matMul(items, wi)), tf.add(tf.matMul(tf.mul(users, items), wp), b));
    return tf.reshape(tf.matMul(tf.relu(z), out), [users.shape[0]]) as tf.Tensor1D;
  }

  /**
   * Full scores of a few users against every item: `[c, numItems]` from `[c, dim]` user vectors
   * (dot + item bias, plus the head). Memory is c x numItems x max(dim, headHidden) floats with
   * the head: callers chunk users by {@link scoreChunk}.
   */
  scoreUsers(users: tf.Tensor2D): tf.Tensor2D {
    const { emb, bias } = this.ensureItemCache();
    return tf.tidy(() => {
      const dot = tf.add(tf.matMul(users, emb, false, true), bias) as tf.Tensor2D;
      if (!this.head) return dot;
      const [wu, wi, wp, b, out] = this.headParams() as [tf.Variable, tf.Variable, tf.Variable, tf.Variable, tf.Variable];
      const c = users.shape[0];
      const N = this.numItems;
      const H = this.config.headHidden;
      const perUser = tf.reshape(tf.add(tf.matMul(users, wu), b), [c, 1, H]);
      const perItem = tf.reshape(tf.matMul(emb, wi), [1, N, H]);
      const products = tf.reshape(tf.mul(tf.reshape(users, [c, 1, -1]), tf.reshape(emb, [1, N, -1])), [c * N, -1]);
      const z = tf.add(tf.add(perUser, perItem), tf.reshape(tf.matMul(products, wp), [c, N, H]));
      const head = tf.reshape(tf.matMul(tf.reshape(tf.relu(z), [c * N, H]), out), [c, N]);
      return tf.add(dot, head) as tf.Tensor2D;
    });
  }

  /** How many users {@link scoreUsers} should get at once (about 4M floats of intermediates). */
  scoreChunk(): number {
    const width = this.head ? Math.max(this.config.dim, this.config.headHidden) : 1;
    return Math.max(1, Math.min(1024, Math.floor(4_000_000 / (this.numItems * width))));
  }

  /**
   * Content tower on a set of items.
   * @param featureRows `[uF, featureDim]` feature embedding rows (gathered unique features)
   * @param bag each item's feature slots: rows in featureRows and normalised weights (0 on padding),
   *   from prepareFeatureBag(ids, weights, items, uF)
   * @param dense the tensors of denseParams(), in order (may be the Variables themselves)
   * @returns `[items, dim]`
   */
  contentForward(
    featureRows: tf.Tensor2D,
    bag: FeatureBag,
    dense: tf.Tensor[],
    dropoutSeed: number | null,
  ): tf.Tensor2D {
    let h = embeddingBag(featureRows, bag);
    if (dropoutSeed !== null && this.config.dropout > 0) h = tf.dropout(h, this.config.dropout, undefined, dropoutSeed) as tf.Tensor2D;
    let k = 0;
    if (this.content?.hiddenKernel) {
      h = tf.relu(linear(h, dense[k]! as tf.Tensor2D, dense[k + 1]! as tf.Tensor1D)) as tf.Tensor2D;
      k += 2;
    }
    return linear(h, dense[k]! as tf.Tensor2D, dense[k + 1]! as tf.Tensor1D);
  }

  /** `[numItems, dim]` content part for ALL items (no dropout). */
  private allContent(): tf.Tensor2D | null {
    if (!this.content || !this.featureIds || !this.featureWeights) return null;
    return tf.tidy(() => {
      const bag = prepareFeatureBag(this.featureIds!, this.featureWeights!, this.numItems, this.vocabSize);
      return this.contentForward(this.content!.featureEmbedding as tf.Tensor2D, bag, this.denseParams(), null);
    });
  }

  private ensureItemCache(): { emb: tf.Tensor2D; bias: tf.Tensor1D } {
    this.assertAlive();
    if (!this.itemCache) {
      this.itemCache = tf.tidy(() => {
        const c = this.allContent();
        const emb = (c ? tf.add(c, this.residual) : tf.clone(this.residual)) as tf.Tensor2D;
        return { emb, bias: tf.reshape(this.itemBias, [this.numItems]) as tf.Tensor1D };
      });
      // the model owns the cache: a caller's tf.tidy (e.g. around scoreUsers) must not free it
      tf.keep(this.itemCache.emb);
      tf.keep(this.itemCache.bias);
    }
    return this.itemCache;
  }

  /** Drop the cached item matrix (after any item-side weight change). */
  invalidateItemCache(): void {
    if (this.itemCache) {
      this.itemCache.emb.dispose();
      this.itemCache.bias.dispose();
      this.itemCache = null;
    }
  }

  /**
   * Item embeddings for ranking: `[numItems, dim]` (content + residual). A NEW tensor owned by the
   * caller. Scores are `userEmbedding(u) . itemEmbeddings()^T + itemBiases()`.
   */
  itemEmbeddings(): tf.Tensor2D {
    return tf.clone(this.ensureItemCache().emb);
  }

  /** `[numItems]` item biases (caller owns the tensor). */
  itemBiases(): tf.Tensor1D {
    return tf.clone(this.ensureItemCache().bias);
  }

  /** `[dim]` the user's vector (caller owns the tensor). */
  userEmbedding(user: number): tf.Tensor1D {
    this.assertAlive();
    this.assertUser(user);
    return tf.tidy(() => tf.reshape(tf.slice(this.userTable, [user, 0], [1, this.config.dim]), [this.config.dim]) as tf.Tensor1D);
  }

  /** Overwrites one user's vector (e.g. to fold in again from the trained state). `vector`: [dim] */
  setUserVector(user: number, vector: Float32Array): void {
    this.assertAlive();
    this.assertUser(user);
    if (vector.length !== this.config.dim) throw new Error(`setUserVector: expected ${this.config.dim} values, got ${vector.length}`);
    tf.tidy(() => {
      this.userTable.assign(scatterRows(this.userTable, tf.tensor1d([user], 'int32'), tf.tensor2d(vector, [1, this.config.dim])));
    });
  }

  /**
   * A TrainTask over `data` for the trainer (src/training's fit), or for step-level use (call
   * `task.step()` yourself, as the benchmark does). Dispose it when done.
   */
  createTrainTask(data: Interactions, seed = this.config.seed): EmbeddingTrainTask {
    this.assertAlive();
    validateInteractions(data, this.numUsers, this.numItems);
    this.invalidateItemCache();
    return new EmbeddingTrainTask(this, prepareData(data, this.config.maxValidationUsers, seed), seed);
  }

  async scoreAll(query: ScoreQuery): Promise<Float32Array> {
    this.assertAlive();
    const inTable = Number.isInteger(query.user) && query.user >= 0 && query.user < this.numUsers;
    // A user outside the table (a brand-new profile) is folded in from the history on the fly.
    const u = inTable
      ? this.userEmbedding(query.user)
      : await this.foldInVector(query.history, new Float32Array(query.history.length).fill(1), this.config.foldInSteps, null);
    const scores = tf.tidy(() => tf.reshape(this.scoreUsers(tf.reshape(u, [1, this.config.dim])), [this.numItems]));
    u.dispose();
    try {
      return (await scores.data()) as Float32Array;
    } finally {
      scores.dispose();
    }
  }

  /**
   * Updates ONLY `user`'s vector from their events, item side frozen: a few Adam steps on the
   * training loss (positives vs sampled negatives, explicit negatives as hard negatives). One small
   * readback of the touched item rows, then microseconds of JS (see fold-in.ts): cheap enough to run
   * after every event.
   * @param items `[n]` item indices of the user's events
   * @param weights `[n]` event weights (> 0 positive, < 0 explicit negative)
   */
  async foldIn(user: number, items: Int32Array, weights: Float32Array, steps = this.config.foldInSteps): Promise<void> {
    this.assertAlive();
    this.assertUser(user);
    const start = this.userEmbedding(user);
    const u = await this.foldInVector(items, weights, steps, start);
    start.dispose();
    tf.tidy(() => {
      this.userTable.assign(scatterRows(this.userTable, tf.tensor1d([user], 'int32'), tf.reshape(u, [1, this.config.dim])));
    });
    u.dispose();
  }

  /** `[dim]` fitted user vector for the given events, starting from `start` (or 0). */
  private async foldInVector(items: Int32Array, weights: Float32Array, steps: number, start: tf.Tensor1D | null): Promise<tf.Tensor1D> {
    if (items.length !== weights.length) throw new Error(`foldIn: ${items.length} items but ${weights.length} weights`);
    const { emb, bias } = this.ensureItemCache();
    const N = this.numItems;
    const dim = this.config.dim;
    const pos: number[] = [];
    const posW: number[] = [];
    const neg: number[] = [];
    const negW: number[] = [];
    const seen = new Set<number>();
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!;
      const w = weights[i]!;
      if (!(it >= 0 && it < N)) throw new Error(`foldIn: item ${it} out of range [0, ${N})`);
      seen.add(it);
      if (w > 0) {
        pos.push(it);
        posW.push(w);
      } else if (w < 0) {
        neg.push(it);
        negW.push(-w);
      }
    }
    if ((pos.length === 0 && neg.length === 0) || steps <= 0) return (start ? tf.clone(start) : tf.zeros([dim])) as tf.Tensor1D;

    // Sampled negatives (uniform, excluding the user's own items), seeded by the events themselves:
    // the same history folded in from the same start gives the same vector (and the same ranking)
    // no matter how many fold-ins ran before, e.g. before and after a reload.
    const rng = new Rng(this.config.seed + eventsSeed(items, weights));
    const M = Math.min(this.config.foldInNegatives, Math.max(1, N - seen.size));
    const sampled = new Int32Array(M);
    for (let k = 0; k < M; k++) {
      let c = rng.int(N);
      for (let t = 0; t < 8 && seen.has(c); t++) c = rng.int(N);
      sampled[k] = c;
    }
    // One small readback of the rows the loss touches; the steps themselves run in JS (see fold-in.ts).
    const rowIds = Int32Array.from([...sampled, ...pos, ...neg]);
    const picked = tf.tidy(() => {
      const ids = tf.tensor1d(rowIds, 'int32');
      return [tf.gather(emb, ids), tf.gather(bias, ids)];
    });
    const [vectors, biases, startValues, ...headValues] = await Promise.all([
      picked[0]!.data() as Promise<Float32Array>,
      picked[1]!.data() as Promise<Float32Array>,
      start ? (start.data() as Promise<Float32Array>) : Promise.resolve(null),
      ...this.headParams().map((p) => p.data() as Promise<Float32Array>),
    ]);
    tf.dispose(picked);
    const [userKernel, itemKernel, productKernel, headBias, headOut] = headValues as Float32Array[];
    const head = this.head
      ? { hidden: this.config.headHidden, userKernel: userKernel!, itemKernel: itemKernel!, productKernel: productKernel!, bias: headBias!, out: headOut! }
      : null;
    const u = foldInUserVector(
      {
        dim,
        vectors,
        biases,
        sampled: M,
        positives: pos.length,
        negatives: neg.length,
        positiveWeights: Float32Array.from(posW),
        negativeWeights: Float32Array.from(negW),
        head,
      },
      startValues,
      {
        steps,
        lr: this.config.foldInLr,
        l2: this.config.foldInL2,
        loss: this.config.loss,
        sampledCorrection: Math.log(M / N),
      },
    );
    return tf.tensor1d(u);
  }

  /** The header this model's weights carry (and imported weights must match). */
  get weightsHeader(): WeightsHeader {
    return { format: WEIGHTS_FORMATS.embedding, configHash: this.configHash, featuresHash: this.featuresHash };
  }

  async exportWeights(): Promise<SerializedWeights> {
    this.assertAlive();
    return exportVariables(this.namedVariables(), this.weightsHeader);
  }

  /**
   * Loads weights. Item-side weights (`item/*` and, with a content tower, `content/*`) must all be
   * present; `user/embedding` is optional (a base pack ships without it and the user side stays).
   * Everything is validated before anything is assigned; throws an Error naming the problem.
   */
  importWeights(w: SerializedWeights, options: ImportOptions = {}): void {
    this.assertAlive();
    importVariables(this.namedVariables(), w, this.weightsHeader, {
      ...options,
      optional: [WEIGHT_NAMES.userEmbedding],
      missingLabel: 'item-side weights',
    });
    this.invalidateItemCache();
  }

  /** Every parameter by its serialized name. */
  namedVariables(): Record<string, tf.Variable> {
    const out: Record<string, tf.Variable> = {
      [WEIGHT_NAMES.userEmbedding]: this.userTable,
      [WEIGHT_NAMES.itemResidual]: this.residual,
      [WEIGHT_NAMES.itemBias]: this.itemBias,
    };
    const c = this.content;
    if (c) {
      out[WEIGHT_NAMES.featureEmbedding] = c.featureEmbedding;
      if (c.hiddenKernel && c.hiddenBias) {
        out[WEIGHT_NAMES.hiddenKernel] = c.hiddenKernel;
        out[WEIGHT_NAMES.hiddenBias] = c.hiddenBias;
      }
      out[WEIGHT_NAMES.outKernel] = c.outKernel;
      out[WEIGHT_NAMES.outBias] = c.outBias;
    }
    const h = this.head;
    if (h) {
      out[WEIGHT_NAMES.headUserKernel] = h.userKernel;
      out[WEIGHT_NAMES.headItemKernel] = h.itemKernel;
      out[WEIGHT_NAMES.headProductKernel] = h.productKernel;
      out[WEIGHT_NAMES.headBias] = h.bias;
      out[WEIGHT_NAMES.headOut] = h.out;
    }
    return out;
  }

  dispose(): void {
    if (this.disposed) return;
    this.invalidateItemCache();
    for (const v of Object.values(this.namedVariables())) v.dispose();
    this.disposed = true;
  }

  private assertAlive(): void {
    if (this.disposed) throw new Error('EmbeddingModel has been disposed');
  }

  private assertUser(user: number): void {
    if (!(Number.isInteger(user) && user >= 0 && user < this.numUsers)) {
      throw new Error(`user ${user} out of range [0, ${this.numUsers})`);
    }
  }
}

/** A Variable taking over a freshly built initial value (the Variable shares its data, so the value is freed). */
function owned(init: tf.Tensor, trainable: boolean): tf.Variable {
  const v = tf.variable(init, trainable);
  init.dispose();
  return v;
}

/** A 31-bit FNV-1a hash of the (item, weight) pairs. */
function eventsSeed(items: Int32Array, weights: Float32Array): number {
  let h = 0x811c9dc5;
  const mix = (x: number) => {
    h ^= x;
    h = Math.imul(h, 0x01000193) >>> 0;
  };
  for (let i = 0; i < items.length; i++) {
    mix(items[i]!);
    mix(Math.round(weights[i]! * 1e4));
  }
  return h & 0x7fffffff;
}

export function createEmbeddingModel(args: CreateEmbeddingModelArgs): EmbeddingModel {
  return new EmbeddingModel(args);
}
