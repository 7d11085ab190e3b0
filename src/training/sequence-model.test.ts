import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../common';
import { createSequenceModel, type Interactions, type SequenceConfig, type SequenceKind, type SequenceModel } from '../models';
import { fit, fitModel } from './fit';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const KINDS: SequenceKind[] = ['gru4rec', 'sasrec'];
const SMALL: Partial<SequenceConfig> = { maxLen: 8, dim: 16, numBlocks: 2, numHeads: 2, dropout: 0, batchSize: 16 };

function model(kind: SequenceKind, numItems = 30, config: Partial<SequenceConfig> = {}): SequenceModel {
  return createSequenceModel({ kind, numItems, config: { ...SMALL, ...config } });
}

/** Synthetic log: each user walks i -> i+1 (mod numItems) from a random start. */
function plantedLog(numUsers: number, numItems: number, len: number, seed: number): Interactions {
  const rng = new Rng(seed);
  const user: number[] = [];
  const item: number[] = [];
  for (let u = 0; u < numUsers; u++) {
    let it = rng.int(numItems);
    const n = len - rng.int(4);
    for (let t = 0; t < n; t++) {
      user.push(u);
      item.push(it);
      it = (it + 1) % numItems;
    }
  }
  return {
    numUsers,
    numItems,
    user: Int32Array.from(user),
    item: Int32Array.from(item),
    weight: new Float32Array(user.length).fill(1),
    time: Float64Array.from(user, (_, i) => i),
  };
}

/** Share of 30 four-step walks i, i+1, ... whose top-scored item is the walk's next step. */
async function walkHitRate(m: SequenceModel, numItems: number): Promise<number> {
  let hits = 0;
  for (let q = 0; q < 30; q++) {
    const h = Int32Array.from({ length: 4 }, (_, j) => (2 * q + j) % numItems);
    const s = await m.scoreAll({ user: 0, history: h });
    let best = 0;
    for (let i = 1; i < numItems; i++) if (s[i]! > s[best]!) best = i;
    if (best === (h[3]! + 1) % numItems) hits += 1;
  }
  return hits / 30;
}

/** A fine-tune task through the trainer, as the worker runs it. */
async function fineTune(m: SequenceModel, history: Int32Array, options: { steps?: number; lr?: number } = {}) {
  const task = m.createFineTuneTask(history, options);
  try {
    return await fit(task);
  } finally {
    task.dispose();
  }
}

