import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installWasmViewKernels } from './wasm-views';

/** The same computation on the cpu backend (the reference) and on wasm with the view kernels. */
async function onBoth<T>(f: () => T, read: (r: T) => Promise<unknown>): Promise<[unknown, unknown]> {
  await tf.setBackend('cpu');
  const ref = await read(f());
  await tf.setBackend('wasm');
  const got = await read(f());
  return [ref, got];
}

const values = (n: number, dtype: 'float32' | 'int32' = 'float32') =>
  Array.from({ length: n }, (_, i) => (dtype === 'int32' ? i * 7 - 3 : Math.sin(i) * 10));

beforeAll(async () => {
  await tf.setBackend('wasm');
  expect(installWasmViewKernels()).toBe(true);
  expect(installWasmViewKernels()).toBe(true); // idempotent
});

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('wasm view kernels', () => {
  const cases: { shape: number[]; begin: number[]; size: number[] }[] = [
    { shape: [10], begin: [3], size: [4] },
    { shape: [6, 5], begin: [2, 0], size: [3, 5] }, // contiguous rows
    { shape: [6, 5], begin: [1, 2], size: [4, 2] }, // short runs
    { shape: [7, 200], begin: [1, 3], size: [5, 150] }, // long runs (one set per row)
    { shape: [3, 4, 5], begin: [1, 0, 0], size: [2, 4, 5] },
    { shape: [3, 4, 5], begin: [0, 1, 2], size: [3, 2, 3] },
    { shape: [3, 4, 70], begin: [1, 1, 0], size: [2, 3, 70] }, // run spans axes 1-2
    { shape: [2, 3, 4, 5], begin: [1, 0, 2, 1], size: [1, 3, 2, 4] },
    { shape: [2, 3, 2, 3, 2], begin: [0, 1, 0, 1, 1], size: [2, 2, 2, 2, 1] },
    { shape: [4, 3], begin: [2, 1], size: [0, 2] }, // empty
  ];
  for (const c of cases) {
    it(`slice ${JSON.stringify(c)} matches the cpu backend (float32 and int32)`, async () => {
      for (const dtype of ['float32', 'int32'] as const) {
        const n = c.shape.reduce((a, b) => a * b, 1);
        const [ref, got] = await onBoth(
          () => tf.slice(tf.tensor(values(n, dtype), c.shape, dtype), c.begin, c.size),
          async (t) => ({ shape: t.shape, data: Array.from(await t.data()) }),
        );
        expect(got).toEqual(ref);
      }
    });
  }

  it('split, unstack and clone match the cpu backend, and free their memory', async () => {
    const run = () =>
      tf.tidy(() => {
        const x = tf.tensor(values(6 * 9 * 4), [6, 9, 4]);
        const parts = tf.split(x, [2, 3, 4], 1);
        const rows = tf.unstack(x, 1);
        const cols = tf.unstack(x, 2);
        const c = tf.clone(x);
        return [...parts, ...rows, ...cols, c, tf.split(tf.tensor(values(12), [4, 3]), 2, 0)[1]!];
      });
    const [ref, got] = await onBoth(run, async (ts) => Promise.all(ts.map(async (t) => ({ shape: t.shape, data: Array.from(await t.data()) }))));
    expect(got).toEqual(ref);
    await tf.setBackend('wasm');
    const before = tf.memory();
    const out = run();
    tf.dispose(out);
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
  });

  it('a clone shares data but outlives its source, and gradients through slices are unchanged', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor([1, 2, 3, 4]);
    const c = tf.clone(x);
    x.dispose();
    expect(Array.from(await c.data())).toEqual([1, 2, 3, 4]);
    c.dispose();
    const grad = async () => {
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.split(t, 3, 1)[1]!, tf.unstack(t, 0)[0]!.slice([0], [2]))))(tf.tensor(values(12), [2, 6]));
      return Array.from(await g.data());
    };
    await tf.setBackend('cpu');
    const ref = await grad();
    await tf.setBackend('wasm');
    expect(await grad()).toEqual(ref);
  });

  it('a Variable assigned after a clone keeps the clone intact', async () => {
    await tf.setBackend('wasm');
    const v = tf.variable(tf.tensor([1, 2, 3]));
    const c = tf.clone(v);
    v.assign(tf.tensor([7, 8, 9]));
    expect(Array.from(await c.data())).toEqual([1, 2, 3]);
    expect(Array.from(await v.data())).toEqual([7, 8, 9]);
    tf.dispose([v, c]);
  });
});
