import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ItemKNNModel, type HeldOutCases, type Interactions, type TrainTask } from '../models';
import { fit, fitModel } from './fit';
import { rankValidation, validationGain } from './rank-validation';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Held-out cases whose only chunk scores `rows` (one case per row, targets given). */
function heldOut(rows: number[][], targets: number[], excluded: [number, number][] = [], metric: 'hr' | 'ndcg' = 'hr', k = 2): HeldOutCases {
  return {
    count: rows.length,
    chunks: 1,
    metric,
    k,
    score: () => ({
      scores: tf.tensor2d(rows),
      targets: tf.tensor1d(targets, 'int32'),
      excluded: excluded.length ? tf.tensor2d(excluded, [excluded.length, 2], 'int32') : null,
    }),
  };
}

describe('the validation ranking', () => {
  it('is pessimistic on ties, leaves excluded items out and never the target', async () => {
    // case 0: target 1 scores 2, below item 0 and tied with item 2: rank 2 (1 if ties were
    //   optimistic), no hit at k = 2
    // case 1: target 0 scores 1; items 1 and 2 score higher, but item 2 is excluded: rank 1, a hit
    // case 2: constant scores: rank 3, no hit (optimistic ties would make it rank 0)
    const v = heldOut([[3, 2, 2, 0], [1, 5, 7, 0], [1, 1, 1, 1]], [1, 0, 3], [[1, 2]]);
    expect(await rankValidation(v)).toBeCloseTo(1 / 3, 6);
    const ndcg = heldOut([[3, 2, 2, 0]], [1], [], 'ndcg', 3);
    expect(await rankValidation(ndcg)).toBeCloseTo(Math.LN2 / Math.log(4), 6); // rank 2
  });

  it('scores one chunk without leaking', () => {
    const before = tf.memory().numTensors;
    const chunk = heldOut([[1, 2]], [0]).score(0);
    tf.tidy(() => validationGain(chunk, 'hr', 1)).dispose();
    tf.dispose([chunk.scores, chunk.targets]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('fit', () => {
  it('stops past maxSeconds, validates the unfinished epoch and keeps the best weights', async () => {
    let validated = 0;
    let restored = 0;
    const task: TrainTask = {
      schedule: { maxEpochs: 5, patience: 2, maxSeconds: 0.1, lossEvery: 10 },
      stepsPerEpoch: 1_000_000,
      step: () => {
        const t0 = performance.now();
        while (performance.now() - t0 < 2);
        return { loss: tf.scalar(1), examples: 1 };
      },
      validation: { ...heldOut([[1, 0]], [0]), score: (i) => (validated++, heldOut([[1, 0]], [0]).score(i)) },
      variables: () => [],
      weightsRestored: () => void ++restored,
      dispose: () => {},
    };
    const s = await fit(task);
    expect(s.timedOut).toBe(true);
    expect(s.stoppedEarly).toBe(true);
    expect(s.epochs).toBe(1);
    expect(validated).toBe(1);
    expect(s.steps).toBeLessThan(1_000_000);
    expect(restored).toBe(0); // the validated weights are the last ones
  });

  it('gives back the best validated weights when later epochs get worse', async () => {
    const w = tf.variable(tf.scalar(0));
    const metrics = [0.5, 0.9, 0.2, 0.1];
    let epoch = -1;
    const task: TrainTask = {
      schedule: { maxEpochs: 4, patience: 2 },
      stepsPerEpoch: 1,
      startEpoch: (e) => void (epoch = e),
      step: () => {
        tf.tidy(() => w.assign(tf.scalar(epoch + 1))); // the weight is the number of epochs trained
        return { examples: 1 };
      },
      // hit at k = 1 exactly for the metric's share of 10 cases
      validation: {
        count: 10,
        chunks: 1,
        metric: 'hr',
        k: 1,
        score: () => {
          const hits = Math.round(metrics[epoch]! * 10);
          return {
            scores: tf.tensor2d(Array.from({ length: 10 }, (_, c) => (c < hits ? [1, 0] : [0, 1]))),
            targets: tf.zeros([10], 'int32'),
            excluded: null,
          };
        },
      },
      variables: () => [w],
      dispose: () => {},
    };
    const progress: number[] = [];
    const before = tf.memory().numTensors;
    const s = await fit(task, { onProgress: (p) => p.validation !== undefined && progress.push(p.validation) });
    expect(progress.map((x) => +x.toFixed(2))).toEqual([0.5, 0.9, 0.2, 0.1]);
    expect(s.epochs).toBe(4);
    expect(w.dataSync()[0]).toBe(2); // after epoch 2, the best one
    expect(tf.memory().numTensors).toBe(before);
    w.dispose();
  });

  it('runs a closed-form model (item-kNN) and stops when aborted, leaving the model as it was', async () => {
    const data: Interactions = {
      numUsers: 3,
      numItems: 200,
      user: Int32Array.from({ length: 600 }, (_, e) => e % 3),
      item: Int32Array.from({ length: 600 }, (_, e) => (e * 7) % 200),
      weight: new Float32Array(600).fill(1),
      time: Float64Array.from({ length: 600 }, (_, e) => e),
    };
    const m = new ItemKNNModel({ numUsers: 3, numItems: 200 });
    const controller = new AbortController();
    const cancelled = await fitModel(m, data, { signal: controller.signal, onProgress: () => controller.abort() });
    expect(cancelled.cancelled).toBe(true);
    expect(cancelled.steps).toBe(64); // the first progress report, after 64 items
    expect((await m.scoreAll({ user: 0, history: Int32Array.from([0]) })).every((x) => x === 0)).toBe(true);
    const steps: number[] = [];
    const done = await fitModel(m, data, { onProgress: (p) => steps.push(p.step) });
    expect(done).toMatchObject({ cancelled: false, epochs: 1, steps: 200, examples: 600 });
    expect(steps.at(-1)).toBe(200);
    expect((await m.scoreAll({ user: 0, history: Int32Array.from([0]) })).some((x) => x > 0)).toBe(true);
  });
});
