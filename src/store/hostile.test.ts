/**
 * Issue 13, store side: clock-skewed and absurd times, capped messages, a full disk at first visit,
 * and a file that is only a JSON string.
 */
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { deriveItemStates } from '../events';
import { MESSAGE_LIMIT } from '../common';
import { openStore, SCHEMA_VERSION, StoreError, type BurrowStore, type ExportFile, type StoredEvent } from './index.ts';
import { MAX_CLOCK_SKEW_MS, parseExportFile } from './schema.ts';

const open: BurrowStore[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
  vi.restoreAllMocks();
});

async function fresh() {
  const idbFactory = new IDBFactory();
  const store = await openStore({ name: 'burrow-hostile', idbFactory });
  open.push(store);
  return { store, idbFactory };
}

async function rejection(p: Promise<unknown>): Promise<StoreError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(StoreError);
    return err as StoreError;
  }
  throw new Error('expected a rejection');
}

const event = (over: Partial<StoredEvent>): StoredEvent => ({
  uid: 'u-1',
  itemId: 'film-1',
  kind: 'like',
  value: null,
  ts: Date.now() - 60_000,
  session: 'other-device',
  catalogId: 'movies',
  ...over,
});

const exportOf = (events: StoredEvent[]): ExportFile => ({ format: 'burrow-export', version: 1, exportedAt: Date.now(), events });

describe('event times (item 1)', () => {
  it('an event from a clock a few hours fast cannot pin an item: a later like still wins', async () => {
    const { store } = await fresh();
    // within the accepted skew, but ahead of every event this device writes for the next hours
    await store.importFile(exportOf([event({ kind: 'dislike', ts: Date.now() + MAX_CLOCK_SKEW_MS / 2 })]));
    await store.append({ itemId: 'film-1', kind: 'like', catalogId: 'movies' });
    const { events } = await store.readEvents();
    expect(deriveItemStates(events).get('film-1')?.reaction).toBe('like');
    await store.append({ itemId: 'film-1', kind: 'dislike', catalogId: 'movies' });
    expect(deriveItemStates((await store.readEvents()).events).get('film-1')?.reaction).toBe('dislike');
  });

  it.each([
    ['50 years ahead', Date.now() + 50 * 365 * 86_400_000, /more than a day in the future/],
    ['1e308', 1e308, /not a valid time/],
    ['one past the largest Date', 8.64e15 + 1, /not a valid time/],
  ])('refuses an imported event dated %s, with the index, and stores nothing', async (_label, ts, message) => {
    const { store } = await fresh();
    await store.append({ itemId: 'kept', kind: 'like', catalogId: 'movies' });
    const before = (await store.readEvents()).events;
    const file = exportOf([event({ uid: 'ok' }), event({ uid: 'bad', ts })]);
    const err = await rejection(store.importFile(file));
    expect(err.reason).toBe('invalid-import');
    expect(err.message).toMatch(/index 1/);
    expect(err.message).toMatch(message);
    expect((await store.readEvents()).events).toEqual(before);
  });

  it('refuses a live write dated beyond the skew, saying why', async () => {
    const { store } = await fresh();
    const err = await rejection(store.append({ itemId: 'x', kind: 'like', ts: Date.now() + 2 * MAX_CLOCK_SKEW_MS, catalogId: 'movies' }));
    expect(err.reason).toBe('invalid-record');
    expect(err.message).toMatch(/more than a day in the future/);
    expect((await store.readEvents()).events).toEqual([]);
  });

  it('migration 3 brings stored far-future times back to the upgrade time and keeps the insertion order', async () => {
    const idbFactory = new IDBFactory();
    const name = 'burrow-v2';
    // a version-2 database as the old code left it, with a future-dated import stored before a like
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const r = idbFactory.open(name, 2);
      r.onupgradeneeded = () => {
        const events = r.result.createObjectStore('events', { keyPath: 'uid' });
        events.createIndex('byTs', 'ts');
        events.createIndex('byItem', 'itemId');
        r.result.createObjectStore('checkpoints', { keyPath: 'key' });
        const meta = r.result.createObjectStore('meta');
        events.put({ ...event({ uid: 'future', kind: 'dislike', ts: Date.now() + 50 * 365 * 86_400_000 }), seq: 1 });
        events.put({ ...event({ uid: 'now', kind: 'like' }), seq: 2 });
        meta.put(2, 'burrow:eventSeq');
      };
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    db.close();
    const before = Date.now();
    const store = await openStore({ name, idbFactory });
    open.push(store);
    const { events, skipped } = await store.readEvents();
    expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(3);
    expect(skipped).toBe(0);
    expect(events.map((e) => e.uid)).toEqual(['future', 'now']);
    expect(events[0]!.ts).toBeGreaterThanOrEqual(before);
    expect(events[0]!.ts).toBeLessThanOrEqual(Date.now());
    expect(deriveItemStates(events).get('film-1')?.reaction).toBe('like');
  });
});

describe('messages quote input within limits (item 5)', () => {
  it('a 2 MB version field gives a short message', () => {
    const huge = 'v'.repeat(2_000_000);
    let message = '';
    try {
      parseExportFile({ format: 'burrow-export', version: huge, exportedAt: 1, events: [] });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/unknown format version/);
    expect(message).toMatch(/2000000 characters/);
    expect(message.length).toBeLessThanOrEqual(MESSAGE_LIMIT);
  });

  it('no StoreError message is longer than the limit', () => {
    expect(new StoreError('unknown', 'x'.repeat(10_000)).message.length).toBeLessThanOrEqual(MESSAGE_LIMIT);
  });
});

describe('a full disk at first visit (item 6)', () => {
  it('says "storage is full" and what to do, not the AbortError of the open request', async () => {
    const idbFactory = new IDBFactory();
    const original = IDBDatabase.prototype.createObjectStore;
    vi.spyOn(IDBDatabase.prototype, 'createObjectStore').mockImplementation(function (this: IDBDatabase, ...args) {
      const store = original.apply(this, args);
      // fake-indexeddb's hook for a transaction aborted with an error, as a full disk does
      (store.transaction as unknown as { _abort(name: string): void })._abort('QuotaExceededError');
      return store;
    });
    const err = await rejection(openStore({ name: 'burrow-full', idbFactory }));
    vi.restoreAllMocks();
    expect(err.reason).toBe('quota');
    expect(err.message).toMatch(/storage is full/);
    expect(err.message).toMatch(/Free some space/);
    expect(err.message).not.toMatch(/Version change transaction/);
    // and once there is space, Burrow starts normally
    const store = await openStore({ name: 'burrow-full', idbFactory });
    open.push(store);
    expect((await store.readEvents()).events).toEqual([]);
  });
});
