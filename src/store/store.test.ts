import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { openDB, wrap, type IDBPDatabase } from 'idb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openStore, StoreError, SCHEMA_VERSION, type BurrowStore, type NewEvent, type StoreChange } from './index.ts';
import { MIGRATIONS, type Migration } from './migrations.ts';

const open: BurrowStore[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
  vi.restoreAllMocks();
});

/** A fresh factory per test is a fresh, empty "browser profile". */
async function fresh(options: Parameters<typeof openStore>[0] = {}) {
  const idbFactory = options.idbFactory ?? new IDBFactory();
  const store = await openStore({ name: 'burrow-test', ...options, idbFactory });
  open.push(store);
  return { store, idbFactory };
}

const like = (itemId: string, ts: number): NewEvent => ({ itemId, kind: 'like', ts, catalogId: 'movies' });

async function rejection(p: Promise<unknown>): Promise<StoreError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(StoreError);
    return err as StoreError;
  }
  throw new Error('expected the promise to reject');
}

/** A raw connection to the same database, to plant records the store would never write. */
async function raw(idbFactory: IDBFactory, name = 'burrow-test'): Promise<IDBPDatabase> {
  const db = await wrap(idbFactory.open(name));
  if (!db) throw new Error('no db');
  return db;
}

/** Makes the n-th (1-based) call of IDBObjectStore.prototype[method] throw a quota error. */
function failNthWith(method: 'add' | 'put', n: number) {
  const original = IDBObjectStore.prototype[method];
  let calls = 0;
  vi.spyOn(IDBObjectStore.prototype, method).mockImplementation(function (this: IDBObjectStore, ...args: [unknown, IDBValidKey?]) {
    if (++calls === n) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    return original.apply(this, args);
  });
}

describe('events', () => {
  it('appends and reads back in insertion order, whatever the times say', async () => {
    const { store } = await fresh({ session: 'sess-1' });
    const first = await store.append({ itemId: 'late', kind: 'view', ts: 500, catalogId: 'movies' });
    expect(first).toMatchObject({ itemId: 'late', kind: 'view', value: null, ts: 500, session: 'sess-1' });
    expect(first.uid).toMatch(/^[0-9a-f-]{36}$/);

    // 30 events sharing one timestamp: random uids would scramble them if order came from the key.
    const ties = Array.from({ length: 30 }, (_, i) => like(`tie-${i}`, 100));
    await store.appendMany(ties.slice(0, 10));
    for (const e of ties.slice(10)) await store.append(e);
    await store.append({ itemId: 'early', kind: 'rating', value: 5, ts: 50, catalogId: 'movies' });

    const { events, skipped } = await store.readEvents();
    expect(skipped).toBe(0);
    expect(events.map((e) => e.itemId)).toEqual(['late', ...ties.map((e) => e.itemId), 'early']);
    expect(events[0]).toEqual(first);
  });

  it("keeps a caller's own uid, so a retried write can be recognised", async () => {
    const { store } = await fresh();
    const stored = await store.append({ uid: 'mine-1', itemId: 'a', kind: 'like', catalogId: 'movies' });
    expect(stored.uid).toBe('mine-1');
    expect((await store.readEvents()).events.map((e) => e.uid)).toEqual(['mine-1']);
    await expect(store.append({ uid: '', itemId: 'a', kind: 'like', catalogId: 'movies' })).rejects.toThrow(/uid/);
  });

  it('stamps time and session when not given', async () => {
    const { store } = await fresh();
    const before = Date.now();
    const e = await store.append({ itemId: 'a', kind: 'open', catalogId: 'movies' });
    expect(e.ts).toBeGreaterThanOrEqual(before);
    expect(e.session).toBe(store.session);
  });

  it('rejects invalid events and writes nothing', async () => {
    const { store } = await fresh();
    await store.append(like('keep', 1));
    const bad = await rejection(store.append({ itemId: 'a', kind: 'rating', value: 6, catalogId: 'movies' }));
    expect(bad.reason).toBe('invalid-record');
    expect(bad.message).toMatch(/value/);
    const batch = await rejection(
      store.appendMany([like('a', 1), { itemId: 'b', kind: 'like', value: 3, catalogId: 'movies' }, like('c', 1)]),
    );
    expect(batch.reason).toBe('invalid-record');
    expect(batch.message).toMatch(/index 1/);
    expect((await store.readEvents()).events.map((e) => e.itemId)).toEqual(['keep']);
  });

  it('skips and counts damaged stored records', async () => {
    const { store, idbFactory } = await fresh();
    await store.appendMany([like('a', 1), like('b', 2)]);
    const db = await raw(idbFactory);
    await db.put('events', { uid: 'x1', itemId: 'z', kind: 'teleport', value: null, ts: 3, session: 's', catalogId: 'm' });
    await db.put('events', { uid: 'x2', itemId: 'z', kind: 'rating', value: 11, ts: 3, session: 's', catalogId: 'm' });
    await db.put('events', { uid: 'x3' });
    await db.put('events', { uid: 'x4', itemId: 'z', kind: 'like', value: null, ts: 'yesterday', session: 's', catalogId: 'm' });
    db.close();

    const { events, skipped } = await store.readEvents();
    expect(events.map((e) => e.itemId)).toEqual(['a', 'b']);
    expect(skipped).toBe(4);
    expect((await store.stats()).skipped).toBe(4);
  });

  it('computes stats', async () => {
    const { store } = await fresh();
    expect(await store.stats()).toMatchObject({ count: 0, oldest: null, newest: null });
    await store.appendMany([
      like('a', 300),
      { itemId: 'b', kind: 'rating', value: 2, ts: 100, catalogId: 'movies' },
      { itemId: 'c', kind: 'skip', ts: 200, catalogId: 'movies' },
      like('d', 250),
    ]);
    expect(await store.stats()).toEqual({
      count: 4,
      oldest: 100,
      newest: 300,
      skipped: 0,
      byKind: { view: 0, open: 0, like: 2, dislike: 0, rating: 1, skip: 1, remove: 0 },
    });
  });
});

