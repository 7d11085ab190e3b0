/**
 * The thin IndexedDB shell: opening (with migrations and two-tab handling) and transactions.
 * Validation, ordering, statistics and import planning are pure functions elsewhere in this folder.
 */
import { wrap, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import { ChangeHub, type ChangeKind, type ChangeListener } from './changes.ts';
import { newerVersionError, StoreError, toStoreError, isQuotaError, type WriteSubject } from './errors.ts';
import { orderEvents, planImport, randomUid, summarize, toRows, type ReadResult, type StoreStats } from './events.ts';
import {
  DEFAULT_DB_NAME,
  RESERVED_META_PREFIX,
  runMigrations,
  SCHEMA_VERSION,
  SEQ_META_KEY,
  type BurrowDB,
} from './migrations.ts';
import {
  asCheckpoint,
  completeEvent,
  EXPORT_FORMAT,
  EXPORT_VERSION,
  parseCheckpoint,
  parseExportFile,
  weightBytes,
  type CheckpointInfo,
  type CheckpointRecord,
  type ExportFile,
  type NewEvent,
  type StoredEvent,
} from './schema.ts';
import { requestPersistence, storageEstimate, type StorageInfo } from './storage.ts';

export interface OpenStoreOptions {
  /** database name; tests and side-by-side profiles use their own */
  name?: string;
  /**
   * Another tab upgraded or deleted the database: this connection has been closed so that tab can
   * proceed, and every further call fails with reason 'version'. The UI should ask for a reload.
   */
  onVersionChange?: () => void;
  /** The browser closed the connection on its own (e.g. the user cleared site data). */
  onTerminated?: () => void;
  /** An older connection in another tab is delaying our upgrade; called once, opening keeps waiting. */
  onBlocked?: () => void;
  /** How long to wait for a blocking tab before failing with reason 'blocked' (default 10 s). */
  blockedTimeoutMs?: number;
  /** defaults to globalThis.indexedDB */
  idbFactory?: IDBFactory;
  /** session id stamped on events appended without one (default: a new id per opened store) */
  session?: string;
}

export interface ImportResult {
  added: number;
  duplicates: number;
}

type StoreName = StoreNames<BurrowDB>;
type WriteTx = IDBPTransaction<BurrowDB, StoreName[], 'readwrite'>;
type UpgradeTx = IDBPTransaction<unknown, string[], 'versionchange'>;

const DEFAULT_BLOCKED_TIMEOUT_MS = 10_000;

/** A full disk while the database is created or upgraded: nothing of the user's was changed. */
export const SETUP_QUOTA_MESSAGE =
  "Your browser's storage is full, so Burrow could not set up its storage (nothing was changed). " +
  "Free some space (delete other sites' data in the browser's settings, or files on a full disk), then reload this page.";

/** Keeps a request's rejection from going unhandled when an earlier failure aborts its transaction. */
function quiet<T>(p: Promise<T>): Promise<T> {
  p.catch(() => {});
  return p;
}

function lastSeq(raw: unknown): number {
  return typeof raw === 'number' && Number.isFinite(raw) ? raw : 0;
}

/** Opens (creating or upgrading) the database; resolves once every migration has committed. */
function openDatabase(factory: IDBFactory, name: string, options: OpenStoreOptions): Promise<IDBPDatabase<BurrowDB>> {
  return new Promise((resolve, reject) => {
    let request: IDBOpenDBRequest;
    try {
      request = factory.open(name, SCHEMA_VERSION);
    } catch (err) {
      reject(toStoreError(err));
      return;
    }
    let settled = false;
    let migrationError: unknown;
    /** the versionchange transaction's own error: a full disk shows here, the request only says AbortError */
    let upgradeError: unknown;
    let blockedTimer: ReturnType<typeof setTimeout> | undefined;

    request.addEventListener('upgradeneeded', (event) => {
      const transaction = request.transaction;
      if (!transaction) return;
      transaction.addEventListener('abort', () => {
        upgradeError = transaction.error;
      });
      const tx = wrap(transaction) as unknown as UpgradeTx;
      quiet(tx.done);
      runMigrations(wrap(request.result), tx, event.oldVersion, event.newVersion ?? SCHEMA_VERSION).catch((err) => {
        migrationError = err;
        try {
          tx.abort();
        } catch {
          /* already aborted by the failing request */
        }
      });
    });

    request.addEventListener('blocked', () => {
      options.onBlocked?.();
      blockedTimer ??= setTimeout(() => {
        settled = true;
        reject(
          new StoreError(
            'blocked',
            'Burrow is open in another tab that is holding on to its storage. Close the other Burrow tabs, then reload this page.',
          ),
        );
      }, options.blockedTimeoutMs ?? DEFAULT_BLOCKED_TIMEOUT_MS);
    });

    request.addEventListener('success', () => {
      clearTimeout(blockedTimer);
      const db = wrap(request.result) as unknown as IDBPDatabase<BurrowDB>;
      // We already gave up waiting: release the connection so it blocks no one in turn.
      if (settled) db.close();
      else resolve(db);
      settled = true;
    });

    request.addEventListener('error', () => {
      clearTimeout(blockedTimer);
      if (settled) return;
      settled = true;
      if (isQuotaError(migrationError) || isQuotaError(upgradeError) || isQuotaError(request.error)) {
        reject(
          new StoreError(
            'quota',
            SETUP_QUOTA_MESSAGE,
            { cause: isQuotaError(migrationError) ? migrationError : isQuotaError(upgradeError) ? upgradeError : request.error },
          ),
        );
      } else if (migrationError !== undefined) {
        const detail = migrationError instanceof Error ? migrationError.message : String(migrationError);
        reject(
          new StoreError('unknown', `Burrow could not upgrade its storage to version ${SCHEMA_VERSION} (${detail}). Your data is unchanged.`, {
              cause: migrationError,
          }),
        );
      } else if (request.error?.name === 'VersionError') {
        reject(newerVersionError(request.error));
      } else {
        reject(toStoreError(request.error));
      }
    });
  });
}

export async function openStore(options: OpenStoreOptions = {}): Promise<BurrowStore> {
  const name = options.name ?? DEFAULT_DB_NAME;
  const factory = options.idbFactory ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!factory) {
    throw new StoreError(
      'unknown',
      'This browser offers no IndexedDB storage (it may be disabled, e.g. in private browsing), so Burrow cannot keep your history.',
    );
  }
  const db = await openDatabase(factory, name, options);
  return new BurrowStore(db, name, options);
}

