import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { gatherRows } from './gather-rows';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('gatherRows', () => {
  const rows = 5;
  const dim = 3;
  const tableData = Float32Array.from({ length: rows * dim }, (_, i) => Math.sin(i * 1.7) * 0.8);
  const idx = Int32Array.from([3, 0, 3, 4, 3, 1]); // duplicates; row 2 untouched
  const coeff = Float32Array.from({ length: idx.length * dim }, (_, i) => Math.cos(i * 0.9));

  // A nonlinear loss so the gradient depends on the values gathered.
  const loss = (t: tf.Tensor2D) =>
    tf.tidy(() => tf.sum(tf.mul(tf.sin(gatherRows(t, tf.tensor1d(idx, 'int32'))), tf.tensor2d(coeff, [idx.length, dim]))) as tf.Scalar);

  it('forward equals tf.gather', () => {
    const t = tf.tensor2d(tableData, [rows, dim]);
    const a = gatherRows(t, tf.tensor1d(idx, 'int32'));
    const b = tf.gather(t, tf.tensor1d(idx, 'int32'));
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    tf.dispose([t, a, b]);
  });

  it('gradient matches finite differences (duplicates summed, untouched rows zero)', () => {
    const t = tf.tensor2d(tableData, [rows, dim]);
    const g = tf.grad((x: tf.Tensor) => loss(x as tf.Tensor2D))(t);
    const analytic = g.dataSync();
    const eps = 1e-2;
    for (let k = 0; k < rows * dim; k++) {
      const plus = tableData.slice();
      const minus = tableData.slice();
      plus[k]! += eps;
      minus[k]! -= eps;
      const lp = tf.tidy(() => loss(tf.tensor2d(plus, [rows, dim])).dataSync()[0]!);
      const lm = tf.tidy(() => loss(tf.tensor2d(minus, [rows, dim])).dataSync()[0]!);
      expect(analytic[k]!).toBeCloseTo((lp - lm) / (2 * eps), 2);
    }
    for (let c = 0; c < dim; c++) expect(analytic[2 * dim + c]).toBe(0);
    tf.dispose([t, g]);
  });

  it('gradient equals tf.gather gradient', () => {
    const t = tf.tensor2d(tableData, [rows, dim]);
    const ours = tf.grad((x: tf.Tensor) => loss(x as tf.Tensor2D))(t);
    const stock = tf.grad((x: tf.Tensor) =>
      tf.sum(tf.mul(tf.sin(tf.gather(x, tf.tensor1d(idx, 'int32'))), tf.tensor2d(coeff, [idx.length, dim]))),
    )(t);
    const a = ours.dataSync();
    const b = stock.dataSync();
    for (let k = 0; k < a.length; k++) expect(a[k]!).toBeCloseTo(b[k]!, 5);
    tf.dispose([t, ours, stock]);
  });
});