describe('export and import', () => {
  it('round-trips export -> clear -> import to identical events', async () => {
    const { store } = await fresh();
    await store.appendMany([like('a', 10), like('b', 10), like('c', 5)]);
    await store.append({ itemId: 'd', kind: 'rating', value: 3, ts: 10, catalogId: 'movies' });
    const before = (await store.readEvents()).events;

    const file = await store.exportAll();
    expect(file).toMatchObject({ format: 'burrow-export', version: 1 });
    const text = JSON.stringify(file);
    await store.clearAll();
    expect((await store.readEvents()).events).toEqual([]);

    expect(await store.importFile(JSON.parse(text))).toEqual({ added: 4, duplicates: 0 });
    expect((await store.readEvents()).events).toEqual(before);
  });

  it('counts duplicates on re-import and does not double them', async () => {
    const { store } = await fresh();
    await store.appendMany([like('a', 1), like('b', 2)]);
    const file = await store.exportAll();
    expect(await store.importFile(file)).toEqual({ added: 0, duplicates: 2 });

    const other = await fresh({ name: 'other-profile' });
    await other.store.append(like('c', 3));
    const merged = { ...file, events: [...file.events, ...(await other.store.exportAll()).events] };
    expect(await store.importFile(merged)).toEqual({ added: 1, duplicates: 2 });
    expect((await store.readEvents()).events.map((e) => e.itemId)).toEqual(['a', 'b', 'c']);
  });

  it('rejects malformed or foreign files and leaves data intact', async () => {
    const { store } = await fresh();
    await store.appendMany([like('a', 1), like('b', 2)]);
    const file = await store.exportAll();
    const before = await store.readEvents();

    const foreign = await rejection(store.importFile({ format: 'spotify-dump', events: [] }));
    expect(foreign.reason).toBe('invalid-import');
    expect(foreign.message).toMatch(/not a Burrow export/);

    const newer = await rejection(store.importFile({ ...file, version: 2 }));
    expect(newer.message).toMatch(/newer version/);

    // The bad event is last, so a non-atomic import would already have written the good ones.
    const fresh1 = { ...file.events[0]!, uid: 'new-1' };
    const damaged = { ...file, events: [fresh1, { ...fresh1, uid: 'new-2', ts: 'noon' }] };
    const bad = await rejection(store.importFile(damaged));
    expect(bad.reason).toBe('invalid-import');
    expect(bad.message).toMatch(/index 1/);
    expect(bad.message).toMatch(/"ts"/);

    expect((await rejection(store.importFile('{not json'))).reason).toBe('invalid-import');
    expect(await store.readEvents()).toEqual(before);
  });
});

