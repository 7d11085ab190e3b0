import { describe, expect, it } from 'vitest';
import { isQuotaError, StoreError, toStoreError } from './errors.ts';
import { orderEvents, planImport, randomUid, summarize, toRows } from './events.ts';
import { completeEvent, parseExportFile, parseExportText, type StoredEvent } from './schema.ts';
import { parseChangeMessage } from './changes.ts';
import { requestPersistence, storageEstimate } from './storage.ts';

const ev = (over: Partial<StoredEvent> = {}): StoredEvent => ({
  uid: 'u1',
  itemId: 'item-1',
  kind: 'like',
  value: null,
  ts: 1000,
  session: 's',
  catalogId: 'movies',
  ...over,
});

const defaults = { uid: 'new-uid', ts: 42, session: 'sess' };

function expectStoreError(fn: () => unknown, reason: string, message?: RegExp): StoreError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StoreError);
    const e = err as StoreError;
    expect(e.reason).toBe(reason);
    if (message) expect(e.message).toMatch(message);
    return e;
  }
  throw new Error('expected a StoreError');
}

describe('completeEvent', () => {
  it('fills uid, ts, session and a null value', () => {
    expect(completeEvent({ itemId: 'a', kind: 'view', catalogId: 'c' }, defaults)).toEqual({
      uid: 'new-uid',
      itemId: 'a',
      kind: 'view',
      value: null,
      ts: 42,
      session: 'sess',
      catalogId: 'c',
    });
  });

  it('keeps a given ts and session', () => {
    const e = completeEvent({ itemId: 'a', kind: 'rating', value: 4, ts: 7, session: 'x', catalogId: 'c' }, defaults);
    expect(e).toMatchObject({ value: 4, ts: 7, session: 'x' });
  });

  it.each([
    [{ kind: 'rating' }, /value/],
    [{ kind: 'rating', value: 0 }, /1 to 5/],
    [{ kind: 'rating', value: 6 }, /1 to 5/],
    [{ kind: 'rating', value: 2.5 }, /1 to 5/],
    [{ kind: 'like', value: 1 }, /value/],
    [{ kind: 'purchase' }, /kind/],
    [{ itemId: '' }, /itemId/],
    [{ ts: Number.NaN }, /ts/],
    [{ ts: -5 }, /ts/],
    [{ catalogId: 42 }, /catalogId/],
  ])('rejects %j', (over, message) => {
    const input = { itemId: 'a', kind: 'view', catalogId: 'c', ...over } as never;
    expectStoreError(() => completeEvent(input, defaults), 'invalid-record', message);
  });

  it('rejects non-objects', () => {
    expectStoreError(() => completeEvent(null as never, defaults), 'invalid-record');
  });
});

describe('orderEvents', () => {
  it('orders by insertion (seq), not by time, and counts bad rows', () => {
    const rows = [
      { ...ev({ uid: 'c', ts: 5 }), seq: 3 },
      { ...ev({ uid: 'a', ts: 5 }), seq: 9 },
      { uid: 'bad', kind: 'like' },
      'not even an object',
      { ...ev({ uid: 'b', ts: 1 }), seq: 10 },
      { ...ev({ uid: 'r', kind: 'rating', value: 9 }), seq: 1 },
    ];
    const { events, skipped } = orderEvents(rows);
    expect(events.map((e) => e.uid)).toEqual(['c', 'a', 'b']);
    expect(skipped).toBe(3);
    expect(events[0]).not.toHaveProperty('seq');
  });
});

describe('summarize', () => {
  it('counts kinds and the time span', () => {
    const s = summarize({
      events: [ev({ ts: 30 }), ev({ ts: 10, kind: 'view' }), ev({ ts: 20, kind: 'rating', value: 3 })],
      skipped: 2,
    });
    expect(s).toEqual({
      count: 3,
      oldest: 10,
      newest: 30,
      skipped: 2,
      byKind: { view: 1, open: 0, like: 1, dislike: 0, rating: 1, skip: 0, remove: 0 },
    });
  });

  it('is null-timed when empty', () => {
    expect(summarize({ events: [], skipped: 0 })).toMatchObject({ count: 0, oldest: null, newest: null });
  });
});

