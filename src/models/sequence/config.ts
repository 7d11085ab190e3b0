/**
 * Hyper-parameters of the sequence models (GRU4Rec- and SASRec-style next-item prediction), with
 * their defaults. Every field is part of `configHash`, so a saved model records how it was built.
 */
import { fnv1a32 } from '../../common';
import { stableStringify } from '../embedding/config';

export type SequenceKind = 'gru4rec' | 'sasrec';

export interface SequenceConfig {
  /** the last `maxLen` items of a history are the model's input (older ones are cut off) */
  maxLen: number;
  /** item embedding size = GRU hidden size = transformer width (tied input/output embeddings) */
  dim: number;
  /** SASRec: number of causal self-attention blocks (ignored by GRU4Rec) */
  numBlocks: number;
  /** SASRec: attention heads per block; must divide `dim` (ignored by GRU4Rec) */
  numHeads: number;
  /** SASRec: inner width of the point-wise FFN as a multiple of `dim` */
  ffnMultiplier: number;
  /** dropout rate (embeddings, attention weights, residual branches, GRU output); training only */
  dropout: number;
  /** Adam learning rate of the train task */
  lr: number;
  /** the train task's learning rate rises linearly from lr / warmupSteps to lr over its first warmupSteps steps (0 = none) */
  warmupSteps: number;
  /** Adam beta2 (0.98 as in the SASRec reference code: faster-moving second moments) */
  beta2: number;
  /** L2 penalty on the dense (non-embedding) weights, added to the loss */
  l2: number;
  /**
   * 'full': softmax cross-entropy over the whole catalog at every position (the strongest known
   * SASRec objective; cost ~ numItems per position). 'sampled': softmax over the target plus
   * `negatives` shared sampled items with logQ correction. 'gbce': gSASRec's generalised binary
   * cross-entropy (Petrov & Macdonald, RecSys 2023) over the target and the same `negatives`:
   * -beta log sigmoid(s+) - sum log sigmoid(-s-), beta calibrated by `gbceT` for the sampling rate.
   * Experimental: at the data-sized settings it does not learn ML-100K (NDCG@10 0.02) and diverges on a
   * 10k-item set (README, "Which loss"), so 'auto' never picks it.
   * 'auto': full when numItems <= `fullSoftmaxMaxItems`, else sampled.
   */
  loss: 'auto' | 'full' | 'sampled' | 'gbce';
  /**
   * gbce: the calibration t in [0, 1]: beta = alpha (t (1 - 1/alpha) + 1/alpha) with alpha =
   * negatives / (numItems - 1); t = 1 calibrates the positive's probability fully (the paper's
   * default 0.75), t = 0 is plain BCE.
   */
  gbceT: number;
  /** catalog size up to which loss 'auto' means full softmax */
  fullSoftmaxMaxItems: number;
  /** sampled loss: negatives per step, shared by every position of the batch */
  negatives: number;
  /** sampled loss: 'uniform' over the catalog or 'popularity' (training count^popularityAlpha) */
  sampler: 'uniform' | 'popularity';
  popularityAlpha: number;
  /** training windows (sequences of up to maxLen positions) per step */
  batchSize: number;
  /**
   * a user's training sequence is cut into non-overlapping windows of maxLen, newest first;
   * at most this many per user (0 = all: every transition is trained on once per epoch)
   */
  maxWindowsPerUser: number;
  /**
   * random crops: every epoch, each user's windows older than the newest one are re-cut at a
   * random offset (the newest window is always trained), so a transition is seen with a different
   * amount of context each epoch, and the newest events (covered by the newest window and, in
   * part, by the next one) weigh a little more. false = the same fixed windows every epoch.
   */
  windowShift: boolean;
  /** every epoch, window k (0 = newest) of a user is trained with probability recencyDecay^k (1 = all) */
  recencyDecay: number;
  maxEpochs: number;
  /**
   * wall-time budget of the train task in seconds (0 = none): training stops at the first step
   * past it, as early stopping does (the best validated weights are kept)
   */
  maxSeconds: number;
  /** epochs without validation improvement before early stopping; 0 = no validation at all */
  patience: number;
  /** early-stopping metric on the held-out last item of each training sequence */
  validationMetric: 'ndcg' | 'hr';
  validationK: number;
  /** at most this many users hold out their last item for validation (sampled with the seed) */
  maxValidationUsers: number;
  /** default steps and Adam learning rate of the fine-tune task (createFineTuneTask) */
  fineTuneSteps: number;
  fineTuneLr: number;
  /** read the training loss back every this many steps (asynchronously) */
  lossEvery: number;
  /** seed for initialisation and, unless createTrainTask gets a seed, sampling and dropout */
  seed: number;
}

const COMMON: SequenceConfig = {
  maxLen: 50,
  dim: 64,
  numBlocks: 2,
  numHeads: 1,
  ffnMultiplier: 1,
  dropout: 0.2,
  lr: 2e-3,
  warmupSteps: 0,
  beta2: 0.98,
  l2: 0,
  loss: 'auto',
  fullSoftmaxMaxItems: 20_000,
  gbceT: 0.75,
  negatives: 256,
  sampler: 'uniform',
  popularityAlpha: 0.75,
  batchSize: 128,
  maxWindowsPerUser: 1,
  windowShift: false,
  recencyDecay: 1,
  maxEpochs: 30,
  maxSeconds: 0,
  patience: 5,
  validationMetric: 'ndcg',
  validationK: 10,
  maxValidationUsers: 2000,
  fineTuneSteps: 5,
  fineTuneLr: 1e-4,
  lossEvery: 25,
  seed: 42,
};