describe('quota errors', () => {
  it('maps QuotaExceededError on a write and leaves no partial batch', async () => {
    const { store } = await fresh();
    await store.append(like('existing', 1));
    const changes: StoreChange[] = [];
    store.onChange((c) => changes.push(c));

    failNthWith('add', 3);
    const err = await rejection(store.appendMany([like('a', 2), like('b', 3), like('c', 4), like('d', 5)]));
    vi.restoreAllMocks();

    expect(err.reason).toBe('quota');
    expect(err.message).toBe(
      "Your browser's storage is full: the events were not saved. Free some space or export and delete old data.",
    );
    expect((await store.readEvents()).events.map((e) => e.itemId)).toEqual(['existing']);
    expect(changes).toEqual([]);
    // The sequence counter rolled back too, so later writes still order correctly.
    await store.appendMany([like('e', 9), like('f', 9)]);
    expect((await store.readEvents()).events.map((e) => e.itemId)).toEqual(['existing', 'e', 'f']);
  });

  it('maps a quota abort of the whole transaction (requests only see AbortError)', async () => {
    const { store } = await fresh();
    await store.append(like('existing', 1));
    const original = IDBObjectStore.prototype.add;
    vi.spyOn(IDBObjectStore.prototype, 'add').mockImplementation(function (this: IDBObjectStore, ...args: [unknown, IDBValidKey?]) {
      const request = original.apply(this, args);
      // How browsers report a full disk at commit: fake-indexeddb's internal abort-with-error hook.
      (this.transaction as unknown as { _abort(name: string): void })._abort('QuotaExceededError');
      return request;
    });
    const err = await rejection(store.appendMany([like('a', 2), like('b', 3)]));
    vi.restoreAllMocks();
    expect(err.reason).toBe('quota');
    expect((await store.readEvents()).events.map((e) => e.itemId)).toEqual(['existing']);
  });

  it('maps quota on a single append', async () => {
    const { store } = await fresh();
    failNthWith('add', 1);
    const err = await rejection(store.append(like('a', 1)));
    expect(err.reason).toBe('quota');
    expect(err.message).toMatch(/the event was not saved/);
  });

  it('rolls back a whole import when the disk fills half way', async () => {
    const { store } = await fresh();
    await store.append(like('existing', 1));
    const file = await store.exportAll();
    const events = Array.from({ length: 20 }, (_, i) => ({ ...file.events[0]!, uid: `imp-${i}`, itemId: `imp-${i}` }));
    failNthWith('add', 15);
    const err = await rejection(store.importFile({ ...file, events }));
    vi.restoreAllMocks();
    expect(err.reason).toBe('quota');
    expect(err.message).toMatch(/the import was not saved/);
    expect((await store.readEvents()).events.map((e) => e.itemId)).toEqual(['existing']);
  });

  it('maps quota on a checkpoint save', async () => {
    const { store } = await fresh();
    failNthWith('put', 1);
    const err = await rejection(store.saveCheckpoint(checkpoint('k')));
    expect(err.reason).toBe('quota');
    vi.restoreAllMocks();
    expect(await store.listCheckpoints()).toEqual([]);
  });
});

function checkpoint(key: string, createdAt = 1) {
  return {
    key,
    modelName: 'embedding',
    catalogId: 'movies',
    configHash: 'abc',
    createdAt,
    meta: { epochs: 3, note: 'x' },
    weights: new Float32Array([1, 2, 3.5]).buffer,
  };
}

