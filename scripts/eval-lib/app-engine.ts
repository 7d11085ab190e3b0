/**
 * The app's engine (src/worker/engine.ts) in Node: TF.js on a Node backend, IndexedDB from
 * fake-indexeddb, the pack read from disk. Nothing of the engine is copied: the replay drives the
 * same class the worker runs, through the same store the session writes to.
 */
import 'fake-indexeddb/auto';
import { readFile } from 'node:fs/promises';
import type { Catalog } from '../../src/catalog';
import { openStore, type BurrowStore } from '../../src/store';
import { DEFAULT_ENGINE_DEPS, Engine } from '../../src/worker/engine';
import type { EngineNotice } from '../../src/worker/protocol';
import { prepareNodeBackend, type NodeBackend } from './backend';

export interface NodeApp {
  engine: Engine;
  /** the session's own connection to the same event store */
  store: BurrowStore;
  backend: string;
  close(): void;
}

export async function startNodeApp(options: {
  catalog: Catalog;
  packPath: string;
  backend: NodeBackend;
  storeName: string;
  onNotice?: (notice: EngineNotice) => void;
}): Promise<NodeApp> {
  const backend = await prepareNodeBackend(options.backend);
  const packBytes = await readFile(options.packPath);
  const packData = packBytes.buffer.slice(packBytes.byteOffset, packBytes.byteOffset + packBytes.byteLength) as ArrayBuffer;
  const engine = new Engine(options.onNotice ?? (() => undefined), {
    ...DEFAULT_ENGINE_DEPS,
    initCompute: async () => ({ backend: backend as 'cpu' | 'wasm', adapter: null, reason: `Node, --backend ${options.backend}`, attempts: [] }),
    fetchPack: async () => packData.slice(0),
  });
  await engine.init({ catalog: options.catalog, backend: 'auto', storeName: options.storeName, defaultPackUrl: options.packPath });
  const store = await openStore({ name: options.storeName });
  return { engine, store, backend, close: () => store.close() };
}
