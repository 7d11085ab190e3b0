import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { sumLastAxis } from './sum-last-axis';

describe('sumLastAxis', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('matches tf.sum over the last axis, value and gradient', () => {
    const x = tf.randomNormal([3, 4, 5], 0, 1, 'float32', 1);
    const w = tf.randomNormal([3, 4], 0, 1, 'float32', 2);
    const ours = tf.valueAndGrad((t: tf.Tensor) => tf.sum(tf.mul(sumLastAxis(t), w)))(x);
    const stock = tf.valueAndGrad((t: tf.Tensor) => tf.sum(tf.mul(tf.sum(t, -1), w)))(x);
    expect(sumLastAxis(x).shape).toEqual([3, 4]);
    expect(ours.value.dataSync()[0]).toBeCloseTo(stock.value.dataSync()[0]!, 4);
    const diff = tf.max(tf.abs(tf.sub(ours.grad, stock.grad))).dataSync()[0]!;
    expect(diff).toBeLessThan(1e-6);
  });
});