describe('clearAll, checkpoints, meta', () => {
  it('clearAll deletes events, checkpoints and meta', async () => {
    const { store } = await fresh();
    await store.append(like('a', 1));
    await store.saveCheckpoint(checkpoint('k'));
    await store.setMeta('lastTrainedAt', 123);
    await store.clearAll();
    expect(await store.readEvents()).toEqual({ events: [], skipped: 0 });
    expect(await store.listCheckpoints()).toEqual([]);
    expect(await store.getMeta('lastTrainedAt')).toBeUndefined();
    // Appending after a clear still works (the sequence counter restarts).
    await store.appendMany([like('b', 1), like('c', 1)]);
    expect((await store.readEvents()).events.map((e) => e.itemId)).toEqual(['b', 'c']);
  });

  it('round-trips checkpoints with ArrayBuffer weights', async () => {
    const { store } = await fresh();
    await store.saveCheckpoint(checkpoint('old', 1));
    const named = {
      ...checkpoint('new', 2),
      weights: { emb: new Float32Array([0.5, -1]).buffer, bias: new Uint8Array([7]).buffer },
    };
    await store.saveCheckpoint(named);

    const loaded = await store.loadCheckpoint('old');
    expect(loaded?.weights).toBeInstanceOf(ArrayBuffer);
    expect(Array.from(new Float32Array(loaded!.weights as ArrayBuffer))).toEqual([1, 2, 3.5]);
    expect(loaded?.meta).toEqual({ epochs: 3, note: 'x' });
    const loadedNamed = await store.loadCheckpoint('new');
    const w = loadedNamed?.weights as Record<string, ArrayBuffer>;
    expect(Array.from(new Float32Array(w.emb!))).toEqual([0.5, -1]);

    const list = await store.listCheckpoints();
    expect(list.map((c) => [c.key, c.weightBytes])).toEqual([
      ['new', 9],
      ['old', 12],
    ]);
    expect(list[0]).not.toHaveProperty('weights');

    await store.deleteCheckpoint('old');
    expect(await store.loadCheckpoint('old')).toBeUndefined();
    expect((await store.listCheckpoints()).map((c) => c.key)).toEqual(['new']);

    const bad = await rejection(store.saveCheckpoint({ ...checkpoint('x'), weights: [1, 2] as never }));
    expect(bad.reason).toBe('invalid-record');
  });

  it('stores meta values and protects reserved keys', async () => {
    const { store } = await fresh();
    expect(await store.getMeta('x')).toBeUndefined();
    await store.setMeta('x', { a: [1, 2] });
    expect(await store.getMeta<{ a: number[] }>('x')).toEqual({ a: [1, 2] });
    expect((await rejection(store.setMeta('burrow:eventSeq', 0))).reason).toBe('invalid-record');
    expect((await rejection(store.setMeta('fn', () => 1))).reason).toBe('unknown');
  });
});

describe('migrations', () => {
  it('upgrades a version-1 database, keeping its events', async () => {
    const name = `burrow-v1-${Math.random()}`;
    const v1 = await openDB(name, 1, {
      upgrade(db) {
        db.createObjectStore('events', { keyPath: 'uid' }).createIndex('byTs', 'ts');
      },
    });
    const row = (uid: string, itemId: string, ts: number) => ({
      uid,
      itemId,
      kind: 'like',
      value: null,
      ts,
      session: 's',
      catalogId: 'movies',
    });
    await v1.put('events', row('u-b', 'second', 20));
    await v1.put('events', row('u-a', 'first', 10));
    await v1.put('events', { uid: 'u-bad', note: 'garbage from a bug in version 1' });
    v1.close();

    // No idbFactory: the default global indexedDB path.
    const store = await openStore({ name });
    open.push(store);
    const { events, skipped } = await store.readEvents();
    expect(events.map((e) => e.uid)).toEqual(['u-a', 'u-b']);
    expect(events[0]).toEqual(row('u-a', 'first', 10));
    expect(skipped).toBe(1);

    // Migrated events keep their order relative to new ones with the same time.
    await store.append(like('third', 20));
    expect((await store.readEvents()).events.map((e) => e.itemId)).toEqual(['first', 'second', 'third']);
    await store.saveCheckpoint(checkpoint('k'));
    await store.setMeta('m', 1);
    store.close();

    const db = await openDB(name);
    expect(db.version).toBe(SCHEMA_VERSION);
    expect([...db.objectStoreNames].sort()).toEqual(['checkpoints', 'events', 'meta']);
    const tx = db.transaction('events');
    expect([...tx.store.indexNames].sort()).toEqual(['byItem', 'byTs']);
    expect((await tx.store.index('byItem').getAll('first')).map((e: { uid: string }) => e.uid)).toEqual(['u-a']);
    db.close();
  });

  it('rolls a failed migration back completely', async () => {
    const idbFactory = new IDBFactory();
    const request = idbFactory.open('burrow-test', 1);
    request.onupgradeneeded = () => {
      const events = request.result.createObjectStore('events', { keyPath: 'uid' });
      events.createIndex('byTs', 'ts');
      events.put({ uid: 'u', itemId: 'a', kind: 'like', value: null, ts: 1, session: 's', catalogId: 'm' });
    };
    (await wrap(request))?.close();

    const steps = MIGRATIONS as Record<number, Migration>;
    const real = steps[2]!;
    steps[2] = async (db, tx) => {
      await real(db, tx);
      throw new Error('boom');
    };
    try {
      const err = await rejection(openStore({ name: 'burrow-test', idbFactory }));
      expect(err.reason).toBe('unknown');
      expect(err.message).toMatch(/could not upgrade.*boom.*unchanged/);
    } finally {
      steps[2] = real;
    }
    const db = await raw(idbFactory);
    expect(db.version).toBe(1);
    expect([...db.objectStoreNames]).toEqual(['events']);
    expect(await db.getAll('events')).toHaveLength(1);
    db.close();

    const { store } = await fresh({ idbFactory });
    expect((await store.readEvents()).events.map((e) => e.uid)).toEqual(['u']);
  });

  it('refuses a database from a newer Burrow with reason version', async () => {
    const idbFactory = new IDBFactory();
    const db = await wrap(idbFactory.open('burrow-test', SCHEMA_VERSION + 5));
    db?.close();
    const err = await rejection(openStore({ name: 'burrow-test', idbFactory }));
    expect(err.reason).toBe('version');
    expect(err.message).toMatch(/newer version of Burrow/);
  });
});

