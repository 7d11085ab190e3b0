import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSequenceModel } from '../models';
import { topK } from '../ranking';
import { upNextTopK } from './personal-sequence';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe("Up next's top k (ranked by the sequence model on the backend)", () => {
  it.each(['sasrec', 'gru4rec'] as const)('%s: is the CPU top k of its scores, exclusions and all, and leaks no tensor', async (kind) => {
    const model = createSequenceModel({ kind, numItems: 60, config: { maxLen: 8, dim: 16, numBlocks: 2, numHeads: 2, dropout: 0 } });
    const history = Int32Array.from([3, 17, 42, 8, 25, 11, 50, 2, 9, 33]); // longer than maxLen: the last 8 count
    const exclude = Int32Array.from([...history, 40, 41, 40]);
    const scores = await model.scoreAll({ user: 0, history });
    const want = topK(scores, 8, exclude);
    const before = tf.memory().numTensors;
    const got = await upNextTopK(model, history, 8, exclude);
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(got.indices)).toEqual(Array.from(want.indices));
    got.scores.forEach((s, i) => expect(s).toBeCloseTo(want.scores[i]!, 5));
    expect(await upNextTopK(model, new Int32Array(0), 8, exclude)).toEqual({ indices: new Int32Array(0), scores: new Float32Array(0) });
    model.dispose();
  });
});
