import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Interactions } from '../contract';
import { gbceBeta, resolveSequenceConfig, sequenceConfigHash, type SequenceConfig, type SequenceKind } from './config';
import { buildWindows, prepareSequenceData } from './data';
import { createSequenceModel, type SequenceModel } from './model';
import { accidentalHitMask } from './train-task';

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
    expect(() => resolveSequenceConfig('sasrec', { loss: 'bce' as SequenceConfig['loss'] })).toThrow(/loss/);
    expect(() => resolveSequenceConfig('sasrec', { gbceT: 1.5 })).toThrow(/gbceT/);
  });

  it("gSASRec's beta: 1 at t = 0 (plain BCE), the sampling rate at t = 1, 1 - t (1 - alpha) between", () => {
    expect(gbceBeta(256, 10_001, 0)).toBeCloseTo(1, 12);
    expect(gbceBeta(256, 10_001, 1)).toBeCloseTo(256 / 10_000, 12);
    expect(gbceBeta(256, 10_001, 0.75)).toBeCloseTo(1 - 0.75 * (1 - 256 / 10_000), 12);
    // more negatives than items: alpha capped at 1, beta 1 whatever t
    expect(gbceBeta(256, 100, 0.75)).toBeCloseTo(1, 12);
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

describe('sequence train task learning rate', () => {
  it('warms up linearly over warmupSteps, then stays at lr; none by default', () => {
    const data: Interactions = {
      numUsers: 4,
      numItems: 12,
      user: Int32Array.from({ length: 40 }, (_, i) => i % 4),
      item: Int32Array.from({ length: 40 }, (_, i) => (i * 5) % 12),
      weight: new Float32Array(40).fill(1),
      time: Float64Array.from({ length: 40 }, (_, i) => i),
    };
    const m = createSequenceModel({ kind: 'sasrec', numItems: 12, config: { ...SMALL, lr: 0.004, warmupSteps: 4, batchSize: 2, patience: 0 } });
    const task = m.createTrainTask(data);
    const seen: number[] = [];
    for (let s = 0; s < 6; s++) {
      seen.push(task.learningRate);
      task.step().loss.dispose();
    }
    expect(seen.map((x) => Number(x.toFixed(6)))).toEqual([0.001, 0.002, 0.003, 0.004, 0.004, 0.004]);
    task.dispose();
    m.dispose();
    const plain = createSequenceModel({ kind: 'sasrec', numItems: 12, config: { ...SMALL, lr: 0.004, patience: 0 } });
    const t2 = plain.createTrainTask(data);
    expect(t2.learningRate).toBe(0.004);
    t2.dispose();
    plain.dispose();
  });
});

describe('accidental hits of the shared negatives', () => {
  it('marks exactly the (position, negative) pairs where the negative is the target', () => {
    const targets = Int32Array.from([3, 1, 3, 7, 0]);
    const negatives = Int32Array.from([3, 5, 3, 0]);
    const m = accidentalHitMask(targets, negatives, -1e9, 0);
    const brute = Array.from(targets).flatMap((t) => Array.from(negatives, (n) => (n === t ? -1e9 : 0)));
    expect(Array.from(m)).toEqual(brute);
    const keep = accidentalHitMask(targets, negatives, 0, 1);
    expect(Array.from(keep)).toEqual(brute.map((v) => (v === 0 ? 1 : 0)));
  });
});
