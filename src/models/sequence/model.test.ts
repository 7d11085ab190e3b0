import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Interactions } from '../contract';
import { Rng } from '../../common';
import { resolveSequenceConfig, sequenceConfigHash, type SequenceConfig, type SequenceKind } from './config';
import { buildWindows, prepareSequenceData } from './data';
import { createSequenceModel, type SequenceModel } from './model';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const KINDS: SequenceKind[] = ['gru4rec', 'sasrec'];
const SMALL: Partial<SequenceConfig> = { maxLen: 8, dim: 16, numBlocks: 2, numHeads: 2, dropout: 0, batchSize: 16 };

function model(kind: SequenceKind, numItems = 30, config: Partial<SequenceConfig> = {}): SequenceModel {
  return createSequenceModel({ kind, numItems, config: { ...SMALL, ...config } });
}

/** `[B*W]` items and mask of a left-padded batch. */
function batch(rows: number[][], W: number): { items: tf.Tensor2D; mask: tf.Tensor2D } {
  const items = new Int32Array(rows.length * W);
  const mask = new Float32Array(rows.length * W);
  rows.forEach((r, b) => r.forEach((it, j) => {
    items[b * W + W - r.length + j] = it;
    mask[b * W + W - r.length + j] = 1;
  }));
  return { items: tf.tensor2d(items, [rows.length, W], 'int32'), mask: tf.tensor2d(mask, [rows.length, W]) };
}

