/**
 * On-device quality of the user's own models: their most recent positives are held out of a
 * training round, and every model ranks the whole catalog to find them. Pure functions; the worker
 * supplies the scores. Nothing here leaves the device.
 */
import { isPositiveStrength, type TimedSignal } from '../events';
import { hitRate, ndcg, rankOfTarget } from './metrics';

export type { TimedSignal };

export interface PersonalHoldout<S extends TimedSignal> {
  /** signals the model may train on (everything but the held-out positives) */
  train: S[];
  /** item indices of the most recent positives, held out */
  heldOut: number[];
}

/**
 * Holds out the most recent positives: none below 3 positives (nothing left to learn from), one
 * from 3, and up to `max` (a fifth of the positives) as the history grows.
 */
export function holdOutRecentPositives<S extends TimedSignal>(signals: readonly S[], max = 5): PersonalHoldout<S> {
  const ordered = [...signals].sort((a, b) => a.ts - b.ts);
  const positives = ordered.filter((s) => isPositiveStrength(s.strength));
  const count = positives.length < 3 ? 0 : Math.max(1, Math.min(max, Math.floor(positives.length / 5)));
  const heldOut = new Set(positives.slice(positives.length - count).map((s) => s.item));
  return { train: ordered.filter((s) => !heldOut.has(s.item)), heldOut: [...heldOut] };
}

export interface PersonalMetrics {
  'HR@10': number;
  'NDCG@10': number;
}

/** Mean HR@10 / NDCG@10 of the held-out items under one model's scores, training items excluded. */
export function heldOutMetrics(scores: Float32Array, heldOut: readonly number[], excluded: readonly number[]): PersonalMetrics {
  if (heldOut.length === 0) return { 'HR@10': 0, 'NDCG@10': 0 };
  let hits = 0;
  let gain = 0;
  for (const target of heldOut) {
    const rank = rankOfTarget(scores, target, excluded);
    hits += hitRate(rank, 10);
    gain += ndcg(rank, 10);
  }
  return { 'HR@10': hits / heldOut.length, 'NDCG@10': gain / heldOut.length };
}

export interface QualityRecord {
  at: number;
  /** events in the log at evaluation time */
  events: number;
  heldOut: number;
  metrics: Record<string, PersonalMetrics>;
}
