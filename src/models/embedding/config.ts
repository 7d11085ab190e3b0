/**
 * Hyper-parameters of the personal embedding model, with their defaults.
 * Every field is part of `configHash`, so a saved model records exactly how it was built.
 */
import { fnv1a32 } from '../../common';

export interface EmbeddingConfig {
  /** size of user and item embeddings (the dot-product space) */
  dim: number;
  /** size of each catalog feature's embedding inside the content tower */
  featureDim: number;
  /** hidden width of the content tower MLP (embedding bag -> hidden -> dim); 0 = a single linear layer */
  contentHidden: number;
  /**
   * 'dot': score = user . item + itemBias. 'mlp': adds an NCF-style head (as in NeuMF: the dot
   * product plus an MLP) over [user; item; user * item]: one hidden ReLU layer of `headHidden`
   * units and a linear output. The head costs a small matMul per candidate item, and training
   * and ranking with it use stock TF.js ops (the fused WebGPU loss and top-K kernels are dot-only).
   */
  head: 'dot' | 'mlp';
  /** hidden units of the 'mlp' head */
  headHidden: number;
  /** Adam learning rate for every parameter (sparse tables and the dense MLP) */
  lr: number;
  /** L2 penalty on the user rows, feature rows and MLP kernels touched by a batch */
  l2: number;
  /**
   * L2 penalty on the per-item residual rows. Larger than `l2` on purpose: the residual is pulled
   * towards 0, so an item with few events is represented by its content tower (cold start).
   */
  l2Residual: number;
  /** dropout rate on the content tower's embedding-bag output (training only) */
  dropout: number;
  /** sampled negatives per positive example */
  negatives: number;
  /**
   * draw ONE set of `negatives` per batch and give it to every example (accidental hits, i.e. a
   * shared negative that is one of the example's user's positives, are re-drawn for that example
   * alone) instead of a fresh set per example. Same per-slot distribution, so the same logQ
   * correction; a batch then touches about `batchSize + negatives` distinct items instead of
   * `batchSize * (1 + negatives)`, and the content tower runs on that many rows.
   */
  sharedNegatives: boolean;
  /**
   * how negatives are drawn: 'uniform' over the catalog, or 'popularity' (count^popularityAlpha).
   * With 'sampled-softmax' the popularity sampler is corrected by subtracting log Q (logQ correction).
   */
  sampler: 'uniform' | 'popularity';
  /** exponent on item counts for the popularity sampler (0.75 as in word2vec) */
  popularityAlpha: number;
  /** 'bpr': mean softplus(s_neg - s_pos); 'sampled-softmax': cross-entropy over [pos, negatives] */
  loss: 'bpr' | 'sampled-softmax';
  /**
   * probability that the first negative slot of an example is one of the user's explicit negatives
   * (weight < 0 events), when the user has any: disliked items are pushed below their positives
   * (in sampled softmax a hard negative counts like a uniform sample, i.e. like N/negatives items).
   */
  hardNegativeRate: number;
  /**
   * false: training updates the user rows only, the item side (content tower, feature embeddings,
   * residuals, biases) stays as imported. The personal model runs so: one person's handful of
   * likes must not move every item of the catalog (issue 14: 5 steps on 3 likes moved every item
   * vector by 23%), so it changes its own vector and leaves the pack's item space alone.
   */
  trainItemSide: boolean;
  /** positive examples per optimisation step */
  batchSize: number;
  /** upper bound on epochs (one epoch = every training positive once) */
  maxEpochs: number;
  /**
   * at least this many steps per epoch, re-sampling positives with fresh negatives: one person's
   * log may hold a handful of positives, and one step per epoch would make validation and
   * early stopping (not learning) dominate the run
   */
  minStepsPerEpoch: number;
  /** epochs without validation improvement before early stopping; 0 = no early stopping */
  patience: number;
  /** K of the validation hit-rate (HR@K on each user's last held-out positive) */
  validationK: number;
  /** at most this many users are held out for validation (sampled with the seed) */
  maxValidationUsers: number;
  /** std of the initial user vectors (residuals start at exactly 0) */
  initStd: number;
  /** default gradient steps of foldIn() */
  foldInSteps: number;
  /** Adam learning rate of foldIn() */
  foldInLr: number;
  /** L2 penalty on the user vector during foldIn() */
  foldInL2: number;
  /** sampled negatives per foldIn() step */
  foldInNegatives: number;
  /** read the training loss back every this many steps (asynchronously) */
  lossEvery: number;
  /** seed for initialisation and, unless createTrainTask gets a seed, sampling */
  seed: number;
}

