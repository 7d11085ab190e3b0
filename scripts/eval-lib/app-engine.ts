/**
 * The app's engine (src/worker/engine.ts) in Node: TF.js on a Node backend, IndexedDB from
 * fake-indexeddb, the pack read from disk. Nothing of the engine is copied: the replay drives the
 * same class the worker runs, and writes events the way the session does, through the engine
 * (the one writer of the log).
 */
import 'fake-indexeddb/auto';
import { readFile } from 'node:fs/promises';
import type { Catalog } from '../../src/catalog';
import { DEFAULT_ENGINE_DEPS, Engine } from '../../src/worker/engine';
import type { EngineNotice } from '../../src/worker/protocol';
import { prepareNodeBackend, type NodeBackend } from './backend';

export interface NodeApp {
  engine: Engine;
  backend: string;
  /**
   * Sets what the engine takes as now (which films are out yet): a replayed event's dataset time,
   * or null for this machine's clock.
   */
  setClock(ts: number | null): void;
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
  let clock: number | null = null;
  const engine = new Engine(options.onNotice ?? (() => undefined), {
    ...DEFAULT_ENGINE_DEPS,
    now: () => clock ?? Date.now(),
    initCompute: async () => ({ backend: backend as 'cpu' | 'wasm', adapter: null, reason: `Node, --backend ${options.backend}`, attempts: [] }),
    fetchPack: async () => packData.slice(0),
  });
  await engine.open({ catalog: options.catalog, storeName: options.storeName });
  await engine.init({ backend: 'auto', defaultPackUrl: options.packPath });
  return {
    engine,
    backend,
    setClock: (ts) => {
      clock = ts;
    },
    close: () => engine.close(),
  };
}
