import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { chunkedSoftmaxCrossEntropy, layerNorm, logSumExpRows, mm, mmT, softmaxCrossEntropy } from './ops';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function close(a: tf.Tensor, b: tf.Tensor, tol = 1e-4): void {
  const x = a.dataSync();
  const y = b.dataSync();
  expect(a.shape).toEqual(b.shape);
  for (let i = 0; i < x.length; i++) expect(Math.abs(x[i]! - y[i]!)).toBeLessThan(tol * (1 + Math.abs(y[i]!)));
}

describe('sequence ops', () => {
  it('mm / mmT match tf.matMul in value and gradient (rank 2 and 3)', () => {
    tf.tidy(() => {
      for (const [sa, sb] of [[[5, 3], [3, 4]], [[2, 5, 3], [2, 3, 4]]] as const) {
        const a = tf.randomNormal([...sa], 0, 1, 'float32', 1);
        const b = tf.randomNormal([...sb], 0, 1, 'float32', 2);
        const w = tf.randomNormal([...sa.slice(0, -1), sb[sb.length - 1]!], 0, 1, 'float32', 3);
        const ref = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.sin(tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D)), w)));
        const got = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.sin(mm(x as tf.Tensor2D, y as tf.Tensor2D)), w)));
        close(mm(a as tf.Tensor2D, b as tf.Tensor2D), tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D));
        const [ra, rb] = ref([a, b]);
        const [ga, gb] = got([a, b]);
        close(ga!, ra!);
        close(gb!, rb!);
        const bt = sb.length === 2 ? tf.transpose(b) : tf.transpose(b, [0, 2, 1]);
        close(mmT(a as tf.Tensor2D, bt as tf.Tensor2D), tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D));
      }
    });
  });

  it('softmaxCrossEntropy matches logSumExp - target logit, value and gradients', () => {
    tf.tidy(() => {
      const h = tf.randomNormal([6, 4], 0, 1, 'float32', 4) as tf.Tensor2D;
      const E = tf.randomNormal([9, 4], 0, 1, 'float32', 5) as tf.Tensor2D;
      const targets = tf.tensor1d([0, 3, 8, 3, 1, 7], 'int32');
      const wts = tf.tensor1d([1, 0.5, 2, 1, 0.1, 3]);
      const ref = (x: tf.Tensor, e: tf.Tensor) => {
        const logits = tf.matMul(x as tf.Tensor2D, e as tf.Tensor2D, false, true);
        const tl = tf.sum(tf.mul(x, tf.gather(e, targets)), 1);
        return tf.sub(tf.logSumExp(logits, 1), tl);
      };
      close(softmaxCrossEntropy(h, E, targets), ref(h, E));
      const [rh, rE] = tf.grads((x: tf.Tensor, e: tf.Tensor) => tf.sum(tf.mul(ref(x, e), wts)))([h, E]);
      const [gh, gE] = tf.grads((x: tf.Tensor, e: tf.Tensor) => tf.sum(tf.mul(softmaxCrossEntropy(x as tf.Tensor2D, e as tf.Tensor2D, targets), wts)))([h, E]);
      close(gh!, rh!);
      close(gE!, rE!);
      // item chunks of 2, 4 and 9 (one chunk): same values and gradients
      for (const chunk of [2, 4, 9]) {
        const [ch, cE] = tf.grads((x: tf.Tensor, e: tf.Tensor) => tf.sum(tf.mul(chunkedSoftmaxCrossEntropy(x as tf.Tensor2D, e as tf.Tensor2D, targets, chunk), wts)))([h, E]);
        close(chunkedSoftmaxCrossEntropy(h, E, targets, chunk), ref(h, E));
        close(ch!, rh!);
        close(cE!, rE!);
      }
    });
  });

  it('layerNorm matches the tf.moments form in value and in all three gradients', () => {
    tf.tidy(() => {
      const x = tf.add(tf.mul(tf.randomNormal([3, 5, 8], 0, 1, 'float32', 6), 3), 1);
      const gamma = tf.randomNormal([8], 1, 0.3, 'float32', 7);
      const beta = tf.randomNormal([8], 0, 0.3, 'float32', 8);
      const w = tf.randomNormal([3, 5, 8], 0, 1, 'float32', 9);
      const ref = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
        const { mean, variance } = tf.moments(a, -1, true);
        return tf.add(tf.mul(tf.mul(tf.sub(a, mean), tf.rsqrt(tf.add(variance, 1e-6))), g), b);
      };
      close(layerNorm(x, gamma, beta), ref(x, gamma, beta));
      const loss = (fn: typeof ref) => (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.sin(fn(a, g, b)), w));
      const want = tf.grads(loss(ref))([x, gamma, beta]);
      const got = tf.grads(loss(layerNorm))([x, gamma, beta]);
      want.forEach((r, i) => close(got[i]!, r, 1e-3));
    });
  });

  it('logSumExpRows matches tf.logSumExp in value and gradient, also with -1e9 entries', () => {
    tf.tidy(() => {
      const x = tf.add(tf.randomNormal([7, 5], 0, 3, 'float32', 10), tf.tensor2d([[0, -1e9, 0, 0, 0]]).tile([7, 1]));
      const w = tf.randomNormal([7], 0, 1, 'float32', 11);
      close(logSumExpRows(x as tf.Tensor2D), tf.logSumExp(x, 1));
      const want = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.logSumExp(a, 1), w)))(x);
      const got = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(logSumExpRows(a as tf.Tensor2D), w)))(x);
      close(got, want);
    });
  });
});