describe('two tabs', () => {
  it('notifies other connections of committed changes', async () => {
    const { store: tabA, idbFactory } = await fresh();
    const { store: tabB } = await fresh({ idbFactory });
    const { store: unrelated } = await fresh({ name: 'someone-else' });
    const seenByB: StoreChange[] = [];
    const seenByA: StoreChange[] = [];
    const seenByOther: StoreChange[] = [];
    tabB.onChange((c) => seenByB.push(c));
    const unsubscribe = tabA.onChange((c) => seenByA.push(c));
    unrelated.onChange((c) => seenByOther.push(c));

    await tabA.append(like('a', 1));
    await vi.waitFor(() => expect(seenByB).toEqual([{ kind: 'events', origin: 'other' }]));
    expect(seenByA).toEqual([{ kind: 'events', origin: 'self' }]);

    unsubscribe();
    await tabB.clearAll();
    await vi.waitFor(() => expect(seenByB.at(-1)).toEqual({ kind: 'clear', origin: 'self' }));
    await new Promise((r) => setTimeout(r, 20));
    expect(seenByA).toHaveLength(1);
    expect(seenByOther).toEqual([]);
  });

  it('closes on versionchange so the other tab can upgrade, and says so', async () => {
    const onVersionChange = vi.fn();
    const { store, idbFactory } = await fresh({ onVersionChange });
    await store.append(like('a', 1));

    const newer = await wrap(idbFactory.open('burrow-test', SCHEMA_VERSION + 1));
    expect(newer?.version).toBe(SCHEMA_VERSION + 1);
    newer?.close();
    expect(onVersionChange).toHaveBeenCalledOnce();
    const err = await rejection(store.readEvents());
    expect(err.reason).toBe('version');
    expect(err.message).toMatch(/another tab/);
  });

  it('reports a blocked upgrade and gives up after the timeout', async () => {
    const idbFactory = new IDBFactory();
    // An old tab on version 1 that never closes its connection.
    const request = idbFactory.open('burrow-test', 1);
    request.onupgradeneeded = () => request.result.createObjectStore('events', { keyPath: 'uid' }).createIndex('byTs', 'ts');
    const stale = await wrap(request);

    const onBlocked = vi.fn();
    const err = await rejection(openStore({ name: 'burrow-test', idbFactory, onBlocked, blockedTimeoutMs: 50 }));
    expect(onBlocked).toHaveBeenCalled();
    expect(err.reason).toBe('blocked');
    expect(err.message).toMatch(/another tab/);

    // Once the old tab goes away the abandoned open completes and releases itself, blocking no one.
    stale?.close();
    await new Promise((r) => setTimeout(r, 20));
    const { store } = await fresh({ idbFactory, blockedTimeoutMs: 50 });
    expect((await store.readEvents()).events).toEqual([]);
  });

  it('fails clearly after close()', async () => {
    const { store } = await fresh();
    store.close();
    expect((await rejection(store.append(like('a', 1)))).reason).toBe('unknown');
  });
});
