/**
 * The one contract every Burrow model answers (popularity, item-kNN, the embedding model, and the
 * sequence models). The trainer, the evaluator, the worker and the CLIs only ever talk to this.
 *
 * Items and users are dense indices (0..numItems-1, 0..numUsers-1); `src/catalog` maps ids to indices.
 */
import type { FitOptions, FitSummary } from '../training';

// How a fit is driven and what it reports belong to the training loop (src/training), which runs
// every model's fit; they are re-exported here as part of the model contract.
export type { FitOptions, FitSummary, TrainingProgress } from '../training';

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
  fit(data: Interactions, options?: FitOptions): Promise<FitSummary>;
  /** Scores over the whole catalog, [numItems], higher = better. Exclusion is the caller's job. */
  scoreAll(query: ScoreQuery): Promise<Float32Array>;
  /** Free GPU memory held by the model. */
  dispose(): void;
}