export const DEFAULT_EMBEDDING_CONFIG: Readonly<EmbeddingConfig> = Object.freeze({
  dim: 32,
  featureDim: 32,
  contentHidden: 64,
  head: 'dot',
  headHidden: 32,
  lr: 0.01,
  l2: 1e-3,
  l2Residual: 1e-2,
  dropout: 0.1,
  negatives: 16,
  sharedNegatives: false,
  sampler: 'uniform',
  popularityAlpha: 0.75,
  loss: 'sampled-softmax',
  hardNegativeRate: 0.5,
  trainItemSide: true,
  batchSize: 256,
  maxEpochs: 30,
  minStepsPerEpoch: 1,
  patience: 3,
  validationK: 10,
  maxValidationUsers: 2000,
  initStd: 0.1,
  foldInSteps: 20,
  foldInLr: 0.05,
  foldInL2: 1e-2,
  foldInNegatives: 64,
  lossEvery: 25,
  seed: 42,
});

/** Fills in defaults and checks ranges; throws an Error naming the bad field. */
export function resolveEmbeddingConfig(partial: Partial<EmbeddingConfig> = {}): EmbeddingConfig {
  const c: EmbeddingConfig = { ...DEFAULT_EMBEDDING_CONFIG, ...partial };
  const positiveInts: (keyof EmbeddingConfig)[] = [
    'dim', 'featureDim', 'headHidden', 'negatives', 'batchSize', 'maxEpochs', 'minStepsPerEpoch', 'validationK', 'lossEvery', 'foldInNegatives',
  ];
  for (const k of positiveInts) {
    const v = c[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`EmbeddingConfig.${k} must be a positive integer, got ${String(v)}`);
  }
  for (const k of ['contentHidden', 'patience', 'maxValidationUsers', 'foldInSteps'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 0) throw new Error(`EmbeddingConfig.${k} must be an integer >= 0, got ${c[k]}`);
  }
  for (const k of ['lr', 'l2', 'l2Residual', 'initStd', 'foldInLr', 'foldInL2', 'popularityAlpha'] as const) {
    if (!Number.isFinite(c[k]) || c[k] < 0) throw new Error(`EmbeddingConfig.${k} must be a finite number >= 0, got ${c[k]}`);
  }
  if (!(c.dropout >= 0 && c.dropout < 1)) throw new Error(`EmbeddingConfig.dropout must be in [0, 1), got ${c.dropout}`);
  if (!(c.hardNegativeRate >= 0 && c.hardNegativeRate <= 1)) throw new Error(`EmbeddingConfig.hardNegativeRate must be in [0, 1], got ${c.hardNegativeRate}`);
  if (c.sampler !== 'uniform' && c.sampler !== 'popularity') throw new Error(`EmbeddingConfig.sampler must be 'uniform' or 'popularity', got ${String(c.sampler)}`);
  if (c.head !== 'dot' && c.head !== 'mlp') throw new Error(`EmbeddingConfig.head must be 'dot' or 'mlp', got ${String(c.head)}`);
  if (typeof c.trainItemSide !== 'boolean') throw new Error(`EmbeddingConfig.trainItemSide must be true or false, got ${String(c.trainItemSide)}`);
  if (typeof c.sharedNegatives !== 'boolean') throw new Error(`EmbeddingConfig.sharedNegatives must be true or false, got ${String(c.sharedNegatives)}`);
  if (c.loss !== 'bpr' && c.loss !== 'sampled-softmax') throw new Error(`EmbeddingConfig.loss must be 'bpr' or 'sampled-softmax', got ${String(c.loss)}`);
  return c;
}

/** Stable JSON: keys sorted, so the hash does not depend on property order. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const obj = value as Record<string, unknown>;
  return `{${Object.keys(obj)
    .sort()
    .filter((k) => obj[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${stableStringify(obj[k])}`)
    .join(',')}}`;
}

/** Stable 16-hex-digit id of a (resolved) config, e.g. 'emb-1a2b3c4d5e6f7a8b'. */
export function configHash(config: Partial<EmbeddingConfig>): string {
  const resolved = resolveEmbeddingConfig(config);
  // trainItemSide came later: at its default (true, the behaviour before it existed) it is left out,
  // so every model and pack saved before it keeps its hash.
  const { trainItemSide, ...rest } = resolved;
  const s = stableStringify(trainItemSide ? rest : resolved);
  return `emb-${fnv1a32(s, 0)}${fnv1a32(s, 0x5bd1e995)}`;
}

/** Stable id of any string list (used for the feature vocabulary of a content tower). */
export function hashStrings(items: readonly string[]): string {
  const s = items.join('\u0000');
  return `${fnv1a32(s, 0)}${fnv1a32(s, 0x5bd1e995)}`;
}
