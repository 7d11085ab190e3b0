/**
 * Issue 13, engine side, in Node on the cpu backend: packs that do not fit are refused at load
 * (the previous base stays), a failing training leaves the trainer usable, and fold-in (one like a
 * tick, each followed by a ranking) overlapping the end of training never breaks either. Issue 11:
 * the engine is the one writer of events and a click reads nothing from the store.
 */
import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { parseCatalog, type Catalog } from '../catalog';
import type { SerializedTensor, SerializedWeights } from '../common';
import { createEmbeddingModel } from '../models';
import { appCatalogFeatures } from '../packs';
import { decodePack, encodePack, encodeSealedPack, manifestInputOf, withManifest, type PackManifestInput } from '../packs';
import { PRIOR_WEIGHTS } from '../ranking';
import { BurrowStore, openStore } from '../store';
import { DEFAULT_ENGINE_DEPS, Engine } from './engine';
import { PERSONAL_CONFIG, PersonalModel } from './personal-model';
import type { EngineNotice } from './protocol';

const GENRES = ['Drama', 'Comedy', 'Horror', 'Western'];
const N = 40;

function tinyCatalog(): Catalog {
  return parseCatalog({
    format: 'burrow-catalog',
    version: 1,
    id: 'tiny@1-engine',
    name: 'Tiny',
    description: 'test catalog',
    itemNoun: 'film',
    license: 'CC0-1.0',
    provenance: 'made up for a test',
    facets: { genre: { label: 'Genre' } },
    numericFields: { rating: { label: 'Rating', min: 0, max: 10 } },
    items: Array.from({ length: N }, (_, i) => ({
      id: `film-${i}`,
      title: `Film ${i}`,
      year: 1950 + (i % 6) * 10,
      tags: [`genre:${GENRES[i % 4]}`],
      numeric: { rating: (i * 7) % 10 },
      popularity: ((i * 37) % N) / N,
    })),
  });
}

let catalog: Catalog;
/** the item side of a model built exactly as the app builds it */
let base: SerializedWeights;

function manifest(models: PackManifestInput['models']): PackManifestInput {
  return {
    createdAt: '2025-06-01T00:00:00.000Z',
    catalog: { id: catalog.id, items: N },
    itemIds: catalog.items.map((i) => i.id),
    models,
    training: { source: 'test', description: 'test', users: 1, interactions: 1, licence: 'CC0-1.0' },
    metrics: {},
  };
}

/** A sealed pack holding `tensors` as its embedding model (default: the fitting base). */
function packWith(tensors: Record<string, SerializedTensor> = base.tensors, featuresHash = base.featuresHash): Promise<ArrayBuffer> {
  return encodeSealedPack(
    manifest([{ name: 'embedding', weightsFormat: 'burrow-embedding/1', config: {}, configHash: base.configHash, featuresHash }]),
    { embedding: { tensors } },
  );
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  catalog = tinyCatalog();
  const model = createEmbeddingModel({ numUsers: 1, numItems: N, features: appCatalogFeatures(catalog), config: PERSONAL_CONFIG });
  base = await model.exportWeights();
  delete base.tensors['user/embedding'];
  model.dispose();
});

afterAll(() => vi.unstubAllGlobals());

async function startEngine(storeName: string, pack: ArrayBuffer) {
  vi.stubGlobal('fetch', async () => new Response(pack.slice(0)));
  const notices: EngineNotice[] = [];
  const engine = new Engine((n) => notices.push(n));
  await engine.open({ catalog, storeName });
  await engine.init({ backend: 'cpu', defaultPackUrl: '/packs/default.burrowpack' });
  // a second connection to the same database: what another tab (or a test's inspection) sees
  const store = await openStore({ name: storeName });
  return { engine, notices, store };
}

let uids = 0;
/** A like as the UI sends it to the engine (the one writer of events). */
const like = (i: number) => ({ uid: `test-${++uids}`, itemId: `film-${i}`, kind: 'like' as const, value: null, session: 'test' });

describe('packs whose embedding side does not fit are refused at load (item 2)', () => {
  const bias = () => base.tensors['item/bias']!;
  const cases: [string, () => Promise<ArrayBuffer>, RegExp][] = [
    ['item/bias as [1, N]', () => packWith({ ...base.tensors, 'item/bias': { ...bias(), shape: [1, N] } }), /item\/bias has shape \[1,40\]/],
    ['item/bias missing', () => {
      const { ['item/bias']: _gone, ...rest } = base.tensors;
      void _gone;
      return packWith(rest);
    }, /missing item-side weights item\/bias/],
    ['a changed featuresHash', () => packWith(base.tensors, 'f00d'), /other item features/],
    ['item/bias as int32', () => packWith({ ...base.tensors, 'item/bias': { ...bias(), dtype: 'int32' } }), /dtype int32/],
  ];
  it.each(cases)('%s: refused with the reason; the previous base stays and trains', async (_label, make, reason) => {
    const { engine, store } = await startEngine(`engine-pack-${Math.random()}`, await packWith());
    const before = engine.packInfo();
    expect(before.source).toBe('default');
    await expect(engine.loadPack({ data: await make(), fileName: 'bad.burrowpack' })).rejects.toThrow(reason);
    expect(engine.packInfo()).toEqual(before);
    // nothing was stored as the user's pack: a restart still uses the default
    expect(await store.loadCheckpoint('pack/user')).toBeUndefined();
    for (let i = 0; i < 3; i++) await engine.record(like(i));
    const status = await engine.train();
    expect(status.state).toBe('ready');
    store.close();
  });
});