function hidden(m: SequenceModel, rows: number[][], W: number, causal = true): Float32Array {
  const { items, mask } = batch(rows, W);
  const H = m.hiddenStates(items, mask, { causal });
  const out = H.dataSync() as Float32Array;
  tf.dispose([items, mask, H]);
  return out;
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

describe.each(KINDS)('%s', (kind) => {
  it('has the documented output shapes', async () => {
    const m = model(kind);
    const h = hidden(m, [[1, 2, 3], [4, 5, 6, 7, 8]], 5);
    expect(h.length).toBe(2 * 5 * 16);
    expect(Array.from(h).every(Number.isFinite)).toBe(true);
    const s = await m.scoreAll({ user: 0, history: Int32Array.from([3, 4, 5]) });
    expect(s.length).toBe(30);
    expect(Array.from(await m.scoreAll({ user: 0, history: new Int32Array(0) }))).toEqual(new Array(30).fill(0));
    // longer than maxLen: only the last maxLen items count
    const long = Int32Array.from({ length: 20 }, (_, i) => i);
    const a = await m.scoreAll({ user: 0, history: long });
    const b = await m.scoreAll({ user: 0, history: long.slice(12) });
    expect(Array.from(a)).toEqual(Array.from(b));
    m.dispose();
  });

  it('is causal: position t never sees t+1 or later', () => {
    const m = model(kind);
    const W = 8;
    const d = 16;
    const base = [3, 7, 1, 9, 4, 12, 5, 2];
    const h0 = hidden(m, [base], W);
    for (let t = 0; t < W - 1; t++) {
      const perturbed = base.map((it, j) => (j > t ? (it + 11) % 30 : it));
      const h1 = hidden(m, [perturbed], W);
      for (let j = 0; j <= t; j++) {
        for (let k = 0; k < d; k++) expect(h1[j * d + k]).toBe(h0[j * d + k]);
      }
      // the perturbation is visible from position t+1 on (the test can detect leakage)
      expect(Math.max(...Array.from({ length: d }, (_, k) => Math.abs(h1[(t + 1) * d + k]! - h0[(t + 1) * d + k]!)))).toBeGreaterThan(1e-4);
    }
    if (kind === 'sasrec') {
      // Without the causal mask the same check must FAIL: earlier positions change.
      const a = hidden(m, [base], W, false);
      const b = hidden(m, [base.map((it, j) => (j > 3 ? (it + 11) % 30 : it))], W, false);
      const diff = Math.max(...Array.from({ length: 4 * d }, (_, k) => Math.abs(a[k]! - b[k]!)));
      expect(diff).toBeGreaterThan(1e-4);
    }
    m.dispose();
  });

  it('padding does not change results (masked slot contents, amount of padding)', () => {
    const m = model(kind);
    const d = 16;
    const seq = [5, 9, 2, 17, 8];
    // padded slots filled with arbitrary items: the mask alone must hide them
    const W = 8;
    const clean = batch([seq], W);
    const dirtyItems = tf.tensor2d([21, 13, 4, ...seq], [1, W], 'int32');
    const a = m.hiddenStates(clean.items, clean.mask).dataSync();
    const b = m.hiddenStates(dirtyItems, clean.mask).dataSync();
    expect(Array.from(b.slice(3 * d))).toEqual(Array.from(a.slice(3 * d)));
    // same history at width 5 (no padding), 8, and next to a longer row in one batch
    const c = hidden(m, [seq], 5);
    const e = hidden(m, [seq, [1, 2, 3, 4, 5, 6, 7, 8]], W).slice(0, W * d);
    for (let k = 0; k < 5 * d; k++) {
      expect(a[3 * d + k]!).toBeCloseTo(c[k]!, 5);
      expect(e[3 * d + k]!).toBeCloseTo(c[k]!, 5);
    }
    tf.dispose([clean.items, clean.mask, dirtyItems]);
    m.dispose();
  });

  it('learns a planted next-item pattern (full softmax), HR@1 high', async () => {
    const N = 20;
    const m = model(kind, N, { dropout: 0.1, lr: 0.03, maxEpochs: 15, patience: 0, batchSize: 48, maxLen: 6 });
    const data = plantedLog(48, N, 8, 1);
    const summary = await m.fit(data, { seed: 3 });
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
    await m.fit(data, { seed: 3 });
    let hits = 0;
    for (let q = 0; q < 30; q++) {
      const h = Int32Array.from({ length: 4 }, (_, j) => (2 * q + j) % N);
      const s = await m.scoreAll({ user: 0, history: h });
      let best = 0;
      for (let i = 1; i < N; i++) if (s[i]! > s[best]!) best = i;
      if (best === (h[3]! + 1) % N) hits += 1;
    }
    expect(hits / 30).toBeGreaterThan(0.8);
    m.dispose();
  }, 20_000);

  it('early-stops on validation and keeps the best weights', async () => {
    const N = 20;
    const m = model(kind, N, { lr: 0.03, maxEpochs: 15, patience: 2, batchSize: 48, maxLen: 6 });
    const vals: number[] = [];
    const summary = await m.fit(plantedLog(48, N, 10, 4), { onProgress: (p) => p.validation !== undefined && vals.push(p.validation) });
    expect(vals.length).toBeGreaterThan(0);
    expect(Math.max(...vals)).toBeGreaterThan(0.5);
    expect(summary.steps).toBeGreaterThan(0);
    m.dispose();
  }, 20_000);

  it('export/import round-trips to identical scores, and rejects bad weights', async () => {
    const N = 20;
    const a = model(kind, N, { maxEpochs: 2, patience: 0 });
    await a.fit(plantedLog(20, N, 8, 5));
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

  it('does not leak tensors over training steps, scoring and fine-tuning', async () => {
    const N = 20;
    const m = model(kind, N, { dropout: 0.2, patience: 1 });
    const task = m.createTrainTask(plantedLog(40, N, 10, 6));
    task.startEpoch();
    task.step().loss.dispose();
    await task.validate!();
    task.saveBest();
    const before = tf.memory().numTensors;
    for (let s = 0; s < 5; s++) task.step().loss.dispose();
    await task.validate!();
    task.saveBest();
    task.restoreBest();
    await m.scoreAll({ user: 0, history: Int32Array.from([1, 2, 3]) });
    await m.fineTune(Int32Array.from([1, 2, 3, 4, 5]), { steps: 2 });
    expect(tf.memory().numTensors).toBe(before);
    task.dispose();
    m.dispose();
  });

  it('fineTune moves the model towards the user\'s own sequence', async () => {
    const N = 20;
    const m = model(kind, N);
    const h = Int32Array.from([4, 11, 2, 17, 9, 6]);
    const before = await m.scoreAll({ user: 0, history: h.subarray(0, 5) });
    const r = await m.fineTune(h, { steps: 10, lr: 0.01 });
    expect(r.steps).toBe(10);
    expect(Number.isFinite(r.loss)).toBe(true);
    const after = await m.scoreAll({ user: 0, history: h.subarray(0, 5) });
    const rank = (s: Float32Array) => Array.from(s).filter((v) => v > s[6]!).length;
    expect(rank(after)).toBeLessThan(Math.max(1, rank(before)));
    expect((await m.fineTune(Int32Array.from([3]))).steps).toBe(0);
    m.dispose();
  });
});

describe('sequence config and data', () => {
  it('validates config fields with clear errors', () => {
    expect(() => resolveSequenceConfig('sasrec', { dim: 10, numHeads: 3 })).toThrow(/numHeads/);
    expect(() => resolveSequenceConfig('sasrec', { dropout: 1 })).toThrow(/dropout/);
    expect(() => resolveSequenceConfig('gru4rec', { maxLen: 0 })).toThrow(/maxLen/);
    expect(() => resolveSequenceConfig('sasrec', { bogus: 1 } as Partial<SequenceConfig>)).toThrow(/unknown field 'bogus'/);
    expect(() => resolveSequenceConfig('bert' as SequenceKind)).toThrow(/kind/);
    expect(sequenceConfigHash('sasrec', {})).toBe(sequenceConfigHash('sasrec', { ...resolveSequenceConfig('sasrec') }));
    expect(sequenceConfigHash('sasrec', {})).not.toBe(sequenceConfigHash('gru4rec', {}));
  });

  it('builds time-ordered positive sequences, holds out last items, windows newest-first', () => {
    const data: Interactions = {
      numUsers: 3,
      numItems: 10,
      user: Int32Array.from([0, 1, 0, 0, 1, 0, 2, 0]),
      item: Int32Array.from([5, 1, 3, 7, 2, 9, 4, 8]),
      weight: Float32Array.from([1, 1, 1, -1, 1, 1, 1, 1]),
      time: Float64Array.from([3, 1, 1, 2, 2, 5, 1, 4]),
    };
    const d = prepareSequenceData(data, 10, 10, 1);
    // user 0 positives by time: 3 (t1), 5 (t3), 8 (t4), 9 (t5); 7 is a dislike
    expect(Array.from(d.train.items.subarray(d.train.ptr[0], d.train.ptr[1]))).toEqual([3, 5, 8]);
    expect(Array.from(d.valUser)).toEqual([0]);
    expect(Array.from(d.valItem)).toEqual([9]);
    expect(Array.from(d.train.items.subarray(d.train.ptr[1], d.train.ptr[2]))).toEqual([1, 2]);
    const seqs = { ptr: Int32Array.from([0, 7]), items: Int32Array.from([0, 1, 2, 3, 4, 5, 6]) };
    expect(buildWindows(seqs, 4, 0)).toEqual([{ start: 2, end: 6 }, { start: 0, end: 2 }]);
    expect(buildWindows(seqs, 4, 1)).toEqual([{ start: 2, end: 6 }]);
  });
});
