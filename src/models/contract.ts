/**
 * The one contract every Burrow model answers (popularity, item-kNN, the embedding model, and the
 * sequence models). The trainer, the evaluator, the worker and the CLIs only ever talk to this.
 *
 * A model does not train itself: it builds a {@link TrainTask} (its batches, its step, how to score
 * its held-out cases) and the one trainer, `fit` in src/training, runs it: epochs, early stopping on
 * the protocol's ranking, progress, cancel, the best weights kept.
 *
 * Items and users are dense indices (0..numItems-1, 0..numUsers-1); `src/catalog` maps ids to indices.
 */
import type * as tf from '@tensorflow/tfjs';

/** Interaction log in columnar form (one entry per event), sorted by time within each user. */
export interface Interactions {
  numUsers: number;
  numItems: number;
  /** [n] user index of each event */
  user: Int32Array;
  /** [n] item index of each event */
  item: Int32Array;
  /**
   * [n] signed strength: > 0 implicit/explicit positive (like = 1, view ~ 0.2, rating 5 = 1 ...),
   * < 0 explicit negative (dislike, low rating, skip). Evaluation data uses 1 for every rating.
   */
  weight: Float32Array;
  /** [n] event time in milliseconds since epoch (ties keep input order) */
  time: Float64Array;
}

/** What a model is asked to score: one user, with their history (oldest first). */
export interface ScoreQuery {
  user: number;
  /** item indices the user interacted with, oldest first */
  history: Int32Array;
}

export interface Recommender {
  /** registry name: 'pop', 'itemknn', 'embedding', 'gru4rec', 'sasrec' */
  readonly name: string;
  /**
   * The model's side of training on `data` (checked here, so a bad log fails before any step).
   * `seed` drives sampling and dropout (default: the model config's seed). Dispose it when done.
   */
  createTrainTask(data: Interactions, seed?: number): TrainTask;
  /** Scores over the whole catalog, [numItems], higher = better. Exclusion is the caller's job. */
  scoreAll(query: ScoreQuery): Promise<Float32Array>;
  /** Free GPU memory held by the model. */
  dispose(): void;
}

/** How long a task wants to be trained (from its model's config). */
export interface TrainSchedule {
  maxEpochs: number;
  /** epochs without a validation improvement before stopping; 0 disables early stopping */
  patience: number;
  /** read the loss back (async), report progress and yield to the event loop every this many steps; default 25 */
  lossEvery?: number;
  /** minimum improvement of the validation metric that counts; default 1e-4 */
  minDelta?: number;
  /**
   * wall-time budget in seconds (default none): training stops at the first step past it, the
   * unfinished epoch is validated like a finished one, and the best validated weights are kept
   */
  maxSeconds?: number;
}

/**
 * One training task: a device-side `step()` fed by CPU-built batches, and the held-out cases early
 * stopping ranks. Nothing in it reads the device back per step; the trainer decides when to.
 */
export interface TrainTask {
  readonly schedule: TrainSchedule;
  /** optimisation steps in one epoch (may change at startEpoch, e.g. random crops) */
  readonly stepsPerEpoch: number;
  /** one optimisation step: the loss scalar (the trainer disposes it; none for closed-form models) and examples used */
  step(): { loss?: tf.Scalar; examples: number };
  /** optional async set-up before the first step (e.g. checking custom GPU kernels) */
  prepare?(): Promise<void>;
  /** optional hook at the start of every epoch (reshuffle etc.) */
  startEpoch?(epoch: number): void;
  /** the held-out cases early stopping ranks; absent when there are none */
  readonly validation?: HeldOutCases;
  /** the weights early stopping saves at the best epoch and restores at the end */
  variables(): readonly tf.Variable[];
  /** the trainer assigned saved weights back: drop anything computed from the old ones */
  weightsRestored?(): void;
  /** frees optimizer state and the task's own tensors (never the model's weights) */
  dispose(): void;
}

/** Validation metric of early stopping: hit rate or NDCG of the held-out item at `k`. */
export type ValidationMetric = 'hr' | 'ndcg';

/**
 * Held-out cases (one held-out item each) that the trainer ranks against the whole catalog after
 * every epoch with the protocol's rule (src/training/rank-validation.ts), in chunks.
 */
export interface HeldOutCases {
  /** number of cases (the metric is their mean) */
  readonly count: number;
  /** number of chunks they are scored in */
  readonly chunks: number;
  readonly metric: ValidationMetric;
  readonly k: number;
  /**
   * Chunk `i` scored with the current weights. Called inside the trainer's tf.tidy: tensors made
   * here are freed with it, so the task's cached ones (targets, exclusions) must exist beforehand.
   */
  score(i: number): HeldOutChunk;
}

export interface HeldOutChunk {
  /** `[c, numItems]` the current scores of c cases */
  scores: tf.Tensor2D;
  /** `[c]` int32 the held-out item of each case */
  targets: tf.Tensor1D;
  /** `[nnz, 2]` int32 (case, item) pairs left out of the ranking: a case's earlier items, never its target */
  excluded: tf.Tensor2D | null;
}
