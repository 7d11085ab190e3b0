import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { gatherRows } from '../layers/gather-rows';
import { createSparseAdamState, disposeSparseAdamState, sparseAdamApply } from './adam';
import { Rng } from '../../common';
import { uniqueInverse } from '../batch';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const rows = 6;
const dim = 4;
const init = Float32Array.from({ length: rows * dim }, (_, i) => Math.sin(i) * 0.5);
const target = Float32Array.from({ length: rows * dim }, (_, i) => Math.cos(i * 0.3));

/** Loss on a batch of (possibly repeated) row indices. */
function batchLoss(rowsT: tf.Tensor2D, idx: Int32Array): tf.Scalar {
  const tgt = tf.gather(tf.tensor2d(target, [rows, dim]), tf.tensor1d(idx, 'int32'));
  return tf.sum(tf.square(tf.sub(tf.tanh(rowsT), tgt))) as tf.Scalar;
}

describe('sparseAdamApply', () => {
  it('matches tf.train.adam (dense) when every row is in every batch', () => {
    const rng = new Rng(3);
    const lr = 0.05;
    const dense = tf.variable(tf.tensor2d(init, [rows, dim]));
    const opt = tf.train.adam(lr);
    const sparse = tf.variable(tf.tensor2d(init, [rows, dim]));
    const state = createSparseAdamState(sparse, { learningRate: lr });
    for (let step = 0; step < 25; step++) {
      // every row at least once, plus random duplicates, in random order
      const idx = rng.shuffle(Int32Array.from([0, 1, 2, 3, 4, 5, rng.int(rows), rng.int(rows), rng.int(rows)]));
      tf.tidy(() => {
        opt.minimize(() => batchLoss(tf.gather(dense, tf.tensor1d(idx, 'int32')) as tf.Tensor2D, idx), false, [dense]);
      });
      const { unique, inverse } = uniqueInverse(idx, rows);
      tf.tidy(() => {
        const u = tf.tensor1d(unique, 'int32');
        const U = tf.gather(sparse, u) as tf.Tensor2D;
        const g = tf.grad((x: tf.Tensor) => batchLoss(gatherRows(x as tf.Tensor2D, tf.tensor1d(inverse, 'int32')), idx))(U);
        sparseAdamApply(state, u, g as tf.Tensor2D);
      });
    }
    const a = dense.dataSync();
    const b = sparse.dataSync();
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
    expect(maxDiff).toBeLessThan(1e-4);
    // and it actually trained
    expect(Math.abs(a[0]! - init[0]!)).toBeGreaterThan(0.1);
    disposeSparseAdamState(state);
    opt.dispose();
    tf.dispose([dense, sparse]);
  });

  it('leaves untouched rows and their moments alone', () => {
    const table = tf.variable(tf.tensor2d(init, [rows, dim]));
    const state = createSparseAdamState(table, { learningRate: 0.1 });
    tf.tidy(() => sparseAdamApply(state, tf.tensor1d([1, 4], 'int32'), tf.ones([2, dim]) as tf.Tensor2D));
    const t = table.arraySync() as number[][];
    const m = state.m.arraySync() as number[][];
    for (const r of [0, 2, 3, 5]) {
      expect(t[r]).toEqual(Array.from(init.slice(r * dim, r * dim + dim)));
      expect(m[r]).toEqual([0, 0, 0, 0]);
    }
    expect(t[1]![0]).toBeCloseTo(init[dim]! - 0.1, 4);
    expect(m[4]![0]).toBeCloseTo(0.1, 5);
    disposeSparseAdamState(state);
    table.dispose();
  });
});

describe('uniqueInverse', () => {
  it('maps duplicates to one row, first-seen order', () => {
    const { unique, inverse } = uniqueInverse(Int32Array.from([5, 2, 5, 7, 2]), 10);
    expect(Array.from(unique)).toEqual([5, 2, 7]);
    expect(Array.from(inverse)).toEqual([0, 1, 0, 2, 1]);
  });
});
