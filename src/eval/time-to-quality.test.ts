import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DatasetFiles } from './readers';
import {
  formatEpochLine,
  formatSummaryLine,
  measureTimeToQuality,
  type HostProbes,
  type TimeToQualityEpoch,
  type TimeToQualityOptions,
  type TimeToQualityResult,
} from './time-to-quality';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** 40 users walking i -> i+1 (mod 20) from their own start: a pattern SASRec learns in a few epochs. */
function walks(): DatasetFiles {
  const lines = ['user_id:token\titem_id:token\trating:float\ttimestamp:float'];
  let t = 0;
  for (let u = 0; u < 40; u++) {
    const start = (u * 7) % 20;
    for (let k = 0; k < 10 + (u % 4); k++) lines.push(`u${u}\ti${(start + k) % 20}\t4\t${++t}`);
  }
  const text = `${lines.join('\n')}\n`;
  return { name: 'walks', list: async () => ['walks.inter'], read: async () => text };
}

const SMALL = { maxLen: 8, dim: 16, numBlocks: 1, numHeads: 1, dropout: 0, batchSize: 32, lr: 0.01, maxEpochs: 4, patience: 0 };

function options(overrides: Partial<TimeToQualityOptions> = {}): TimeToQualityOptions {
  return { format: 'recbole', model: 'sasrec', target: 2, maxSeconds: 600, config: SMALL, seed: 3, ...overrides };
}

/** A CPU clock that advances 250 ms per reading, and a fixed load average. */
function fakeProbes(cpu: 'ticking' | 'unreadable' = 'ticking'): HostProbes & { cpuReads: number } {
  const probes = {
    cpuReads: 0,
    cpuMs: async () => (cpu === 'unreadable' ? null : 250 * ++probes.cpuReads),
    loadAverage: async () => [1.234, 0.5, 0.25],
  };
  return probes;
}

async function measure(o: TimeToQualityOptions, probes: HostProbes = fakeProbes()): Promise<{ result: TimeToQualityResult; epochs: TimeToQualityEpoch[] }> {
  const epochs: TimeToQualityEpoch[] = [];
  const result = await measureTimeToQuality(o, {
    files: walks(),
    prepareBackend: async () => tf.getBackend(),
    probes,
    onEpoch: (e) => void epochs.push(e),
  });
  return { result, epochs };
}

describe('measureTimeToQuality', () => {
  it('trains until the model config stops it when the target is out of reach, one report per epoch', async () => {
    const { result, epochs } = await measure(options());
    expect(result).toMatchObject({ model: 'sasrec', backend: 'cpu', dataset: 'walks', target: 2, secondsToTarget: null, cpuSecondsToTarget: null });
    expect(result.curve.map((p) => p.epoch)).toEqual([0, 1, 2, 3]);
    expect(epochs.map((e) => e.epoch)).toEqual([0, 1, 2, 3]);
    // the model's resolved config, with --config on top of the data-sized one
    expect(result.config).toMatchObject(SMALL);
    expect(result.loadAverage).toEqual({ start: [1.23, 0.5, 0.25], end: [1.23, 0.5, 0.25] });
    for (const [i, p] of result.curve.entries()) {
      const e = epochs[i]!;
      expect(p.seconds).toBe(Math.round(e.trainMs) / 1000);
      expect(p.steps).toBe(e.steps);
      expect(p.testNdcg10).toBe(e.testNdcg10);
      expect(p.validation).toBe(e.validation);
      expect(e.testHr10).toBeGreaterThanOrEqual(e.testNdcg10);
      // two readings around each epoch's training section, 250 ms apart
      expect(e.trainCpuMs).toBe(250 * (i + 1));
      expect(p.cpuSeconds).toBe(0.25 * (i + 1));
      if (i > 0) expect(p.steps).toBeGreaterThan(result.curve[i - 1]!.steps);
    }
    expect(result.bestTestNdcg10).toBe(Math.max(...result.curve.map((p) => p.testNdcg10)));
    // it learned the walks: far above the ~0.2 of a random order
    expect(result.bestTestNdcg10).toBeGreaterThan(0.5);
  });

  it('stops at the first epoch whose test NDCG@10 reaches the target; the same seed gives the same curve', async () => {
    const full = await measure(options());
    const target = full.result.curve[1]!.testNdcg10;
    const reached = full.result.curve.findIndex((p) => p.testNdcg10 >= target);
    const { result } = await measure(options({ target }));
    expect(result.curve.map((p) => p.testNdcg10)).toEqual(full.result.curve.slice(0, reached + 1).map((p) => p.testNdcg10));
    expect(result.secondsToTarget).toBe(Math.round(result.curve.at(-1)!.seconds * 10) / 10);
    expect(result.cpuSecondsToTarget).toBe(Math.round(0.25 * (reached + 1) * 10) / 10);
  });

  it('reports CPU seconds as null where the host has no CPU clock', async () => {
    const { result, epochs } = await measure(options({ target: 0, config: { ...SMALL, maxEpochs: 2 } }), fakeProbes('unreadable'));
    expect(result.curve).toHaveLength(1);
    expect(result.curve[0]!.cpuSeconds).toBeNull();
    expect(result.cpuSecondsToTarget).toBeNull();
    expect(result.secondsToTarget).not.toBeNull();
    expect(epochs[0]!.trainCpuMs).toBeNull();
    expect(formatEpochLine(epochs[0]!)).toContain('(cpu n/a, load 1.23)');
  });

  it('runs no epoch past --max-seconds and refuses a model without training steps', async () => {
    const { result } = await measure(options({ maxSeconds: 0 }));
    expect(result.curve).toEqual([]);
    expect(result.bestTestNdcg10).toBeNull();
    await expect(measure(options({ model: 'pop', config: {} }))).rejects.toThrow('pop is not a sequence model');
  });
});

describe('the progress lines', () => {
  const epoch: TimeToQualityEpoch = {
    epoch: 6,
    trainMs: 349_040.4,
    trainCpuMs: 351_960,
    steps: 1234,
    validation: 0.10123,
    testNdcg10: 0.09051,
    testHr10: 0.17,
    loadAverage: [2.456, 2, 1],
  };
  it('keep the Node runtime format', () => {
    expect(formatEpochLine(epoch)).toBe('epoch 7: 349.0 s (cpu 352.0 s, load 2.46), 1234 steps, validation 0.1012, test NDCG@10 0.0905 HR@10 0.1700');
    expect(formatEpochLine({ ...epoch, validation: null })).toContain(', validation -, ');
    const result: TimeToQualityResult = {
      model: 'sasrec',
      backend: 'wasm',
      dataset: 'ml-100k',
      target: 0.0869,
      secondsToTarget: 349,
      cpuSecondsToTarget: 352,
      loadAverage: { start: [1.5, 1, 0.5], end: [2, 1.5, 1] },
      bestTestNdcg10: 0.0905,
      config: {},
      curve: [{ epoch: 6, seconds: 349.04, cpuSeconds: 351.96, steps: 1234, validation: 0.1, testNdcg10: 0.0905 }],
    };
    expect(formatSummaryLine(result)).toBe(
      'sasrec reached test NDCG@10 0.0869 after 349.0 s of training on wasm (cpu 352.0 s; load average 1.5 1 0.5 at the start, 2 1.5 1 at the end)',
    );
    expect(formatSummaryLine(result, ' in Chromium')).toContain('on wasm in Chromium (cpu');
    expect(formatSummaryLine({ ...result, secondsToTarget: null, cpuSecondsToTarget: null })).toBe(
      'sasrec did not reach NDCG@10 0.0869 within 349 s of training (best 0.0905)',
    );
  });
});