describe('a training that fails leaves the trainer usable (item 3)', () => {
  it('a base that does not fit makes train() throw; training is not stuck, and works with a fitting base', async () => {
    const store = await openStore({ name: `engine-stuck-${Math.random()}` });
    const personal = new PersonalModel(store, catalog.id, appCatalogFeatures(catalog));
    const signals = [{ item: 1, strength: 1, ts: 1 }, { item: 2, strength: 1, ts: 2 }];
    personal.useBase({ ...base, tensors: { ...base.tensors, 'item/bias': { ...base.tensors['item/bias']!, shape: [1, N] } } });
    await expect(personal.train(signals, 2, () => {})).rejects.toThrow(/do not fit this model/);
    expect(personal.training).toBe(false);
    expect(personal.cancel()).toBe(false);
    personal.useBase(base);
    const info = await personal.train(signals, 2, () => {});
    expect(info.steps).toBeGreaterThan(0);
    expect(personal.training).toBe(false);
    store.close();
  });
});

describe('fold-in and training take turns (item 4)', () => {
  it('a like and a ranking every tick while the first and second trainings run and end: nothing fails', async () => {
    // On WebGPU a readback (tensor.data()) resolves later, after other tasks ran; the cpu backend
    // reads at once. Deferring the cpu read by a macrotask gives Node the GPU's timing, so a
    // tensor disposed while its read is pending fails here as it does in the browser
    // ("Cannot read properties of undefined (reading 'backend')").
    const cpu = tf.backend() as unknown as { read(dataId: object): Promise<unknown> };
    const read = cpu.read.bind(cpu);
    const deferred = vi.spyOn(cpu, 'read').mockImplementation(async (dataId) => {
      await new Promise((resolve) => setTimeout(resolve, 0));
      return read(dataId);
    });
    onTestFinished(() => deferred.mockRestore());
    const { engine, store } = await startEngine(`engine-race-${Math.random()}`, await packWith());
    const failures: unknown[] = [];
    let next = 0;
    const pending: Promise<unknown>[] = [];
    /**
     * What the UI does per click: record the like, then re-rank (fold-in on the live model) without
     * waiting for the previous ranking (session.refreshRecommendations is fire-and-forget).
     */
    const click = async () => {
      await engine.record(like(next++ % (N - 10))); // 10 items stay unjudged, to be recommended
      pending.push(engine.recommend({ k: 5 }).catch((e: unknown) => failures.push(e)));
      await new Promise((resolve) => setTimeout(resolve, 0));
    };
    for (let i = 0; i < 5; i++) await click();
    for (let round = 0; round < 2; round++) {
      let done = false;
      const training = engine.train().finally(() => (done = true));
      // keep clicking through the whole run, including the swap-in, checkpoint and quality record at its end
      while (!done) await click();
      for (let i = 0; i < 3; i++) await click();
      const status = await training;
      expect(status.state).toBe('ready');
    }
    await Promise.all(pending);
    expect(failures).toEqual([]);
    const result = await engine.recommend({ k: 5 });
    expect(result.source).toBe('embedding');
    expect(result.items).toHaveLength(5);
    store.close();
  });
});

