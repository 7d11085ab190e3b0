/**
 * Suite 3: fold-in latency (one user's vector re-fit against frozen item tables, EmbeddingModel.foldIn)
 * vs a full fine-tune (one epoch of the trainer over all users' events), on the MF benchmark problem
 * (bench/fixtures). Both use Burrow's own code; nothing here re-implements them.
 */
import * as tf from '@tensorflow/tfjs';
import { createFastMF, mfBenchmarkProblem, type FastMF } from '../../fixtures/mf-benchmark';
import { errorText, median, now, tick } from '../timing';

export interface FoldInParams {
  users: number;
  items: number;
  dim: number;
  batch: number;
  /** warm-up training steps before timing (so the tables are not at init) */
  warmSteps: number;
  foldInReps: number;
  /** time budget for the fine-tune epoch; beyond it the epoch time is extrapolated */
  fineTuneBudgetMs: number;
}

export interface FoldInResult {
  rows: { variant: string; medianMs: number; reps: number; note?: string }[];
  error?: string;
}

export async function runFoldIn(p: FoldInParams): Promise<FoldInResult> {
  let fast: FastMF | null = null;
  try {
    const problem = mfBenchmarkProblem({ numUsers: p.users, numItems: p.items, dim: p.dim, batchSize: p.batch, seed: 1 });
    fast = createFastMF(problem, 0.01);
    const w0 = now();
    for (let s = 0; s < p.warmSteps && now() - w0 < p.fineTuneBudgetMs / 2; s++) {
      const { loss } = fast.task.step();
      await loss.data();
      loss.dispose();
    }
    // the events of user 0 (what a fold-in after new ratings would see)
    const { user, item } = problem.interactions;
    const items: number[] = [];
    for (let e = 0; e < user.length; e++) if (user[e] === 0) items.push(item[e]!);
    const itemsA = Int32Array.from(items);
    const weights = new Float32Array(itemsA.length).fill(1);
    const fold: number[] = [];
    await fast.model.foldIn(0, itemsA, weights); // warm-up (compilation)
    // timed to completion: the new vector is read back inside the timed region, so no queued GPU
    // work spills into whatever is measured next
    const settle = async () => {
      const u = fast!.model.userEmbedding(0);
      await u.data();
      u.dispose();
    };
    await settle();
    for (let r = 0; r < p.foldInReps; r++) {
      const t0 = now();
      await fast.model.foldIn(0, itemsA, weights);
      await settle();
      fold.push(now() - t0);
      await tick();
    }
    const rows: FoldInResult['rows'] = [
      { variant: `foldIn(user, ${itemsA.length} events), default steps`, medianMs: median(fold), reps: fold.length },
    ];
    // full fine-tune: one epoch of the trainer over every user's events
    const epochSteps = fast.task.stepsPerEpoch;
    const t0 = now();
    let steps = 0;
    let last: tf.Scalar | null = null;
    while (steps < epochSteps && now() - t0 < p.fineTuneBudgetMs) {
      last?.dispose();
      last = fast.task.step().loss;
      steps++;
      if (steps % 10 === 0) {
        await last.data();
        await tick();
      }
    }
    if (last) {
      await last.data();
      last.dispose();
    }
    const ms = now() - t0;
    rows.push({
      variant: `fine-tune: 1 epoch (${epochSteps} steps of batch ${p.batch})`,
      medianMs: (ms / steps) * epochSteps,
      reps: 1,
      ...(steps < epochSteps ? { note: `extrapolated from ${steps} timed steps` } : {}),
    });
    return { rows };
  } catch (e) {
    return { rows: [], error: errorText(e) };
  } finally {
    fast?.dispose();
  }
}
