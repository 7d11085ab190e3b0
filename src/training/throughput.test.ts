import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createFastMF, measureExamplesPerSecond, mfBenchmarkProblem } from './mf-benchmark';
import { Rng } from '../common';
import { createStockMF, stockTrainStep } from './stock-baseline';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/**
 * Side-by-side smoke measurement (the real benchmark lives in bench/). The stock step is slow on
 * cpu (its gather gradient is a dense UnsortedSegmentSum), so only a couple of its steps are
 * timed unless BURROW_THROUGHPUT=1.
 */
describe('fast trainer vs stock TF.js (cpu, 600 users x 370 items x 32 dims, batch 256)', () => {
  it('is faster than the stock way and both train without leaking', async () => {
    const full = process.env.BURROW_THROUGHPUT === '1';
    const problem = mfBenchmarkProblem({ numUsers: 600, numItems: 370, dim: 32, batchSize: 256, seed: 1 });
    const before = tf.memory().numTensors;
    const stock = createStockMF({ numUsers: 600, numItems: 370, dim: 32, seed: 1 });
    const rng = new Rng(2);
    const stockRate = await measureExamplesPerSecond(() => stockTrainStep(stock, problem.sampleBprBatch(rng)), 256, full ? 20 : 2, 1);
    const fast = createFastMF(problem);
    fast.task.startEpoch();
    const fastRate = await measureExamplesPerSecond(() => fast.task.step().loss, 256, full ? 400 : 40, 5);
    console.log(`examples/s  stock ${stockRate.toFixed(0)}  fast ${fastRate.toFixed(0)}  ratio ${(fastRate / stockRate).toFixed(1)}x`);
    expect(fastRate).toBeGreaterThan(stockRate);
    fast.dispose();
    stock.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