/** The sequence models trained by the trainer (fit), end to end. */
describe.each(KINDS)('%s', (kind) => {
  it('learns a planted next-item pattern (full softmax), HR@1 high', async () => {
    const N = 20;
    const m = model(kind, N, { dropout: 0.1, lr: 0.03, maxEpochs: 15, patience: 0, batchSize: 48, maxLen: 6 });
    const data = plantedLog(48, N, 8, 1);
    const summary = await fitModel(m, data, { seed: 3 });
    expect(summary.epochs).toBe(15);
    let hits = 0;
    const rng = new Rng(9);
    for (let q = 0; q < 40; q++) {
      const start = rng.int(N);
      const len = 2 + rng.int(6);
      const h = Int32Array.from({ length: len }, (_, j) => (start + j) % N);
      const s = await m.scoreAll({ user: 0, history: h });
      let best = 0;
      for (let i = 1; i < N; i++) if (s[i]! > s[best]!) best = i;
      if (best === (h[len - 1]! + 1) % N) hits += 1;
    }
    expect(hits / 40).toBeGreaterThan(0.9);
    m.dispose();
  }, 20_000);

  it('learns the pattern with the sampled softmax (logQ-corrected) too', async () => {
    const N = 40;
    const m = model(kind, N, { loss: 'sampled', negatives: 16, sampler: 'popularity', dropout: 0.1, lr: 0.03, maxEpochs: 12, patience: 0, batchSize: 32, maxLen: 6, maxWindowsPerUser: 0 });
    const data = plantedLog(64, N, 10, 2);
    await fitModel(m, data, { seed: 3 });
    expect(await walkHitRate(m, N)).toBeGreaterThan(0.8);
    m.dispose();
  }, 20_000);

  it("learns the pattern with gSASRec's calibrated binary cross-entropy (gbce) too", async () => {
    const N = 40;
    // binary cross-entropy first pushes every logit down: it needs more steps than a softmax
    const m = model(kind, N, { loss: 'gbce', negatives: 16, dropout: 0.1, lr: 0.03, maxEpochs: 40, patience: 0, batchSize: 32, maxLen: 6, maxWindowsPerUser: 0 });
    const data = plantedLog(64, N, 10, 2);
    await fitModel(m, data, { seed: 3 });
    expect(await walkHitRate(m, N)).toBeGreaterThan(0.5); // chance: 1/40
    m.dispose();
  }, 60_000);

  it('early-stops on validation and keeps the best weights', async () => {
    const N = 20;
    const m = model(kind, N, { lr: 0.03, maxEpochs: 15, patience: 2, batchSize: 48, maxLen: 6 });
    const vals: number[] = [];
    const summary = await fitModel(m, plantedLog(48, N, 10, 4), { onProgress: (p) => p.validation !== undefined && vals.push(p.validation) });
    expect(vals.length).toBeGreaterThan(0);
    expect(Math.max(...vals)).toBeGreaterThan(0.5);
    expect(summary.steps).toBeGreaterThan(0);
    m.dispose();
  }, 20_000);

  it('export/import round-trips to identical scores, and rejects bad weights', async () => {
    const N = 20;
    const a = model(kind, N, { maxEpochs: 2, patience: 0 });
    await fitModel(a, plantedLog(20, N, 8, 5));
    const w = await a.exportWeights();
    expect(w.format).toBe(kind === 'sasrec' ? 'burrow-sasrec/1' : 'burrow-gru4rec/1');
    const b = model(kind, N, { seed: 7, maxEpochs: 2, patience: 0 });
    const h = Int32Array.from([1, 2, 3, 4]);
    b.importWeights(w, { strict: false });
    expect(Array.from(await b.scoreAll({ user: 0, history: h }))).toEqual(Array.from(await a.scoreAll({ user: 0, history: h })));
    expect(() => b.importWeights(w, { strict: true })).toThrow(/configHash/);
    expect(() => b.importWeights({ ...w, format: kind === 'sasrec' ? 'burrow-gru4rec/1' : 'burrow-sasrec/1' })).toThrow(/format/);
    const { ['item/embedding']: emb, ...rest } = w.tensors;
    expect(() => b.importWeights({ ...w, tensors: rest })).toThrow(/missing weights item\/embedding/);
    expect(() => b.importWeights({ ...w, tensors: { ...w.tensors, extra: emb! } })).toThrow(/unexpected weights extra/);
    expect(() => b.importWeights({ ...w, tensors: { ...w.tensors, 'item/embedding': { ...emb!, shape: [N + 1, 16] } } })).toThrow(/shape/);
    const nan = new Float32Array(emb!.data.slice(0));
    nan[3] = NaN;
    expect(() => b.importWeights({ ...w, tensors: { ...w.tensors, 'item/embedding': { ...emb!, data: nan.buffer } } })).toThrow(/non-finite/);
    // a failed import changed nothing
    expect(Array.from(await b.scoreAll({ user: 0, history: h }))).toEqual(Array.from(await a.scoreAll({ user: 0, history: h })));
    a.dispose();
    b.dispose();
  });

  it('does not leak tensors over training steps, validation, early stopping, scoring and fine-tuning', async () => {
    const N = 20;
    const m = model(kind, N, { dropout: 0.2, patience: 1, maxEpochs: 3 });
    const data = plantedLog(40, N, 10, 6);
    await fitModel(m, data); // compiles and caches what a fit creates once
    const before = tf.memory().numTensors;
    await fitModel(m, data);
    await m.scoreAll({ user: 0, history: Int32Array.from([1, 2, 3]) });
    await fineTune(m, Int32Array.from([1, 2, 3, 4, 5]), { steps: 2 });
    expect(tf.memory().numTensors).toBe(before);
    m.dispose();
  });

  it('fineTune moves the model towards the user\'s own sequence', async () => {
    const N = 20;
    const m = model(kind, N);
    const h = Int32Array.from([4, 11, 2, 17, 9, 6]);
    const before = await m.scoreAll({ user: 0, history: h.subarray(0, 5) });
    const r = await fineTune(m, h, { steps: 10, lr: 0.01 });
    expect(r.steps).toBe(10);
    expect(Number.isFinite(r.finalLoss)).toBe(true);
    const after = await m.scoreAll({ user: 0, history: h.subarray(0, 5) });
    const rank = (s: Float32Array) => Array.from(s).filter((v) => v > s[6]!).length;
    expect(rank(after)).toBeLessThan(Math.max(1, rank(before)));
    expect((await fineTune(m, Int32Array.from([3]))).steps).toBe(0);
    m.dispose();
  });
});
