import { describe, expect, it } from 'vitest';
import type { Interactions } from '../models';
import { leaveOneOutSplit } from './split';

/** Builds Interactions from [user, item, time] triples in "file order". */
function log(rows: [number, number, number][], numUsers: number, numItems: number): Interactions {
  return {
    numUsers,
    numItems,
    user: Int32Array.from(rows.map((r) => r[0])),
    item: Int32Array.from(rows.map((r) => r[1])),
    weight: Float32Array.from(rows.map(() => 1)),
    time: Float64Array.from(rows.map((r) => r[2])),
  };
}

const pairs = (d: Interactions) => Array.from(d.user, (u, k) => [u, d.item[k], d.time[k]]);

describe('leaveOneOutSplit', () => {
  // user 0: 4 events out of order; user 1: 2 events (training-only); user 2: 3 events with a tie
  const data = log(
    [
      [0, 3, 40],
      [1, 0, 5],
      [0, 1, 10],
      [2, 4, 7],
      [0, 2, 30],
      [2, 5, 9], // tie at t=9 with the next row: file order decides -> 5 before 6
      [0, 0, 20],
      [1, 2, 6],
      [2, 6, 9],
    ],
    3,
    7,
  );
  const split = leaveOneOutSplit(data);

  it('takes the last event as test and the second to last as validation, by time', () => {
    expect(split.test).toHaveLength(2);
    expect(split.validation).toHaveLength(2);
    const [t0, t2] = split.test;
    const [v0, v2] = split.validation;
    // user 0 by time: 1 (10), 0 (20), 2 (30), 3 (40)
    expect(t0!.user).toBe(0);
    expect(t0!.target).toBe(3);
    expect(Array.from(t0!.history)).toEqual([1, 0, 2]);
    expect(v0!.target).toBe(2);
    expect(Array.from(v0!.history)).toEqual([1, 0]);
    // user 2 by time, ties in file order: 4 (7), 5 (9), 6 (9)
    expect(t2!.user).toBe(2);
    expect(t2!.target).toBe(6);
    expect(Array.from(t2!.history)).toEqual([4, 5]);
    expect(v2!.target).toBe(5);
    expect(Array.from(v2!.history)).toEqual([4]);
  });

  it('keeps users with fewer than 3 events for training only', () => {
    expect(split.test.some((c) => c.user === 1)).toBe(false);
    expect(pairs(split.train).filter((p) => p[0] === 1)).toEqual([
      [1, 0, 5],
      [1, 2, 6],
    ]);
  });

  it('builds train and train+validation grouped by user, sorted by time', () => {
    expect(pairs(split.train)).toEqual([
      [0, 1, 10],
      [0, 0, 20],
      [1, 0, 5],
      [1, 2, 6],
      [2, 4, 7],
    ]);
    expect(pairs(split.trainWithValidation)).toEqual([
      [0, 1, 10],
      [0, 0, 20],
      [0, 2, 30],
      [1, 0, 5],
      [1, 2, 6],
      [2, 4, 7],
      [2, 5, 9],
    ]);
    expect(split.train.numUsers).toBe(3);
    expect(split.train.numItems).toBe(7);
    expect(Array.from(split.train.weight)).toEqual([1, 1, 1, 1, 1]);
  });

  it('handles an empty log and rejects ragged columns', () => {
    const empty = leaveOneOutSplit(log([], 0, 0));
    expect(empty.test).toEqual([]);
    expect(empty.train.user.length).toBe(0);
    const bad = { ...log([[0, 0, 0]], 1, 1), time: new Float64Array(2) };
    expect(() => leaveOneOutSplit(bad)).toThrow(/differ in length/);
  });
});