describe('planImport / toRows', () => {
  it('skips stored uids and repeats inside the file', () => {
    const plan = planImport(new Set(['a']), [ev({ uid: 'a' }), ev({ uid: 'b' }), ev({ uid: 'b', ts: 9 }), ev({ uid: 'c' })]);
    expect(plan.toAdd.map((e) => e.uid)).toEqual(['b', 'c']);
    expect(plan.toAdd[0]?.ts).toBe(1000);
    expect(plan.duplicates).toBe(2);
  });

  it('numbers rows after the last seq', () => {
    expect(toRows([ev({ uid: 'a' }), ev({ uid: 'b' })], 7).map((r) => r.seq)).toEqual([8, 9]);
  });
});

describe('parseExportFile', () => {
  const good = { format: 'burrow-export', version: 1, exportedAt: 5, events: [ev({ uid: 'a' }), ev({ uid: 'b' })] };

  it('accepts a valid file, as a value or as JSON text', () => {
    expect(parseExportFile(good)).toEqual(good);
    expect(parseExportText(JSON.stringify(good))).toEqual(good);
  });

  it('parses the text once: a JSON string is not an export, even when it encodes one', () => {
    expectStoreError(() => parseExportText('"burrow-export"'), 'invalid-import', /single JSON string/);
    expectStoreError(() => parseExportText(JSON.stringify(JSON.stringify(good))), 'invalid-import', /single JSON string/);
    expectStoreError(() => parseExportText('{"format": '), 'invalid-import', /not valid JSON/);
  });

  it.each([null, 3, 'nonsense {', [], {}, { format: 'other-app', version: 1, events: [] }])(
    'says %j is not a Burrow export',
    (data) => {
      expectStoreError(() => parseExportFile(data), 'invalid-import', /not a Burrow export/);
    },
  );

  it('says when the file is from a newer version', () => {
    expectStoreError(() => parseExportFile({ ...good, version: 3 }), 'invalid-import', /newer version of Burrow/);
  });

  it('names the index and field of a bad event', () => {
    const events = [ev({ uid: 'a' }), ev({ uid: 'b' }), { ...ev({ uid: 'c' }), kind: 'rating', value: 7 }];
    const e = expectStoreError(() => parseExportFile({ ...good, events }), 'invalid-import', /index 2/);
    expect(e.message).toMatch(/"value"/);
    const missing = [{ ...ev(), itemId: undefined }];
    expectStoreError(() => parseExportFile({ ...good, events: missing }), 'invalid-import', /index 0.*"itemId"/);
  });

  it('rejects a missing event list', () => {
    expectStoreError(() => parseExportFile({ ...good, events: undefined }), 'invalid-import', /events/);
  });
});

describe('errors', () => {
  it('maps every known quota signal to reason quota', () => {
    expect(isQuotaError(new DOMException('full', 'QuotaExceededError'))).toBe(true);
    expect(isQuotaError({ name: 'NS_ERROR_DOM_QUOTA_REACHED' })).toBe(true);
    expect(isQuotaError(new DOMException('x', 'AbortError'))).toBe(false);
    const e = toStoreError(new DOMException('full', 'QuotaExceededError'));
    expect(e.reason).toBe('quota');
    expect(e.message).toBe(
      "Your browser's storage is full: the event was not saved. Free some space or export and delete old data.",
    );
    expect(toStoreError(new DOMException('v', 'VersionError')).reason).toBe('version');
    expect(toStoreError(new Error('boom')).reason).toBe('unknown');
  });
});

describe('misc', () => {
  it('builds v4 uuids without randomUUID', () => {
    const uid = randomUid({ getRandomValues: <T extends ArrayBufferView | null>(a: T) => globalThis.crypto.getRandomValues(a as never) as T });
    expect(uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('trusts only well-formed change messages for its database', () => {
    expect(parseChangeMessage({ source: 'burrow-store', db: 'x', kind: 'events' }, 'x')).toBe('events');
    expect(parseChangeMessage({ source: 'burrow-store', db: 'y', kind: 'events' }, 'x')).toBeUndefined();
    expect(parseChangeMessage({ source: 'burrow-store', db: 'x', kind: 'hack' }, 'x')).toBeUndefined();
    expect(parseChangeMessage('events', 'x')).toBeUndefined();
  });

  it('copes with a missing or failing navigator.storage', async () => {
    expect(await storageEstimate(undefined)).toEqual({});
    expect(await requestPersistence(undefined)).toBe(false);
    const storage = {
      estimate: async () => ({ usage: 10, quota: 100 }),
      persisted: async () => true,
      persist: async () => {
        throw new Error('denied');
      },
    };
    expect(await storageEstimate(storage)).toEqual({ usage: 10, quota: 100, persisted: true });
    expect(await requestPersistence(storage)).toBe(false);
  });
});