export class BurrowStore {
  readonly name: string;
  readonly session: string;
  private readonly db: IDBPDatabase<BurrowDB>;
  private readonly hub: ChangeHub;
  private closedBy: 'caller' | 'versionchange' | 'terminated' | undefined;

  /** Use openStore(); the constructor takes an already opened, migrated connection. */
  constructor(db: IDBPDatabase<BurrowDB>, name: string, options: OpenStoreOptions = {}) {
    this.db = db;
    this.name = name;
    this.session = options.session ?? randomUid();
    this.hub = new ChangeHub(name);
    db.addEventListener('versionchange', () => {
      // Staying open would block the other tab's upgrade (or deletion) indefinitely.
      db.close();
      this.closedBy ??= 'versionchange';
      options.onVersionChange?.();
    });
    db.addEventListener('close', () => {
      this.closedBy ??= 'terminated';
      options.onTerminated?.();
    });
  }

  // ---- events ----

  async append(event: NewEvent): Promise<StoredEvent> {
    const [stored] = await this.appendMany([event]);
    if (!stored) throw new StoreError('unknown', 'The event was not saved.');
    return stored;
  }

  /** All or nothing: one invalid event rejects the batch before anything is written. */
  async appendMany(events: readonly NewEvent[]): Promise<StoredEvent[]> {
    const now = Date.now();
    const single = events.length === 1;
    const complete = events.map((e, i) =>
      completeEvent(e, { uid: randomUid(), ts: now, session: this.session, now }, single ? 'The event' : `The event at index ${i}`),
    );
    if (complete.length === 0) return [];
    await this.write(['events', 'meta'], single ? 'the event was not saved' : 'the events were not saved', 'events', (tx) =>
      this.addEvents(tx, complete),
    );
    return complete;
  }

  /** Every valid stored event, oldest first (ties in insertion order); damaged records are counted, not thrown. */
  async readEvents(): Promise<ReadResult> {
    const rows = await this.read('events', (tx) => tx.store.getAll());
    return orderEvents(rows);
  }

  async stats(): Promise<StoreStats> {
    return summarize(await this.readEvents());
  }

  // ---- export / import ----

  async exportAll(): Promise<ExportFile> {
    const { events } = await this.readEvents();
    return { format: EXPORT_FORMAT, version: EXPORT_VERSION, exportedAt: Date.now(), events };
  }

  /** Validates the whole file first, then merges it in one transaction: a failure changes nothing. */
  async importFile(data: unknown): Promise<ImportResult> {
    const file = parseExportFile(data);
    return this.write(['events', 'meta'], 'the import was not saved', 'import', async (tx) => {
      const existing = await tx.objectStore('events').getAllKeys();
      const plan = planImport(new Set(existing), file.events);
      await this.addEvents(tx, plan.toAdd);
      return { added: plan.toAdd.length, duplicates: plan.duplicates };
    });
  }

  /** "Delete all my data": events, model checkpoints and settings. */
  async clearAll(): Promise<void> {
    await this.write(['events', 'checkpoints', 'meta'], 'nothing was deleted', 'clear', (tx) =>
      Promise.all([
        quiet(tx.objectStore('events').clear()),
        quiet(tx.objectStore('checkpoints').clear()),
        quiet(tx.objectStore('meta').clear()),
      ]),
    );
  }

  // ---- checkpoints ----

