import type * as tf from '@tensorflow/tfjs';

// What a fit is told and what it reports: the loop's, and part of the model contract
// (src/models/contract.ts re-exports them).
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

/**
 * The one training loop (app worker, benchmark, offline eval CLI all run this).
 *
 * A model supplies a {@link TrainTask}: a device-side `step()` fed by CPU-built batches, and an
 * optional on-device `validate()`. The loop owns epochs, early stopping, progress, cancellation
 * and the rule that the device is never read back per step: the loss is copied back
 * asynchronously once every `lossEvery` steps, and the loop yields to the event loop at those
 * points so an AbortSignal from another thread/task can actually be delivered.
 */
export interface TrainTask {
  /** optimisation steps in one epoch */
  readonly stepsPerEpoch: number;
  /** one optimisation step; returns the loss scalar (the loop disposes it) and examples used */
  step(): { loss: tf.Scalar; examples: number };
  /** validation metric (higher = better) computed on device with ONE small readback */
  validate?(): Promise<number>;
  /** remember the current weights as the best so far */
  saveBest?(): void;
  /** go back to the weights saved by saveBest (no-op if none) */
  restoreBest?(): void;
  /** optional async set-up before the first step (e.g. checking custom GPU kernels) */
  prepare?(): Promise<void>;
  /** optional hook at the start of every epoch (reshuffle etc.) */
  startEpoch?(epoch: number): void;
}

export interface LoopOptions extends FitOptions {
  maxEpochs: number;
  /** epochs without a validation improvement before stopping; 0 disables early stopping */
  patience: number;
  /** read the loss back (async) every this many steps; default 25 */
  lossEvery?: number;
  /** minimum improvement of the validation metric that counts; default 1e-4 */
  minDelta?: number;
  /**
   * wall-time budget in seconds (default none): training stops at the first step past it, the
   * unfinished epoch is validated like a finished one, and the best validated weights are kept
   */
  maxSeconds?: number;
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

export async function runTraining(task: TrainTask, options: LoopOptions): Promise<FitSummary> {
  const start = performance.now();
  const lossEvery = Math.max(1, options.lossEvery ?? 25);
  const minDelta = options.minDelta ?? 1e-4;
  const totalSteps = task.stepsPerEpoch * options.maxEpochs;
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
  const deadline = options.maxSeconds !== undefined && options.maxSeconds > 0 ? start + options.maxSeconds * 1000 : Infinity;
  /** weights changed since the last saveBest() */
  let movedSinceBest = false;

  const readLoss = (loss: tf.Scalar): Promise<void> =>
    loss.data().then(
      (d) => {
        lastLoss = d[0];
        loss.dispose();
      },
      () => loss.dispose(),
    );

  await task.prepare?.();
  outer: for (let epoch = 0; epoch < options.maxEpochs; epoch++) {
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
        pending = readLoss(loss);
        options.onProgress?.({ epoch, step: steps, totalSteps, loss: lastLoss, validation: lastValidation });
        await yieldToEventLoop();
      } else {
        loss.dispose();
      }
    }
    epochs = epoch + 1;
    if (pending) {
      await pending;
      pending = null;
    }
    if (task.validate && options.patience > 0) {
      const metric = await task.validate();
      lastValidation = metric;
      if (metric > best + minDelta) {
        best = metric;
        bestEpoch = epoch;
        stale = 0;
        task.saveBest?.();
        movedSinceBest = false;
      } else {
        stale += 1;
      }
      options.onProgress?.({ epoch, step: steps, totalSteps, loss: lastLoss, validation: metric });
      if (stale >= options.patience) {
        stoppedEarly = epoch + 1 < options.maxEpochs;
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
  if (bestEpoch >= 0 && movedSinceBest) task.restoreBest?.();

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
