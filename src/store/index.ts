/** Burrow's local store: the user's event history, model checkpoints and settings, in IndexedDB. */
export { openStore, BurrowStore, type OpenStoreOptions, type ImportResult } from './store.ts';
export { StoreError, type StoreErrorReason } from './errors.ts';
export {
  EVENT_KINDS,
  EXPORT_FORMAT,
  EXPORT_VERSION,
  parseExportFile,
  parseExportText,
  implausibleTime,
  MAX_CLOCK_SKEW_MS,
  type EventKind,
  type StoredEvent,
  type NewEvent,
  type ExportFile,
  type CheckpointRecord,
  type CheckpointInfo,
  type CheckpointWeights,
} from './schema.ts';
export { randomUid, type ReadResult, type StoreStats } from './events.ts';
export type { StoreChange, ChangeKind, ChangeListener } from './changes.ts';
export type { StorageInfo } from './storage.ts';
export { storageEstimate, requestPersistence } from './storage.ts';
export { DEFAULT_DB_NAME, SCHEMA_VERSION } from './migrations.ts';
