import { describe, expect, it } from 'vitest';
import type { Interactions } from '../models';
import { onDeviceSplit, restrictUsers } from './run';

/** 10 users with 4 time-ordered events each: user u saw items u, u+1, u+2, u+3. */
function fixture(): Interactions {
  const user: number[] = [];
  const item: number[] = [];
  for (let u = 0; u < 10; u++) for (let k = 0; k < 4; k++) (user.push(u), item.push(u + k));
  const n = user.length;
  return {
    numUsers: 10,
    numItems: 13,
    user: Int32Array.from(user),
    item: Int32Array.from(item),
    weight: new Float32Array(n).fill(1),
    time: Float64Array.from({ length: n }, (_, i) => i),
  };
}

describe('on-device evaluation split', () => {
  it('restricts interactions to a set of users', () => {
    const kept = restrictUsers(fixture(), new Set([2, 5]));
    expect([...kept.user]).toEqual([2, 2, 2, 2, 5, 5, 5, 5]);
    expect([...kept.item]).toEqual([2, 3, 4, 5, 5, 6, 7, 8]);
  });

  it('trains on base users only and tests device users as strangers carrying their own history', () => {
    const split = onDeviceSplit(fixture(), 0.3, 7);
    const deviceUsers = new Set(split.test.map((c) => c.history[0]!)); // user u's history starts at item u
    const baseUsers = new Set(split.trainWithValidation.user);
    expect(split.test.length).toBeGreaterThan(0);
    expect(baseUsers.size).toBeGreaterThan(0);
    for (const u of deviceUsers) expect(baseUsers.has(u)).toBe(false);
    for (const c of split.test) {
      expect(c.user).toBe(-1);
      const u = c.history[0]!;
      expect([...c.history]).toEqual([u, u + 1, u + 2]); // train + validation events, replayed
      expect(c.target).toBe(u + 3);
    }
    expect(split.validation.every((c) => c.user === -1 && c.history.length === 2)).toBe(true);
    expect(split.test.length + baseUsers.size).toBe(10);
  });
});
