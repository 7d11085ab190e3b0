import { describe, expect, it } from 'vitest';
import type { Interactions, Recommender } from '../contract';
import { ItemKNNModel } from './itemknn';
import { PopularityModel } from './popularity';

/** [user, item, weight] rows -> Interactions (time = row order). */
function log(rows: [number, number, number?][], numUsers: number, numItems: number): Interactions {
  return {
    numUsers,
    numItems,
    user: Int32Array.from(rows.map((r) => r[0])),
    item: Int32Array.from(rows.map((r) => r[1])),
    weight: Float32Array.from(rows.map((r) => r[2] ?? 1)),
    time: Float64Array.from(rows.map((_, k) => k)),
  };
}

const q = (history: number[]) => ({ user: 0, history: Int32Array.from(history) });

/**
 * Runs a closed-form model's train task to its end, step by step (the trainer, src/training's
 * fit, adds progress, cancel and the clock; see training/fit.test.ts).
 */
function train(model: Recommender, data: Interactions): { examples: number } {
  const task = model.createTrainTask(data);
  let examples = 0;
  for (let s = 0; s < task.stepsPerEpoch; s++) examples += task.step().examples;
  task.dispose();
  return { examples };
}

describe('PopularityModel', () => {
  it('scores items by their count of positive training events', async () => {
    const m = new PopularityModel({ numUsers: 3, numItems: 4 });
    const summary = train(m, log([[0, 1], [1, 1], [2, 1], [0, 2], [1, 2], [2, 3, -1]], 3, 4));
    expect(summary.examples).toBe(5);
    const s = await m.scoreAll(q([1]));
    expect(Array.from(s)).toEqual([0, 3, 2, 0]);
    s[1] = -1; // callers may mutate their copy
    expect((await m.scoreAll(q([])))[1]).toBe(3);
    expect(m.name).toBe('pop');
  });

  it('rejects unknown config keys and mismatched data', async () => {
    expect(() => new PopularityModel({ numUsers: 1, numItems: 1, config: { k: 3 } })).toThrow(
      /pop config/,
    );
    const m = new PopularityModel({ numUsers: 1, numItems: 2 });
    expect(() => m.createTrainTask(log([[0, 0]], 1, 3))).toThrow(/built for 1 users x 2 items/);
  });
});

describe('ItemKNNModel', () => {
  // u0: {0,1}, u1: {0,1,2} (item 1 twice: repeats count once), u2: {1,2}; u3 dislikes 0
  // support n0=2, n1=3, n2=2; co(0,1)=2, co(0,2)=1, co(1,2)=2
  const data = log(
    [[0, 0], [0, 1], [1, 0], [1, 1], [1, 1], [1, 2], [2, 1], [2, 2], [3, 0, -1]],
    4,
    3,
  );
  const s01 = 2 / Math.sqrt(6);
  const s02 = 1 / 2;
  const s12 = 2 / Math.sqrt(6);

  it('sums cosine similarities over distinct history items', async () => {
    const m = new ItemKNNModel({ numUsers: 4, numItems: 3, config: { shrink: 0 } });
    train(m, data);
    const a = await m.scoreAll(q([0]));
    expect(a[0]).toBe(0);
    expect(a[1]).toBeCloseTo(s01, 6);
    expect(a[2]).toBeCloseTo(s02, 6);
    // history [0, 2, 0]: the repeat of 0 counts once
    const b = await m.scoreAll(q([0, 2, 0]));
    expect(b[0]).toBeCloseTo(s02, 6); // from item 2
    expect(b[1]).toBeCloseTo(s01 + s12, 6);
    expect(b[2]).toBeCloseTo(s02, 6); // from item 0
  });

  it('applies the shrink term', async () => {
    const m = new ItemKNNModel({ numUsers: 4, numItems: 3, config: { shrink: 10 } });
    train(m, data);
    const a = await m.scoreAll(q([0]));
    expect(a[1]).toBeCloseTo(2 / (Math.sqrt(6) + 10), 6);
    expect(a[2]).toBeCloseTo(1 / (2 + 10), 6);
  });

  it('keeps only the top-k neighbours per item (ties to the lower index)', async () => {
    const m = new ItemKNNModel({ numUsers: 4, numItems: 3, config: { k: 1, shrink: 0 } });
    train(m, data);
    // item 0's best neighbour is 1; item 2 is pruned
    expect(Array.from(await m.scoreAll(q([0])), (x) => +x.toFixed(6))).toEqual([0, +s01.toFixed(6), 0]);
    // item 1 ties between 0 and 2 -> keeps 0
    expect(Array.from(await m.scoreAll(q([1])), (x) => +x.toFixed(6))).toEqual([+s01.toFixed(6), 0, 0]);
  });

  it('validates its config', async () => {
    expect(() => new ItemKNNModel({ numUsers: 1, numItems: 1, config: { k: 0 } })).toThrow(
      /itemknn config: "k"/,
    );
    expect(() => new ItemKNNModel({ numUsers: 1, numItems: 1, config: { shrink: -1 } })).toThrow(
      /"shrink"/,
    );
    expect(() => new ItemKNNModel({ numUsers: 1, numItems: 1, config: { nope: 1 } })).toThrow(
      /itemknn config/,
    );
    const m = new ItemKNNModel({ numUsers: 4, numItems: 3 });
    expect(m.config).toEqual({ k: 100, shrink: 10 });
    await expect(m.scoreAll(q([7]))).rejects.toThrow(RangeError);
  });
});
