/**
 * Training schedule and regularisation sized from the statistics of the data a model is fitted
 * on, for offline evaluation on data sets of any shape (the app's own preset, and so the shipped
 * pack, stays DEFAULT_SEQUENCE_CONFIGS). Nothing here looks at validation or test targets: the
 * statistics are counts of the training log; what is then chosen among sized configs is chosen
 * on validation (src/eval/run.ts).
 */
import type { SequenceConfig, SequenceKind } from './config';

/** Counts of a training log (positive events). */
export interface SequenceDataStats {
  users: number;
  items: number;
  events: number;
}

/**
 * - every window of every user, random crops each epoch (all of the data, every epoch);
 * - up to 200 epochs, stopped on validation (patience 6), within a wall-time budget that grows
 *   with the number of events (300 s + 6 ms per event, at most an hour);
 * - dropout 0.2 on dense data (>= 40 events per item, as on ML-1M in the SASRec paper), 0.5 on
 *   sparse data (< 15 events per item, as on the paper's sparse sets), 0.3 between;
 * - SASRec: batches of 64 windows at lr 3e-3 (the app preset: 128 at 2e-3).
 */
export function dataSizedSequenceConfig(kind: SequenceKind, s: SequenceDataStats): Partial<SequenceConfig> {
  const perItem = s.events / Math.max(1, s.items);
  const dropout = perItem >= 40 ? 0.2 : perItem < 15 ? 0.5 : 0.3;
  return {
    maxWindowsPerUser: 0,
    windowShift: true,
    maxEpochs: 200,
    patience: 6,
    maxSeconds: Math.round(Math.min(3600, 300 + 0.006 * s.events)),
    dropout,
    // SASRec: twice the steps per epoch at a higher rate (chosen on ML-100K validation NDCG@10,
    // two seeds: 0.104 after 4 epochs and a 0.127-0.130 peak, against 0.089 and 0.109 at 128 / 2e-3)
    ...(kind === 'sasrec' ? { batchSize: 64, lr: 3e-3 } : {}),
  };
}