describe("a pack's learned starting blend", () => {
  const learned = { personal: 1.5, content: 0.5, sequence: 0.2, era: 0.5, popularity: 1, quality: 0.1 };

  it('is where For you starts, and what the model panel reports; a damaged one falls back to the app prior', async () => {
    const withPrior = async (weights: Record<string, number>) =>
      withManifest(decodePack(await packWith()), { ...manifestInputOf(decodePack(await packWith()).manifest), blendPrior: { weights, setting: 'first session', users: 10, targets: 90 } });
    const { engine, store } = await startEngine(`engine-prior-${Math.random()}`, await withPrior(learned));
    expect(engine.hybridWeights()).toEqual(learned);
    expect(engine.modelStatus().blend).toMatchObject({ learned: false, prior: 'pack', weights: learned });
    store.close();
    const damaged = await startEngine(`engine-prior-bad-${Math.random()}`, await withPrior({ personal: 1, extra: 3 }));
    expect(damaged.engine.hybridWeights()).toEqual({ ...PRIOR_WEIGHTS });
    expect(damaged.engine.modelStatus().blend.prior).toBe('app');
    damaged.store.close();
  });

  it("pulls each user's own fit back to it as hard as the pack learned (null: not refitted)", async () => {
    const withPull = async (historyL2: number | null) =>
      withManifest(decodePack(await packWith()), {
        ...manifestInputOf(decodePack(await packWith()).manifest),
        blendPrior: { weights: learned, setting: 'first session', users: 10, targets: 90, historyL2 },
      });
    const eraWeightAfterFifties = async (historyL2: number | null) => {
      const { engine, store } = await startEngine(`engine-pull-${Math.random()}`, await withPull(historyL2));
      for (const i of [0, 6, 12, 18, 24, 30]) await engine.record(like(i));
      await engine.recommend({ k: 3 });
      const { blend } = engine.modelStatus();
      store.close();
      return blend;
    };
    const fixed = await eraWeightAfterFifties(null);
    expect(fixed).toMatchObject({ learned: false, likes: 0, prior: 'pack', weights: learned });
    const loose = await eraWeightAfterFifties(1);
    const tight = await eraWeightAfterFifties(30);
    expect(loose.likes).toBe(5);
    expect(loose.weights.era! - learned.era).toBeGreaterThan(tight.weights.era! - learned.era);
    expect(tight.weights.era!).toBeGreaterThan(learned.era);
  });
});

describe("For you's weights, learned on the user's own likes", () => {
  it('raise the signal that foresaw each like (here the era: every like is from the 1950s) and say how many likes taught them', async () => {
    const { engine, store } = await startEngine(`engine-history-blend-${Math.random()}`, await packWith());
    await engine.recommend({ k: 5 });
    expect(engine.modelStatus().blend).toMatchObject({ learned: false, likes: 0, weights: { ...PRIOR_WEIGHTS } });
    const fifties = [0, 6, 12, 18, 24, 30]; // year 1950 + (i % 6) * 10, across all four genres
    for (const i of fifties) await engine.record(like(i));
    const { items } = await engine.recommend({ k: 3 });
    const blend = engine.modelStatus().blend;
    // the first like had no taste before it; each later one is an example
    expect(blend).toMatchObject({ learned: true, likes: fifties.length - 1 });
    expect(blend.weights.era!).toBeGreaterThan(PRIOR_WEIGHTS.era);
    expect(items[0]!.itemId).toBe('film-36'); // the one 1950s film not yet liked
    // the same log gives the same weights (the explored list of one event shares them)
    await engine.recommend({ k: 3, explore: true });
    expect(engine.modelStatus().blend.weights).toEqual(blend.weights);
    store.close();
  });
});

