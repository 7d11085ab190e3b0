import type * as tf from '@tensorflow/tfjs';
import type { Interactions, Recommender, TrainTask } from '../models';
import { rankValidation } from './rank-validation';
import { WeightSnapshot } from './weight-snapshot';

export interface TrainingProgress {
  epoch: number;
  step: number;
  totalSteps: number;
  /** training loss of the last step, when the model reports one (read back sparingly) */
  loss?: number;
  /** validation metric of the last epoch, when early stopping runs */
  validation?: number;
}

/** How a caller drives a fit. */
export interface FitOptions {
  signal?: AbortSignal;
  onProgress?: (progress: TrainingProgress) => void;
}

export interface FitModelOptions extends FitOptions {
  /** seed for every random choice of the task (sampling, dropout), so runs are reproducible */
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
  /** stopped by a wall-time budget (TrainSchedule.maxSeconds) */
  timedOut?: boolean;
}

/** Let other tasks run (abort messages, UI) without the 4 ms setTimeout clamp where possible. */
export function yieldToEventLoop(): Promise<void> {
  const g = globalThis as { setImmediate?: (cb: () => void) => unknown };
  if (typeof g.setImmediate === 'function') {
    return new Promise((resolve) => g.setImmediate!(resolve));
  }
  if (typeof MessageChannel !== 'undefined') {
    return new Promise((resolve) => {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => {
        ch.port1.close();
        resolve();
      };
      ch.port2.postMessage(0);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * The one training loop (app worker, pack builder, offline eval CLI, benchmarks all run this).
 *
 * The task supplies the steps and the held-out cases; the loop owns epochs, early stopping (the
 * protocol's ranking of the held-out cases after every epoch, the best weights saved and given back
 * at the end), the wall-time budget, progress and cancellation, and the rule that the device is
 * never read back per step: the loss is copied back asynchronously once every `lossEvery` steps,
 * and the loop yields to the event loop at those points so an AbortSignal from another thread/task
 * can actually be delivered. The caller still owns (and disposes) the task.
 */
export async function fit(task: TrainTask, options: FitOptions = {}): Promise<FitSummary> {
  const schedule = task.schedule;
  const start = performance.now();
  const lossEvery = Math.max(1, schedule.lossEvery ?? 25);
  const minDelta = schedule.minDelta ?? 1e-4;
  const totalSteps = task.stepsPerEpoch * schedule.maxEpochs;
  const validation = schedule.patience > 0 ? task.validation : undefined;
  let steps = 0;
  let examples = 0;
  let epochs = 0;
  let lastLoss: number | undefined;
  let pending: Promise<void> | null = null;
  let best = -Infinity;
  let bestEpoch = -1;
  let stale = 0;
  let stoppedEarly = false;
  let cancelled = false;
  let lastValidation: number | undefined;
  let timedOut = false;
  const deadline = schedule.maxSeconds !== undefined && schedule.maxSeconds > 0 ? start + schedule.maxSeconds * 1000 : Infinity;
  const bestWeights = new WeightSnapshot();
  /** weights changed since the last save of the best ones */
  let movedSinceBest = false;

  const readLoss = (loss: tf.Scalar): Promise<void> =>
    loss.data().then(
      (d) => {
        lastLoss = d[0];
        loss.dispose();
      },
      () => loss.dispose(),
    );

  try {
    await task.prepare?.();
    outer: for (let epoch = 0; epoch < schedule.maxEpochs; epoch++) {
      task.startEpoch?.(epoch);
      for (let s = 0; s < task.stepsPerEpoch; s++) {
        if (options.signal?.aborted) {
          cancelled = true;
          break outer;
        }
        if (performance.now() >= deadline) {
          timedOut = true;
          break;
        }
        const { loss, examples: n } = task.step();
        steps += 1;
        examples += n;
        movedSinceBest = true;
        if (steps % lossEvery === 0) {
          // Await the PREVIOUS readback (long finished, so no pipeline stall), start this one.
          if (pending) await pending;
          pending = loss ? readLoss(loss) : null;
          options.onProgress?.({ epoch, step: steps, totalSteps, loss: lastLoss, validation: lastValidation });
          await yieldToEventLoop();
        } else {
          loss?.dispose();
        }
      }
      epochs = epoch + 1;
      if (pending) {
        await pending;
        pending = null;
      }
      if (validation) {
        const metric = await rankValidation(validation);
        lastValidation = metric;
        if (metric > best + minDelta) {
          best = metric;
          bestEpoch = epoch;
          stale = 0;
          bestWeights.save(task.variables());
          movedSinceBest = false;
        } else {
          stale += 1;
        }
        options.onProgress?.({ epoch, step: steps, totalSteps, loss: lastLoss, validation: metric });
        if (stale >= schedule.patience) {
          stoppedEarly = epoch + 1 < schedule.maxEpochs;
          break;
        }
      } else {
        options.onProgress?.({ epoch, step: steps, totalSteps, loss: lastLoss });
      }
      if (timedOut) {
        stoppedEarly = true;
        break;
      }
    }
    if (pending) await pending;
    // Hand back the best validated weights, also after a cancel or when the last epochs got worse.
    if (bestEpoch >= 0 && movedSinceBest) {
      bestWeights.restore();
      task.weightsRestored?.();
    }
  } finally {
    bestWeights.dispose();
  }

  return {
    epochs,
    steps,
    examples,
    seconds: (performance.now() - start) / 1000,
    finalLoss: lastLoss,
    stoppedEarly,
    cancelled,
    ...(timedOut ? { timedOut } : {}),
  };
}

/** Trains `model` on `data`: its train task through {@link fit}, disposed afterwards. */
export async function fitModel(model: Recommender, data: Interactions, options: FitModelOptions = {}): Promise<FitSummary> {
  const task = model.createTrainTask(data, options.seed);
  try {
    return await fit(task, options);
  } finally {
    task.dispose();
  }
}
