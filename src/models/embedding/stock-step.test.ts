import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../common';
import { createEmbeddingModel, createStockEmbeddingStep } from './index';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('createStockEmbeddingStep (the benchmark baseline)', () => {
  it('trains the same model with tf.train.adam over every Variable, on the trainer batches', async () => {
    const items = 40;
    const rng = new Rng(2);
    // users 0-4 like items 0-19, users 5-9 like 20-39; one feature per half
    const user = Int32Array.from({ length: 200 }, (_, k) => k % 10);
    const item = Int32Array.from(user, (u) => (u < 5 ? 0 : 20) + rng.int(20));
    const features = {
      vocabulary: ['<pad>', 'a', 'b'],
      numItems: items,
      maxFeatures: 1,
      ids: Int32Array.from({ length: items }, (_, i) => (i < 20 ? 1 : 2)),
      weights: new Float32Array(items).fill(1),
    };
    const model = createEmbeddingModel({
      numUsers: 10,
      numItems: items,
      features,
      config: { dim: 8, featureDim: 4, contentHidden: 8, batchSize: 32, negatives: 4, maxValidationUsers: 0, seed: 1 },
    });
    const task = model.createTrainTask({ numUsers: 10, numItems: items, user, item, weight: new Float32Array(200).fill(1), time: Float64Array.from(user, (_, k) => k) });
    const stock = createStockEmbeddingStep(model);
    const before = model.content!.featureEmbedding.dataSync().slice();
    const losses: number[] = [];
    for (let s = 0; s < 60; s++) {
      const loss = stock.step(task.nextBatch());
      losses.push(loss.dataSync()[0]!);
      loss.dispose();
    }
    const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
    expect(mean(losses.slice(-10))).toBeLessThan(0.8 * mean(losses.slice(0, 10)));
    expect(Array.from(model.content!.featureEmbedding.dataSync())).not.toEqual(Array.from(before));
    stock.dispose();
    expect(model.userTable.trainable).toBe(false); // restored
    task.dispose();
    model.dispose();
  });
});
