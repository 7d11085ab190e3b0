/**
 * `npx tsx bench/time-to-quality.ts --data ../shared/data/ml-100k [--format recbole] [--model sasrec]
 *   [--target 0.0869] [--max-seconds 900] [--config '{"lr":0.003}'] [--backend wasm] [--out ttq.json]`
 *
 * Time to quality: seconds of training until the model reaches test NDCG@10 `target` under the
 * standard protocol (/work/shared/data/README.md), in Node on the given backend. The default
 * target is the PyTorch peer's SASRec on ML-100K (0.0869, which it reaches in 255 s on the same
 * two cores).
 *
 * The model is what `npm run eval` fits last: the registry's data-sized config (plus `--config`),
 * fitted on train + validation with its own early-stopping validation. After every epoch the clock
 * is paused and the CURRENT weights are scored on the test users (all items, earlier items
 * excluded, pessimistic ties); nothing in training sees those scores: they only decide when this
 * measurement stops. The clock counts the steps and the model's own validation passes; the CPU
 * time of the same sections and the load average are reported next to it (the machine is shared).
 */
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { prepareNodeBackend, type NodeBackend } from '../scripts/eval-lib/backend';
import { nodeDatasetFiles } from '../scripts/eval-lib/node-files';
import { MetricAccumulator } from '../src/eval/metrics';
import { loadDataset, type DatasetFormat } from '../src/eval/readers';
import { logStats } from '../src/eval/run';
import { leaveOneOutSplit, type EvalCase } from '../src/eval/split';
import { createModel } from '../src/models/registry';
import { leftPad } from '../src/models/sequence/data';
import type { SequenceModel } from '../src/models/sequence';
import { rankValidation } from '../src/training';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    format: { type: 'string', default: 'recbole' },
    model: { type: 'string', default: 'sasrec' },
    target: { type: 'string', default: '0.0869' },
    'max-seconds': { type: 'string', default: '900' },
    config: { type: 'string', default: '{}' },
    backend: { type: 'string', default: 'wasm' },
    seed: { type: 'string', default: '42' },
    out: { type: 'string' },
  },
});
if (!values.data) throw new Error('--data <folder> is required');
const target = Number(values.target);
const maxSeconds = Number(values['max-seconds']);
const backend = await prepareNodeBackend(values.backend as NodeBackend);
const dataset = await loadDataset(values.format as DatasetFormat, await nodeDatasetFiles(values.data));
const split = leaveOneOutSplit(dataset.interactions);
const data = split.trainWithValidation;
const model = createModel(values.model!, {
  numUsers: data.numUsers,
  numItems: data.numItems,
  stats: logStats(data),
  config: JSON.parse(values.config!) as Record<string, unknown>,
}) as SequenceModel;
if (typeof (model as { createTrainTask?: unknown }).createTrainTask !== 'function') throw new Error(`${values.model} has no step-level training task`);

/** Test metrics of the current weights, batched (the same numbers as scoring user by user). */
async function testNdcg(cases: EvalCase[]): Promise<{ ndcg: number; hr: number }> {
  const acc = new MetricAccumulator(data.numItems);
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
      const row = c.h.length === 0 ? new Float32Array(data.numItems) : scores.subarray(r * data.numItems, (r + 1) * data.numItems);
      acc.add(row, c.target, c.history);
    });
  }
  const m = acc.result();
  return { ndcg: m['NDCG@10'], hr: m['HR@10'] };
}

const task = model.createTrainTask(data, Number(values.seed));
const c = model.config;
const curve: { epoch: number; seconds: number; cpuSeconds: number; steps: number; validation: number | null; testNdcg10: number }[] = [];
let trainMs = 0;
/** CPU time of this process over the same sections (user + system): less sensitive to other jobs than wall time */
let trainCpuMs = 0;
const loadAverage = () => os.loadavg().map((x) => Math.round(x * 100) / 100);
const loadAtStart = loadAverage();
let steps = 0;
let reachedAt: number | null = null;
let reachedAtCpu: number | null = null;
let best = -Infinity;
let stale = 0;
await task.prepare?.();
for (let epoch = 0; epoch < c.maxEpochs && trainMs / 1000 < maxSeconds; epoch++) {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  task.startEpoch();
  for (let s = 0; s < task.stepsPerEpoch; s++) {
    const { loss } = task.step();
    steps += 1;
    if (steps % c.lossEvery === 0) await loss.data();
    loss.dispose();
  }
  const validation = task.validation ? await rankValidation(task.validation) : null;
  trainMs += performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  trainCpuMs += (cpu.user + cpu.system) / 1000;
  const test = await testNdcg(split.test);
  curve.push({ epoch, seconds: Math.round(trainMs) / 1000, cpuSeconds: Math.round(trainCpuMs) / 1000, steps, validation, testNdcg10: test.ndcg });
  console.log(
    `epoch ${epoch + 1}: ${(trainMs / 1000).toFixed(1)} s (cpu ${(trainCpuMs / 1000).toFixed(1)} s, load ${os.loadavg()[0]!.toFixed(2)}), ${steps} steps, validation ${validation?.toFixed(4) ?? '-'}, test NDCG@10 ${test.ndcg.toFixed(4)} HR@10 ${test.hr.toFixed(4)}`,
  );
  if (test.ndcg >= target) {
    reachedAt = trainMs / 1000;
    reachedAtCpu = trainCpuMs / 1000;
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
const result = {
  model: values.model,
  backend,
  dataset: dataset.name,
  target,
  secondsToTarget: reachedAt === null ? null : Math.round(reachedAt * 10) / 10,
  cpuSecondsToTarget: reachedAtCpu === null ? null : Math.round(reachedAtCpu * 10) / 10,
  loadAverage: { start: loadAtStart, end: loadAverage() },
  bestTestNdcg10: Math.max(...curve.map((p) => p.testNdcg10)),
  config: c,
  curve,
};
console.log(
  reachedAt === null
    ? `${values.model} did not reach NDCG@10 ${target} within ${(trainMs / 1000).toFixed(0)} s of training (best ${result.bestTestNdcg10.toFixed(4)})`
    : `${values.model} reached test NDCG@10 ${target} after ${reachedAt.toFixed(1)} s of training on ${backend} (cpu ${reachedAtCpu!.toFixed(1)} s; load average ${loadAtStart.join(' ')} at the start, ${loadAverage().join(' ')} at the end)`,
);
if (values.out) await writeFile(values.out, JSON.stringify(result, null, 2) + '\n');
task.dispose();
model.dispose();
