/**
 * The one contract every Burrow model answers (popularity, item-kNN, the embedding model, and the
 * sequence models). The trainer, the evaluator, the worker and the CLIs only ever talk to this.
 *
 * Items and users are dense indices (0..numItems-1, 0..numUsers-1); `src/catalog` maps ids to indices.
 */

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

export interface TrainingProgress {
  epoch: number;
  step: number;
  totalSteps: number;
  /** training loss of the last step, when the model reports one (read back sparingly) */
  loss?: number;
  /** validation metric of the last epoch, when early stopping runs */
  validation?: number;
}

export interface FitOptions {
  signal?: AbortSignal;
  onProgress?: (progress: TrainingProgress) => void;
  /** seed for every random choice (sampling, init), so runs are reproducible */
  seed?: number;
}

export interface FitSummary {
  epochs: number;
  steps: number;
  examples: number;
  seconds: number;
  finalLoss?: number;
  stoppedEarly?: boolean;
  cancelled?: boolean;
  /** stopped by a wall-time budget (LoopOptions.maxSeconds) */
  timedOut?: boolean;
}

export interface Recommender {
  /** registry name: 'pop', 'itemknn', 'embedding', 'gru4rec', 'sasrec' */
  readonly name: string;
  fit(data: Interactions, options?: FitOptions): Promise<FitSummary>;
  /** Scores over the whole catalog, [numItems], higher = better. Exclusion is the caller's job. */
  scoreAll(query: ScoreQuery): Promise<Float32Array>;
  /** Free GPU memory held by the model. */
  dispose(): void;
}
