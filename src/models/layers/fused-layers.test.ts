import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { embeddingBag, prepareFeatureBag } from './embedding-bag';
import { linear } from './linear';
import { occurrences } from './occurrences';
import { prepareScoreLoss, scoreLoss, type ScoreLossBatch } from './score-loss';

// The fused WebGPU kernels themselves are checked against these stock-op forms in a real browser
// (tests/e2e/kernels.spec.ts); here the stock-op forms are checked against plain JS and numeric gradients.
beforeAll(async () => {
  await tf.setBackend('cpu');
});

const softplus = (x: number) => Math.log1p(Math.exp(x));

describe('occurrences', () => {
  it('lists, per row, the positions that point at it, in order', () => {
    const { ptr, occ } = occurrences(Int32Array.from([2, 0, 2, 3, 2]), 5);
    expect([...ptr]).toEqual([0, 1, 1, 4, 5, 5]);
    expect([...occ]).toEqual([1, 0, 2, 4, 3]);
  });
  it('refuses out-of-range rows', () => {
    expect(() => occurrences(Int32Array.from([0, 3]), 3)).toThrow(/out of range/);
  });
});

describe('scoreLoss (stock-op form)', () => {
  const U = [
    [1, 0],
    [0.5, -1],
  ];
  const I = [
    [0.2, 0.1],
    [-0.3, 0.4],
    [1, 1],
  ];
  const bias = [0.1, -0.2, 0];
  const batch: ScoreLossBatch = {
    examples: 2,
    slots: 3,
    userRows: 2,
    itemRows: 3,
    userOf: Int32Array.from([0, 1]),
    itemOf: Int32Array.from([0, 1, 2, 2, 0, 0]), // item 0 twice in example 1: duplicates sum
    weight: Float32Array.from([1, 0.5]),
    corr: Float32Array.from([0, 0.3, -0.1, 0.2, 0, 0.1]),
    hard: Float32Array.from([0, 1, 0, 0, 0, 0]),
  };
  const score = (b: number, s: number) => {
    const u = U[batch.userOf[b]!]!;
    const i = batch.itemOf[b * 3 + s]!;
    return u[0]! * I[i]![0]! + u[1]! * I[i]![1]! + bias[i]!;
  };
  const tensors = () => [tf.tensor2d(U), tf.tensor2d(I), tf.tensor2d(bias, [3, 1])] as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];

  it('bpr: weighted mean softplus(s_neg - s_pos) / B', () => {
    let expected = 0;
    for (let b = 0; b < 2; b++) {
      let ex = 0;
      for (let s = 1; s < 3; s++) ex += softplus(score(b, s) - score(b, 0));
      expected += (batch.weight[b]! * ex) / 2;
    }
    expected /= 2;
    const value = tf.tidy(() => scoreLoss(prepareScoreLoss(batch, 'bpr'), ...tensors()).dataSync()[0]!);
    expect(value).toBeCloseTo(expected, 5);
  });

  it('sampled softmax with logQ correction and a hard negative', () => {
    let expected = 0;
    for (let b = 0; b < 2; b++) {
      const logits = [0, 1, 2].map((s) => score(b, s) - batch.corr![b * 3 + s]!);
      const lse = Math.log(logits.reduce((a, l) => a + Math.exp(l), 0));
      let ex = lse - logits[0]!;
      for (let s = 1; s < 3; s++) ex += batch.hard![b * 3 + s]! * softplus(score(b, s) - score(b, 0));
      expected += batch.weight[b]! * ex;
    }
    expected /= 2;
    const value = tf.tidy(() => scoreLoss(prepareScoreLoss(batch, 'sampled-softmax'), ...tensors()).dataSync()[0]!);
    expect(value).toBeCloseTo(expected, 5);
  });

  it('gradients match central differences', () => {
    const xs = tensors();
    const prepared = prepareScoreLoss(batch, 'sampled-softmax');
    const f = (...a: tf.Tensor[]) => scoreLoss(prepared, a[0] as tf.Tensor2D, a[1] as tf.Tensor2D, a[2] as tf.Tensor2D);
    const grads = tf.grads(f)(xs).map((g) => g.dataSync());
    const h = 1e-2;
    xs.forEach((x, t) => {
      const base = x.dataSync();
      for (let k = 0; k < base.length; k++) {
        const plus = Float32Array.from(base);
        const minus = Float32Array.from(base);
        plus[k]! += h;
        minus[k]! -= h;
        const at = (v: Float32Array) => tf.tidy(() => f(...xs.map((o, j) => (j === t ? tf.tensor(v, x.shape) : o))).dataSync()[0]!);
        expect(grads[t]![k]!).toBeCloseTo((at(plus) - at(minus)) / (2 * h), 3);
      }
    });
  });
});

describe('embeddingBag (stock-op form)', () => {
  it('is the weighted sum of each bag rows, and its gradient sums duplicates', () => {
    const table = tf.tensor2d([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const rowOf = Int32Array.from([0, 2, 2, 1]);
    const weights = Float32Array.from([0.5, 0.5, 1, 0]);
    const bag = prepareFeatureBag(rowOf, weights, 2, 3);
    expect(bag.csr).toBeNull(); // cpu: stock ops
    expect(Array.from(embeddingBag(table, bag).dataSync())).toEqual([3, 4, 5, 6]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(embeddingBag(t as tf.Tensor2D, bag)))(table);
    expect(Array.from(g.dataSync())).toEqual([0.5, 0.5, 0, 0, 1.5, 1.5]);
  });
});

describe('linear', () => {
  it('matches matMul + bias in value and all three gradients', () => {
    const x = tf.tensor2d([1, -2, 0.5, 3, 0, 1], [3, 2]);
    const w = tf.tensor2d([0.1, 0.2, -0.3, 0.4, 0.5, -0.6], [2, 3]);
    const b = tf.tensor1d([0.01, -0.02, 0.03]);
    const up = tf.tensor2d([1, 2, 3, -1, 0, 0.5, 2, -2, 1], [3, 3]);
    const ours = tf.grads((a: tf.Tensor, k: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(linear(a as tf.Tensor2D, k as tf.Tensor2D, c as tf.Tensor1D), up)))([x, w, b]);
    const stock = tf.grads((a: tf.Tensor, k: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(tf.add(tf.matMul(a as tf.Tensor2D, k as tf.Tensor2D), c), up)))([x, w, b]);
    expect(Array.from(linear(x, w, b).dataSync())).toEqual(Array.from(tf.add(tf.matMul(x, w), b).dataSync()));
    ours.forEach((g, i) => {
      const s = stock[i]!.dataSync();
      g.dataSync().forEach((v, k) => expect(v).toBeCloseTo(s[k]!, 6));
    });
  });
});