/**
 * Defaults per kind (GRU4Rec ignores the attention fields; they stay in the hash for simplicity).
 * Sized for ML-100K-like data on 2 CPU cores (wasm): the newest window per user only, 30 epochs
 * max at lr 2e-3 (SASRec) / 3e-3 (GRU4Rec) instead of the reference 200 epochs at 1e-3.
 */
export const DEFAULT_SEQUENCE_CONFIGS: Readonly<Record<SequenceKind, Readonly<SequenceConfig>>> = Object.freeze({
  sasrec: Object.freeze({ ...COMMON }),
  gru4rec: Object.freeze({ ...COMMON, lr: 3e-3 }),
});

/** Fills in the kind's defaults and checks ranges; throws an Error naming the bad field. */
export function resolveSequenceConfig(kind: SequenceKind, partial: Partial<SequenceConfig> = {}): SequenceConfig {
  if (kind !== 'gru4rec' && kind !== 'sasrec') throw new Error(`sequence model kind must be 'gru4rec' or 'sasrec', got ${String(kind)}`);
  const known = new Set(Object.keys(COMMON));
  for (const k of Object.keys(partial)) {
    if (!known.has(k)) throw new Error(`SequenceConfig: unknown field '${k}'`);
  }
  const c: SequenceConfig = { ...DEFAULT_SEQUENCE_CONFIGS[kind], ...partial };
  const name = `SequenceConfig(${kind})`;
  for (const k of ['maxLen', 'dim', 'numBlocks', 'numHeads', 'ffnMultiplier', 'fullSoftmaxMaxItems', 'negatives', 'batchSize', 'maxEpochs', 'validationK', 'lossEvery'] as const) {
    const v = c[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`${name}.${k} must be a positive integer, got ${String(v)}`);
  }
  for (const k of ['maxWindowsPerUser', 'patience', 'maxValidationUsers', 'fineTuneSteps', 'seed', 'warmupSteps'] as const) {
    const v = c[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new Error(`${name}.${k} must be an integer >= 0, got ${String(v)}`);
  }
  for (const k of ['lr', 'l2', 'fineTuneLr', 'popularityAlpha'] as const) {
    const v = c[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`${name}.${k} must be a finite number >= 0, got ${String(v)}`);
  }
  if (!(c.dropout >= 0 && c.dropout < 1)) throw new Error(`${name}.dropout must be in [0, 1), got ${String(c.dropout)}`);
  if (!(c.recencyDecay > 0 && c.recencyDecay <= 1)) throw new Error(`${name}.recencyDecay must be in (0, 1], got ${String(c.recencyDecay)}`);
  if (!(typeof c.maxSeconds === 'number' && Number.isFinite(c.maxSeconds) && c.maxSeconds >= 0)) throw new Error(`${name}.maxSeconds must be a finite number >= 0, got ${String(c.maxSeconds)}`);
  if (typeof c.windowShift !== 'boolean') throw new Error(`${name}.windowShift must be true or false, got ${String(c.windowShift)}`);
  if (!(c.beta2 > 0 && c.beta2 < 1)) throw new Error(`${name}.beta2 must be in (0, 1), got ${String(c.beta2)}`);
  if (c.dim % c.numHeads !== 0) throw new Error(`${name}.numHeads (${c.numHeads}) must divide dim (${c.dim})`);
  if (!['auto', 'full', 'sampled', 'gbce'].includes(c.loss)) throw new Error(`${name}.loss must be 'auto', 'full', 'sampled' or 'gbce', got ${String(c.loss)}`);
  if (!(c.gbceT >= 0 && c.gbceT <= 1)) throw new Error(`${name}.gbceT must be in [0, 1], got ${String(c.gbceT)}`);
  if (c.sampler !== 'uniform' && c.sampler !== 'popularity') throw new Error(`${name}.sampler must be 'uniform' or 'popularity', got ${String(c.sampler)}`);
  if (c.validationMetric !== 'ndcg' && c.validationMetric !== 'hr') throw new Error(`${name}.validationMetric must be 'ndcg' or 'hr', got ${String(c.validationMetric)}`);
  return c;
}

/**
 * gSASRec's beta for `negatives` draws out of `numItems` items and calibration `t`:
 * alpha (t (1 - 1/alpha) + 1/alpha), alpha = negatives / (numItems - 1).
 */
export function gbceBeta(negatives: number, numItems: number, t: number): number {
  const alpha = Math.min(1, negatives / Math.max(1, numItems - 1));
  return alpha * (t * (1 - 1 / alpha) + 1 / alpha);
}

/** Whether the full-catalog softmax is used for a catalog of `numItems`. */
export function usesFullSoftmax(config: SequenceConfig, numItems: number): boolean {
  return config.loss === 'full' || (config.loss === 'auto' && numItems <= config.fullSoftmaxMaxItems);
}

/**
 * Fields added after models were shipped: left out of the hash while at their default, so the
 * hash of every config that does not use them (the shipped pack's, saved fine-tunes) is unchanged.
 */
const HASHED_ONLY_WHEN_SET: readonly (keyof SequenceConfig)[] = ['windowShift', 'recencyDecay', 'maxSeconds', 'gbceT', 'warmupSteps'];

/** Stable id of a kind + (resolved) config, e.g. 'sasrec-1a2b3c4d5e6f7a8b'. */
export function sequenceConfigHash(kind: SequenceKind, config: Partial<SequenceConfig>): string {
  const resolved: Partial<SequenceConfig> = resolveSequenceConfig(kind, config);
  for (const k of HASHED_ONLY_WHEN_SET) if (resolved[k] === COMMON[k]) delete resolved[k];
  const s = stableStringify(resolved);
  return `${kind}-${fnv1a32(s, 0)}${fnv1a32(s, 0x5bd1e995)}`;
}
