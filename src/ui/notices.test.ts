import { describe, expect, it } from 'vitest';
import { addNotice, isStorageFull, MAX_NOTICES, type Notice } from './session';
import { formatDate, formatTime } from './format';

describe('addNotice (item 8: repeats merge, the stack stays short)', () => {
  it('merges a repeat into one notice with a count, moved to the newest place', () => {
    let notices: Notice[] = [];
    notices = addNotice(notices, 'error', 'Training did not run: storage is full', 1);
    notices = addNotice(notices, 'info', 'Imported 3 event(s)', 2);
    notices = addNotice(notices, 'error', 'Training did not run: storage is full', 3);
    expect(notices.map((n) => [n.text, n.count])).toEqual([
      ['Imported 3 event(s)', 1],
      ['Training did not run: storage is full', 2],
    ]);
  });

  it('a message in another tone is not a repeat', () => {
    const notices = addNotice(addNotice([], 'error', 'x', 1), 'info', 'x', 2);
    expect(notices).toHaveLength(2);
  });

  it(`keeps at most ${MAX_NOTICES}, dropping the oldest`, () => {
    let notices: Notice[] = [];
    for (let i = 0; i < 10; i++) notices = addNotice(notices, 'error', `m${i}`, i);
    expect(notices.map((n) => n.text)).toEqual(['m7', 'm8', 'm9']);
  });
});

describe('isStorageFull', () => {
  it('recognises the store quota message, also across the worker', () => {
    expect(isStorageFull("Your browser's storage is full: the model was not saved. Free some space.")).toBe(true);
    expect(isStorageFull('Another Burrow tab is training right now')).toBe(false);
  });
});

describe('dates that are not dates (item 8)', () => {
  it('shows "unknown", never "Invalid Date"', () => {
    expect(formatDate('not a date')).toBe('unknown');
    expect(formatTime(1e308)).toBe('unknown');
    expect(formatDate('2025-06-01T00:00:00.000Z')).not.toBe('unknown');
  });
});
