import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { embeddingTopKOp, topKByEmbedding } from './embedding-topk';
import { topK } from './ranker';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function cpuScores(emb: Float32Array, n: number, dim: number, user: Float32Array, bias: Float32Array | null): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += emb[i * dim + d]! * user[d]!;
    out[i] = s + (bias ? bias[i]! : 0);
  }
  return out;
}

describe('topKByEmbedding (stock, cpu backend)', () => {
  it('matches topK over the same scores', async () => {
    const n = 2000;
    const dim = 16;
    const emb = Float32Array.from({ length: n * dim }, (_, i) => Math.sin(i * 12.9898) * 0.5);
    const user = Float32Array.from({ length: dim }, (_, i) => Math.cos(i));
    const bias = Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 0.1);
    const exclude = Int32Array.from({ length: 150 }, (_, i) => (i * 37) % n);
    const embT = tf.tensor2d(emb, [n, dim]);
    const userT = tf.tensor1d(user);
    const biasT = tf.tensor1d(bias);
    const before = tf.memory().numTensors;
    const got = await topKByEmbedding(embT, userT, biasT, 100, exclude);
    expect(tf.memory().numTensors).toBe(before);
    const want = topK(cpuScores(emb, n, dim, user, bias), 100, exclude);
    expect(got.indices.length).toBe(100);
    // float summation order differs: compare scores with tolerance, indices where not near-tied
    for (let i = 0; i < 100; i++) expect(got.scores[i]).toBeCloseTo(want.scores[i]!, 4);
    const overlap = new Set(got.indices);
    expect(want.indices.filter((i) => overlap.has(i)).length).toBeGreaterThanOrEqual(99);
    for (const e of exclude) expect(overlap.has(e)).toBe(false);
    tf.dispose([embT, userT, biasT]);
  });

  it('returns fewer than k when the catalog is exhausted, and ties go to the lower index', async () => {
    const embT = tf.ones([5, 4]) as tf.Tensor2D;
    const userT = tf.ones([4]) as tf.Tensor1D;
    const got = await topKByEmbedding(embT, userT, null, 10, new Int32Array([1, 3]));
    expect(Array.from(got.indices)).toEqual([0, 2, 4]);
    expect(Array.from(got.scores)).toEqual([4, 4, 4]);
    tf.dispose([embT, userT]);
  });

  it('resolves auto to stock off webgpu and refuses fused there', async () => {
    const config = { dim: 64, k: 100, items: 1000, hasBias: true };
    expect(embeddingTopKOp.choose('auto', config)).toBe('stock');
    expect(await embeddingTopKOp.chooseValidated('auto', config)).toBe('stock');
    expect(() => embeddingTopKOp.choose('fused', config)).toThrow(/webgpu/);
  });
});
