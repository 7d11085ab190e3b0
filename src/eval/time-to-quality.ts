/**
 * Time to quality: seconds of training until a sequence model reaches a test NDCG@10 `target`
 * under the standard protocol (/work/shared/data/README.md).
 *
 * The model is what `npm run eval` fits last: the registry's data-sized config (plus `config`),
 * fitted on train + validation with its own early-stopping validation. After every epoch the clock
 * is paused and the CURRENT weights are scored on the test users (all items, earlier items
 * excluded, pessimistic ties); nothing in training sees those scores: they only decide when this
 * measurement stops. The clock counts the steps and the model's own validation passes; the CPU
 * time of the same sections and the load average are reported next to it (the machine is shared).
 *
 * DOM-free and Node-free, like runEvaluation: files, backend set-up, the host's CPU clock and load
 * average come in through `TimeToQualityIO`, so the same loop runs in Node
 * (bench/time-to-quality.ts) and in headless Chromium (the eval page, scripts/eval-lib/page/).
 */
import * as tf from '@tensorflow/tfjs';
import { SequenceModel, createModel, leftPad } from '../models';
import { rankValidation } from '../training';
import { MetricAccumulator } from './metrics';
import { loadDataset, type DatasetFiles, type DatasetFormat } from './readers';
import { logStats } from './run';
import { leaveOneOutSplit, type EvalCase } from './split';

export interface TimeToQualityOptions {
  format: DatasetFormat;
  /** registry name of a sequence model */
  model: string;
  /** test NDCG@10 to reach */
  target: number;
  /** training seconds after which the measurement gives up (checked between epochs) */
  maxSeconds: number;
  /** on top of the registry's data-sized config */
  config: Record<string, unknown>;
  seed: number;
}

/**
 * What the measurement reads from the machine it runs on. In Node: this process. In Chromium: the
 * Node process that drives the browser, which reads the browser's processes.
 */
export interface HostProbes {
  /**
   * CPU time (user + system, ms) used so far by whatever runs the training, on any monotonic
   * origin (only differences are used); null where it cannot be read
   */
  cpuMs(): Promise<number | null>;
  /** the host's 1-, 5- and 15-minute load averages, unrounded */
  loadAverage(): Promise<number[]>;
}

export interface TimeToQualityIO {
  files: DatasetFiles;
  /** initialises TF.js and returns the active backend's name */
  prepareBackend: () => Promise<string>;
  probes: HostProbes;
  /** after every epoch, while the clock is paused */
  onEpoch?: (epoch: TimeToQualityEpoch) => void | Promise<void>;
}

/** One point of the curve, as written to the JSON report. */
export interface TimeToQualityPoint {
  /** 0-based */
  epoch: number;
  /** training seconds so far (ms precision) */
  seconds: number;
  /** CPU seconds of the same sections so far; null where the CPU time cannot be read */
  cpuSeconds: number | null;
  steps: number;
  /** the model's own early-stopping validation metric; null when it has no validation cases */
  validation: number | null;
  testNdcg10: number;
}

/** The per-epoch report: the unrounded numbers the progress line prints. */
export interface TimeToQualityEpoch {
  epoch: number;
  trainMs: number;
  trainCpuMs: number | null;
  steps: number;
  validation: number | null;
  testNdcg10: number;
  testHr10: number;
  /** the host's load averages after the epoch's test scoring */
  loadAverage: number[];
}