describe('the event path: the engine writes every event and keeps the log in memory', () => {
  /** Reads of the event log by the engine's own connection (the test's second connection is left out). */
  function countReads(inspector: () => BurrowStore) {
    const reads = vi.spyOn(BurrowStore.prototype, 'readEvents');
    onTestFinished(() => reads.mockRestore());
    return () => reads.mock.contexts.filter((store) => store !== inspector()).length;
  }

  it('opening reads the log once; clicks (record, For you, Up next) and a training read it no more', async () => {
    let store!: BurrowStore;
    const engineReads = countReads(() => store);
    const started = await startEngine(`engine-reads-${Math.random()}`, await packWith());
    store = started.store;
    const { engine, notices } = started;
    expect(engineReads()).toBe(1);
    for (let i = 0; i < 6; i++) {
      await engine.record(like(i));
      await Promise.all([engine.recommend({ k: 5 }), engine.upNext({ k: 5 }), engine.recommend({ k: 5, explore: true })]);
    }
    await engine.train();
    expect(engineReads()).toBe(1);
    // the log it keeps is the stored one, and the UI was told of each append, in order
    const stored = (await store.readEvents()).events;
    expect(engine.logView().events).toEqual(stored);
    expect(notices.flatMap((n) => (n.kind === 'log' && n.change.type === 'append' ? [n.change.event] : []))).toEqual(stored);
    // For you ranks what is in memory: the liked films are not offered again
    const { items } = await engine.recommend({ k: N });
    expect(items.map((x) => x.itemId)).not.toContain('film-5');
    store.close();
  });

  it("another tab's write is seen: the log is read again once, the UI gets the whole log, For you leaves the film out", async () => {
    let store!: BurrowStore;
    const engineReads = countReads(() => store);
    const started = await startEngine(`engine-tabs-${Math.random()}`, await packWith());
    store = started.store;
    const { engine, notices } = started;
    await engine.record(like(1));
    // the second connection is the other tab: it writes behind this engine's back
    await store.append({ itemId: 'film-2', kind: 'like', catalogId: catalog.id });
    await vi.waitFor(() => expect(engine.logView().events.map((e) => e.itemId)).toEqual(['film-1', 'film-2']));
    expect(engineReads()).toBe(2);
    expect(notices.at(-1)).toMatchObject({ kind: 'log', change: { type: 'reset', skipped: 0, events: [{ itemId: 'film-1' }, { itemId: 'film-2' }] } });
    const { items } = await engine.recommend({ k: N });
    expect(items.map((x) => x.itemId)).not.toContain('film-2');
    store.close();
  });

  it('a write the disk refuses is reported with the reason; the log, the store and the UI keep what they had', async () => {
    const { engine, notices, store } = await startEngine(`engine-full-${Math.random()}`, await packWith());
    await engine.record(like(1));
    const add = vi.spyOn(IDBObjectStore.prototype, 'add').mockImplementation(() => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    });
    await expect(engine.record(like(2))).rejects.toThrow(/storage is full: the event was not saved/);
    add.mockRestore();
    expect(engine.logView().events.map((e) => e.itemId)).toEqual(['film-1']);
    expect((await store.readEvents()).events.map((e) => e.itemId)).toEqual(['film-1']);
    expect(notices.filter((n) => n.kind === 'log')).toHaveLength(1);
    await engine.record(like(3));
    expect(engine.logView().events.map((e) => e.itemId)).toEqual(['film-1', 'film-3']);
    store.close();
  });

  it('import, export and erase go through the log; it opens and records without a compute backend', async () => {
    const storeName = `engine-data-${Math.random()}`;
    const notices: EngineNotice[] = [];
    const engine = new Engine((n) => notices.push(n));
    // only opened: what the app runs when every compute backend has failed
    const opened = await engine.open({ catalog, storeName });
    expect(opened).toEqual({ events: [], skipped: 0, settings: {} });
    await engine.record(like(1));
    await expect(engine.recommend({ k: 5 })).rejects.toThrow(/not initialised/);
    const file = await engine.exportLog();
    expect(file.events.map((e) => e.itemId)).toEqual(['film-1']);
    await engine.saveSetting({ key: 'onboarding-done', value: true });
    expect(await engine.eraseAll()).toEqual({ pack: null, model: null });
    expect(engine.logView().events).toEqual([]);
    expect(notices.at(-1)).toEqual({ kind: 'log', change: { type: 'reset', events: [], skipped: 0 } });
    expect(await engine.importLog({ data: file })).toEqual({ added: 1, duplicates: 0 });
    expect(engine.logView().events).toEqual(file.events);
    expect(notices.at(-1)).toMatchObject({ kind: 'log', change: { type: 'reset', events: file.events } });
    await expect(engine.importLog({ data: { format: 'nope' } })).rejects.toThrow(/not a Burrow export/);
    engine.close();
    // a restarted engine reads what was stored, settings included
    const again = new Engine(() => undefined);
    const reopened = await again.open({ catalog, storeName });
    expect(reopened.events).toEqual(file.events);
    expect(reopened.settings).toEqual({});
    again.close();
  });
});

describe("the engine's clock: films not released yet are never recommended", () => {
  it('with the clock in 1975, For you, every ranker and the picker keep to films up to 1975; an event keeps its own time', async () => {
    vi.stubGlobal('fetch', async () => new Response((await packWith()).slice(0)));
    let now = Date.UTC(1975, 5, 1);
    const engine = new Engine(() => undefined, { ...DEFAULT_ENGINE_DEPS, now: () => now });
    await engine.open({ catalog, storeName: `engine-clock-${Math.random()}` });
    await engine.init({ backend: 'cpu', defaultPackUrl: '/packs/default.burrowpack' });
    const yearOf = (id: string) => catalog.items.find((i) => i.id === id)!.year!;
    const stored = await engine.record({ ...like(0), ts: Date.UTC(1975, 4, 1) });
    expect(stored.ts).toBe(Date.UTC(1975, 4, 1));
    await engine.record({ ...like(1), ts: Date.UTC(1975, 4, 2) });
    const forYou = await engine.recommend({ k: N });
    expect(forYou.items.length).toBeGreaterThan(0);
    expect(Math.max(...forYou.items.map((x) => yearOf(x.itemId)))).toBeLessThanOrEqual(1975);
    const { exclude } = await engine.rankers();
    expect(catalog.items.filter((item, i) => item.year! > 1975 && !exclude.includes(i))).toEqual([]);
    expect((await engine.onboarding({ k: 5 })).items.every((id) => yearOf(id) <= 1975)).toBe(true);
    // the clock moves on: the later films come back
    now = Date.UTC(2026, 0, 1);
    const later = await engine.recommend({ k: N });
    expect(Math.max(...later.items.map((x) => yearOf(x.itemId)))).toBe(2000);
    engine.close();
  });
});
