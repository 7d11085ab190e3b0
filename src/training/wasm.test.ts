import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../common';
import { createEmbeddingModel, type Interactions } from '../models';
import { fitModel } from './fit';

// The wasm backend has no UnsortedSegmentSum (tf.gather's gradient): the whole fast path
// (gatherRows' scatterND gradient, sparse Adam's tensorScatterUpdate) must run there anyway.
beforeAll(async () => {
  await tf.setBackend('wasm');
});

/** `perUser` events of every user on items drawn from a block of 20 (some structure to learn). */
function blockLog(numUsers: number, numItems: number, perUser: number, seed: number): Interactions {
  const rng = new Rng(seed);
  const n = numUsers * perUser;
  const user = Int32Array.from({ length: n }, (_, e) => Math.floor(e / perUser));
  const item = Int32Array.from(user, (u) => ((u % 6) * 20 + rng.int(20)) % numItems);
  return { numUsers, numItems, user, item, weight: new Float32Array(n).fill(1), time: Float64Array.from({ length: n }, (_, e) => e) };
}

describe('wasm backend', () => {
  it('fits (content tower, validation), folds in and scores', async () => {
    const ids = Int32Array.from({ length: 120 * 2 }, (_, i) => 1 + (i % 7));
    const model = createEmbeddingModel({
      numUsers: 200,
      numItems: 120,
      features: { vocabulary: Array.from({ length: 8 }, (_, k) => `f${k}`), numItems: 120, maxFeatures: 2, ids, weights: new Float32Array(240).fill(1) },
      config: { dim: 16, maxEpochs: 3, batchSize: 128 },
    });
    const before = tf.memory().numTensors;
    const summary = await fitModel(model, blockLog(200, 120, 20, 1));
    expect(summary.steps).toBeGreaterThan(0);
    expect(Number.isFinite(summary.finalLoss)).toBe(true);
    const t0 = performance.now();
    await model.foldIn(3, Int32Array.from([1, 2, 5]), Float32Array.from([1, 1, -1]));
    const scores = await model.scoreAll({ user: 3, history: new Int32Array() });
    console.log(`wasm: ${summary.steps} steps in ${summary.seconds.toFixed(2)} s; foldIn+scoreAll ${(performance.now() - t0).toFixed(1)} ms`);
    expect(scores.length).toBe(120);
    expect(scores.every(Number.isFinite)).toBe(true);
    expect(tf.memory().numTensors).toBe(before + 2); // the cached item matrix + biases
    model.dispose();
  });

  it('the MLP head trains with validation in several user chunks (the cached item matrix survives each chunk)', async () => {
    const U = 30;
    const N = 50_000; // wide enough that validation scores users in chunks of 10
    const n = U * 6;
    const model = createEmbeddingModel({ numUsers: U, numItems: N, config: { dim: 8, head: 'mlp', headHidden: 8, maxEpochs: 1, batchSize: 16 } });
    expect(model.scoreChunk()).toBeLessThan(U / 2);
    const data = {
      numUsers: U,
      numItems: N,
      user: Int32Array.from({ length: n }, (_, i) => i % U),
      item: Int32Array.from({ length: n }, (_, i) => (i * 7919) % N),
      weight: new Float32Array(n).fill(1),
      time: Float64Array.from({ length: n }, (_, i) => i),
    };
    const summary = await fitModel(model, data);
    expect(summary.epochs).toBe(1);
    const scores = await model.scoreAll({ user: 0, history: new Int32Array() });
    expect(scores.every(Number.isFinite)).toBe(true);
    model.dispose();
  });
});
