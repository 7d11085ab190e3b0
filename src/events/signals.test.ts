import { describe, expect, it } from 'vitest';
import { deriveItemStates, isJudged, likeMoments, signalStrength, withEvent, type EventLike } from './signals';

const ev = (itemId: string, kind: EventLike['kind'], ts: number, value: number | null = null): EventLike => ({
  itemId,
  kind,
  value,
  ts,
});

describe('event signals', () => {
  it('withEvent folds one more event as deriveItemStates would, leaving the states it was given as they were', () => {
    const log = [ev('a', 'open', 1), ev('a', 'like', 2), ev('b', 'rating', 3, 4), ev('a', 'remove', 4), ev('c', 'skip', 5), ev('b', 'like', 6)];
    let states = deriveItemStates([]);
    for (const [i, e] of log.entries()) {
      const before = structuredClone(states);
      const next = withEvent(states, e);
      expect(states).toEqual(before);
      expect(next).toEqual(deriveItemStates(log.slice(0, i + 1)));
      states = next;
    }
  });

  it('keeps the latest reaction and rating per item', () => {
    const states = deriveItemStates([ev('a', 'like', 1), ev('a', 'dislike', 2), ev('b', 'rating', 3, 4), ev('b', 'rating', 4, 2)]);
    expect(states.get('a')?.reaction).toBe('dislike');
    expect(states.get('b')?.rating).toBe(2);
    expect(signalStrength(states.get('a')!)).toBeLessThan(0);
    expect(signalStrength(states.get('b')!)).toBeLessThan(0);
  });

  it('remove forgets explicit signals but opens still count as weak interest', () => {
    const states = deriveItemStates([ev('a', 'open', 1), ev('a', 'like', 2), ev('a', 'rating', 3, 5), ev('a', 'remove', 4)]);
    const a = states.get('a')!;
    expect(a.reaction).toBeNull();
    expect(a.rating).toBeNull();
    expect(isJudged(a)).toBe(false);
    expect(signalStrength(a)).toBeGreaterThan(0);
    expect(signalStrength(a)).toBeLessThan(0.5);
  });

  it('clips strength to [-1, 1] and treats skips as weak negatives', () => {
    const liked = deriveItemStates([ev('a', 'like', 1), ev('a', 'rating', 2, 5)]).get('a')!;
    expect(signalStrength(liked)).toBe(1);
    const skipped = deriveItemStates([ev('b', 'skip', 1)]).get('b')!;
    expect(signalStrength(skipped)).toBeCloseTo(-0.3);
    expect(isJudged(skipped)).toBe(true);
  });

  it('finds each moment an item became a like, with the states just before it', () => {
    const log = [
      ev('a', 'rating', 1, 5), // a like
      ev('b', 'rating', 2, 3), // neutral: not a like
      ev('c', 'like', 3),
      ev('c', 'open', 4), // c was a like already: no new moment
      ev('b', 'rating', 5, 4), // b becomes a like
      ev('d', 'dislike', 6),
    ];
    const moments = likeMoments(log, 10);
    expect(moments.map((m) => m.itemId)).toEqual(['a', 'c', 'b']);
    expect([...moments[0]!.before.keys()]).toEqual([]);
    expect([...moments[1]!.before.keys()]).toEqual(['a', 'b']);
    expect(moments[2]!.before.get('b')?.rating).toBe(3); // the state before the change, not after
    expect(moments[2]!.before.get('c')?.opens).toBe(1);
    // only the most recent are kept, and the snapshots are copies, not the live states
    expect(likeMoments(log, 2).map((m) => m.itemId)).toEqual(['c', 'b']);
    expect(likeMoments(log, 0)).toEqual([]);
  });
});
