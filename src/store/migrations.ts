/**
 * The IndexedDB schema and its history. Each entry upgrades the database from version v-1 to v;
 * a user opening Burrow after several releases runs every step in between, so a step must never
 * be edited once shipped: append a new one and bump SCHEMA_VERSION.
 */
import type { DBSchema, IDBPDatabase, IDBPTransaction } from 'idb';
import { MAX_CLOCK_SKEW_MS, type CheckpointRecord } from './schema.ts';
import type { EventRow } from './events.ts';

export const DEFAULT_DB_NAME = 'burrow';

/** Meta key of the last `seq` handed out (see EventRow); reserved, not settable through setMeta. */
export const SEQ_META_KEY = 'burrow:eventSeq';
export const RESERVED_META_PREFIX = 'burrow:';

/** The current schema (version SCHEMA_VERSION). */
export interface BurrowDB extends DBSchema {
  events: { key: string; value: EventRow; indexes: { byTs: number; byItem: string } };
  checkpoints: { key: string; value: CheckpointRecord };
  /** out-of-line keys: getMeta/setMeta values and internal counters */
  meta: { key: string; value: unknown };
}

/**
 * Steps see the database untyped, since each one runs against the schema as it was at its own
 * version, not the current one.
 */
export type Migration = (
  db: IDBPDatabase<unknown>,
  tx: IDBPTransaction<unknown, string[], 'versionchange'>,
) => void | Promise<void>;

export const MIGRATIONS: Readonly<Record<number, Migration>> = {
  1: (db) => {
    const events = db.createObjectStore('events', { keyPath: 'uid' });
    events.createIndex('byTs', 'ts');
  },
  2: async (db, tx) => {
    tx.objectStore('events').createIndex('byItem', 'itemId');
    db.createObjectStore('checkpoints', { keyPath: 'key' });
    const meta = db.createObjectStore('meta');
    // Version 1 had no insertion order; time order (ties by uid) is the best reconstruction.
    let seq = 0;
    let cursor = await tx.objectStore('events').index('byTs').openCursor();
    while (cursor) {
      const row: unknown = cursor.value;
      if (typeof row === 'object' && row !== null) await cursor.update({ ...row, seq: ++seq });
      cursor = await cursor.continue();
    }
    await meta.put(seq, SEQ_META_KEY);
  },
  3: async (_db, tx) => {
    // Versions 1-2 accepted any time >= 0, so an import or a fast clock could store events dated
    // decades ahead (or beyond the largest Date). Their insertion order (seq) is kept; their time
    // becomes the upgrade's, the latest a correct clock could have stamped them with.
    const now = Date.now();
    let cursor = await tx.objectStore('events').openCursor();
    while (cursor) {
      const row: unknown = cursor.value;
      if (typeof row === 'object' && row !== null) {
        const ts = (row as { ts?: unknown }).ts;
        if (typeof ts === 'number' && ts > now + MAX_CLOCK_SKEW_MS) await cursor.update({ ...row, ts: now });
      }
      cursor = await cursor.continue();
    }
  },
};

export const SCHEMA_VERSION = Math.max(...Object.keys(MIGRATIONS).map(Number));

/** Runs steps oldVersion+1 .. newVersion in order, inside the versionchange transaction. */
export async function runMigrations(
  db: IDBPDatabase<unknown>,
  tx: IDBPTransaction<unknown, string[], 'versionchange'>,
  oldVersion: number,
  newVersion: number,
  migrations: Readonly<Record<number, Migration>> = MIGRATIONS,
): Promise<void> {
  for (let v = oldVersion + 1; v <= newVersion; v++) {
    const step = migrations[v];
    if (!step) throw new Error(`no migration to schema version ${v}`);
    await step(db, tx);
  }
}