export interface TimeToQualityResult {
  model: string;
  backend: string;
  dataset: string;
  target: number;
  secondsToTarget: number | null;
  cpuSecondsToTarget: number | null;
  loadAverage: { start: number[]; end: number[] };
  /** null only when no epoch ran */
  bestTestNdcg10: number | null;
  /** the model's resolved config */
  config: Record<string, unknown>;
  curve: TimeToQualityPoint[];
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** Test metrics of the current weights, batched (the same numbers as scoring user by user). */
async function testMetrics(model: SequenceModel, numItems: number, cases: EvalCase[]): Promise<{ ndcg: number; hr: number }> {
  const acc = new MetricAccumulator(numItems);
  const W = model.config.maxLen;
  for (let s = 0; s < cases.length; s += 256) {
    const chunk = cases.slice(s, s + 256).map((c) => ({ ...c, h: c.history.subarray(Math.max(0, c.history.length - W)) }));
    const width = Math.max(1, ...chunk.map((c) => c.h.length));
    const { items, mask } = leftPad(chunk.map((c) => c.h), width);
    const S = tf.tidy(() => model.scoreBatch(tf.tensor2d(items, [chunk.length, width], 'int32'), tf.tensor2d(mask, [chunk.length, width])));
    const scores = (await S.data()) as Float32Array;
    S.dispose();
    chunk.forEach((c, r) => {
      // an empty history carries no signal: all zeros, as scoreAll returns
      const row = c.h.length === 0 ? new Float32Array(numItems) : scores.subarray(r * numItems, (r + 1) * numItems);
      acc.add(row, c.target, c.history);
    });
  }
  const m = acc.result();
  return { ndcg: m['NDCG@10'], hr: m['HR@10'] };
}

/** Runs the measurement (see the file header) and returns its report. */
export async function measureTimeToQuality(options: TimeToQualityOptions, io: TimeToQualityIO): Promise<TimeToQualityResult> {
  const { target, maxSeconds } = options;
  const { probes } = io;
  const backend = await io.prepareBackend();
  const dataset = await loadDataset(options.format, io.files);
  const split = leaveOneOutSplit(dataset.interactions);
  const data = split.trainWithValidation;
  const model = createModel(options.model, {
    numUsers: data.numUsers,
    numItems: data.numItems,
    stats: logStats(data),
    config: options.config,
  });
  if (!(model instanceof SequenceModel)) {
    model.dispose();
    throw new Error(`${options.model} is not a sequence model: time to quality trains step by step and scores the current weights`);
  }
  const task = model.createTrainTask(data, options.seed);
  try {
    const c = model.config;
    const curve: TimeToQualityPoint[] = [];
    let trainMs = 0;
    /** CPU time over the same sections (user + system): less sensitive to other jobs than wall time */
    let trainCpuMs: number | null = 0;
    const loadAtStart = (await probes.loadAverage()).map(round2);
    let steps = 0;
    let reachedAt: number | null = null;
    let reachedAtCpu: number | null = null;
    let best = -Infinity;
    let stale = 0;
    await task.prepare?.();
    for (let epoch = 0; epoch < c.maxEpochs && trainMs / 1000 < maxSeconds; epoch++) {
      const cpu0 = await probes.cpuMs();
      const t0 = performance.now();
      task.startEpoch();
      for (let s = 0; s < task.stepsPerEpoch; s++) {
        const { loss } = task.step();
        steps += 1;
        if (steps % c.lossEvery === 0) await loss.data();
        loss.dispose();
      }
      const validation = task.validation ? await rankValidation(task.validation) : null;
      trainMs += performance.now() - t0;
      const cpu1 = await probes.cpuMs();
      trainCpuMs = trainCpuMs === null || cpu0 === null || cpu1 === null ? null : trainCpuMs + (cpu1 - cpu0);
      const test = await testMetrics(model, data.numItems, split.test);
      curve.push({
        epoch,
        seconds: Math.round(trainMs) / 1000,
        cpuSeconds: trainCpuMs === null ? null : Math.round(trainCpuMs) / 1000,
        steps,
        validation,
        testNdcg10: test.ndcg,
      });
      await io.onEpoch?.({
        epoch,
        trainMs,
        trainCpuMs,
        steps,
        validation,
        testNdcg10: test.ndcg,
        testHr10: test.hr,
        loadAverage: await probes.loadAverage(),
      });
      if (test.ndcg >= target) {
        reachedAt = trainMs / 1000;
        reachedAtCpu = trainCpuMs === null ? null : trainCpuMs / 1000;
        break;
      }
      // the trainer's early stopping (validation only), as fit() would stop
      if (validation !== null && c.patience > 0) {
        if (validation > best + 1e-4) {
          best = validation;
          stale = 0;
        } else if (++stale >= c.patience) break;
      }
    }
    return {
      model: options.model,
      backend,
      dataset: dataset.name,
      target,
      secondsToTarget: reachedAt === null ? null : Math.round(reachedAt * 10) / 10,
      cpuSecondsToTarget: reachedAtCpu === null ? null : Math.round(reachedAtCpu * 10) / 10,
      loadAverage: { start: loadAtStart, end: (await probes.loadAverage()).map(round2) },
      bestTestNdcg10: curve.length === 0 ? null : Math.max(...curve.map((p) => p.testNdcg10)),
      config: { ...c },
      curve,
    };
  } finally {
    task.dispose();
    model.dispose();
  }
}

/** The progress line of one epoch. */
export function formatEpochLine(e: TimeToQualityEpoch): string {
  const cpu = e.trainCpuMs === null ? 'n/a' : `${(e.trainCpuMs / 1000).toFixed(1)} s`;
  return (
    `epoch ${e.epoch + 1}: ${(e.trainMs / 1000).toFixed(1)} s (cpu ${cpu}, load ${(e.loadAverage[0] ?? NaN).toFixed(2)}), ` +
    `${e.steps} steps, validation ${e.validation?.toFixed(4) ?? '-'}, test NDCG@10 ${e.testNdcg10.toFixed(4)} HR@10 ${e.testHr10.toFixed(4)}`
  );
}

/** The closing line: reached or not, after how long, on what. `where` follows the backend name (e.g. ' in Chromium'). */
export function formatSummaryLine(r: TimeToQualityResult, where = ''): string {
  const trained = r.curve.at(-1)?.seconds ?? 0;
  if (r.secondsToTarget === null) {
    return `${r.model} did not reach NDCG@10 ${r.target} within ${trained.toFixed(0)} s of training (best ${r.bestTestNdcg10?.toFixed(4) ?? '-'})`;
  }
  const cpu = r.cpuSecondsToTarget === null ? 'n/a' : `${r.cpuSecondsToTarget.toFixed(1)} s`;
  return (
    `${r.model} reached test NDCG@10 ${r.target} after ${r.secondsToTarget.toFixed(1)} s of training on ${r.backend}${where} ` +
    `(cpu ${cpu}; load average ${r.loadAverage.start.join(' ')} at the start, ${r.loadAverage.end.join(' ')} at the end)`
  );
}