  async saveCheckpoint(record: CheckpointRecord): Promise<void> {
    const valid = parseCheckpoint(record);
    await this.write(['checkpoints'], 'the model was not saved', 'checkpoints', (tx) =>
      tx.objectStore('checkpoints').put(valid),
    );
  }

  /** undefined when absent or damaged: checkpoints are derived, the caller retrains. */
  async loadCheckpoint(key: string): Promise<CheckpointRecord | undefined> {
    const raw: unknown = await this.read('checkpoints', (tx) => tx.store.get(key));
    return asCheckpoint(raw);
  }

  async deleteCheckpoint(key: string): Promise<void> {
    await this.write(['checkpoints'], 'nothing was deleted', 'checkpoints', (tx) =>
      tx.objectStore('checkpoints').delete(key),
    );
  }

  /** Newest first, without the weights. (They are still read once: IndexedDB has no partial reads.) */
  async listCheckpoints(): Promise<CheckpointInfo[]> {
    const rows = await this.read('checkpoints', (tx) => tx.store.getAll());
    const infos: CheckpointInfo[] = [];
    for (const raw of rows) {
      const record = asCheckpoint(raw);
      if (!record) continue;
      const { weights, ...info } = record;
      infos.push({ ...info, weightBytes: weightBytes(weights) });
    }
    return infos.sort((a, b) => b.createdAt - a.createdAt);
  }

  // ---- meta ----

  async getMeta<T = unknown>(key: string): Promise<T | undefined> {
    return (await this.read('meta', (tx) => tx.store.get(key))) as T | undefined;
  }

  /** `value` must be structured-cloneable. Keys starting with 'burrow:' are reserved. */
  async setMeta(key: string, value: unknown): Promise<void> {
    if (key.startsWith(RESERVED_META_PREFIX)) {
      throw new StoreError('invalid-record', `The setting name "${key}" is reserved for Burrow itself.`);
    }
    await this.write(['meta'], 'the setting was not saved', 'meta', (tx) => tx.objectStore('meta').put(value, key));
  }

  // ---- storage, notifications, lifecycle ----

  storageEstimate(): Promise<StorageInfo> {
    return storageEstimate();
  }

  requestPersistence(): Promise<boolean> {
    return requestPersistence();
  }

  /** Called after every committed change, by this store ('self') or another tab ('other'). */
  onChange(listener: ChangeListener): () => void {
    return this.hub.subscribe(listener);
  }

  close(): void {
    this.closedBy ??= 'caller';
    this.db.close();
    this.hub.close();
  }

  // ---- shell ----

  private usable(): IDBPDatabase<BurrowDB> {
    switch (this.closedBy) {
      case undefined:
        return this.db;
      case 'versionchange':
        throw new StoreError('version', 'Burrow was upgraded or its data deleted in another tab. Reload this page to continue.');
      case 'terminated':
        throw new StoreError('unknown', "The browser closed Burrow's storage (site data may have been cleared). Reload this page.");
      case 'caller':
        throw new StoreError('unknown', 'The Burrow store was closed.');
    }
  }

  private async addEvents(tx: WriteTx, events: readonly StoredEvent[]): Promise<void> {
    if (events.length === 0) return;
    const meta = tx.objectStore('meta');
    const last = lastSeq(await meta.get(SEQ_META_KEY));
    const store = tx.objectStore('events');
    const pending: Promise<unknown>[] = toRows(events, last).map((row) => quiet(store.add(row)));
    pending.push(quiet(meta.put(last + events.length, SEQ_META_KEY)));
    await Promise.all(pending);
  }

  private async read<Name extends StoreName, T>(
    storeName: Name,
    body: (tx: IDBPTransaction<BurrowDB, [Name], 'readonly'>) => Promise<T>,
  ): Promise<T> {
    try {
      const tx = this.usable().transaction(storeName, 'readonly');
      const [result] = await Promise.all([body(tx), tx.done]);
      return result;
    } catch (err) {
      throw toStoreError(err);
    }
  }

  /**
   * Runs `body` in one readwrite transaction and resolves only once it has committed, so a
   * resolved write is on disk. On any failure the transaction is rolled back before rejecting.
   */
  private async write<T>(
    stores: StoreName[],
    subject: WriteSubject,
    change: ChangeKind,
    body: (tx: WriteTx) => Promise<T>,
  ): Promise<T> {
    let tx: WriteTx;
    try {
      tx = this.usable().transaction(stores, 'readwrite');
    } catch (err) {
      throw toStoreError(err, subject);
    }
    const done = quiet(tx.done);
    let result: T;
    try {
      result = await body(tx);
      await done;
    } catch (err) {
      try {
        tx.abort();
      } catch {
        /* already committed or aborted */
      }
      const txError = await done.then(
        () => undefined,
        (e: unknown) => e,
      );
      // A quota failure often surfaces on one request while the others only see AbortError.
      throw toStoreError(!isQuotaError(err) && isQuotaError(txError) ? txError : err, subject);
    }
    this.hub.publish(change);
    return result;
  }
}
